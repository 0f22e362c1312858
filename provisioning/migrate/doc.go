// SPDX-License-Identifier: GPL-3.0-or-later

// Package migrate is the pre-flight of taking over an existing Windows
// domain: it asks the old domain controller over LDAPS, DNS and SMB what
// the later phases (join, files, cut-over, adopt) will meet, and changes
// nothing anywhere. The pure parts (classifying levels and names, the
// checks, the estimate, the text report) work on Facts; what reaches the
// network sits behind the Directory, Resolver and Files interfaces.
package migrate

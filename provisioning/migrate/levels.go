// SPDX-License-Identifier: GPL-3.0-or-later

package migrate

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MinLevel is the lowest domain and forest functional level Samba joins
// as a DC: 4, Windows Server 2008 R2.
const MinLevel = 4

// MaxSkew is the largest clock difference Kerberos accepts.
const MaxSkew = 5 * time.Minute

// adCapability is the supportedCapabilities OID of an Active Directory
// domain controller (LDAP_CAP_ACTIVE_DIRECTORY_OID).
const adCapability = "1.2.840.113556.1.4.800"

var levelNames = map[int]string{
	0:  "Windows 2000",
	1:  "Windows Server 2003 interim",
	2:  "Windows Server 2003",
	3:  "Windows Server 2008",
	4:  "Windows Server 2008 R2",
	5:  "Windows Server 2012",
	6:  "Windows Server 2012 R2",
	7:  "Windows Server 2016",
	10: "Windows Server 2025",
}

// LevelName names a functional level.
func LevelName(level int) string {
	if n, ok := levelNames[level]; ok {
		return n
	}
	return fmt.Sprintf("level %d", level)
}

var schemaNames = map[int]string{
	13: "Windows 2000",
	30: "Windows Server 2003",
	31: "Windows Server 2003 R2",
	44: "Windows Server 2008",
	47: "Windows Server 2008 R2",
	56: "Windows Server 2012",
	69: "Windows Server 2012 R2",
	87: "Windows Server 2016",
	88: "Windows Server 2019/2022",
	91: "Windows Server 2025",
}

// SchemaName names a schema objectVersion.
func SchemaName(v int) string {
	if n, ok := schemaNames[v]; ok {
		return n
	}
	return fmt.Sprintf("schema version %d", v)
}

// ParseGeneralizedTime reads an LDAP generalized time such as
// "20261207130641.0Z" (UTC; fractions ignored).
func ParseGeneralizedTime(s string) (time.Time, error) {
	if len(s) < 14 {
		return time.Time{}, fmt.Errorf("time %q is not a generalized time", s)
	}
	t, err := time.Parse("20060102150405", s[:14])
	if err != nil {
		return time.Time{}, fmt.Errorf("time %q is not a generalized time", s)
	}
	rest := strings.TrimLeft(s[14:], ".,0123456789")
	if rest != "Z" && rest != "" {
		return time.Time{}, fmt.Errorf("time %q is not in UTC", s)
	}
	return t.UTC(), nil
}

// ErrNotDC is what Refuse returns for an LDAP server that is no Active
// Directory domain controller.
var ErrNotDC = errors.New("not an Active Directory domain controller")

// Refuse says why the old server cannot be taken over, from its root
// entry alone: it is not an AD domain controller, or the domain's or
// forest's functional level is below 2008 R2.
func Refuse(from string, root RootDSE) error {
	isAD := false
	for _, c := range root.Capabilities {
		if c == adCapability {
			isAD = true
		}
	}
	if !isAD || root.DefaultNC == "" || root.DomainLevel == "" {
		return fmt.Errorf("%s answers LDAP but is %w (its root entry has no Active Directory capability or domain): give the address of the old domain controller", from, ErrNotDC)
	}
	for _, l := range []struct{ what, raw string }{{"domain", root.DomainLevel}, {"forest", root.ForestLevel}} {
		n, err := strconv.Atoi(l.raw)
		if err != nil {
			return fmt.Errorf("%s sends a %s functional level %q that is not a number", from, l.what, l.raw)
		}
		if n < MinLevel {
			return fmt.Errorf("the old %s's functional level is %s (%d); joining it needs at least %s (%d): raise the %s functional level on the old domain controller first (Active Directory Domains and Trusts)",
				l.what, LevelName(n), n, LevelName(MinLevel), MinLevel, l.what)
		}
	}
	return nil
}

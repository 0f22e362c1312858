// SPDX-License-Identifier: GPL-3.0-or-later

package migrate

import (
	"context"
	"time"
)

// RootDSE is what the old DC's LDAP root entry says about it, read
// before binding.
type RootDSE struct {
	DefaultNC     string
	ConfigNC      string
	SchemaNC      string
	RootDomainNC  string
	DNSHostName   string
	DSServiceName string
	// CurrentTime is the DC's clock (generalized time).
	CurrentTime string
	// DomainLevel, ForestLevel and DCLevel are domainFunctionality,
	// forestFunctionality and domainControllerFunctionality as sent.
	DomainLevel string
	ForestLevel string
	DCLevel     string
	// Capabilities are the supportedCapabilities OIDs.
	Capabilities []string
}

// Account is a user, group or computer of the old domain.
type Account struct {
	// Kind is "user", "group" or "computer".
	Kind        string
	Name        string
	DisplayName string
	Disabled    bool
	// System marks the domain's own accounts (built-in, critical system
	// objects, well-known RIDs): they come with the join and are never
	// managed by a template.
	System bool
}

// DNSFacts is what the old DC's DNS server answers.
type DNSFacts struct {
	// Domain holds the addresses of the domain name.
	Domain    []string
	DomainErr string
	// LDAP and Kerberos hold the targets of _ldap._tcp and
	// _kerberos._tcp.
	LDAP        []string
	LDAPErr     string
	Kerberos    []string
	KerberosErr string
	// DCHost holds the addresses of the DC's own host name.
	DCHost    []string
	DCHostErr string
}

// Directory is the old DC's LDAP server, connected but not yet bound.
type Directory interface {
	// RootDSE reads the root entry (anonymously).
	RootDSE(ctx context.Context) (RootDSE, error)
	// Bind logs in; a refusal is a *BindError.
	Bind(ctx context.Context, user, password string) error
	// SchemaVersion is the objectVersion of the schema naming context.
	SchemaVersion(ctx context.Context, schemaNC string) (int, error)
	// NetBIOSName is the domain's NetBIOS name (its crossRef's nETBIOSName).
	NetBIOSName(ctx context.Context, root RootDSE) (string, error)
	// FSMO lists the five FSMO roles and their owners.
	FSMO(ctx context.Context, root RootDSE) ([]Role, error)
	// Accounts lists the users, groups and computers of the domain.
	Accounts(ctx context.Context, baseDN string) ([]Account, error)
	// DCs lists the DNS host names of the forest's domain controllers
	// (their NTDS Settings objects).
	DCs(ctx context.Context, root RootDSE) ([]string, error)
	Close() error
}

// Resolver asks the old DC's DNS server.
type Resolver interface {
	Check(ctx context.Context, domain, dcHost string) DNSFacts
}

// Files reaches the old server's shares over SMB.
type Files interface {
	// Shares lists the shares (name, type, comment, path when readable).
	Shares(ctx context.Context) ([]Share, error)
	// Walk counts a share's files, folders and bytes into s.
	Walk(ctx context.Context, s *Share)
	// ACL reads the owner and entry count of a share's top folder into s.
	ACL(ctx context.Context, s *Share)
	// Close removes what the Files made (its authentication file).
	Close() error
}

// Facts is everything the pre-flight learned, the input of Build.
type Facts struct {
	From string
	Root RootDSE
	// Now is this box's clock when the root entry was read.
	Now       time.Time
	NetBIOS   string
	Schema    int
	SchemaErr string
	FSMO      []Role
	FSMOErr   string
	Accounts  []Account
	// AccountsErr says why the accounts could not be listed.
	AccountsErr string
	DNS         DNSFacts
	Shares      []Share
	SharesErr   string
	DCs         []string
	DCsErr      string
	// FreeBytes is the free space where the shares will live on this
	// box (FreeWhere), 0 when unknown.
	FreeBytes int64
	FreeWhere string
}

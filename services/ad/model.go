// SPDX-License-Identifier: GPL-3.0-or-later

package ad

import "context"

// User is a user account as the directory holds it.
type User struct {
	// DN is the entry's distinguished name (set by the directory).
	DN          string
	Username    string // sAMAccountName
	GivenName   string // givenName
	Surname     string // sn
	DisplayName string // displayName
	Email       string // mail
	// Aliases are extra mail addresses, stored as "smtp:<address>" values
	// of proxyAddresses.
	Aliases  []string
	Disabled bool // userAccountControl bit 2 (ACCOUNTDISABLE)
	// PasswordNeverExpires is userAccountControl DONT_EXPIRE_PASSWORD
	// (0x10000), set for service accounts.
	PasswordNeverExpires bool
	// DomainAdmin says the user is a direct member of Domain Admins
	// (DomainAdminsGroup); set by the directory when reading.
	DomainAdmin bool
	// MustChangePassword says the user has not chosen their own password
	// yet: pwdLastSet is 0, so the next logon must change it (SMB logons
	// are refused with NT_STATUS_PASSWORD_MUST_CHANGE, IMAP with "Login
	// denied" until then).
	MustChangePassword bool
	// HomeDirectory (\\HOST\user) and HomeDrive (H:) map the user's home
	// share at logon; set when the site enables homes.
	HomeDirectory string
	HomeDrive     string
	// Groups are the names (sAMAccountName) of the groups the user is a
	// direct member of, sorted; the primary group (Domain Users) is not listed.
	Groups []string
	// Builtin marks accounts Posse never changes or deletes (Administrator,
	// Guest, krbtgt, critical system objects, RIDs below 1000).
	Builtin bool
	// Managed marks entries inside OU=Posse, the only ones prune deletes.
	Managed bool
	// Origin says who created the user: OriginTemplate (an apply of the
	// site template), OriginAPI (possed: Users.Create, CSV import) or ""
	// (unmarked: by hand, or by an apply before Posse marked users). It is
	// stored in adminDescription as "posse:<origin>". Prune deletes only
	// template users; see docs/directory.md.
	Origin string
}

// DomainAdminsGroup is the sAMAccountName of the domain's built-in
// administrators group (RID 512), which Samba always names in English.
const DomainAdminsGroup = "Domain Admins"

// Origins of users and groups, stored in adminDescription with OriginPrefix.
const (
	OriginTemplate = "template"
	OriginAPI      = "api"
	// OriginAttr is the LDAP attribute that holds the mark.
	OriginAttr = "adminDescription"
	// OriginPrefix starts the mark's value: posse:template, posse:api.
	OriginPrefix = "posse:"
)

// Group is a group as the directory holds it.
type Group struct {
	DN          string
	Name        string // sAMAccountName
	Description string
	Builtin     bool
	Managed     bool
	// Origin says who created the group, like User.Origin: OriginTemplate
	// (an apply of the site template), OriginAPI (possed: Groups.Create)
	// or "" (unmarked: by hand, or by an apply before Posse marked
	// groups). Prune deletes only template groups; see docs/directory.md.
	Origin string
}

// Policy is the domain's password policy.
type Policy struct {
	MinLength  int
	Complexity bool
	// MaxAgeDays is 0 when passwords never expire.
	MaxAgeDays int
}

// UserUpdate lists the attributes of a user to replace; nil fields are
// left alone.
type UserUpdate struct {
	GivenName     *string
	Surname       *string
	DisplayName   *string
	Email         *string
	Aliases       *[]string
	Disabled      *bool
	HomeDirectory *string
	HomeDrive     *string
	// Origin replaces the creation mark (OriginTemplate, OriginAPI).
	Origin *string
	// PasswordNeverExpires flips userAccountControl DONT_EXPIRE_PASSWORD.
	PasswordNeverExpires *bool
	// DomainAdmin adds the user to Domain Admins (true) or removes them.
	DomainAdmin *bool
	// MustChangePassword true makes the next logon change the password
	// (pwdLastSet 0); false lets the current password stand (pwdLastSet
	// -1, "now"), as for a scanner or a person who reads mail first.
	MustChangePassword *bool
}

// Directory is what Posse needs from the domain's LDAP server. The LDAP
// implementation is returned by Dial; tests use adtest.Fake. Every
// name passed in is validated against the site grammar and escaped by the
// implementation; passwords are never logged or put in errors.
type Directory interface {
	// BaseDN is the domain's naming context.
	BaseDN() string
	// EnsureOU creates OU=Posse if it is missing.
	EnsureOU(ctx context.Context) error
	// Users lists every normal user account of the domain (paged search).
	Users(ctx context.Context) ([]User, error)
	// Groups lists every group of the domain.
	Groups(ctx context.Context) ([]Group, error)
	// User looks one user up; ok is false when there is none.
	User(ctx context.Context, username string) (u User, ok bool, err error)
	// CreateUser adds u in OU=Posse with the given initial password.
	CreateUser(ctx context.Context, u User, password string, mustChange bool) error
	// UpdateUser replaces the attributes set in up.
	UpdateUser(ctx context.Context, username string, up UserUpdate) error
	// SetPassword resets a password as the admin; mustChange forces a
	// change at the next logon.
	SetPassword(ctx context.Context, username, password string, mustChange bool) error
	// DeleteUser removes a user.
	DeleteUser(ctx context.Context, username string) error
	// CreateGroup adds g in OU=Posse.
	CreateGroup(ctx context.Context, g Group) error
	// SetGroupDescription replaces a group's description.
	SetGroupDescription(ctx context.Context, name, description string) error
	// SetGroupOrigin replaces a group's creation mark (OriginTemplate,
	// OriginAPI; "" removes it).
	SetGroupOrigin(ctx context.Context, name, origin string) error
	// DeleteGroup removes a group.
	DeleteGroup(ctx context.Context, name string) error
	// AddMembers adds several users to a group in one modify; users that
	// are members already are skipped.
	AddMembers(ctx context.Context, group string, usernames []string) error
	// AddMember and RemoveMember change a group's direct members.
	AddMember(ctx context.Context, group, username string) error
	RemoveMember(ctx context.Context, group, username string) error
	// Policy reads and SetPolicy writes the domain password policy.
	Policy(ctx context.Context) (Policy, error)
	SetPolicy(ctx context.Context, p Policy) error
	// Close ends the session.
	Close() error
}

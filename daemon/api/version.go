// SPDX-License-Identifier: GPL-3.0-or-later

package api

// Version is the interface version possed and its clients speak. Version 1
// carried plans and apply results as JSON strings (PlanResult.Text and
// .JSON, ApplyResult.JSON); version 2 carries them as the typed structs in
// plan.go. Version 3 returns structs that grew fields: User
// (MustChangePassword, Kind, Admin), LogonInfo (PasswordComplexity) and
// BackupStatus (the checks, drills, size and copies).
//
// The bus name and interface names stay (the bus policy and polkit name
// them); a method whose types change gets a new name with the version
// (Plan2), and possed answers the old name with ErrVersion, so a client of
// another version gets "possectl and possed differ in version: update
// both" before anything changes instead of a reply it cannot read. A
// client of this version calling an older possed gets UnknownMethod for
// the new name, which the client turns into the same sentence.
const Version = 3

// Methods on Interface whose types changed in Version 2.
const (
	// MethodPlan is Plan(ay template, a{ss} secrets) → (PlanResult).
	MethodPlan = "Plan2"
	// MethodApply is Apply(ay, a{ss}) → s job.
	MethodApply = "Apply2"
	// MethodApplyPlan is ApplyPlan(ay, a{ss}, s plan) → s job.
	MethodApplyPlan = "ApplyPlan2"
	// MethodJobResult is JobResult(s job) → (b finished, ApplyResult).
	MethodJobResult = "JobResult2"
)

// Methods whose results changed in Version 3.
const (
	// MethodUsersList is Users.List3(s query) → a(User).
	MethodUsersList = "List3"
	// MethodUsersGet is Users.Get3(s username) → (User).
	MethodUsersGet = "Get3"
	// MethodUsersLogon is Users.Logon3(s username) → (LogonInfo).
	MethodUsersLogon = "Logon3"
	// MethodBackupStatus is Backup.Status3 → (BackupStatus).
	MethodBackupStatus = "Status3"
)

// Retired are, by interface, the names of earlier interface versions whose
// types changed: possed answers each with ErrVersion. A method that only
// takes a struct that grew (Users.Create) keeps its name: an older client
// sending the old struct gets InvalidArgs, which clients read as the
// version error too.
var Retired = map[string][]string{
	Interface:       {"Plan", "Apply", "ApplyPlan", "JobResult"},
	UsersInterface:  {"List", "Get", "Logon"},
	BackupInterface: {"Status"},
}

// VersionMessage is the error message of ErrVersion.
const VersionMessage = "possectl and possed differ in version: update both (install the same posse package on this computer and on the box)"

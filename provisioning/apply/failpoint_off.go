//go:build !failpoints

package apply

// failpoint is a no-op unless built with -tags failpoints.
func failpoint(phase string, step int) error { return nil }

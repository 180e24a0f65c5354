package lock

import "errors"

// Errors returned by the locks. Match them with errors.Is: they are wrapped
// with the key.
var (
	// ErrConflict is returned by Optimistic.CAS, and by Update once it has
	// run out of attempts, when the key changed (or was deleted) since it
	// was read.
	ErrConflict = errors.New("lock: conflict")
	// ErrInvalidLease is returned by Red.Acquire and Red.Do for a lease
	// that is not > 0.
	ErrInvalidLease = errors.New("lock: invalid lease")
)

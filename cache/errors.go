package cache

import (
	"context"
	"errors"
	"fmt"
)

// Errors returned by caches and stores. Match them with errors.Is: they are
// usually wrapped with the operation and the key.
var (
	// ErrExists is returned by Add when the key is already present.
	ErrExists = errors.New("cache: key exists")
	// ErrNotInteger is returned by Increment when the stored value is not a
	// decimal integer. The value is left unchanged.
	ErrNotInteger = errors.New("cache: value is not an integer")
	// ErrDecode is matched by the error of a read whose stored bytes the
	// serializer could not unmarshal. The error is a *DecodeError that names
	// the key and unwraps to the serializer's error.
	ErrDecode = errors.New("cache: cannot decode value")
	// ErrInvalidKey is returned for a key (or namespace) that the backend
	// cannot hold and cannot safely transform.
	ErrInvalidKey = errors.New("cache: invalid key")
	// ErrClosed is returned by every operation on a closed store.
	ErrClosed = errors.New("cache: store is closed")
	// ErrInvalidTTL is returned for a negative TTL.
	ErrInvalidTTL = errors.New("cache: invalid ttl")
	// ErrTooLarge is returned by a write of a value larger than the store
	// can hold (memcached's item size limit, 1 MiB by default). The error
	// names the key and the size; the key's earlier value is left as it
	// was.
	ErrTooLarge = errors.New("cache: value too large")
	// ErrInvalidUse is returned for a call that cannot be served as made:
	// a nil context, a Cache that New did not make (a zero value, or a
	// nil pointer), a nil Hook in Options. The error says which.
	ErrInvalidUse = errors.New("cache: invalid use")
)

// checkCall returns the error of a call with ctx on c, if it cannot be
// made: ErrInvalidUse for a nil ctx or a Cache not made by New. It is
// inlined: two comparisons on the hot path.
func (c *Cache[K, V]) checkCall(ctx context.Context) error {
	if c == nil || c.vals == nil || ctx == nil {
		return c.misuse(ctx)
	}
	return nil
}

func (c *Cache[K, V]) misuse(ctx context.Context) error {
	if c == nil || c.vals == nil {
		return fmt.Errorf("%w: a Cache not made by cache.New", ErrInvalidUse)
	}
	return fmt.Errorf("%w: nil context (use context.Background or context.TODO)", ErrInvalidUse)
}

// DecodeError is the error of a read whose stored bytes could not be
// decoded. It matches ErrDecode with errors.Is and unwraps to the cause.
type DecodeError struct {
	Key string // the backend key
	Err error  // the serializer's (or store's) error
}

// Error names the key and the cause.
func (e *DecodeError) Error() string {
	return fmt.Sprintf("cache: cannot decode value of key %q: %v", e.Key, e.Err)
}

// Is reports whether target is ErrDecode.
func (e *DecodeError) Is(target error) bool { return target == ErrDecode }

// Unwrap returns the cause.
func (e *DecodeError) Unwrap() error { return e.Err }

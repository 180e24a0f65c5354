package cache

import (
	"bytes"
	"context"
	"fmt"
	"time"
)

// An Entry is a raw entry beside a key of a Cache: bytes kept at the
// backend key of KeyFunc(key)+suffix in the cache's namespace (see
// KeyWithSuffix), written and compared as they are, not through the
// serializer, and cleared with the namespace. Packages built on the cache
// keep their state in entries: lock.Red its lock ("-lock", a token with
// the lease as expiry), package loader the marks of remembered misses.
//
// An Entry holds nothing but its key and its cache's store: it is cheap to
// make, safe for concurrent use, and any number of them may name the same
// entry. Its operations are not reported to the cache's hooks: the
// packages built on it report their own (OpLockAcquire, OpLoad...), with
// Cache.Begin and Cache.End.
type Entry struct {
	key string
	b   *backend // nil for the Entry of a Cache not made by New
}

// Entry returns the entry of key with suffix, such as the lock of key
// (suffix "-lock").
func (c *Cache[K, V]) Entry(key K, suffix string) Entry {
	if c == nil || c.vals == nil {
		return Entry{}
	}
	return Entry{key: c.KeyWithSuffix(key, suffix), b: &c.b}
}

// Key returns the backend key of the entry.
func (e Entry) Key() string { return e.key }

func (e Entry) check(ctx context.Context) error {
	switch {
	case e.b == nil:
		return fmt.Errorf("%w: the Entry of a Cache not made by cache.New", ErrInvalidUse)
	case ctx == nil:
		return fmt.Errorf("%w: nil context", ErrInvalidUse)
	}
	return nil
}

// Get returns the bytes of the entry and whether it is there.
func (e Entry) Get(ctx context.Context) ([]byte, bool, error) {
	if err := e.check(ctx); err != nil {
		return nil, false, err
	}
	return e.b.store.Get(ctx, e.key)
}

// GetTTL returns the bytes of the entry, the time it has left (0 when it
// never expires, or when the store cannot tell: see TTLGetter), and
// whether it is there.
func (e Entry) GetTTL(ctx context.Context) ([]byte, time.Duration, bool, error) {
	if err := e.check(ctx); err != nil {
		return nil, 0, false, err
	}
	return e.b.getTTL(ctx, e.key)
}

// Set writes val with the given ttl (0: no expiry), replacing what was
// there.
func (e Entry) Set(ctx context.Context, val []byte, ttl time.Duration) error {
	if err := e.check(ctx); err != nil {
		return err
	}
	return e.b.store.Set(ctx, e.key, val, ttl)
}

// Add writes val with the given ttl if the entry is absent, atomically,
// and reports whether it did.
func (e Entry) Add(ctx context.Context, val []byte, ttl time.Duration) (bool, error) {
	if err := e.check(ctx); err != nil {
		return false, err
	}
	return e.b.store.Add(ctx, e.key, val, ttl)
}

// Delete removes the entry and reports whether it was there.
func (e Entry) Delete(ctx context.Context) (bool, error) {
	if err := e.check(ctx); err != nil {
		return false, err
	}
	return e.b.store.Delete(ctx, e.key)
}

// CompareAndDelete removes the entry if it holds val, atomically, and
// reports whether it did.
func (e Entry) CompareAndDelete(ctx context.Context, val []byte) (bool, error) {
	if err := e.check(ctx); err != nil {
		return false, err
	}
	return e.b.store.CompareAndDelete(ctx, e.key, val)
}

// CompareAndExpire gives the entry a new ttl, from now (0: no expiry), if
// it holds val, atomically, and reports whether it did: in one step on a
// store that is an Extender, else through the entry's version (a change
// of the entry between the read and the write makes the write fail).
func (e Entry) CompareAndExpire(ctx context.Context, val []byte, ttl time.Duration) (bool, error) {
	if err := e.check(ctx); err != nil {
		return false, err
	}
	return e.b.compareAndExpire(ctx, e.key, val, ttl)
}

// Watch watches the entry for a change, as the store's Watcher does (a
// PollWatcher for a store that is not one): the channel is closed after a
// change, or as a hint to read the entry again; stop must be called.
func (e Entry) Watch(ctx context.Context) (changed <-chan struct{}, stop func(), err error) {
	if err := e.check(ctx); err != nil {
		return nil, nil, err
	}
	return e.b.watch.Watch(ctx, e.key)
}

func (b *backend) compareAndExpire(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error) {
	if b.extend != nil {
		return b.extend.CompareAndExpire(ctx, key, val, ttl)
	}
	cur, ver, found, err := b.store.GetVersion(ctx, key)
	if err != nil || !found || !bytes.Equal(cur, val) {
		return false, err
	}
	_, swapped, err := b.store.CompareAndSwap(ctx, key, ver, val, ttl)
	return swapped, err
}

package memory

import "context"

// Watch registers for the next change of key: any write, delete, expiry
// change, removal of an expired entry or eviction of it, and Clear. The
// returned channel is closed at once when one happens; only watches of this
// store see its changes, as only this process holds its entries. An entry
// that expires without being touched or swept is not a change until it is
// removed (the sweep of Options.CleanupInterval, or the next operation on
// the key); a waiter that knows the expiry sets its own timer. Close closes
// every channel. stop must be called, also after the channel was closed.
func (s *Store) Watch(ctx context.Context, key string) (changed <-chan struct{}, stop func(), err error) {
	if err := s.begin(ctx); err != nil {
		return nil, nil, err
	}
	ch, done := s.waiters.Wait(key)
	return ch, done, nil
}

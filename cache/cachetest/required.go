package cachetest

import "github.com/cachekit/cachekit/cache"

// RequiredOnly returns s with only the methods of cache.Store: none of the
// optional interfaces (MultiGetter, Watcher, ValueStore...) that s may
// implement. A Cache on it uses its fallbacks for everything else, and the
// suites must pass on it as on s itself: run them on it to check the
// fallbacks on your backend, as the stores of this module do.
func RequiredOnly(s cache.Store) cache.Store { return required{s} }

// required hides every method of the store it holds but those of
// cache.Store.
type required struct{ cache.Store }

package memory

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/cachekit/cachekit/cache"
)

// This file holds the methods of cache.WordStore and the entries they
// write. A value of at most eight bytes without pointers (an integer, a
// float, a bool, or a named type of one) held as a Go value costs a box:
// the 8 bytes the interface's data word points to, allocated by whoever
// made the interface, on every write. A Cache of such a type writes it
// with SetWord instead, as its bits, which a wordEntry holds in place of
// the data word: no allocation per write, 8 bytes less per entry. GetWord
// reads the bits back with no allocation; the other readers see the value
// as any other (GetValue boxes it for its caller).

// wordEntry is the layout of an entry that holds a word value: entry's,
// with the data word a number instead of a pointer, so that the garbage
// collector never takes the bits for one. It is only ever used through an
// *entry (see newEntry), whose data field is then never touched: entries
// with stWord set keep their value in the bits, read with wordBits.
type wordEntry struct {
	key     string
	typ     unsafe.Pointer
	bits    atomic.Uint64
	state   atomic.Uint64
	expires atomic.Int64
}

// wordEntry has entry's layout: these fail to compile if an offset or the
// size differs (an array length must not be negative).
var (
	_ [unsafe.Sizeof(entry{}) - unsafe.Sizeof(wordEntry{})]struct{}
	_ [unsafe.Sizeof(wordEntry{}) - unsafe.Sizeof(entry{})]struct{}
	_ [unsafe.Offsetof(entry{}.data) - unsafe.Offsetof(wordEntry{}.bits)]struct{}
	_ [unsafe.Offsetof(wordEntry{}.bits) - unsafe.Offsetof(entry{}.data)]struct{}
	_ [unsafe.Offsetof(entry{}.state) - unsafe.Offsetof(wordEntry{}.state)]struct{}
	_ [unsafe.Offsetof(wordEntry{}.state) - unsafe.Offsetof(entry{}.state)]struct{}
)

// newEntry returns a new entry for key: a wordEntry if word is set.
func newEntry(key string, word bool) *entry {
	if !word {
		return &entry{key: key}
	}
	w := &wordEntry{key: key}
	w.state.Store(stWord)
	return (*entry)(unsafe.Pointer(w))
}

// wordBits returns the bits of e, a wordEntry.
func (e *entry) wordBits() *atomic.Uint64 {
	return &(*wordEntry)(unsafe.Pointer(e)).bits
}

// boxWord returns the word value of type typ and bits bits as an interface,
// in a box of its own.
func boxWord(typ unsafe.Pointer, bits uint64) any {
	box := new(uint64)
	*box = bits
	var v any
	p := (*eface)(unsafe.Pointer(&v))
	p.typ, p.data = typ, unsafe.Pointer(box)
	return v
}

// stored is the value a write stores: a Go value, or, for SetWord, a word.
type stored struct {
	val  any
	typ  unsafe.Pointer // type of a word
	bits uint64         // a word
	word bool
}

// wordOf returns the type word of like and its size, and whether values
// of that type can be held as a word: at most eight bytes, no pointers.
func wordOf(like any) (typ unsafe.Pointer, size uintptr, ok bool) {
	t := reflect.TypeOf(like)
	if t == nil {
		return nil, 0, false
	}
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64:
	default:
		return nil, 0, false
	}
	return (*eface)(unsafe.Pointer(&like)).typ, t.Size(), true
}

// Compile-time check of the interface.
var (
	_ cache.WordStore     = (*Store)(nil)
	_ cache.WordTTLGetter = (*Store)(nil)
)

// GetWord returns the bits of the value of key if it is a value of the
// type of like (of at most eight bytes, without pointers), whether it
// was, and whether key was found: a value of another type is found, but
// not a word of like's type, and its caller reads it with GetValue. It
// allocates nothing.
//
// A word value read by its own type takes the shortest way of any read:
// no sequence lock, since a wordEntry's type never changes (a write of
// another type replaces the entry) and its writer stores the bits before
// the expiry, which GetWord loads first: an expiry it sees new comes with
// its bits, and bits newer than the expiry it saw are the key's value
// anyway (whose expiry, when the old one has passed, is one of a write
// concurrent with the read, which may come after it).
func (s *Store) GetWord(ctx context.Context, key string, like any) (bits uint64, isWord, found bool, err error) {
	if err := s.begin(ctx); err != nil {
		return 0, false, false, err
	}
	bits, isWord, found, _, _ = s.word(key, like)
	return bits, isWord, found, nil
}

// GetWordTTL is GetWord, and also returns the time the value has left
// before it expires (0 for none): what package loader reads to know the
// age of a word. It allocates nothing.
func (s *Store) GetWordTTL(ctx context.Context, key string, like any) (bits uint64, ttl time.Duration, isWord, found bool, err error) {
	if err := s.begin(ctx); err != nil {
		return 0, 0, false, false, err
	}
	bits, isWord, found, exp, now := s.word(key, like)
	if !found {
		return 0, 0, false, false, nil
	}
	return bits, s.left(exp, now), isWord, true, nil
}

// word is GetWord's read, which also returns the entry's expiry and the
// time it read to check it (see loadClock).
func (s *Store) word(key string, like any) (bits uint64, isWord, found bool, exp, now int64) {
	typ := (*eface)(unsafe.Pointer(&like)).typ
	h := s.hash(key)
	sh := s.shardOf(h)
	e := sh.tab.Load().find(key, h)
	if e == nil {
		return 0, false, false, 0, 0
	}
	st := e.state.Load()
	if st&(stWord|stWriting|stDead) != stWord || atomic.LoadPointer(&e.typ) != typ {
		return s.getWord(key, like)
	}
	exp = e.expires.Load()
	bits = e.wordBits().Load()
	if exp != 0 {
		if now = s.now(); now >= exp {
			s.dropExpired(sh, key, h)
			return 0, false, false, 0, 0
		}
	}
	if st&stFreq != stFreq && st&stQueue != 0 {
		e.state.CompareAndSwap(st, st+1<<freqShift)
	}
	if sh.counting.Load() {
		sh.countHit(e)
	}
	return bits, true, true, exp, now
}

// getWord is word by the way of every read: for a value of another
// kind or type, or an entry being written or removed.
func (s *Store) getWord(key string, like any) (bits uint64, isWord, found bool, exp, now int64) {
	typ, size, ok := wordOf(like)
	snap, found, now := s.loadClock(key, true)
	if !found || !ok {
		return 0, false, found, snap.expires, now
	}
	if snap.word {
		return snap.bits, snap.typ == typ, true, snap.expires, now
	}
	p := (*eface)(unsafe.Pointer(&snap.val))
	if p.typ != typ {
		return 0, false, true, snap.expires, now
	}
	// A value of the type, stored boxed (by SetValue): its box holds size
	// bytes, read as the low bytes of the word, as SetWord's caller puts
	// them.
	switch size {
	case 1:
		bits = uint64(*(*uint8)(p.data))
	case 2:
		bits = uint64(*(*uint16)(p.data))
	case 4:
		bits = uint64(*(*uint32)(p.data))
	case 8:
		bits = *(*uint64)(p.data)
	default:
		return 0, false, true, snap.expires, now
	}
	return bits, true, true, snap.expires, now
}

// SetWord stores under key, with ttl (<= 0: no expiry), the value of the
// type of like whose bits are bits, as SetValue stores a value: the
// value's bytes are the low bytes of bits, in memory order. like's type
// must be of at most eight bytes, without pointers; any other returns an
// error matching errors.ErrUnsupported. It allocates nothing but, for a
// new key, its entry.
func (s *Store) SetWord(ctx context.Context, key string, like any, bits uint64, ttl time.Duration) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	typ, _, ok := wordOf(like)
	if !ok {
		return errNotWord(like)
	}
	s.put(key, stored{typ: typ, bits: bits, word: true}, ttl, false)
	return nil
}

// errNotWord returns the error of a SetWord whose like is of a type that
// cannot be held as a word.
func errNotWord(like any) error {
	return fmt.Errorf("memory: SetWord of a %T: %w (a word is a value of at most 8 bytes without pointers)", like, errors.ErrUnsupported)
}

package cache_test

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/memory"
)

type ab struct{ A, B string }

type nested struct {
	Name  string
	Pos   [2]int
	Inner ab
	On    bool
	_     int // blank fields take no part in ==
	Ratio float64
	C     complex64
}

type withPointer struct {
	Name  string
	Owner *ab
}

type withInterface struct{ V any }

type color string

type celsius int

type day struct {
	User string
	At   time.Time // a fmt.Stringer, though it holds a pointer
}

// keyOf returns the backend key of k in a cache with the default KeyFunc.
func keyOf[K comparable](t *testing.T, k K) string {
	t.Helper()
	c, err := cache.New(newMemory(t), cache.Options[K, int]{})
	require.NoError(t, err)
	return c.Key(k)
}

func TestDefaultKeyFuncForms(t *testing.T) {
	assert.Equal(t, "a b", keyOf(t, "a b"))
	assert.Equal(t, "-42", keyOf(t, -42))
	assert.Equal(t, "red", keyOf(t, color("red")))
	assert.Equal(t, "21", keyOf(t, celsius(21)))
	assert.Equal(t, "true", keyOf(t, true))
	assert.Equal(t, "0.5", keyOf(t, 0.5))
	assert.Equal(t, "(1+2i)", keyOf(t, complex(1, 2)))
	assert.Equal(t, "(1-2i)", keyOf(t, complex(1, -2)))
	assert.Equal(t, "[1 2 3]", keyOf(t, [3]int{1, 2, 3}))
	assert.Equal(t, `{"a b" "c"}`, keyOf(t, ab{"a b", "c"}))
	assert.Equal(t, `{"x" [1 2] {"}" "{"} true 0.25 (0+1i)}`,
		keyOf(t, nested{Name: "x", Pos: [2]int{1, 2}, Inner: ab{"}", "{"}, On: true, Ratio: 0.25, C: 1i}))
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	assert.Equal(t, `{"ada" "2026-01-02 03:04:05 +0000 UTC"}`, keyOf(t, day{"ada", at}))
}

// TestDefaultKeyFuncKeepsDistinctKeysApart: fmt.Sprint wrote both as
// {a b c}, so Get of one returned the other's value.
func TestDefaultKeyFuncKeepsDistinctKeysApart(t *testing.T) {
	c := cache.Must(cache.New(newMemory(t), cache.Options[ab, string]{}))
	ctx := t.Context()
	require.NoError(t, c.Set(ctx, ab{"a b", "c"}, "first"))
	require.NoError(t, c.Set(ctx, ab{"a", "b c"}, "second"))
	v, _, err := c.Get(ctx, ab{"a b", "c"})
	require.NoError(t, err)
	assert.Equal(t, "first", v)
	for _, pair := range [][2]ab{
		{{"a b", "c"}, {"a", "b c"}},
		{{`a" "b`, ""}, {"a", `b" "`}},
		{{"a\\", "b"}, {"a", "\\b"}},
		{{"", " "}, {" ", ""}},
	} {
		assert.NotEqual(t, c.Key(pair[0]), c.Key(pair[1]), "%#v and %#v", pair[0], pair[1])
	}
}

func TestDefaultKeyFuncGivesEqualKeysOneForm(t *testing.T) {
	type f struct{ X float64 }
	assert.Equal(t, keyOf(t, f{0}), keyOf(t, f{math.Copysign(0, -1)}), "-0 == 0")
	assert.Equal(t, keyOf(t, 0.0), keyOf(t, math.Copysign(0, -1)), "-0 == 0")
	type blank struct {
		A int
		_ int
	}
	assert.Equal(t, "{1}", keyOf(t, blank{A: 1}))
}

func TestDefaultKeyFuncRefusesKeysWithoutAStableForm(t *testing.T) {
	s := newMemory(t)
	for name, newCache := range map[string]func() error{
		"pointer":          func() error { _, err := cache.New(s, cache.Options[*ab, int]{}); return err },
		"pointer field":    func() error { _, err := cache.New(s, cache.Options[withPointer, int]{}); return err },
		"interface":        func() error { _, err := cache.New(s, cache.Options[any, int]{}); return err },
		"interface field":  func() error { _, err := cache.New(s, cache.Options[withInterface, int]{}); return err },
		"channel":          func() error { _, err := cache.New(s, cache.Options[chan int, int]{}); return err },
		"array of pointer": func() error { _, err := cache.New(s, cache.Options[[2]*int, int]{}); return err },
	} {
		err := newCache()
		assert.ErrorIs(t, err, cache.ErrInvalidKey, name)
		if assert.Error(t, err, name) {
			assert.Contains(t, err.Error(), "KeyFunc", "the error says what to set (%s)", name)
		}
	}
	assert.ErrorContains(t, func() error { _, err := cache.New(s, cache.Options[withPointer, int]{}); return err }(), "withPointer.Owner")
	// With a KeyFunc of one's own, any key type works.
	c, err := cache.New(s, cache.Options[*ab, int]{KeyFunc: func(k *ab) string { return k.A + "/" + k.B }})
	require.NoError(t, err)
	assert.Equal(t, "x/y", c.Key(&ab{"x", "y"}))
}

func TestDefaultKeyFuncOfStringsAndIntegersDoesNotAllocate(t *testing.T) {
	s := newMemory(t)
	strs := cache.Must(cache.New(s, cache.Options[string, int]{}))
	ints := cache.Must(cache.New(s, cache.Options[int, int]{}))
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = strs.Key("some key") }))
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = ints.Key(7) })) // small ints are interned
}

// FuzzDefaultKeyFuncIsInjective: two keys with one backend key are equal.
func FuzzDefaultKeyFuncIsInjective(f *testing.F) {
	f.Add("a b", "c", int64(1), 0.5, "a", "b c", int64(1), 0.5)
	f.Add(`"`, `\`, int64(-1), math.Copysign(0, -1), `\"`, "", int64(-1), 0.0)
	s := memory.New(memory.Options{})
	f.Cleanup(func() { _ = s.Close() })
	c := cache.Must(cache.New(s, cache.Options[nested, int]{}))
	f.Fuzz(func(t *testing.T, a1, b1 string, n1 int64, r1 float64, a2, b2 string, n2 int64, r2 float64) {
		k1 := nested{Name: a1, Inner: ab{b1, a2}, Pos: [2]int{int(n1), 0}, Ratio: r1}
		k2 := nested{Name: a2, Inner: ab{b2, a1}, Pos: [2]int{int(n2), 0}, Ratio: r2}
		f1, f2 := c.Key(k1), c.Key(k2)
		if (f1 == f2) != (k1 == k2) && !(math.IsNaN(r1) || math.IsNaN(r2)) {
			t.Fatalf("keys %#v and %#v (equal: %v) have the forms %q and %q", k1, k2, k1 == k2, f1, f2)
		}
	})
}

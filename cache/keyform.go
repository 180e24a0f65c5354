package cache

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
)

// This file gives keys of any other comparable type the default string
// form: distinct keys (by ==) get distinct strings, equal keys the same
// one, in every process and after every restart. The form is decided once
// per key type, in New, as a tree of appenders.
//
// At the top level, a string kind is the string itself, numbers are their
// decimal form and bools are "true" or "false". Inside a struct or an
// array, strings are quoted (strconv.Quote), so that the fields of
// AB{"a b", "c"} and AB{"a", "b c"} cannot run into each other; a struct
// is its fields between braces and an array its elements between brackets,
// separated by spaces: {1 2}, {"a b" "c"}, [3 4]. A field or element whose
// type is a fmt.Stringer (and which is exported, so that String can be
// called) is its quoted String(). Blank fields (_) are left out, as == does.
// Given the type, the text can be read back field by field, so two keys
// with the same text are equal.
//
// A float -0 is written as 0, which == holds equal to it; every NaN is
// "NaN" (NaN keys, never equal to themselves, never hit in a map either).
//
// Pointers, channels and interfaces are refused: == compares a pointer's
// address, which means nothing in another process or after the pointed-to
// value is freed and its address reused, so that a cache would miss or,
// worse, return the value of a different key; an interface's dynamic type
// and value are known only at run time and may be anything.

// appender appends the form of v to b.
type appender func(b []byte, v reflect.Value) []byte

// errNoStableForm is the cause of New's error for a key type that the
// default KeyFunc cannot give a stable string form.
var errNoStableForm = errors.New("no stable string form")

var stringerType = reflect.TypeFor[fmt.Stringer]()

// reflectKeyFunc returns the default KeyFunc of a key type that is none of
// the fast paths of defaultKeyFunc, or an error matching ErrInvalidKey that
// names Options.KeyFunc.
func reflectKeyFunc[K comparable]() (func(K) string, error) {
	t := reflect.TypeFor[K]()
	var app appender
	switch t.Kind() {
	case reflect.String:
		return func(k K) string { return reflect.ValueOf(k).String() }, nil
	case reflect.Struct, reflect.Array:
		var err error
		if app, err = appenderOf(t, t.String()); err != nil {
			return nil, fmt.Errorf("%w: the default KeyFunc cannot map keys of type %v: %w; set Options.KeyFunc", ErrInvalidKey, t, err)
		}
	default:
		var err error
		if app, err = scalarAppender(t, t.String()); err != nil {
			return nil, fmt.Errorf("%w: the default KeyFunc cannot map keys of type %v: %w; set Options.KeyFunc", ErrInvalidKey, t, err)
		}
	}
	return func(k K) string { return string(app(nil, reflect.ValueOf(k))) }, nil
}

// appenderOf returns the appender of a value of type t inside a key; path
// names it in errors.
func appenderOf(t reflect.Type, path string) (appender, error) {
	switch t.Kind() {
	case reflect.String:
		return func(b []byte, v reflect.Value) []byte { return strconv.AppendQuote(b, v.String()) }, nil
	case reflect.Struct:
		return structAppender(t, path)
	case reflect.Array:
		elem, err := fieldAppender(t.Elem(), true, path+"[]")
		if err != nil {
			return nil, err
		}
		n := t.Len()
		return func(b []byte, v reflect.Value) []byte {
			b = append(b, '[')
			for i := range n {
				if i > 0 {
					b = append(b, ' ')
				}
				b = elem(b, v.Index(i))
			}
			return append(b, ']')
		}, nil
	}
	return scalarAppender(t, path)
}

// fieldAppender is appenderOf for a field or element, which is its quoted
// String() if its type is a fmt.Stringer and it can be called (exported).
func fieldAppender(t reflect.Type, exported bool, path string) (appender, error) {
	if exported && t.Implements(stringerType) && t.Kind() != reflect.Interface {
		return func(b []byte, v reflect.Value) []byte {
			return strconv.AppendQuote(b, v.Interface().(fmt.Stringer).String())
		}, nil
	}
	return appenderOf(t, path)
}

func structAppender(t reflect.Type, path string) (appender, error) {
	type field struct {
		index int
		app   appender
	}
	var fields []field
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Name == "_" {
			continue // == ignores blank fields
		}
		app, err := fieldAppender(f.Type, f.IsExported(), path+"."+f.Name)
		if err != nil {
			return nil, err
		}
		fields = append(fields, field{i, app})
	}
	return func(b []byte, v reflect.Value) []byte {
		b = append(b, '{')
		for i, f := range fields {
			if i > 0 {
				b = append(b, ' ')
			}
			b = f.app(b, v.Field(f.index))
		}
		return append(b, '}')
	}, nil
}

// scalarAppender returns the appender of a number or a bool, and refuses
// pointers, channels and interfaces.
func scalarAppender(t reflect.Type, path string) (appender, error) {
	switch t.Kind() {
	case reflect.Bool:
		return func(b []byte, v reflect.Value) []byte { return strconv.AppendBool(b, v.Bool()) }, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(b []byte, v reflect.Value) []byte { return strconv.AppendInt(b, v.Int(), 10) }, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return func(b []byte, v reflect.Value) []byte { return strconv.AppendUint(b, v.Uint(), 10) }, nil
	case reflect.Float32, reflect.Float64:
		bits := t.Bits()
		return func(b []byte, v reflect.Value) []byte { return appendFloat(b, v.Float(), bits) }, nil
	case reflect.Complex64, reflect.Complex128:
		bits := t.Bits() / 2
		return func(b []byte, v reflect.Value) []byte {
			// (1+2i), as fmt writes it.
			c := v.Complex()
			b = appendFloat(append(b, '('), real(c), bits)
			if im := imag(c); !(im < 0) && !math.IsInf(im, -1) {
				b = append(b, '+')
			}
			b = appendFloat(b, imag(c), bits)
			return append(b, 'i', ')')
		}, nil
	case reflect.Pointer, reflect.UnsafePointer:
		return nil, fmt.Errorf("%w: %s is a pointer (%v), whose address means nothing in another process or once it is reused", errNoStableForm, path, t)
	case reflect.Chan:
		return nil, fmt.Errorf("%w: %s is a channel (%v), compared by address", errNoStableForm, path, t)
	case reflect.Interface:
		return nil, fmt.Errorf("%w: %s is an interface (%v), whose dynamic type may be anything", errNoStableForm, path, t)
	}
	return nil, fmt.Errorf("%w: %s is a %v", errNoStableForm, path, t)
}

// appendFloat appends f in its shortest form, with -0 as 0 (they are ==).
func appendFloat(b []byte, f float64, bits int) []byte {
	if f == 0 {
		f = 0 // -0 == 0
	}
	if math.IsNaN(f) {
		return append(b, "NaN"...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, bits)
}

package serializer_test

import (
	"fmt"
	"time"

	"github.com/cachekit/cachekit/serializer"
)

type user struct {
	Name   string    `json:"name"`
	Email  string    `json:"email,omitempty"`
	Roles  []string  `json:"roles"`
	Joined time.Time `json:"joined"`
	token  string    // unexported: never serialized
}

func ExampleMsgpack() {
	s := serializer.Msgpack[user]()
	in := user{
		Name:   "gopher",
		Roles:  []string{"admin"},
		Joined: time.Date(2009, 11, 10, 23, 0, 0, 0, time.UTC),
		token:  "secret",
	}
	data, err := s.Marshal(in)
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := s.Unmarshal(data)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out.Name, out.Roles, out.Joined.Equal(in.Joined), out.token == "")
	// Output: gopher [admin] true true
}

func ExampleJSON() {
	s := serializer.JSON[user]()
	data, err := s.Marshal(user{Name: "gopher", Roles: []string{"admin"},
		Joined: time.Date(2009, 11, 10, 23, 0, 0, 0, time.UTC)})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(data))
	out, err := s.Unmarshal(data)
	fmt.Println(out.Name, out.Joined.Year(), err)
	// Output:
	// {"name":"gopher","roles":["admin"],"joined":"2009-11-10T23:00:00Z"}
	// gopher 2009 <nil>
}

func ExampleGob() {
	type point struct{ X, Y int }
	s := serializer.Gob[*point]()
	data, err := s.Marshal(&point{X: 1, Y: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := s.Unmarshal(data)
	fmt.Println(*p, err)

	// A nil pointer round-trips too, as zero bytes.
	data, _ = s.Marshal(nil)
	p, err = s.Unmarshal(data)
	fmt.Println(len(data), p == nil, err)
	// Output:
	// {1 2} <nil>
	// 0 true <nil>
}

func ExampleString() {
	s := serializer.String()
	data, _ := s.Marshal("héllo")
	fmt.Println(len(data))
	v, _ := s.Unmarshal(data)
	fmt.Println(v)
	// Output:
	// 6
	// héllo
}

func ExampleBytes() {
	s := serializer.Bytes()
	in := []byte{0xca, 0xfe}
	data, _ := s.Marshal(in)
	fmt.Println(&data[0] == &in[0]) // the same slice: no copy
	// Output: true
}

func ExampleMsgpack_corrupt() {
	s := serializer.Msgpack[[]int64]()
	// An array header announcing 4 294 967 295 elements, and one byte.
	_, err := s.Unmarshal([]byte{0xdd, 0xff, 0xff, 0xff, 0xff, 0x01})
	fmt.Println(err)
	// Output: serializer: msgpack: container of 4294967295 values at offset 0 with 1 bytes left
}

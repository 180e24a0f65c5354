package benchmarks

import (
	"encoding/json"
	"fmt"
	"time"
)

// smallValue is the small struct of the serializer benchmarks: a user
// record, about 150 bytes of JSON.
type smallValue struct {
	ID      int64    `json:"id" msgpack:"id"`
	Name    string   `json:"name" msgpack:"name"`
	Email   string   `json:"email" msgpack:"email"`
	Active  bool     `json:"active" msgpack:"active"`
	Score   float64  `json:"score" msgpack:"score"`
	Tags    []string `json:"tags" msgpack:"tags"`
	Created int64    `json:"created" msgpack:"created"` // Unix milliseconds
}

// largeValue is the 4 KiB struct of the serializer benchmarks: an order
// with its lines, about 4096 bytes of JSON.
type largeValue struct {
	ID       int64       `json:"id" msgpack:"id"`
	Customer smallValue  `json:"customer" msgpack:"customer"`
	Lines    []orderLine `json:"lines" msgpack:"lines"`
	Note     string      `json:"note" msgpack:"note"`
}

// orderLine is one line of a largeValue.
type orderLine struct {
	SKU      string  `json:"sku" msgpack:"sku"`
	Title    string  `json:"title" msgpack:"title"`
	Price    float64 `json:"price" msgpack:"price"`
	Quantity int     `json:"quantity" msgpack:"quantity"`
}

// largeLines is the number of lines of the large value: with them its
// JSON is about 4 KiB.
const largeLines = 44

func newSmallValue() smallValue {
	return smallValue{
		ID:      42,
		Name:    "Ada Lovelace",
		Email:   "ada@example.com",
		Active:  true,
		Score:   97.25,
		Tags:    []string{"admin", "beta", "eu-west"},
		Created: time.Date(2024, 5, 17, 9, 30, 0, 0, time.UTC).UnixMilli(),
	}
}

func newLargeValue() largeValue {
	v := largeValue{ID: 7, Customer: newSmallValue(), Note: "leave at the door"}
	for i := range largeLines {
		v.Lines = append(v.Lines, orderLine{
			SKU:      fmt.Sprintf("SKU-%06d", 1000+i),
			Title:    fmt.Sprintf("Item number %d of the catalogue", i),
			Price:    float64(i)*1.25 + 0.99,
			Quantity: i%5 + 1,
		})
	}
	return v
}

// jsonBytes returns the JSON of v: the payload of the Bytes and String
// serializers, so that every format moves values of the same size.
func jsonBytes(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

package writeseq

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAWriteOfTheKeyChangesItsMark(t *testing.T) {
	m := Now("k")
	assert.True(t, m.Unchanged())
	Wrote("k")
	assert.False(t, m.Unchanged())
	m = Now("k")
	WroteAll()
	assert.False(t, m.Unchanged(), "a Clear writes every key")
}

func TestMostOtherKeysLeaveTheMarkAlone(t *testing.T) {
	m := Now("k")
	changed := 0
	for i := range 1000 {
		Wrote(string(rune('a'+i%26)) + string(rune(i)))
		if !m.Unchanged() {
			changed++
			m = Now("k")
		}
	}
	assert.Less(t, changed, 50, "writes of 1000 other keys changed the mark of k")
}

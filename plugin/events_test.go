package plugin

import (
	"maps"
	"testing"
)

func TestEventFields(t *testing.T) {
	for _, tc := range []struct {
		payload string
		fields  map[string]string
		data    string
	}{
		{"processname:cat groupname:cat from_state:STARTING pid:12", map[string]string{"processname": "cat", "groupname": "cat", "from_state": "STARTING", "pid": "12"}, ""},
		{"processname:cat groupname:cat pid:12 channel:stdout\nhello\nworld\n", map[string]string{"processname": "cat", "groupname": "cat", "pid": "12", "channel": "stdout"}, "hello\nworld\n"},
		{"groupname:g\n", map[string]string{"groupname": "g"}, ""},
		{"", map[string]string{}, ""},
		{"type:t\nx:y", map[string]string{"type": "t"}, "x:y"},
	} {
		e := Event{Payload: tc.payload}
		if got := e.Fields(); !maps.Equal(got, tc.fields) {
			t.Errorf("%q: fields %v", tc.payload, got)
		}
		if got := e.Data(); got != tc.data {
			t.Errorf("%q: data %q", tc.payload, got)
		}
	}
}

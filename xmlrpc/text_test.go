package xmlrpc

import (
	"math/rand/v2"
	"testing"
)

// TestAppendTextFastPath checks appendText, whose fast path skips 8 plain
// bytes at a time, against its byte-by-byte general case on strings with
// each byte value at each position, and on random strings of the bytes
// that matter.
func TestAppendTextFastPath(t *testing.T) {
	check := func(s string) {
		t.Helper()
		if got, want := string(appendText(nil, s)), string(appendTextFrom(nil, s, 0)); got != want {
			t.Fatalf("appendText(%q) = %q, want %q", s, got, want)
		}
	}
	base := []byte("/var/log/supervisor/abcdefgh-stdout.log")
	for pos := range 24 {
		for c := range 256 {
			b := append([]byte(nil), base[:24]...)
			b[pos] = byte(c)
			check(string(b))
			check(string(b[:pos+1]))
		}
	}
	alphabet := []byte("aZ09 ~\x7f\x00\x01\x1f\t\n\r&<>;]\x80\xbf\xc3\xa9\xef\xbf\xbe\xff")
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			if rng.IntN(4) == 0 {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			} else {
				b[i] = byte('a' + rng.IntN(26))
			}
		}
		check(string(b))
	}
}

package python

import "errors"

// ErrBase64 is a base64 text that ends with an incomplete group.
var ErrBase64 = errors.New("incorrect base64 padding")

// b64Value maps ASCII to base64 digit values; 0xff for other bytes.
var b64Value = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	return t
}()

// DecodeBase64 mirrors binascii.a2b_base64 in its default, non-strict mode
// (base64.decodebytes): characters outside the alphabet are skipped, a pad
// sequence completing a quad ends the input, and a trailing partial quad is
// an error.
func DecodeBase64(in []byte) ([]byte, error) {
	out := make([]byte, 0, len(in)/4*3+3)
	quad, pads := 0, 0
	var left byte
	for _, c := range in {
		if c == '=' {
			if quad >= 2 {
				pads++
				if quad+pads >= 4 {
					return out, nil
				}
			}
			continue
		}
		v := b64Value[c]
		if v == 0xff {
			continue
		}
		pads = 0
		switch quad {
		case 0:
			quad, left = 1, v
		case 1:
			quad = 2
			out = append(out, left<<2|v>>4)
			left = v & 0x0f
		case 2:
			quad = 3
			out = append(out, left<<4|v>>2)
			left = v & 0x03
		case 3:
			quad = 0
			out = append(out, left<<6|v)
			left = 0
		}
	}
	if quad != 0 {
		return nil, ErrBase64
	}
	return out, nil
}

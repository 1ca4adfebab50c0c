package httpd

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"github.com/supervisorgo/supervisor/internal/python"
	"net/http"
	"strings"
	"unicode/utf8"
)

// authResult is what the reference's auth_handler decides for a request.
type authResult int

const (
	authOK           authResult = iota
	authUnauthorized            // 401
	authMalformed               // 400: the credentials are not base64 of UTF-8 text
	authNoColon                 // 500: the reference fails unpacking "user:password"
)

// credentials is one listener's username and password, the password plain
// or "{SHA}" followed by the lower-case hex SHA-1 of the password.
type credentials struct {
	username, password string
}

// check decides a request as supervisor_auth_handler does (medusa's
// auth_handler.handle_request with encrypted_dictionary_authorizer):
//
//   - the first Authorization header of the form "scheme rest" is read;
//     none is 401;
//   - a scheme other than "basic" (any case) is 401;
//   - rest is decoded as base64.decodebytes does (characters outside the
//     alphabet skipped, a completed pad ends the input); a decode error or
//     text that is not UTF-8 is 400;
//   - the text is split at its first ":"; without one the reference fails
//     with an exception, which its server answers with 500;
//   - the username must match exactly; the password must match the stored
//     one, or its SHA-1 in lower-case hex must match what follows "{SHA}".
//
// Comparisons take constant time: both sides are hashed with SHA-256 and
// compared with subtle.ConstantTimeCompare, username and password alike,
// without short-circuit.
func (c credentials) check(r *http.Request) authResult {
	var scheme, cookie string
	found := false
	for _, v := range r.Header.Values("Authorization") {
		if s, rest, ok := strings.Cut(v, " "); ok && s != "" {
			scheme, cookie, found = s, rest, true
			break
		}
	}
	if !found || !strings.EqualFold(scheme, "basic") {
		return authUnauthorized
	}
	decoded, ok := decodeBase64(cookie)
	if !ok || !utf8.Valid(decoded) {
		return authMalformed
	}
	user, pass, ok := strings.Cut(string(decoded), ":")
	if !ok {
		return authNoColon
	}
	userOK := equal(user, c.username)
	var passOK int
	if hash, isSHA := strings.CutPrefix(c.password, "{SHA}"); isSHA {
		sum := sha1.Sum([]byte(pass))
		passOK = equal(hex.EncodeToString(sum[:]), hash)
	} else {
		passOK = equal(pass, c.password)
	}
	if userOK&passOK == 1 {
		return authOK
	}
	return authUnauthorized
}

// equal compares two strings in time independent of their contents and
// lengths; it returns 1 when they are equal.
func equal(a, b string) int {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:])
}

// decodeBase64 decodes credentials as the reference's
// base64.decodebytes does (python.DecodeBase64).
func decodeBase64(s string) ([]byte, bool) {
	b, err := python.DecodeBase64([]byte(s))
	return b, err == nil
}

package keys

import (
	"fmt"
	"strings"
	"testing"
)

// FuzzParseURI: no key URI makes ParseURI panic; one holding a PIN
// attribute (HoldsPIN) is always refused; Redact is stable, and what it
// leaves of a URI holding a PIN names no PIN attribute's value.
func FuzzParseURI(f *testing.F) {
	for _, seed := range []string{
		"file:keys/a.key?pin-source=p.txt", "pkcs11:token=t;object=o?module-path=/usr/lib/softhsm/libsofthsm2.so",
		"yubikey:serial=1;slot-id=9c?pin-policy=always", "file:a?PIN-VALUE=123456", "pkcs11:pin%2Dvalue=1;token=t",
		"pkcs11:token=a;token=b?pin-value=9", "file:%zz", ":", "pkcs11:?&&;", "yubikey:serial=1?pin%ZZvalue=1",
		":%\xb0000=0000",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, err := ParseURI(s)
		if HoldsPIN(s) && err == nil {
			t.Fatalf("a URI holding a PIN was accepted: %q", s)
		}
		r := Redact(s)
		if Redact(r) != r {
			t.Fatalf("Redact is not stable: %q -> %q -> %q", s, r, Redact(r))
		}
		// The error quotes the redacted URI (%q) and says nothing else
		// of it: with that quoting taken out, it is the error of any
		// other URI holding a PIN. (A PIN's value may still appear in its
		// fixed words: "sour" is in "pin-source".)
		if HoldsPIN(s) && err != nil {
			const other = "file:a?pin-value=0000"
			_, otherErr := ParseURI(other)
			if got, want := unquoted(err, s), unquoted(otherErr, other); got != want {
				t.Fatalf("the error of %q says more than its redacted URI: %v", s, err)
			}
		}
	})
}

// unquoted is err's text with the quoted redaction of the URI s taken out.
func unquoted(err error, s string) string {
	return strings.ReplaceAll(err.Error(), fmt.Sprintf("%q", Redact(s)), "")
}

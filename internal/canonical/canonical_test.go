package canonical

import "testing"

// Only '"' and '\' are escaped; every other byte, controls and all, is
// written as it is (OLPC canonical JSON, as cjson and python-tuf write it).
func TestAppendString(t *testing.T) {
	for in, want := range map[string]string{
		"":                 `""`,
		`a"b\c`:            `"a\"b\\c"`,
		"\x01\n<&>é\u2028": "\"\x01\n<&>é\u2028\"",
	} {
		if got := string(AppendString([]byte("x"), in)); got != "x"+want {
			t.Errorf("AppendString(%q) = %q, want %q", in, got, "x"+want)
		}
	}
	if got := string(AppendKey(nil, "ed25519", `p"k`, "ed25519")); got != `{"keytype":"ed25519","keyval":{"public":"p\"k"},"scheme":"ed25519"}` {
		t.Errorf("AppendKey = %s", got)
	}
}

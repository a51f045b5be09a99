package keys

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseURIFile(t *testing.T) {
	tests := []struct {
		in    string
		path  string
		query map[string]string
	}{
		{"file:keys/alice.key", "keys/alice.key", map[string]string{}},
		{"file:/abs/dir/bob.key", "/abs/dir/bob.key", map[string]string{}},
		{"file:keys/alice.key?pin-source=alice.pass", "keys/alice.key", map[string]string{"pin-source": "alice.pass"}},
		// Percent-encoding in the path: a space and a literal '?'.
		{"file:my%20key%3F.key", "my key?.key", map[string]string{}},
		{"file:k?pin-source=%2Ftmp%2Fp%20w", "k", map[string]string{"pin-source": "/tmp/p w"}},
	}
	for _, tt := range tests {
		u, err := ParseURI(tt.in)
		if err != nil {
			t.Errorf("ParseURI(%q): %v", tt.in, err)
			continue
		}
		if u.Scheme != "file" {
			t.Errorf("ParseURI(%q).Scheme = %q, want file", tt.in, u.Scheme)
		}
		if u.Path != tt.path {
			t.Errorf("ParseURI(%q).Path = %q, want %q", tt.in, u.Path, tt.path)
		}
		if !reflect.DeepEqual(u.Query, tt.query) {
			t.Errorf("ParseURI(%q).Query = %v, want %v", tt.in, u.Query, tt.query)
		}
		if len(u.Attrs) != 0 {
			t.Errorf("ParseURI(%q).Attrs = %v, want none", tt.in, u.Attrs)
		}
		if u.String() != tt.in {
			t.Errorf("String() = %q, want the URI as given %q", u.String(), tt.in)
		}
	}
}

func TestParseURIFileErrors(t *testing.T) {
	for _, in := range []string{"file:", "file:?pin-source=p", "file:%zz"} {
		if _, err := ParseURI(in); err == nil {
			t.Errorf("ParseURI(%q) succeeded, want an error", in)
		}
	}
}

// The examples of RFC 7512, section 3.3, except the one with pin-value
// (refused below).
func TestParseURIPKCS11RFC7512Examples(t *testing.T) {
	tests := []struct {
		in    string
		attrs map[string]string
		query map[string]string
	}{
		{"pkcs11:", map[string]string{}, map[string]string{}},
		{"pkcs11:object=my-pubkey;type=public",
			map[string]string{"object": "my-pubkey", "type": "public"}, map[string]string{}},
		{"pkcs11:object=my-key;type=private?pin-source=file:/etc/token",
			map[string]string{"object": "my-key", "type": "private"},
			map[string]string{"pin-source": "file:/etc/token"}},
		{"pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;model=1.0;object=my-certificate;type=cert;id=%69%95%3E%5C%F4%99%BE%DB%A1;serial=?pin-source=file:/etc/token_pin",
			map[string]string{
				"token":        "The Software PKCS#11 Softtoken",
				"manufacturer": "Snake Oil, Inc.",
				"model":        "1.0",
				"object":       "my-certificate",
				"type":         "cert",
				"id":           "\x69\x95\x3e\x5c\xf4\x99\xbe\xdb\xa1",
				"serial":       "",
			},
			map[string]string{"pin-source": "file:/etc/token_pin"}},
		{"pkcs11:object=my-sign-key;type=private?module-name=mypkcs11",
			map[string]string{"object": "my-sign-key", "type": "private"},
			map[string]string{"module-name": "mypkcs11"}},
		{"pkcs11:object=my-sign-key;type=private?module-path=/mnt/libmypkcs11.so.1",
			map[string]string{"object": "my-sign-key", "type": "private"},
			map[string]string{"module-path": "/mnt/libmypkcs11.so.1"}},
		{"pkcs11:slot-description=Sun%20Metaslot",
			map[string]string{"slot-description": "Sun Metaslot"}, map[string]string{}},
		{"pkcs11:library-manufacturer=Snake%20Oil,%20Inc.;library-description=Soft%20Token%20Library;library-version=1.23",
			map[string]string{
				"library-manufacturer": "Snake Oil, Inc.",
				"library-description":  "Soft Token Library",
				"library-version":      "1.23",
			}, map[string]string{}},
		// Percent-encoded '%' and ';' stay inside the value.
		{"pkcs11:token=A%20name%20with%20a%20substring%20%25%3B;object=my-certificate;type=cert",
			map[string]string{"token": "A name with a substring %;", "object": "my-certificate", "type": "cert"},
			map[string]string{}},
		// UTF-8, percent-encoded.
		{"pkcs11:token=Name%20with%20a%20small%20A%20with%20acute:%20%C3%A1;object=my-certificate;type=cert",
			map[string]string{"token": "Name with a small A with acute: \u00e1", "object": "my-certificate", "type": "cert"},
			map[string]string{}},
		{"pkcs11:token=my-token;object=my-certificate;type=cert;vendor-aaa=value-a?pin-source=file:/etc/token_pin&vendor-bbb=value-b",
			map[string]string{"token": "my-token", "object": "my-certificate", "type": "cert", "vendor-aaa": "value-a"},
			map[string]string{"pin-source": "file:/etc/token_pin", "vendor-bbb": "value-b"}},
	}
	for _, tt := range tests {
		u, err := ParseURI(tt.in)
		if err != nil {
			t.Errorf("ParseURI(%q): %v", tt.in, err)
			continue
		}
		if u.Scheme != "pkcs11" {
			t.Errorf("ParseURI(%q).Scheme = %q", tt.in, u.Scheme)
		}
		if !reflect.DeepEqual(u.Attrs, tt.attrs) {
			t.Errorf("ParseURI(%q).Attrs = %q, want %q", tt.in, u.Attrs, tt.attrs)
		}
		if !reflect.DeepEqual(u.Query, tt.query) {
			t.Errorf("ParseURI(%q).Query = %q, want %q", tt.in, u.Query, tt.query)
		}
		if u.Path != "" {
			t.Errorf("ParseURI(%q).Path = %q, want empty for pkcs11", tt.in, u.Path)
		}
	}
}

func TestParseURIPKCS11ModulePath(t *testing.T) {
	in := "pkcs11:token=root-1;object=root?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=/run/pin"
	u, err := ParseURI(in)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"token": "root-1", "object": "root"}
	if !reflect.DeepEqual(u.Attrs, want) {
		t.Errorf("Attrs = %q, want %q", u.Attrs, want)
	}
	wantQ := map[string]string{"module-path": "/usr/lib/softhsm/libsofthsm2.so", "pin-source": "/run/pin"}
	if !reflect.DeepEqual(u.Query, wantQ) {
		t.Errorf("Query = %q, want %q", u.Query, wantQ)
	}
	if err := u.CheckAttrs([]string{"token", "object"}, []string{"module-path", "pin-source"}); err != nil {
		t.Errorf("CheckAttrs with every attribute allowed: %v", err)
	}
}

func TestParseURIYubiKey(t *testing.T) {
	u, err := ParseURI("yubikey:serial=19088743;slot-id=9c")
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "yubikey" {
		t.Errorf("Scheme = %q, want yubikey", u.Scheme)
	}
	want := map[string]string{"serial": "19088743", "slot-id": "9c"}
	if !reflect.DeepEqual(u.Attrs, want) {
		t.Errorf("Attrs = %q, want %q", u.Attrs, want)
	}
	if len(u.Query) != 0 {
		t.Errorf("Query = %q, want none", u.Query)
	}
}

func TestParseURIUnknownScheme(t *testing.T) {
	for _, in := range []string{"gcpkms:projects/p/keys/k", "awskms:key-id=1", "tpm2:handle=0x81000001"} {
		_, err := ParseURI(in)
		if err == nil {
			t.Errorf("ParseURI(%q) succeeded, want an error", in)
			continue
		}
		scheme, _, _ := strings.Cut(in, ":")
		if !strings.Contains(err.Error(), "unknown scheme \""+scheme+"\"") {
			t.Errorf("ParseURI(%q) error %q does not name the scheme", in, err)
		}
	}
	for _, in := range []string{"", "keys/alice.key", ":foo"} {
		if _, err := ParseURI(in); err == nil {
			t.Errorf("ParseURI(%q) succeeded, want an error", in)
		}
	}
}

func TestParseURIMalformedAttributes(t *testing.T) {
	tests := []struct {
		in, mention string
	}{
		{"pkcs11:token=a;token=b", "\"token\" given twice"},
		{"pkcs11:token=a?module-path=/a&module-path=/b", "\"module-path\" given twice"},
		{"yubikey:serial=1;serial=1", "\"serial\" given twice"},
		{"pkcs11:token", "not name=value"},
		{"pkcs11:=x", "not name=value"},
		{"pkcs11:token=%G1", "\"token\""},
	}
	for _, tt := range tests {
		_, err := ParseURI(tt.in)
		if err == nil {
			t.Errorf("ParseURI(%q) succeeded, want an error", tt.in)
			continue
		}
		if !strings.Contains(err.Error(), tt.mention) {
			t.Errorf("ParseURI(%q) error %q does not mention %s", tt.in, err, tt.mention)
		}
	}
	// Empty parts between separators are allowed (RFC 7512 grammar is
	// lenient about them in practice) and add nothing.
	u, err := ParseURI("pkcs11:token=a;;object=b?&module-path=/m")
	if err != nil {
		t.Fatalf("empty parts: %v", err)
	}
	if len(u.Attrs) != 2 || len(u.Query) != 1 {
		t.Errorf("empty parts: Attrs %q Query %q", u.Attrs, u.Query)
	}
}

// A PIN in a URI is refused, wherever it sits, and the error never repeats
// the PIN: error messages go to terminals, logs and transcripts.
func TestParseURIRefusesPinValueWithoutEchoingIt(t *testing.T) {
	const pin = "8675309"
	tests := []string{
		"pkcs11:token=Software%20PKCS%2311%20softtoken;manufacturer=Snake%20Oil,%20Inc.?pin-value=" + pin,
		"pkcs11:token=t;pin-value=" + pin + ";object=o",
		"pkcs11:token=t;object=o?pin-value=" + pin + "&module-path=/m",
		"yubikey:serial=1;slot-id=9c?pin-value=" + pin,
		"file:keys/a.key?pin-value=" + pin,
		// Two PINs: both must be hidden.
		"pkcs11:token=t?pin-value=1111&pin-value=" + pin,
		"pkcs11:pin-value=" + pin + ";token=t?pin-value=" + pin,
		// Another error is found first; the PIN must still be hidden.
		"pkcs11:token=a;token=b?pin-value=" + pin,
		"pkcs11:token?pin-value=" + pin,
		"file:?pin-value=" + pin,
		"file:%zz?pin-value=" + pin,
		"tpm:key?pin-value=" + pin,
		"pin-value=" + pin,
		// A malformed escape inside the PIN.
		"pkcs11:token=t?pin-value=" + pin + "%G",
		"pkcs11:token=t?pin-value=%G" + pin,
		// Every spelling of the name: any case, percent-encoded.
		"file:keys/a.key?PIN-VALUE=" + pin,
		"file:keys/a.key?Pin-Value=" + pin,
		"file:keys/a.key?pin%2Dvalue=" + pin,
		"file:keys/a.key?pin%2dVALUE=" + pin,
		"pkcs11:token=t;%70in-value=" + pin + ";object=o",
		"yubikey:serial=1?PIN%2DVALUE=" + pin + "&pin-source=/p",
		// A name that does not decode hides what follows it.
		"pkcs11:token=t?pin%ZZvalue=" + pin,
		// A part that is not name=value.
		"pkcs11:token=t?" + pin,
		// Other spellings of a secret's name, and a separator the parser
		// does not split on there.
		"pkcs11:token=t;pin+value=" + pin,
		"pkcs11:token=t; pin-value=" + pin,
		"file:a?pin=" + pin,
		"file:a?Passphrase=" + pin,
		"yubikey:serial=1?pin_value=" + pin,
		"file:a?x=1;pin-value=" + pin,
	}
	for _, in := range tests {
		_, err := ParseURI(in)
		if err == nil {
			t.Errorf("ParseURI(%q) succeeded, want an error", in)
			continue
		}
		msg := err.Error()
		if strings.Contains(msg, pin) || strings.Contains(msg, "1111") || strings.Contains(msg, "%G") {
			t.Errorf("ParseURI(%q) error echoes the PIN: %q", in, msg)
		}
	}
	// The plain case says why.
	_, err := ParseURI("pkcs11:token=t?pin-value=" + pin)
	if err == nil || !strings.Contains(err.Error(), "pin-source") {
		t.Errorf("error %v does not point to pin-source", err)
	}
}

func TestCheckAttrs(t *testing.T) {
	u, err := ParseURI("pkcs11:token=t;object=o;slot=3?module-path=/m&zz=1&pin-source=/p")
	if err != nil {
		t.Fatal(err)
	}
	if err := u.CheckAttrs([]string{"token", "object", "slot"}, []string{"module-path", "zz", "pin-source"}); err != nil {
		t.Errorf("all allowed: %v", err)
	}
	err = u.CheckAttrs([]string{"token", "object"}, []string{"module-path", "pin-source"})
	if err == nil {
		t.Fatal("CheckAttrs with unknown attributes succeeded")
	}
	// Both unknown names appear, the query one marked with '?', in a
	// stable (sorted) order.
	if !strings.Contains(err.Error(), "?zz, slot") {
		t.Errorf("error %q does not list \"?zz, slot\"", err)
	}
	_, listed, _ := strings.Cut(err.Error(), "unknown attribute(s)")
	for _, known := range []string{"token", "object", "module-path", "pin-source"} {
		if strings.Contains(listed, known) {
			t.Errorf("error %q lists allowed attribute %q as unknown", err, known)
		}
	}
	// A path attribute is not allowed by being listed as a query attribute.
	y, err := ParseURI("yubikey:serial=1?slot-id=9c")
	if err != nil {
		t.Fatal(err)
	}
	if err := y.CheckAttrs([]string{"serial", "slot-id"}, nil); err == nil || !strings.Contains(err.Error(), "?slot-id") {
		t.Errorf("query slot-id where only a path slot-id is allowed: err = %v", err)
	}
	f, err := ParseURI("file:a.key?pin-source=p")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.CheckAttrs(nil, nil); err == nil {
		t.Error("CheckAttrs(nil, nil) with a query attribute succeeded")
	}
}

// TestHoldsPIN: every spelling of a PIN attribute is seen; a URI without
// one, file paths with ';' or '&' included, is not taken for one.
func TestHoldsPIN(t *testing.T) {
	for uri, want := range map[string]bool{
		"file:keys/a.key?PIN-VALUE=1":               true,
		"file:keys/a.key?pin%2dvalue=1":             true,
		"pkcs11:token=t;Pin-Value=1":                true,
		"file:keys/a;b&c.key?pin-source=p":          false,
		"pkcs11:token=t;object=o?module-path=/m.so": false,
		"yubikey:serial=1;slot-id=9c":               false,
		"file:PIN-VALUE=":                           false,
	} {
		if got := HoldsPIN(uri); got != want {
			t.Errorf("HoldsPIN(%q) = %v, want %v", uri, got, want)
		}
	}
}

// TestRedactKeepsFilePaths: a file: URI's path, ';' and '&' included, is
// shown as it is; only its query is redacted.
func TestRedactKeepsFilePaths(t *testing.T) {
	for in, want := range map[string]string{
		"file:keys/a;b&c.key?pin-source=p": "file:keys/a;b&c.key?pin-source=p",
		"file:keys/a;b.key?pin-value=1234": "file:keys/a;b.key?pin-value=REDACTED",
		"file:keys/a.key?1234":             "file:keys/a.key?REDACTED",
		"pkcs11:token=t;pin-value=1234":    "pkcs11:token=t;pin-value=REDACTED",
		"file:keys/a.key":                  "file:keys/a.key",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// NamesSameKey: the same device and key whatever the order of the
// attributes, their escapes or how a PIN is given; not another token, key
// or module.
func TestNamesSameKey(t *testing.T) {
	base := "pkcs11:token=YubiHSM;serial=13200460;object=tuf-root?module-path=/usr/lib/x/yubihsm_pkcs11.so"
	for _, c := range []struct {
		other string
		same  bool
	}{
		{"pkcs11:object=tuf-root;serial=13200460;token=YubiHSM?module-path=/usr/lib/x/yubihsm_pkcs11.so", true},
		{"pkcs11:token=Yubi%48SM;serial=13200460;object=tuf-root?module-path=/usr/lib/x/yubihsm_pkcs11.so", true},
		{base + "&pin-source=/run/pin", true},
		{"pkcs11:token=YubiHSM;serial=13200461;object=tuf-root?module-path=/usr/lib/x/yubihsm_pkcs11.so", false},
		{"pkcs11:token=YubiHSM;serial=13200460;object=tuf-targets?module-path=/usr/lib/x/yubihsm_pkcs11.so", false},
		{"pkcs11:token=YubiHSM;serial=13200460;id=%00%03?module-path=/usr/lib/x/yubihsm_pkcs11.so", false},
		{"pkcs11:serial=13200460;object=tuf-root?module-path=/usr/lib/x/yubihsm_pkcs11.so", false},
		{"pkcs11:token=YubiHSM;serial=13200460;object=tuf-root?module-path=/usr/lib/y/yubihsm_pkcs11.so", false},
		{"yubikey:serial=13200460;slot-id=9c", false},
	} {
		u, err := ParseURI(base)
		if err != nil {
			t.Fatal(err)
		}
		v, err := ParseURI(c.other)
		if err != nil {
			t.Fatalf("%s: %v", c.other, err)
		}
		if got := u.NamesSameKey(v); got != c.same {
			t.Errorf("%s: %v, want %v", c.other, got, c.same)
		}
	}
}

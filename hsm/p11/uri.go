package p11

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/tuf-ceremony/ceremony/internal/hint"
	"github.com/tuf-ceremony/ceremony/keys"
)

// target is what a pkcs11: URI names: a module, one of its tokens and a
// key pair on that token.
type target struct {
	uri    *keys.URI
	module string
	token  tokenFilter
	label  string // CKA_LABEL of the key; "" when not given
	id     []byte // CKA_ID of the key; nil when not given
}

// tokenFilter holds the token attributes a URI gives; every one given must
// match.
type tokenFilter struct {
	label, serial, manufacturer, model string
}

var (
	pathAttrs  = []string{"token", "serial", "manufacturer", "model", "object", "id", "type"}
	queryAttrs = []string{"module-path", "pin-source"}
)

// parseTarget checks a pkcs11: URI: a module-path, a token named by label
// or serial, and a key named by object label or id.
func parseTarget(u *keys.URI) (*target, error) {
	if err := u.CheckAttrs(pathAttrs, queryAttrs); err != nil {
		return nil, err
	}
	t := &target{uri: u}
	t.module = u.Query["module-path"]
	switch {
	case t.module == "":
		return nil, hint.With(fmt.Errorf("key URI %q: ?module-path=PATH is required (the PKCS#11 module, such as /usr/lib/softhsm/libsofthsm2.so); the device list gives URIs with it", u.String()), "devices")
	case !filepath.IsAbs(t.module):
		return nil, fmt.Errorf("key URI %q: module-path %q must be an absolute path", u.String(), t.module)
	}
	for name, v := range u.Attrs {
		if v == "" {
			return nil, fmt.Errorf("key URI %q: attribute %q is empty", u.String(), name)
		}
	}
	t.token = tokenFilter{
		label:        u.Attrs["token"],
		serial:       u.Attrs["serial"],
		manufacturer: u.Attrs["manufacturer"],
		model:        u.Attrs["model"],
	}
	if t.token.label == "" && t.token.serial == "" {
		return nil, fmt.Errorf("key URI %q: name the token with token=LABEL or serial=SERIAL", u.String())
	}
	t.label = u.Attrs["object"]
	if id, ok := u.Attrs["id"]; ok {
		t.id = []byte(id)
	}
	if t.label == "" && t.id == nil {
		return nil, fmt.Errorf("key URI %q: name the key with object=LABEL or id=%%XX..", u.String())
	}
	if typ, ok := u.Attrs["type"]; ok && typ != "private" && typ != "public" {
		return nil, fmt.Errorf("key URI %q: type=%q does not name a key pair (want type=private)", u.String(), typ)
	}
	return t, nil
}

// matches reports whether a token has every attribute the filter gives.
func (f tokenFilter) matches(tok tokenInfo) bool {
	return (f.label == "" || f.label == tok.label) &&
		(f.serial == "" || f.serial == tok.serial) &&
		(f.manufacturer == "" || f.manufacturer == tok.manufacturer) &&
		(f.model == "" || f.model == tok.model)
}

func (f tokenFilter) String() string {
	var parts []string
	for _, a := range [][2]string{{"token", f.label}, {"serial", f.serial}, {"manufacturer", f.manufacturer}, {"model", f.model}} {
		if a[1] != "" {
			parts = append(parts, fmt.Sprintf("%s=%q", a[0], a[1]))
		}
	}
	return strings.Join(parts, " ")
}

// KeyURI is the URI of a key pair: the token by label and serial, the key
// by label and id, every value percent-encoded as RFC 7512 asks (the id in
// full, byte by byte).
func KeyURI(module, tokenLabel, tokenSerial, keyLabel string, id []byte) string {
	var b strings.Builder
	b.WriteString("pkcs11:")
	var attrs []string
	if tokenLabel != "" {
		attrs = append(attrs, "token="+escape(tokenLabel, ""))
	}
	if tokenSerial != "" {
		attrs = append(attrs, "serial="+escape(tokenSerial, ""))
	}
	if keyLabel != "" {
		attrs = append(attrs, "object="+escape(keyLabel, ""))
	}
	if len(id) > 0 {
		var e strings.Builder
		for _, c := range id {
			fmt.Fprintf(&e, "%%%02X", c)
		}
		attrs = append(attrs, "id="+e.String())
	}
	attrs = append(attrs, "type=private")
	b.WriteString(strings.Join(attrs, ";"))
	b.WriteString("?module-path=" + escape(module, "/"))
	return b.String()
}

// escape percent-encodes every byte of s but RFC 3986's unreserved
// characters and those in keep.
func escape(s, keep string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			strings.IndexByte("-._~"+keep, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// Package canonical holds what the canonical JSON writers of metadata
// files (metafile) and of key IDs (keys) share: how a string is written.
package canonical

// AppendString appends s, valid UTF-8, as canonical JSON (OLPC, and
// go-securesystemslib's cjson) writes it: quoted, '"' and '\' escaped,
// every other byte as it is. For s not valid UTF-8, cjson writes U+FFFD
// for each bad byte: the callers check and go their slow way.
func AppendString(out []byte, s string) []byte {
	out = append(out, '"')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' {
			out = append(out, '\\')
		}
		out = append(out, s[i])
	}
	return append(out, '"')
}

// AppendKey appends the canonical JSON of a TUF key object with no other
// fields: {"keytype":…,"keyval":{"public":…},"scheme":…}, members in
// canonical order. The strings must be valid UTF-8.
func AppendKey(out []byte, keytype, public, scheme string) []byte {
	out = append(out, `{"keytype":`...)
	out = AppendString(out, keytype)
	out = append(out, `,"keyval":{"public":`...)
	out = AppendString(out, public)
	out = append(out, `},"scheme":`...)
	out = AppendString(out, scheme)
	return append(out, '}')
}

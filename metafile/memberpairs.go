package metafile

import "bytes"

// EachMemberPair calls pair with every name of a's members or b's (quoted,
// as written) and its value in each, nil where one has none, in order:
// one pass over both, for two objects' members in strictly increasing
// order of their names as written (RawMembers of canonical JSON, which
// sorts them and writes each name one way). It reports false, calling
// nothing, if either is not in that order.
func EachMemberPair(a, b []RawMember, pair func(quoted, inA, inB []byte)) bool {
	if !increasing(a) || !increasing(b) {
		return false
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		c := 0
		switch {
		case i == len(a):
			c = 1
		case j == len(b):
			c = -1
		default:
			c = bytes.Compare(a[i].Quoted, b[j].Quoted)
		}
		switch {
		case c < 0:
			pair(a[i].Quoted, a[i].Value, nil)
			i++
		case c > 0:
			pair(b[j].Quoted, nil, b[j].Value)
			j++
		default:
			pair(a[i].Quoted, a[i].Value, b[j].Value)
			i, j = i+1, j+1
		}
	}
	return true
}

func increasing(members []RawMember) bool {
	for i := 1; i < len(members); i++ {
		if bytes.Compare(members[i-1].Quoted, members[i].Quoted) >= 0 {
			return false
		}
	}
	return true
}

package plan

// Reading YAML nodes strictly: mappings with known fields only, lists,
// scalars of one type, and what to say when a node is not what is wanted.

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// mapping reads n as a mapping with only the allowed fields and returns
// the value node of each field given. It records each field's line.
func (r *reader) mapping(n *yaml.Node, path, what string, allowed []string) map[string]*yaml.Node {
	if !r.kind(n, path, yaml.MappingNode, what+" (field: value lines)") {
		return nil
	}
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			r.problemAt(k.Line, path, "a field name must be a plain word, not %s; allowed fields are %s", describe(k), strings.Join(allowed, ", "))
			continue
		}
		if k.ShortTag() == "!!merge" {
			r.problemAt(k.Line, path, "merge keys (<<) are not allowed in a plan; write the fields out")
			r.bad[path] = true
			continue
		}
		name := k.Value
		field := join(path, name)
		if !slices.Contains(allowed, name) {
			msg := fmt.Sprintf("unknown field %q", name)
			if s := suggest(name, allowed); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			r.problemAt(k.Line, field, "%s; allowed fields are %s", msg, strings.Join(allowed, ", "))
			continue
		}
		if _, dup := out[name]; dup {
			r.problemAt(k.Line, field, "given twice (first on line %d); keep one", r.lines[field])
			r.bad[field] = true
			continue
		}
		r.lines[field] = k.Line
		out[name] = v
	}
	return out
}

// list reads n as a sequence and records each item's line.
func (r *reader) list(n *yaml.Node, path string) []*yaml.Node {
	if !r.kind(n, path, yaml.SequenceNode, "a list") {
		return nil
	}
	for i, item := range n.Content {
		r.lines[index(path, i)] = item.Line
	}
	return n.Content
}

func (r *reader) strList(n *yaml.Node, path string) []string {
	items := r.list(n, path)
	if items == nil {
		if r.bad[path] {
			return nil
		}
		return []string{}
	}
	out := make([]string, len(items))
	for i, item := range items {
		var ok bool
		if out[i], ok = r.str(item, index(path, i)); !ok {
			r.bad[path] = true
		}
	}
	return out
}

func (r *reader) str(n *yaml.Node, path string) (string, bool) {
	if !r.scalar(n, path, "!!str", "text") {
		return "", false
	}
	return n.Value, true
}

var digits = regexp.MustCompile(`^[-+]?[0-9_]+$`)

func (r *reader) int(n *yaml.Node, path string) (int, bool) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!float" && digits.MatchString(n.Value) {
		// yaml.v3 reads a whole number too large for 64 bits as a float.
		r.problemAt(n.Line, path, "%s is too large; give a small whole number", n.Value)
		r.bad[path] = true
		return 0, false
	}
	if !r.scalar(n, path, "!!int", "a whole number") {
		return 0, false
	}
	var v int
	if err := n.Decode(&v); err != nil {
		r.problemAt(n.Line, path, "%s is too large; give a small whole number", n.Value)
		r.bad[path] = true
		return 0, false
	}
	return v, true
}

func (r *reader) bool(n *yaml.Node, path string) (bool, bool) {
	if !r.scalar(n, path, "!!bool", "true or false") {
		return false, false
	}
	var v bool
	if err := n.Decode(&v); err != nil {
		r.problemAt(n.Line, path, "%q is not true or false; write true or false", n.Value)
		r.bad[path] = true
		return false, false
	}
	return v, true
}

func (r *reader) scalar(n *yaml.Node, path, tag, want string) bool {
	if !r.kind(n, path, yaml.ScalarNode, want) {
		return false
	}
	if n.ShortTag() == tag {
		return true
	}
	hint := "give " + want
	if tag == "!!str" && n.Style == 0 && slices.Contains([]string{"!!int", "!!float", "!!bool", "!!timestamp"}, n.ShortTag()) {
		hint = fmt.Sprintf("put it in quotes (\"%s\") if it is meant as text", n.Value)
	}
	r.problemAt(n.Line, path, "want %s, got %s; %s", want, describe(n), hint)
	r.bad[path] = true
	return false
}

func (r *reader) kind(n *yaml.Node, path string, kind yaml.Kind, want string) bool {
	if n.Kind == kind && (kind != yaml.ScalarNode || n.ShortTag() != "!!null") {
		return true
	}
	switch {
	case n.Kind == yaml.AliasNode:
		r.problemAt(n.Line, path, "aliases (*%s) are not allowed in a plan; write the value out", n.Value)
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null":
		r.problemAt(n.Line, path, "has no value; give %s or remove the field", want)
	default:
		r.problemAt(n.Line, path, "want %s, got %s; give %s", want, describe(n), want)
	}
	r.bad[path] = true
	return false
}

// describe names what a node holds, for messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!str":
			return fmt.Sprintf("the text %q", n.Value)
		case "!!int", "!!float":
			return fmt.Sprintf("the number %s", n.Value)
		case "!!bool":
			return fmt.Sprintf("the boolean %s", n.Value)
		case "!!timestamp":
			return fmt.Sprintf("the date %s", n.Value)
		case "!!null":
			return "nothing"
		}
		return fmt.Sprintf("a %s value", n.ShortTag())
	}
	return "an unexpected YAML node"
}

// suggest returns the entry of names closest to s if s looks like a typo
// of it.
func suggest(s string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if d := distance(strings.ToLower(s), n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 1 << 30
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

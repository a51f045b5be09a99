package claims

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/keys"
)

// TestReviewRekey: a request for a claimed project with new keys is
// refused, unless the project is named as a rekey: then it is a key
// change, with the old and new keys and the reason said. A rekey that no
// request turns into a key change is named in RekeyProblems.
func TestReviewRekey(t *testing.T) {
	a, b, x, c := newSigner(t, keys.TypeEd25519), newSigner(t, keys.TypeECDSAP256), newSigner(t, keys.TypeEd25519), newSigner(t, keys.TypeEd25519)
	claimed := claimedWith(t, map[string][]keys.Signer{"foo": {a}, "bar": {x}})
	dir := t.TempDir()
	writeFile(t, dir, "foo.json", makeRequest(t, "foo", 1, b))
	writeFile(t, dir, "bar.json", makeRequest(t, "bar", 1, x))
	writeFile(t, dir, "baz.json", makeRequest(t, "baz", 1, c))

	rep, err := reviewBoth(t, dir, claimed, Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if v := verdictOf(t, rep, "foo.json"); v.Outcome() != Refused || v.Previous != nil || len(rep.Rekeyed()) != 0 {
		t.Fatalf("foo with new keys and no rekey: %s %q; want refused", v.Outcome(), v.Reason)
	}

	rep, err = reviewBoth(t, dir, claimed, Options{Now: testNow},
		Rekey{Project: "foo", Reason: "maintainer key stolen"}, Rekey{Project: "bar", Reason: "r"},
		Rekey{Project: "baz", Reason: "r"}, Rekey{Project: "absent", Reason: "r"})
	if err != nil {
		t.Fatal(err)
	}
	foo := verdictOf(t, rep, "foo.json")
	if foo.Outcome() != ChangeRekey || foo.RekeyReason != "maintainer key stolen" || foo.Previous == nil ||
		strings.Join(foo.Previous.KeyIDs, ",") != keyID(t, a) || foo.Previous.Threshold != 1 {
		t.Fatalf("foo as a rekey: %s, reason %q, previous %+v", foo.Outcome(), foo.RekeyReason, foo.Previous)
	}
	flag := strings.Join(foo.Flags, "|")
	for _, w := range []string{"rekey (maintainer key stolen)", "now to key(s) " + keyID(t, a)[:12] + " (threshold 1)",
		"the request's key(s) " + keyID(t, b)[:12] + " (threshold 1) replace them"} {
		if !strings.Contains(flag, w) {
			t.Errorf("foo's flags %q do not say %q", foo.Flags, w)
		}
	}
	if got := rep.Rekeyed(); len(got) != 1 || got[0].Project != "foo" || len(rep.Accepted()) != 1 || rep.Accepted()[0].Project != "baz" {
		t.Errorf("Rekeyed() %v, Accepted() %v: want foo rekeyed and baz added", got, rep.Accepted())
	}
	if v := verdictOf(t, rep, "bar.json"); v.Outcome() != ChangeUnchanged || !strings.Contains(strings.Join(v.Flags, "|"), "there is no key change") {
		t.Errorf("bar, same keys, named as a rekey: %s %q", v.Outcome(), v.Flags)
	}
	if v := verdictOf(t, rep, "baz.json"); v.Outcome() != ChangeAdd || !strings.Contains(strings.Join(v.Flags, "|"), "a first claim") {
		t.Errorf("baz, not claimed, named as a rekey: %s %q", v.Outcome(), v.Flags)
	}
	problems := strings.Join(rep.RekeyProblems(), "\n")
	for _, w := range []string{`--rekey bar: claimed delegates "bar" to the keys and threshold of its request already`,
		`--rekey baz: claimed does not delegate "baz" yet`, `--rekey absent: no claim request in ` + dir + ` asks for "absent"`} {
		if !strings.Contains(problems, w) {
			t.Errorf("RekeyProblems() lacks %q:\n%s", w, problems)
		}
	}
	if strings.Contains(problems, "--rekey foo") {
		t.Errorf("RekeyProblems() names foo, which is rekeyed:\n%s", problems)
	}

	// The text report shows the change as rekey, with the old and new key.
	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	out := text.String()
	if !strings.Contains(out, "foo                             "+keyID(t, b)[:12]+" p256     1 of 1     rekey\n") ||
		!strings.Contains(out, "foo.json: rekey (maintainer key stolen): claimed delegates \"foo\" now to key(s) "+keyID(t, a)[:12]) {
		t.Errorf("the text report does not show foo's rekey with its old and new key:\n%s", out)
	}
	if !strings.Contains(out, " to add, 1 to rekey, ") {
		t.Errorf("the text report's summary does not count the rekey:\n%s", out)
	}
	js, err := json.Marshal(rep.JSONForm())
	if err != nil {
		t.Fatal(err)
	}
	var parsed struct {
		Rekey    int `json:"rekey"`
		Verdicts []struct {
			Project        string   `json:"project"`
			RekeyReason    string   `json:"rekey_reason"`
			PreviousKeyIDs []string `json:"previous_keyids"`
		} `json:"verdicts"`
	}
	if err := json.Unmarshal(js, &parsed); err != nil {
		t.Fatal(err)
	}
	rekeyedJSON := 0
	for _, v := range parsed.Verdicts {
		if v.RekeyReason != "" {
			rekeyedJSON++
			if v.Project != "foo" || v.RekeyReason != "maintainer key stolen" || len(v.PreviousKeyIDs) != 1 || v.PreviousKeyIDs[0] != keyID(t, a) {
				t.Errorf("the JSON report's rekey: %+v", v)
			}
		}
	}
	if parsed.Rekey != 1 || rekeyedJSON != 1 {
		t.Errorf("the JSON report counts %d rekeys and lists %d; want 1 and 1:\n%s", parsed.Rekey, rekeyedJSON, js)
	}

	// A refused request cannot be rekeyed: the problem says why.
	tampered := bytes.Replace(makeRequest(t, "foo", 1, b), []byte(`"sig": "`), []byte(`"sig": "AAAA`), 1)
	dir2 := t.TempDir()
	writeFile(t, dir2, "foo.json", tampered)
	rep, err = reviewBoth(t, dir2, claimed, Options{Now: testNow}, Rekey{Project: "foo", Reason: "r"})
	if err != nil {
		t.Fatal(err)
	}
	if p := rep.RekeyProblems(); len(p) != 1 || !strings.Contains(p[0], `the claim request for "foo" (foo.json) is refused: envelope.signatures`) {
		t.Errorf("RekeyProblems() for a refused request: %q", p)
	}
}

func TestParseRekey(t *testing.T) {
	for in, want := range map[string]Rekey{
		"foo=maintainer key stolen": {Project: "foo", Reason: "maintainer key stolen"},
		"foo-bar":                   {Project: "foo-bar"},
		"foo = a=b ":                {Project: "foo", Reason: "a=b"},
	} {
		got, err := ParseRekey(in)
		if err != nil || got != want {
			t.Errorf("ParseRekey(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		"Foo_Bar=x":      `write "foo-bar"`,
		"=x":             "the project name is empty",
		"foo=two\nlines": "one line of printable text",
		"claimed=x":      "the repository's claimed role",
		"foo=" + strings.Repeat("x", MaxRekeyReason+1): "over the limit",
	} {
		if _, err := ParseRekey(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseRekey(%q): %v; want an error saying %q", in, err, want)
		}
	}
	if err := CheckRekeys([]Rekey{{Project: "foo"}, {Project: "foo", Reason: "again"}}); err == nil || !strings.Contains(err.Error(), "given twice") {
		t.Errorf("a project rekeyed twice: %v", err)
	}
	if _, err := reviewBoth(t, t.TempDir(), nil, Options{Now: testNow}, Rekey{Project: "Foo"}); err == nil || !strings.Contains(err.Error(), `--rekey "Foo"`) {
		t.Errorf("Review with a malformed rekey: %v", err)
	}
}

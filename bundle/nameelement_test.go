package bundle

import "testing"

// Every element NameElement makes passes CheckName, whatever a plan calls
// a keyholder.
func TestNameElement(t *testing.T) {
	for in, want := range map[string]string{
		"alice":          "alice",
		"Bob Smith":      "Bob_Smith",
		"../etc/passwd":  "_etc_passwd",
		"..":             "_",
		"":               "_",
		"zoë":            "zo_",
		"a\\b:c":         "a_b_c",
		".hidden.":       "hidden",
		"x\u202eevil.go": "x_evil.go",
	} {
		got := NameElement(in)
		if got != want {
			t.Errorf("NameElement(%q) = %q, want %q", in, got, want)
		}
		if err := CheckName("attestations/" + got + ".pem"); err != nil {
			t.Errorf("NameElement(%q) = %q: %v", in, got, err)
		}
	}
}

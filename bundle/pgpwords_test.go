package bundle

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// Examples published with other implementations of the list, each checked
// by its own authors against the list.
func TestPGPWordsPublishedExamples(t *testing.T) {
	cases := []struct{ source, hex, words string }{
		{
			"Wikipedia, PGP word list (a PGP key fingerprint)",
			"E582 94F2 E9A2 2748 6E8B 061B 31CC 528F D7FA 3F19",
			"topmost Istanbul Pluto vagabond treadmill Pacific brackish dictator goldfish Medusa afflict bravado chatter revolver Dupont midsummer stopwatch whimsical cowbell bottomless",
		},
		{
			"github.com/thblt/pgp-words README",
			"d1c2 25e4 26c6 33dd 94d1 a7e8 c3f4 08aa 9b34 2488",
			"stairway repellent bombast tradition bookshelf responsive chisel tambourine Pluto scavenger repay typewriter snowcap Virginia aimless pedigree puppy confidence bluebird maritime",
		},
		{
			"github.com/thblt/pgp-words README (gpg --fingerprint 0x33CDE511)",
			"EA5B 81C5 6498 8C73 EE90 DEE9 BAF1 E072 33CD E511",
			"Trojan exodus minnow resistor flytrap narrative offload hurricane tycoon millionaire tactics ultimate shadow vacancy tapeworm holiness chisel sandalwood topmost Babylon",
		},
		{
			"github.com/warrenguy/ruby-pgp-word-list README",
			"D1D4 64C0 04F0 0FB5 C9A4 C8D8 E433 E7FB 7FF5 6256",
			"stairway souvenir flytrap recipe adrift upcoming artist positive spearhead Pandora spaniel stupendous tonic concurrent transit Wichita lockup visitor flagpole escapade",
		},
		{
			"biometric word list article (00 01 02 03 04)",
			"00 01 02 03 04",
			"aardvark adviser accrue aggregate adrift",
		},
		{
			"dcode.fr PGP word list (DC 0D 33)",
			"DC 0D 33",
			"sweatband asteroid chisel",
		},
	}
	for _, c := range cases {
		b, err := hex.DecodeString(strings.ReplaceAll(c.hex, " ", ""))
		if err != nil {
			t.Fatal(err)
		}
		if got := PGPWords(b); got != c.words {
			t.Errorf("%s:\n got  %s\n want %s", c.source, got, c.words)
		}
	}
}

func TestPGPWordsEdges(t *testing.T) {
	if got := PGPWords(nil); got != "" {
		t.Errorf("no bytes: %q", got)
	}
	if got := PGPWords([]byte{0xff, 0xff}); got != "Zulu Yucatan" {
		t.Errorf("ff ff: %q", got)
	}
	// The same byte is a different word at an even and an odd offset.
	if got := PGPWords([]byte{0x9e, 0x9e}); got != "quiver onlooker" {
		t.Errorf("9e 9e: %q", got)
	}
	sum := sha256.Sum256([]byte("bundle"))
	if n := len(strings.Fields(PGPWords(sum[:]))); n != 32 {
		t.Errorf("a SHA-256 gives %d words, want 32", n)
	}
}

// The lists are as taken from their source (see pgpwords.go): these are
// the SHA-256 of each list written one word a line, computed from IANA's
// sha2wordlist.h when it was copied.
func TestPGPWordListDigest(t *testing.T) {
	for _, c := range []struct {
		name  string
		words [256]string
		want  string
	}{
		{"even", pgpEven, "37a65f88512467edd12a1ab3eeb5f4328230e86711a8efde6333361ce10f4fcf"},
		{"odd", pgpOdd, "c2f23c2233d4d7291107e8f796c374d0cb1fb30c1391bcb4f6480243de8ebf5a"},
	} {
		sum := sha256.Sum256([]byte(strings.Join(c.words[:], "\n") + "\n"))
		if got := hex.EncodeToString(sum[:]); got != c.want {
			t.Errorf("%s list SHA-256 = %s, want %s", c.name, got, c.want)
		}
	}
}

// No word comes twice in either list or across them, even ignoring case,
// and every word is plain ASCII letters: any two byte strings of the same
// length give different phrases, and every phrase can be typed.
func TestPGPWordListWellFormed(t *testing.T) {
	seen := map[string]string{}
	for i, list := range [][256]string{pgpEven, pgpOdd} {
		for b, w := range list {
			if w == "" || strings.Trim(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
				t.Errorf("list %d, byte %02x: %q", i, b, w)
			}
			key := strings.ToLower(w)
			if prev, ok := seen[key]; ok {
				t.Errorf("%q comes twice (%s)", w, prev)
			}
			seen[key] = w
		}
	}
	// Two-syllable words are shorter: a cheap check the lists are not
	// swapped.
	var even, odd int
	for b := range 256 {
		even += len(pgpEven[b])
		odd += len(pgpOdd[b])
	}
	if even >= odd {
		t.Errorf("the even list (%d letters) is not shorter than the odd list (%d)", even, odd)
	}
}

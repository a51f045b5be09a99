package tui

import (
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/tuf-ceremony/ceremony/internal/safetext"
)

// measuredWrap is wrap as it was before it kept the line's width:
// measuring the whole line again for each word.
func measuredWrap(text string, width int) []string {
	text = safetext.Escape(text)
	width = max(width, 20)
	var out []string
	line := ""
	for _, w := range strings.Fields(text) {
		switch {
		case line == "":
			line = w
		case ansi.StringWidth(line)+1+ansi.StringWidth(w) > width:
			out = append(out, line)
			line = w
		default:
			line += " " + w
		}
	}
	if line != "" {
		out = append(out, line)
	}
	return out
}

// TestWrapKeepsWidths: wrap breaks every text where measuring each line
// again broke it: plain ASCII, wide and combining characters, escapes,
// words longer than the width.
func TestWrapKeepsWidths(t *testing.T) {
	texts := []string{
		strings.Repeat("newproject-000123.claim.json  sha256 1a2b3c4d5e6f (aardvark absurd) ", 40),
		"日本語 のプロジェクト 名前 " + strings.Repeat("中文 字符 ", 30),
		"e\u0301te\u0301 cafe\u0301 " + strings.Repeat("na\u0308ive ", 25) + "\u0301 x",
		"emoji 👍🏽 family 👨‍👩‍👧 " + strings.Repeat("ok 👍 ", 30),
		"evil\x1b[31mred\u202e " + strings.Repeat("word ", 30) + "\x00\x7f",
		strings.Repeat("x", 130) + " short " + strings.Repeat("y", 45),
		"", "   ", "one",
	}
	for _, text := range texts {
		for _, width := range []int{1, 20, 33, 47, 79, 119} {
			if got, want := wrap(text, width), measuredWrap(text, width); !slices.Equal(got, want) {
				t.Errorf("wrap(%q, %d) =\n%q\nwant\n%q", text, width, got, want)
			}
		}
	}
}

package claims

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tuf-ceremony/ceremony/keys"
)

// Column widths of the text report: with two spaces between columns the
// table is 74 columns wide.
const (
	projectWidth   = 30
	keysWidth      = 20 // 12 hex digits, a space, the scheme's short name
	thresholdWidth = 9
)

// WriteText writes the review for the administrators: a table of what
// would change (project, keys, threshold, verdict; a request whose project
// could not be read shows its file in brackets), then why each refused
// request is refused and the flags, by file, what was ignored, and a
// summary.
func (r *Report) WriteText(w io.Writer) error {
	var b bytes.Buffer
	row := func(project, key, threshold, verdict string) {
		line := fmt.Sprintf("%-*s  %-*s  %-*s  %s", projectWidth, fit(project, projectWidth), keysWidth, key, thresholdWidth, threshold, verdict)
		b.WriteString(strings.TrimRight(line, " "))
		b.WriteByte('\n')
	}
	row("PROJECT", "KEYS", "THRESHOLD", "VERDICT")
	for i := range r.Verdicts {
		v := &r.Verdicts[i]
		project := v.Project
		if project == "" {
			project = "(" + filepath.Base(v.File) + ")"
		}
		if v.Claim == nil {
			row(project, "-", "-", Refused)
			continue
		}
		ids := slices.Sorted(maps.Keys(v.Claim.Keys))
		for j, id := range ids {
			key := short(id) + " " + shortScheme(v.Claim.Keys[id].Scheme)
			if j == 0 {
				row(project, key, fmt.Sprintf("%d of %d", v.Claim.Threshold, len(ids)), v.Change)
			} else {
				row("", key, "", "")
			}
		}
	}
	if n := r.Count(Refused); n > 0 {
		fmt.Fprintf(&b, "\nrefused:\n")
		for i := range r.Verdicts {
			if v := &r.Verdicts[i]; v.Claim == nil {
				item(&b, filepath.Base(v.File)+": "+v.Reason)
			}
		}
	}
	flagged := false
	for i := range r.Verdicts {
		v := &r.Verdicts[i]
		for _, f := range v.Flags {
			if !flagged {
				fmt.Fprintf(&b, "\nflags:\n")
				flagged = true
			}
			item(&b, filepath.Base(v.File)+": "+f)
		}
	}
	if len(r.Ignored) > 0 {
		b.WriteByte('\n')
		item(&b, "ignored (not *"+RequestSuffix+"): "+strings.Join(r.Ignored, ", "))
	}
	add := r.Count(ChangeAdd)
	fmt.Fprintf(&b, "\n%d request(s): %d to add, %d to rekey, %d unchanged, %d refused\nclaimed delegates to %d project(s) now, %d after the ceremony\n",
		len(r.Verdicts), add, r.Count(ChangeRekey), r.Count(ChangeUnchanged), r.Count(Refused), r.Claimed, r.Claimed+add)
	_, err := w.Write(b.Bytes())
	return err
}

// printable is s, quoted if it holds anything but printable ASCII, so
// that a hostile file or project name stays on its line.
func printable(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return strconv.QuoteToASCII(s)
		}
	}
	return s
}

// fit cuts printable(s) to width, marking the cut with "...".
func fit(s string, width int) string {
	s = printable(s)
	if len(s) <= width {
		return s
	}
	return s[:width-3] + "..."
}

// item writes printable(s) as one line indented by two spaces: a reason
// or a flag is one line, whatever its length, so that grep finds it whole.
func item(b *bytes.Buffer, s string) {
	b.WriteString("  " + printable(s) + "\n")
}

func shortScheme(s string) string {
	switch s {
	case keys.SchemeECDSAP256:
		return "p256"
	case keys.SchemeECDSAP384:
		return "p384"
	}
	return s
}

// JSONReport is the JSON form of a report, for tools (JSONForm).
type JSONReport struct {
	Dir       string        `json:"dir"`
	Claimed   int           `json:"claimed_projects"`
	Add       int           `json:"add"`
	Rekey     int           `json:"rekey"`
	Unchanged int           `json:"unchanged"`
	Refused   int           `json:"refused"`
	Verdicts  []JSONVerdict `json:"verdicts"`
	Ignored   []string      `json:"ignored"`
}

// JSONVerdict is one request's verdict in a JSONReport.
type JSONVerdict struct {
	File      string    `json:"file"`
	SHA256    string    `json:"sha256,omitempty"`
	Project   string    `json:"project,omitempty"`
	Verdict   string    `json:"verdict"`
	Reason    string    `json:"reason,omitempty"`
	Flags     []string  `json:"flags"`
	Keys      []JSONKey `json:"keys,omitempty"`
	Threshold int       `json:"threshold,omitempty"`
	Date      string    `json:"date,omitempty"`
	Paths     []string  `json:"paths,omitempty"`
	// RekeyReason and PreviousKeyIDs are set for a key change (--rekey):
	// the administrators' reason and the keys claimed delegated to before.
	RekeyReason    string   `json:"rekey_reason,omitempty"`
	PreviousKeyIDs []string `json:"previous_keyids,omitempty"`
}

// JSONKey is one key of a request in a JSONVerdict.
type JSONKey struct {
	KeyID       string `json:"keyid"`
	Scheme      string `json:"scheme"`
	YubiKey     uint32 `json:"yubikey_serial,omitempty"`
	Firmware    string `json:"firmware,omitempty"`
	PINPolicy   string `json:"pin_policy,omitempty"`
	TouchPolicy string `json:"touch_policy,omitempty"`
}

// JSONForm is the report for tools: every verdict with its keys (full key
// IDs, schemes, attested devices), threshold, date and the paths delegated.
func (r *Report) JSONForm() *JSONReport {
	out := JSONReport{Dir: r.Dir, Claimed: r.Claimed, Add: r.Count(ChangeAdd), Rekey: r.Count(ChangeRekey), Unchanged: r.Count(ChangeUnchanged),
		Refused: r.Count(Refused), Verdicts: []JSONVerdict{}, Ignored: r.Ignored}
	if out.Ignored == nil {
		out.Ignored = []string{}
	}
	for i := range r.Verdicts {
		v := &r.Verdicts[i]
		j := JSONVerdict{File: v.File, SHA256: v.SHA256, Project: v.Project, Verdict: v.Outcome(), Reason: v.Reason, Flags: v.Flags}
		if j.Flags == nil {
			j.Flags = []string{}
		}
		if v.Change == ChangeRekey && v.Previous != nil {
			j.RekeyReason, j.PreviousKeyIDs = v.RekeyReason, v.Previous.KeyIDs
		}
		if c := v.Claim; c != nil {
			j.Threshold, j.Date, j.Paths = c.Threshold, c.Date.UTC().Format(time.RFC3339), ProjectPaths(c.Project)
			for _, id := range slices.Sorted(maps.Keys(c.Keys)) {
				k := JSONKey{KeyID: id, Scheme: c.Keys[id].Scheme}
				if a := c.Attested[id]; a != nil {
					k.YubiKey, k.Firmware, k.PINPolicy, k.TouchPolicy = a.Serial, a.Firmware, a.PINPolicy, a.TouchPolicy
				}
				j.Keys = append(j.Keys, k)
			}
		}
		out.Verdicts = append(out.Verdicts, j)
	}
	return &out
}

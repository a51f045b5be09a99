package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// CeremonyReport is what did happen in a workspace's ceremony, for people:
// the replay's account and verdict, and every hash both as hex and as PGP
// words, to be read aloud and compared between machines.
type CeremonyReport struct {
	Dir        string                 `json:"workspace"`
	Kind       workspace.Kind         `json:"kind"`
	Profile    string                 `json:"profile"`
	Repository string                 `json:"repository,omitempty"`
	Replay     *ceremony.ReplayReport `json:"replay"`
	// Signatures are the sign records of the transcript, in order.
	Signatures []ceremony.ReplayEntry `json:"signatures"`
	// Files are the SHA-256 of the plan, the trusted root if any, and
	// every metadata file, by path in the workspace.
	Files []ReportHash `json:"files"`
	// TranscriptHead is the hash of the last record that holds the chain.
	TranscriptHead *ReportHash `json:"transcript_head,omitempty"`
	// Seal is the SHA-256 of the seal envelope, if there is one.
	Seal *ReportHash `json:"seal,omitempty"`
}

// ReportHash is one hash, as hex and as PGP words of its bytes.
type ReportHash struct {
	Name     string `json:"name"`
	SHA256   string `json:"sha256,omitempty"`
	PGPWords string `json:"pgp_words,omitempty"`
	// Error says why the file could not be read.
	Error string `json:"error,omitempty"`
}

// OK reports whether the ceremony replays and every file could be read.
func (r *CeremonyReport) OK() bool {
	if r.Replay == nil || !r.Replay.OK() {
		return false
	}
	for _, f := range r.Files {
		if f.Error != "" {
			return false
		}
	}
	return true
}

func HashOf(name string, data []byte) ReportHash {
	s := sha256.Sum256(data)
	return ReportHash{Name: name, SHA256: hex.EncodeToString(s[:]), PGPWords: bundle.PGPWords(s[:])}
}

// toolHash is the SHA-256 of the ceremony binary that created the
// workspace, as its init record keeps it, to compare with SHA256SUMS.
func toolHash(sum string) ReportHash {
	raw, _ := hex.DecodeString(sum) // a lowercase hex SHA-256: the transcript checked it
	return ReportHash{Name: "the ceremony binary that created the workspace", SHA256: sum, PGPWords: bundle.PGPWords(raw)}
}

func fileHash(dir, name string) ReportHash {
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		return ReportHash{Name: name, Error: err.Error()}
	}
	return HashOf(name, data)
}

// Report reads a workspace and replays its ceremony (see Replay). A
// ceremony that does not replay is reported, with a nil error; the error
// is for a workspace that cannot be read at all.
func Report(e *ceremony.Engine, dir string) (*CeremonyReport, error) {
	ws, err := workspace.Open(dir)
	if err != nil {
		return nil, err
	}
	rep, err := e.Replay(dir)
	if err != nil {
		return nil, err
	}
	r := &CeremonyReport{Dir: dir, Kind: ws.State.Kind, Profile: ws.State.Profile, Repository: ws.State.Repository, Replay: rep}
	for _, e := range rep.Account {
		if e.Role != "" {
			r.Signatures = append(r.Signatures, e)
		}
	}
	r.Files = append(r.Files, fileHash(ws.Dir, workspace.PlanFile))
	if ws.State.TrustedRootVersion != 0 {
		r.Files = append(r.Files, fileHash(ws.Dir, workspace.TrustedRoot))
	}
	// A claims or project ceremony: the trusted metadata it started from
	// and its own files (claim requests, review, accepted list; targets).
	for _, role := range ws.State.Trusted {
		r.Files = append(r.Files, fileHash(ws.Dir, workspace.TrustedPath(role)))
	}
	if names, err := e.KindFiles(ws); err != nil {
		r.Files = append(r.Files, ReportHash{Name: string(ws.State.Kind) + " files", Error: err.Error()})
	} else {
		for _, name := range names {
			r.Files = append(r.Files, fileHash(ws.Dir, name))
		}
	}
	for _, role := range ws.State.Roles {
		r.Files = append(r.Files, fileHash(ws.Dir, workspace.MetadataDir+"/"+role+".json"))
	}
	if raw, err := hex.DecodeString(rep.Head); err == nil && len(raw) > 0 {
		r.TranscriptHead = &ReportHash{Name: "transcript head", SHA256: rep.Head, PGPWords: bundle.PGPWords(raw)}
	}
	sealName := workspace.TranscriptDir + "/" + ceremony.SealFile
	if data, err := os.ReadFile(filepath.Join(ws.Dir, filepath.FromSlash(sealName))); err == nil {
		h := HashOf(sealName, data)
		r.Seal = &h
	} else if !os.IsNotExist(err) {
		r.Seal = &ReportHash{Name: sealName, Error: err.Error()}
	}
	return r, nil
}

// Markdown writes the report for people: the verdict, who signed what,
// every hash as hex and as PGP words, and the whole account.
func (r *CeremonyReport) Markdown(w io.Writer) error {
	var b strings.Builder
	if r.Replay.Rehearsal {
		fmt.Fprintf(&b, "**%s**\n\n", workspace.RehearsalNotice)
	}
	fmt.Fprintf(&b, "# Ceremony report: %s ceremony, profile %s", r.Kind, r.Profile)
	if r.Repository != "" {
		fmt.Fprintf(&b, ", repository %s", r.Repository)
	}
	fmt.Fprintf(&b, "\n\nWorkspace: %s  \n", r.Dir)
	rep := r.Replay
	fmt.Fprintf(&b, "Transcript: %d records  \n", rep.Records)
	if rep.Tool != nil {
		fmt.Fprintf(&b, "Made with: %s  \n", mdCell(rep.Tool.String()))
	}
	b.WriteString("\n")
	if rep.FirstBad != nil {
		fmt.Fprintf(&b, "**FAILED:** record %d does not hold: %s\n\n", rep.FirstBad.Seq, rep.FirstBad.Reason)
	} else {
		b.WriteString("**OK:** the transcript replays: the chain holds, every signature verifies under the key its role authorizes, and the metadata files are the final states.\n\n")
		if rep.Sealed {
			fmt.Fprintf(&b, "Sealed by: %s\n\n", strings.Join(rep.SealedBy, ", "))
		} else {
			b.WriteString("Not sealed.\n\n")
		}
	}

	b.WriteString("## Signatures\n\n")
	if len(r.Signatures) == 0 {
		b.WriteString("None.\n\n")
	} else {
		b.WriteString("| # | Time (UTC) | Keyholder | Role | Key | Device |\n|---|---|---|---|---|---|\n")
		for _, e := range r.Signatures {
			fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %s |\n", e.Seq, e.Time.UTC().Format(time.RFC3339),
				mdCell(e.Who), mdCell(e.Role), e.KeyID, mdCell(e.Device))
		}
		b.WriteString("\n")
	}

	b.WriteString("## Hashes (SHA-256)\n\nRead the words aloud and compare them with the other machine's: words at even positions have two syllables, at odd positions three.\n\n")
	hashes := append([]ReportHash(nil), r.Files...)
	if r.TranscriptHead != nil {
		hashes = append(hashes, *r.TranscriptHead)
	}
	if r.Seal != nil {
		hashes = append(hashes, *r.Seal)
	}
	if t := rep.Tool; t != nil && t.SHA256 != "" {
		hashes = append(hashes, toolHash(t.SHA256))
	}
	for _, h := range hashes {
		fmt.Fprintf(&b, "### %s\n\n", h.Name)
		if h.Error != "" {
			fmt.Fprintf(&b, "**cannot be read:** %s\n\n", h.Error)
			continue
		}
		fmt.Fprintf(&b, "    %s\n    %s\n\n", h.SHA256, h.PGPWords)
	}

	b.WriteString("## Account\n\n```\n")
	for _, e := range rep.Account {
		// A message cannot close the code block.
		b.WriteString(strings.ReplaceAll(e.String(), "```", "'''") + "\n")
	}
	b.WriteString("```\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// mdCell keeps a value from breaking a Markdown table row.
func mdCell(s string) string {
	if s == "" {
		return "-"
	}
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

package ceremony

import (
	"fmt"
	"strings"

	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// RecordWordsCopied records that the SHA-256 of the bundle the transcript
// names with sum (hex) was read aloud and copied onto the ceremony script,
// confirmed by the people named in who. It is a bundle record, as the
// bundle's own: it may follow the seal, and a bundle written again leaves
// it out (its transcript ends at the last record that is not a bundle
// record), so the bundle's bytes do not change. A sum no bundle record
// names is refused.
func RecordWordsCopied(dir string, who []string, sum string) (transcripts.Record, error) {
	if len(who) == 0 {
		return transcripts.Record{}, fmt.Errorf("no one confirmed the words: name who read them back from the script")
	}
	ws, err := workspace.Open(dir)
	if err != nil {
		return transcripts.Record{}, err
	}
	tr, _, err := openTranscript(ws)
	if err != nil {
		return transcripts.Record{}, err
	}
	defer tr.Close()
	at := recordedBundle(tr, sum)
	if at == 0 {
		return transcripts.Record{}, fmt.Errorf("the transcript of %q records no bundle with SHA-256 %s", dir, sum)
	}
	names := strings.Join(who, ", ")
	return tr.Append(transcripts.Record{Kind: transcripts.Bundle, Who: names, Outputs: map[string]string{"bundle": sum},
		Message: fmt.Sprintf("the SHA-256 of the bundle of record %d was read aloud as PGP words and copied onto the ceremony script; confirmed by %s", at, names)})
}

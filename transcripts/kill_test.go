package transcripts_test

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tuf-ceremony/ceremony/transcripts"
)

const killDirEnv = "TRANSCRIPTS_KILL_DIR"

// TestKillChild is the process TestKillAnyInstant kills: it resumes the
// transcript if needed and appends records with states, as fast as it can,
// printing "SEQ HEAD" once each Append has returned.
func TestKillChild(t *testing.T) {
	dir := os.Getenv(killDirEnv)
	if dir == "" {
		t.Skip("run by TestKillAnyInstant")
	}
	tr, err := transcripts.Open(dir)
	var te *transcripts.TornError
	switch {
	case errors.Is(err, os.ErrNotExist):
		tr, err = transcripts.Create(dir)
	case errors.As(err, &te):
		tr, _, err = transcripts.ResumeTorn(dir, "operator")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for i := 0; ; i++ {
		h, err := tr.PutState(state("root", os.Getpid()*1000+i))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		// Messages of up to 6 KB, so that appends cross pages and a kill
		// can land in the middle of one.
		msg := fmt.Sprintf("pid %d append %d %s", os.Getpid(), i, strings.Repeat("x", rand.IntN(6000)))
		r, err := tr.Append(transcripts.Record{Kind: transcripts.Sign, Who: "alice", Message: msg, States: map[string]string{"root": h}})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Stdout.WriteString(fmt.Sprintf("%d %s\n", r.Seq, tr.Head()))
	}
}

// A ceremony command killed at any instant loses nothing it was told was
// done: every record whose Append returned is there, unchanged (its head
// matches), and the transcript either opens or is torn and resumes.
func TestKillAnyInstant(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes for a few seconds")
	}
	dir := t.TempDir()
	var anchors []transcripts.Anchor
	torn := 0
	for round := range 25 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$")
		cmd.Env = append(os.Environ(), killDirEnv+"="+dir)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		acks := make(chan transcripts.Anchor)
		go func() {
			defer close(acks)
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				seq, hash, _ := strings.Cut(sc.Text(), " ")
				n, _ := strconv.ParseInt(seq, 10, 64)
				acks <- transcripts.Anchor{Seq: n, Hash: hash}
			}
		}()
		// Kill after the first ack, at a random instant within the next few
		// appends.
		first, ok := <-acks
		if !ok {
			t.Fatalf("round %d: the child appended nothing", round)
		}
		anchors = append(anchors, first)
		time.Sleep(time.Duration(rand.IntN(20_000)) * time.Microsecond)
		cmd.Process.Kill()
		for a := range acks {
			anchors = append(anchors, a)
		}
		cmd.Wait()

		_, err = transcripts.Verify(dir, anchors...)
		var te *transcripts.TornError
		if errors.As(err, &te) {
			torn++
		} else if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
	tr, err := transcripts.Open(dir)
	var te *transcripts.TornError
	if errors.As(err, &te) {
		tr, _, err = transcripts.ResumeTorn(dir, "operator")
	}
	if err != nil {
		t.Fatal(err)
	}
	tr.Close()
	rep, err := transcripts.Verify(dir, anchors...)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d records, %d acknowledged appends checked against their heads, %d kills left a torn record", len(rep.Records), len(anchors), torn)
}

// Command claimedpeak does one benchmark operation on the `claimed` role of
// package benchdata per run, so that the peak memory of that operation can
// be read (scripts/bench runs it under /usr/bin/time -v).
//
//	claimedpeak -op prepare -dir DIR        writes the inputs into DIR
//	claimedpeak -op canonicalize/ours -dir DIR
//
// Each operation first loads its input (the signed file's bytes, its
// "signed" object, or go-tuf's struct decoded from it), collects garbage
// and then, on Linux, resets the process's peak RSS (write "5" to
// /proc/self/clear_refs) before the operation runs. It prints one line:
//
//	op=canonicalize/ours setup_rss_kb=... op_peak_kb=... ok=true
//
// setup_rss_kb is the resident set once the input is loaded; op_peak_kb the
// peak resident set while the operation ran, input included. The whole
// process's peak, setup included, is what /usr/bin/time reports.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strconv"

	"github.com/secure-systems-lab/go-securesystemslib/cjson"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/internal/benchdata"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/threshold"
)

// Input files that -op prepare writes.
const (
	signedFile    = "claimed.signed.json"    // the signed metadata file
	canonicalFile = "claimed.canonical.json" // canonical "signed", to check results
	unsortedFile  = "claimed.unsorted.json"  // "signed" with every object's members reversed
)

// Ops are the operations, named as the Go benchmarks are.
var Ops = []string{
	"canonicalize/ours", "canonicalize/unsorted", "canonicalize/old", "canonicalize/cjson",
	"parse/ours", "parse/old", "parse/gotuf",
	"sign/ours", "sign/gotuf",
	"verify/ours", "verify/gotuf",
}

func main() {
	op := flag.String("op", "", "prepare, or one of the operations")
	dir := flag.String("dir", "", "directory of the inputs")
	n := flag.Int("n", benchdata.Projects, "project delegations (prepare)")
	flag.Parse()
	if *dir == "" || *op == "" {
		fmt.Fprintln(os.Stderr, "usage: claimedpeak -op OP -dir DIR")
		os.Exit(2)
	}
	var err error
	if *op == "prepare" {
		err = prepare(*dir, *n)
	} else {
		err = measure(*op, *dir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "claimedpeak:", err)
		os.Exit(1)
	}
}

func prepare(dir string, n int) error {
	fx, err := benchdata.Build(n)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	unsorted, err := benchdata.Reversed(fx.Signed)
	if err != nil {
		return err
	}
	for name, data := range map[string][]byte{signedFile: fx.File, canonicalFile: fx.Canonical, unsortedFile: unsorted} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("delegations=%d keys=%d canonical_bytes=%d signed_bytes=%d file_bytes=%d\n",
		len(fx.Role.Delegations.Roles), len(fx.Role.Delegations.Keys), len(fx.Canonical), len(fx.Signed), len(fx.File))
	return nil
}

// measure loads op's input, runs op once and reports memory. The result is
// checked against the prepared canonical bytes after the peak is read.
func measure(op, dir string) error {
	read := func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, name)) }
	var run func() (check func(canonical []byte) error, err error)

	switch op {
	case "canonicalize/ours":
		f, err := parsed(read)
		if err != nil {
			return err
		}
		in := f.Signed
		run = func() (func([]byte) error, error) {
			out, err := metafile.Canonicalize(in)
			return equal(out), err
		}
	case "canonicalize/unsorted":
		in, err := read(unsortedFile)
		if err != nil {
			return err
		}
		run = func() (func([]byte) error, error) {
			out, err := metafile.Canonicalize(in)
			return equal(out), err
		}
	case "canonicalize/old":
		f, err := parsed(read)
		if err != nil {
			return err
		}
		in := f.Signed
		run = func() (func([]byte) error, error) {
			out, err := benchdata.OldCanonicalize(in)
			return equal(out), err
		}
	case "canonicalize/cjson":
		m, err := gotuf(read)
		if err != nil {
			return err
		}
		role := m.Signed
		run = func() (func([]byte) error, error) {
			out, err := cjson.EncodeCanonical(&role)
			return equal(out), err
		}
	case "parse/ours":
		in, err := read(signedFile)
		if err != nil {
			return err
		}
		run = func() (func([]byte) error, error) {
			f, err := metafile.Parse(in)
			if err != nil {
				return nil, err
			}
			t, err := f.Targets()
			return delegates(t), err
		}
	case "parse/old":
		in, err := read(signedFile)
		if err != nil {
			return err
		}
		run = func() (func([]byte) error, error) {
			t, err := benchdata.OldParseTargets(in)
			return delegates(t), err
		}
	case "parse/gotuf":
		in, err := read(signedFile)
		if err != nil {
			return err
		}
		run = func() (func([]byte) error, error) {
			m, err := metadata.Targets().FromBytes(in)
			if err != nil {
				return nil, err
			}
			return delegates(&m.Signed), nil
		}
	case "sign/ours":
		f, err := parsed(read)
		if err != nil {
			return err
		}
		admin, err := benchdata.AdminSigner()
		if err != nil {
			return err
		}
		run = func() (func([]byte) error, error) {
			msg, err := f.Canonical()
			if err != nil {
				return nil, err
			}
			sig, err := keys.SignMessage(admin, msg)
			return verifies(admin.TUFKey(), sig), err
		}
	case "sign/gotuf":
		m, err := gotuf(read)
		if err != nil {
			return err
		}
		m.Signatures = nil
		signer, err := signature.LoadED25519Signer(benchdata.AdminPrivateKey())
		if err != nil {
			return err
		}
		admin, err := benchdata.AdminSigner()
		if err != nil {
			return err
		}
		run = func() (func([]byte) error, error) {
			sig, err := m.Sign(signer)
			if err != nil {
				return nil, err
			}
			return verifies(admin.TUFKey(), sig.Signature), nil
		}
	case "verify/ours":
		f, err := parsed(read)
		if err != nil {
			return err
		}
		rule, err := topRule()
		if err != nil {
			return err
		}
		run = func() (func([]byte) error, error) {
			t, err := threshold.Count(rule, f)
			if err != nil {
				return nil, err
			}
			if !t.Met() {
				return nil, fmt.Errorf("claimed's rule is not met: %+v", t)
			}
			return nil, nil
		}
	case "verify/gotuf":
		claimed, err := gotuf(read)
		if err != nil {
			return err
		}
		admin, err := benchdata.AdminSigner()
		if err != nil {
			return err
		}
		top, _, err := benchdata.TopTargets(admin.TUFKey())
		if err != nil {
			return err
		}
		delegator := &metadata.Metadata[metadata.TargetsType]{Signed: *top}
		run = func() (func([]byte) error, error) {
			return nil, delegator.VerifyDelegate(benchdata.ClaimedRole, claimed)
		}
	default:
		return fmt.Errorf("unknown operation %q (want prepare or one of %v)", op, Ops)
	}

	runtime.GC()
	debug.FreeOSMemory()
	setup := procStatusKB("VmRSS")
	resetPeak()
	check, err := run()
	peak := procStatusKB("VmHWM")
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	ok := true
	if check != nil {
		canonical, err := read(canonicalFile)
		if err != nil {
			return err
		}
		if err := check(canonical); err != nil {
			fmt.Fprintf(os.Stderr, "claimedpeak: %s: %v\n", op, err)
			ok = false
		}
	}
	fmt.Printf("op=%s setup_rss_kb=%d op_peak_kb=%d ok=%v\n", op, setup, peak, ok)
	if !ok {
		os.Exit(1)
	}
	return nil
}

func parsed(read func(string) ([]byte, error)) (*metafile.File, error) {
	in, err := read(signedFile)
	if err != nil {
		return nil, err
	}
	f, err := metafile.Parse(in)
	if err != nil {
		return nil, err
	}
	// Only what a workspace keeps: "signed" as read, and the signatures.
	return &metafile.File{Signed: f.Signed, Signatures: f.Signatures}, nil
}

func gotuf(read func(string) ([]byte, error)) (*metadata.Metadata[metadata.TargetsType], error) {
	in, err := read(signedFile)
	if err != nil {
		return nil, err
	}
	return metadata.Targets().FromBytes(in)
}

func topRule() (threshold.Rule, error) {
	admin, err := benchdata.AdminSigner()
	if err != nil {
		return threshold.Rule{}, err
	}
	top, _, err := benchdata.TopTargets(admin.TUFKey())
	if err != nil {
		return threshold.Rule{}, err
	}
	return threshold.FromTargets(top, benchdata.ClaimedRole, "targets v1")
}

func equal(out []byte) func([]byte) error {
	return func(canonical []byte) error {
		if !bytes.Equal(out, canonical) {
			return fmt.Errorf("output (%d bytes) differs from the canonical claimed role (%d bytes)", len(out), len(canonical))
		}
		return nil
	}
}

func delegates(t *metadata.TargetsType) func([]byte) error {
	return func([]byte) error {
		if t == nil || t.Delegations == nil || len(t.Delegations.Roles) == 0 {
			return fmt.Errorf("parsed role has no delegations")
		}
		return nil
	}
}

func verifies(k *metadata.Key, sig []byte) func([]byte) error {
	return func(canonical []byte) error { return keys.Verify(k, canonical, sig) }
}

var statusLine = regexp.MustCompile(`(?m)^(\w+):\s+(\d+) kB$`)

// procStatusKB reads a field of /proc/self/status in kB, or -1.
func procStatusKB(field string) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, m := range statusLine.FindAllSubmatch(data, -1) {
		if string(m[1]) == field {
			v, err := strconv.ParseInt(string(m[2]), 10, 64)
			if err != nil {
				return -1
			}
			return v
		}
	}
	return -1
}

// resetPeak resets VmHWM to the current RSS (Linux 4.0 and later).
func resetPeak() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

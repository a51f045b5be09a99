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
	load, ok := loaders[op]
	if !ok {
		return fmt.Errorf("unknown operation %q (want prepare or one of %v)", op, Ops)
	}
	run, err := load(read)
	if err != nil {
		return err
	}
	return runAndReport(op, run, read)
}

// A runFunc runs an operation once on its loaded input. It returns a check
// of the result against the canonical claimed role, or nil if there is
// nothing to check.
type runFunc func() (check func(canonical []byte) error, err error)

// A loader loads an operation's input with read and returns the operation
// on it.
type loader func(read func(string) ([]byte, error)) (runFunc, error)

// loaders are the loaders of Ops, by operation.
var loaders = map[string]loader{
	"canonicalize/ours":     loadCanonicalizeOurs,
	"canonicalize/unsorted": loadCanonicalizeUnsorted,
	"canonicalize/old":      loadCanonicalizeOld,
	"canonicalize/cjson":    loadCanonicalizeCJSON,
	"parse/ours":            loadParseOurs,
	"parse/old":             loadParseOld,
	"parse/gotuf":           loadParseGoTUF,
	"sign/ours":             loadSignOurs,
	"sign/gotuf":            loadSignGoTUF,
	"verify/ours":           loadVerifyOurs,
	"verify/gotuf":          loadVerifyGoTUF,
}

// runAndReport collects garbage, resets the peak, runs run and prints the
// resident set before and the peak during it; then it checks the result
// and exits with status 1 if the check fails.
func runAndReport(op string, run runFunc, read func(string) ([]byte, error)) error {
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

// loadCanonicalizeOurs canonicalizes "signed" as a workspace keeps it,
// with metafile.Canonicalize.
func loadCanonicalizeOurs(read func(string) ([]byte, error)) (runFunc, error) {
	f, err := parsed(read)
	if err != nil {
		return nil, err
	}
	in := f.Signed
	return func() (func([]byte) error, error) {
		out, err := metafile.Canonicalize(in)
		return equal(out), err
	}, nil
}

// loadCanonicalizeUnsorted canonicalizes "signed" with every object's
// members reversed, with metafile.Canonicalize.
func loadCanonicalizeUnsorted(read func(string) ([]byte, error)) (runFunc, error) {
	in, err := read(unsortedFile)
	if err != nil {
		return nil, err
	}
	return func() (func([]byte) error, error) {
		out, err := metafile.Canonicalize(in)
		return equal(out), err
	}, nil
}

// loadCanonicalizeOld canonicalizes "signed" as a workspace keeps it, the
// old way.
func loadCanonicalizeOld(read func(string) ([]byte, error)) (runFunc, error) {
	f, err := parsed(read)
	if err != nil {
		return nil, err
	}
	in := f.Signed
	return func() (func([]byte) error, error) {
		out, err := benchdata.OldCanonicalize(in)
		return equal(out), err
	}, nil
}

// loadCanonicalizeCJSON canonicalizes go-tuf's struct with
// securesystemslib's cjson.
func loadCanonicalizeCJSON(read func(string) ([]byte, error)) (runFunc, error) {
	m, err := gotuf(read)
	if err != nil {
		return nil, err
	}
	role := m.Signed
	return func() (func([]byte) error, error) {
		out, err := cjson.EncodeCanonical(&role)
		return equal(out), err
	}, nil
}

// loadParseOurs parses the signed file with metafile.
func loadParseOurs(read func(string) ([]byte, error)) (runFunc, error) {
	in, err := read(signedFile)
	if err != nil {
		return nil, err
	}
	return func() (func([]byte) error, error) {
		f, err := metafile.Parse(in)
		if err != nil {
			return nil, err
		}
		t, err := f.Targets()
		return delegates(t), err
	}, nil
}

// loadParseOld parses the signed file the old way.
func loadParseOld(read func(string) ([]byte, error)) (runFunc, error) {
	in, err := read(signedFile)
	if err != nil {
		return nil, err
	}
	return func() (func([]byte) error, error) {
		t, err := benchdata.OldParseTargets(in)
		return delegates(t), err
	}, nil
}

// loadParseGoTUF parses the signed file with go-tuf.
func loadParseGoTUF(read func(string) ([]byte, error)) (runFunc, error) {
	in, err := read(signedFile)
	if err != nil {
		return nil, err
	}
	return func() (func([]byte) error, error) {
		m, err := metadata.Targets().FromBytes(in)
		if err != nil {
			return nil, err
		}
		return delegates(&m.Signed), nil
	}, nil
}

// loadSignOurs signs the role as a workspace keeps it with the admin key.
func loadSignOurs(read func(string) ([]byte, error)) (runFunc, error) {
	f, err := parsed(read)
	if err != nil {
		return nil, err
	}
	admin, err := benchdata.AdminSigner()
	if err != nil {
		return nil, err
	}
	return func() (func([]byte) error, error) {
		msg, err := f.Canonical()
		if err != nil {
			return nil, err
		}
		sig, err := keys.SignMessage(admin, msg)
		return verifies(admin.TUFKey(), sig), err
	}, nil
}

// loadSignGoTUF signs go-tuf's struct, its signatures dropped, with the
// admin key through sigstore.
func loadSignGoTUF(read func(string) ([]byte, error)) (runFunc, error) {
	m, err := gotuf(read)
	if err != nil {
		return nil, err
	}
	m.Signatures = nil
	signer, err := signature.LoadED25519Signer(benchdata.AdminPrivateKey())
	if err != nil {
		return nil, err
	}
	admin, err := benchdata.AdminSigner()
	if err != nil {
		return nil, err
	}
	return func() (func([]byte) error, error) {
		sig, err := m.Sign(signer)
		if err != nil {
			return nil, err
		}
		return verifies(admin.TUFKey(), sig.Signature), nil
	}, nil
}

// loadVerifyOurs counts the role's signatures against the rule the top
// targets role sets for it.
func loadVerifyOurs(read func(string) ([]byte, error)) (runFunc, error) {
	f, err := parsed(read)
	if err != nil {
		return nil, err
	}
	rule, err := topRule()
	if err != nil {
		return nil, err
	}
	return func() (func([]byte) error, error) {
		t, err := threshold.Count(rule, f)
		if err != nil {
			return nil, err
		}
		if !t.Met() {
			return nil, fmt.Errorf("claimed's rule is not met: %+v", t)
		}
		return nil, nil
	}, nil
}

// loadVerifyGoTUF verifies the role as the top targets role's delegate,
// with go-tuf.
func loadVerifyGoTUF(read func(string) ([]byte, error)) (runFunc, error) {
	claimed, err := gotuf(read)
	if err != nil {
		return nil, err
	}
	admin, err := benchdata.AdminSigner()
	if err != nil {
		return nil, err
	}
	top, _, err := benchdata.TopTargets(admin.TUFKey())
	if err != nil {
		return nil, err
	}
	delegator := &metadata.Metadata[metadata.TargetsType]{Signed: *top}
	return func() (func([]byte) error, error) {
		return nil, delegator.VerifyDelegate(benchdata.ClaimedRole, claimed)
	}, nil
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

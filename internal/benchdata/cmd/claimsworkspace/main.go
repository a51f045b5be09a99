// Command claimsworkspace prepares what a claims ceremony at PEP 480's
// scale starts from, so that scripts/bench can run the ceremony tool
// itself on it, one process per step, under /usr/bin/time -v:
//
//	claimsworkspace -dir DIR [-n 100000] [-requests 100] [-extra 1000]
//
// It writes
//
//	DIR/repo/metadata/1.root.json, 1.targets.json, 1.claimed.json
//	    a repository whose claimed role delegates to n projects as
//	    'ceremony claims init' writes them (package benchdata), signed by
//	    the administrator key below;
//	DIR/requests/*.claim.json
//	    claim requests for new projects, signed an hour ago: the first
//	    requests-1 by benchdata's keys, the last for the project
//	    "maintained-project" by the maintainer key below, so that a
//	    project ceremony can follow the claims ceremony;
//	DIR/requests-extra/*.claim.json
//	    more of them (the first requests again, then the rest), for a
//	    larger review;
//	DIR/admin.key, admin.key.pub, admin.pass
//	    the administrator key as a file: key ('ceremony sign --key
//	    file:DIR/admin.key?pin-source=DIR/admin.pass'), with its passphrase:
//	    a benchmark's throwaway key, never a real one;
//	DIR/maintainer.key, maintainer.key.pub, maintainer.pass
//	    maintained-project's maintainer key, a file: key like the
//	    administrator's;
//	DIR/maintained-project-1.0.tar.gz
//	    the file a project ceremony of maintained-project lists
//	    (maintained_file; maintained_target is its target path);
//
// and prints one line of key=value pairs (delegations, keys,
// canonical_bytes, claimed_file_bytes, requests, extra_requests, key_uri,
// maintained_project, maintainer_key_uri, maintained_file,
// maintained_target).
// DIR must not exist yet, or be empty.
package main

import (
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tuf-ceremony/ceremony/claims"
	"github.com/tuf-ceremony/ceremony/internal/atomicfile"
	"github.com/tuf-ceremony/ceremony/internal/benchdata"
	"github.com/tuf-ceremony/ceremony/keys"
)

func main() {
	dir := flag.String("dir", "", "the directory to prepare (must not exist, or be empty)")
	n := flag.Int("n", benchdata.Projects, "project delegations of claimed")
	requests := flag.Int("requests", 100, "claim requests in DIR/requests")
	extra := flag.Int("extra", 1000, "claim requests in DIR/requests-extra (0: none)")
	flag.Parse()
	if *dir == "" || *n < 0 || *requests < 1 || *extra < 0 || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: claimsworkspace -dir DIR [-n PROJECTS] [-requests N] [-extra N]")
		os.Exit(2)
	}
	if err := prepare(*dir, *n, *requests, *extra); err != nil {
		fmt.Fprintln(os.Stderr, "claimsworkspace:", err)
		os.Exit(1)
	}
}

func prepare(dir string, n, requests, extra int) error {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s is not empty: give a new directory", dir)
	}
	if err := atomicfile.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	uri, err := fileKey(dir, "admin")
	if err != nil {
		return err
	}
	admin, err := keys.Open(uri, nil)
	if err != nil {
		return err
	}
	fx, err := benchdata.BuildWith(n, admin)
	if err != nil {
		return err
	}
	if err := fx.WriteRepository(filepath.Join(dir, "repo")); err != nil {
		return err
	}
	// An hour ago: 'ceremony claims review' refuses requests from the
	// future and, by default, older than 90 days.
	date := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
	if err := benchdata.WriteRequests(filepath.Join(dir, "requests"), requests-1, date); err != nil {
		return err
	}
	maintainerURI, err := fileKey(dir, "maintainer")
	if err != nil {
		return err
	}
	if err := writeMaintainedRequest(filepath.Join(dir, "requests"), maintainerURI, date); err != nil {
		return err
	}
	if err := atomicfile.WriteNew(filepath.Join(dir, maintainedFile), []byte("the sdist of "+maintainedProject+"\n"), 0o644); err != nil {
		return err
	}
	if extra > 0 {
		if err := benchdata.WriteRequests(filepath.Join(dir, "requests-extra"), extra, date); err != nil {
			return err
		}
	}
	fmt.Printf("delegations=%d keys=%d canonical_bytes=%d claimed_file_bytes=%d requests=%d extra_requests=%d key_uri=%s maintained_project=%s maintainer_key_uri=%s maintained_file=%s maintained_target=%s\n",
		len(fx.Role.Delegations.Roles), len(fx.Role.Delegations.Keys), len(fx.Canonical), len(fx.File), requests, extra, uri,
		maintainedProject, maintainerURI, filepath.Join(dir, maintainedFile), maintainedTarget)
	return nil
}

// The project the last claim request is for, its maintainer's file, and
// the target path the file is listed under (one of the paths
// claims.ProjectPaths delegates to the project).
const (
	maintainedProject = "maintained-project"
	maintainedFile    = "maintained-project-1.0.tar.gz"
	maintainedTarget  = "packages/00/11/2233/maintained_project-1.0.tar.gz"
)

// writeMaintainedRequest writes the claim request of maintainedProject
// into dir, signed by the key at uri at date.
func writeMaintainedRequest(dir, uri string, date time.Time) error {
	signer, err := keys.Open(uri, nil)
	if err != nil {
		return err
	}
	req, err := claims.MakeRequest(maintainedProject, []keys.Signer{signer}, 1, date, nil)
	if err != nil {
		return err
	}
	return atomicfile.WriteNew(filepath.Join(dir, maintainedProject+".claim.json"), req, 0o644)
}

// fileKey makes a file: key dir/NAME.key with a random passphrase in
// dir/NAME.pass, and returns the key's URI.
func fileKey(dir, name string) (string, error) {
	pass := make([]byte, 16)
	if _, err := rand.Read(pass); err != nil {
		return "", err
	}
	passFile := filepath.Join(dir, name+".pass")
	if err := atomicfile.WriteNew(passFile, []byte(hex.EncodeToString(pass)+"\n"), 0o600); err != nil {
		return "", err
	}
	uri := "file:" + filepath.Join(dir, name+".key") + "?pin-source=" + passFile
	if _, err := keys.Generate(uri, keys.TypeEd25519, nil); err != nil {
		return "", err
	}
	return uri, nil
}

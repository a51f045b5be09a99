package atomicfile

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

// names lists the entries of dir, sorted, so a test can see every file the
// code left behind (temporary files start with a dot and would hide from a
// glob).
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

func equalNames(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestWriteNewCreatesFileWithExactModeAndNoTempLeft(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.json")
	data := []byte("{\"a\":1}\n")
	// 0o640 has a group bit a common umask (022) keeps and an "other" bit
	// it would not: the mode must be exactly what was asked.
	if err := WriteNew(path, data, 0o640); err != nil {
		t.Fatalf("WriteNew: %v", err)
	}
	if got := readFile(t, path); !bytes.Equal(got, data) {
		t.Errorf("content = %q, want %q", got, data)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("mode = %v, want 0640", fi.Mode().Perm())
	}
	if !fi.Mode().IsRegular() {
		t.Errorf("mode = %v, want a regular file", fi.Mode())
	}
	if got := names(t, dir); !equalNames(got, []string{"out.json"}) {
		t.Errorf("directory holds %q, want only out.json", got)
	}
}

func TestWriteNewPrivateMode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "secret.key")
	if err := WriteNew(path, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", fi.Mode().Perm())
	}
}

func TestWriteNewRefusesExistingFileAndKeepsIt(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.json")
	old := []byte("precious old content")
	if err := os.WriteFile(path, old, 0o644); err != nil {
		t.Fatal(err)
	}
	err := WriteNew(path, []byte("new content"), 0o644)
	if err == nil {
		t.Fatal("WriteNew over an existing file succeeded, want an error")
	}
	if !errors.Is(err, fs.ErrExist) || !errors.Is(err, ErrExists) {
		t.Errorf("error %v does not wrap fs.ErrExist", err)
	}
	if got := readFile(t, path); !bytes.Equal(got, old) {
		t.Errorf("existing file changed to %q, want %q", got, old)
	}
	if got := names(t, dir); !equalNames(got, []string{"out.json"}) {
		t.Errorf("directory holds %q after a refused write, want only out.json", got)
	}
}

func TestWriteNewRefusesExistingSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("target"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if err := WriteNew(link, []byte("new"), 0o644); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("WriteNew over a symlink: err = %v, want fs.ErrExist", err)
	}
	if got := readFile(t, target); string(got) != "target" {
		t.Errorf("symlink target changed to %q", got)
	}
}

func TestWriteNewFailsWhenParentIsAFile(t *testing.T) {
	dir := t.TempDir()
	parent := filepath.Join(dir, "notadir")
	if err := os.WriteFile(parent, []byte("file"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Root ignores permission bits, so a directory made unwritable would not
	// force a failure; a path under a regular file fails for everyone.
	if err := WriteNew(filepath.Join(parent, "out"), []byte("x"), 0o644); err == nil {
		t.Fatal("WriteNew under a regular file succeeded, want an error")
	}
	if got := names(t, dir); !equalNames(got, []string{"notadir"}) {
		t.Errorf("directory holds %q after a failed write, want only notadir", got)
	}
	if got := readFile(t, parent); string(got) != "file" {
		t.Errorf("parent file changed to %q", got)
	}
}

func TestWriteNewMissingDirectory(t *testing.T) {
	dir := t.TempDir()
	err := WriteNew(filepath.Join(dir, "missing", "out"), []byte("x"), 0o644)
	if err == nil {
		t.Fatal("WriteNew into a missing directory succeeded, want an error")
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v, want it to wrap fs.ErrNotExist", err)
	}
}

func TestReplaceCreatesAndReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	if err := Replace(path, []byte("first"), 0o644); err != nil {
		t.Fatalf("Replace (create): %v", err)
	}
	if got := readFile(t, path); string(got) != "first" {
		t.Errorf("content = %q, want first", got)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	// Shorter content: a non-truncating in-place write would leave "ond"
	// of "first" behind.
	if err := Replace(path, []byte("sec"), 0o640); err != nil {
		t.Fatalf("Replace: %v", err)
	}
	if got := readFile(t, path); string(got) != "sec" {
		t.Errorf("content = %q, want sec", got)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("mode = %v, want 0640 (the mode given to Replace)", fi.Mode().Perm())
	}
	if got := names(t, dir); !equalNames(got, []string{"state.json"}) {
		t.Errorf("directory holds %q, want only state.json", got)
	}
}

func TestReplaceIsNewInodeNotInPlaceWrite(t *testing.T) {
	// A reader holding the old file open must keep seeing the old content in
	// full: the new content arrives by rename, not by rewriting the file.
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := os.WriteFile(path, []byte("old content"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := Replace(path, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, _ := r.Read(buf)
	if string(buf[:n]) != "old content" {
		t.Errorf("open reader sees %q, want the old content", buf[:n])
	}
	if got := readFile(t, path); string(got) != "new" {
		t.Errorf("path holds %q, want new", got)
	}
}

func TestReplaceFailureLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	// Renaming a file over a non-empty directory fails, after the temporary
	// file has been written.
	target := filepath.Join(dir, "target")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(target, "inside"), []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Replace(target, []byte("x"), 0o644); err == nil {
		t.Fatal("Replace over a directory succeeded, want an error")
	}
	if got := names(t, dir); !equalNames(got, []string{"target"}) {
		t.Errorf("directory holds %q after a failed Replace, want only target", got)
	}
	if got := readFile(t, filepath.Join(target, "inside")); string(got) != "keep" {
		t.Errorf("directory content changed to %q", got)
	}
}

func TestReplaceFailsWhenParentIsAFile(t *testing.T) {
	dir := t.TempDir()
	parent := filepath.Join(dir, "notadir")
	if err := os.WriteFile(parent, []byte("file"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Replace(filepath.Join(parent, "out"), []byte("x"), 0o644); err == nil {
		t.Fatal("Replace under a regular file succeeded, want an error")
	}
	if got := names(t, dir); !equalNames(got, []string{"notadir"}) {
		t.Errorf("directory holds %q after a failed Replace, want only notadir", got)
	}
}

func TestMkdirAllCreatesNestedDirectories(t *testing.T) {
	dir := t.TempDir()
	deep := filepath.Join(dir, "a", "b", "c")
	if err := MkdirAll(deep, 0o755); err != nil {
		t.Fatalf("MkdirAll: %v", err)
	}
	for _, p := range []string{filepath.Join(dir, "a"), filepath.Join(dir, "a", "b"), deep} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if !fi.IsDir() {
			t.Errorf("%s is not a directory", p)
		}
	}
	// Again: an existing directory is fine and its content is kept.
	keep := filepath.Join(deep, "keep")
	if err := os.WriteFile(keep, []byte("k"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := MkdirAll(deep, 0o755); err != nil {
		t.Fatalf("MkdirAll on an existing directory: %v", err)
	}
	if got := readFile(t, keep); string(got) != "k" {
		t.Errorf("file in existing directory changed to %q", got)
	}
	// A trailing slash and a dot component name the same directory.
	if err := MkdirAll(filepath.Join(dir, "a", ".", "b")+"/", 0o755); err != nil {
		t.Errorf("MkdirAll with unclean path: %v", err)
	}
}

func TestMkdirAllRelativePath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := MkdirAll(filepath.Join("x", "y"), 0o755); err != nil {
		t.Fatalf("MkdirAll relative: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "x", "y")); err != nil || !fi.IsDir() {
		t.Errorf("x/y was not created under the working directory: %v", err)
	}
}

func TestMkdirAllRefusesFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("f"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := MkdirAll(file, 0o755); err == nil {
		t.Error("MkdirAll on a regular file succeeded, want an error")
	}
	if err := MkdirAll(filepath.Join(file, "sub"), 0o755); err == nil {
		t.Error("MkdirAll under a regular file succeeded, want an error")
	}
	if got := readFile(t, file); string(got) != "f" {
		t.Errorf("file changed to %q", got)
	}
}

// TestWriteNewLongNames: a target name up to the 255 bytes a file name may
// have is written; its temporary name is cut to fit, at a character
// boundary.
func TestWriteNewLongNames(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{strings.Repeat("a", 240), strings.Repeat("b", 255), strings.Repeat("é", 127)} {
		if err := WriteNew(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
			t.Errorf("WriteNew of a %d-byte name: %v", len(name), err)
		}
	}
	for _, name := range []string{strings.Repeat("c", 255), "x" + strings.Repeat("é", 127)} {
		p := tempPattern(name)
		if len(p)-1+20 > 255 || !utf8.ValidString(p) {
			t.Errorf("temporary pattern for a %d-byte name: %d bytes, valid UTF-8 %v", len(name), len(p), utf8.ValidString(p))
		}
	}
}

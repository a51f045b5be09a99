package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// mountTmpfs mounts a tmpfs of size bytes at a new directory and returns
// it; the test's cleanup unmounts it. It needs root, as CI runs.
func mountTmpfs(t *testing.T, size int64) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d", size), "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs (the disk-full test needs root): %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v\n%s", dir, err, out)
		}
	})
	return dir
}

// fill leaves about free bytes free on the filesystem of dir, in a file
// it returns.
func fill(t *testing.T, dir string, free int64) string {
	t.Helper()
	var st statfs
	if err := statfsOf(dir, &st); err != nil {
		t.Fatal(err)
	}
	filler := filepath.Join(dir, "filler")
	if n := st.avail - free; n > 0 {
		if out, err := exec.Command("fallocate", "-l", fmt.Sprint(n), filler).CombinedOutput(); err != nil {
			t.Fatalf("fallocate: %v\n%s", err, out)
		}
	}
	return filler
}

// TestDiskFullAtEveryLevel: a ceremony's signing, seal and bundle run on a
// filesystem with little room left, at many levels of free space: each
// command either succeeds or fails with nothing lost, and once room is
// made the same commands complete the ceremony, whose metadata is then
// byte for byte the uninterrupted run's and whose transcript replays.
func TestDiskFullAtEveryLevel(t *testing.T) {
	bin := buildCeremony(t)
	template := sealTemplate(t, bin)
	// The reference: dave signs, alice seals, the bundle is written.
	reference := filepath.Join(t.TempDir(), "reference")
	copyTree(t, template, reference)
	steps := [][]string{
		{"sign", "--key", "file:keys/dave.key?pin-source=pass", "ws"},
		{"seal", "--key", "file:keys/alice.key?pin-source=pass", "ws"},
		{"bundle", "--out", "b.tar", "ws"},
	}
	rr := runner{t: t, bin: bin, dir: reference}
	for _, s := range steps {
		rr.must(s...)
	}
	want := map[string][]byte{}
	for _, role := range []string{"root", "targets"} {
		want[role], _ = os.ReadFile(filepath.Join(reference, "ws", "metadata", role+".json"))
	}

	disk := mountTmpfs(t, 4<<20)
	failures := 0
	// Each step on a disk with little room, the steps before it with
	// room: tmpfs hands out whole pages, so every 4 KiB up to what sign
	// and seal need, and every 16 KiB up to what the bundle needs.
	levels := [][]int64{{0, 4, 8, 12, 16}, {0, 4, 8, 12, 16}, {0, 16, 32, 48, 64, 80, 96}}
	for k, s := range steps {
		for _, kib := range levels[k] {
			dir := filepath.Join(disk, "run")
			copyTree(t, template, dir)
			r := runner{t: t, bin: bin, dir: dir}
			for _, before := range steps[:k] {
				r.must(before...)
			}
			filler := fill(t, disk, kib<<10)
			out, _, err := r.run("", s...)
			os.Remove(filler)
			if err != nil {
				failures++
				t.Logf("%d KiB free: ceremony %s failed for want of room", kib, s[0])
				if !strings.Contains(out, "no space left on device") {
					t.Errorf("%d KiB free: ceremony %s failed, but not for want of room: %v\n%s", kib, s[0], err, out)
				}
				// Room again: the same command, run again, completes.
				if out, _, err := r.run("", s...); err != nil {
					t.Fatalf("%d KiB free, then room made: ceremony %s again: %v\n%s", kib, s[0], err, out)
				}
			}
			for _, after := range steps[k+1:] {
				r.must(after...)
			}
			for role, w := range want {
				got, _ := os.ReadFile(filepath.Join(dir, "ws", "metadata", role+".json"))
				if !bytes.Equal(got, w) {
					t.Errorf("%s with %d KiB free: %s differs from the uninterrupted run's", s[0], kib, role)
				}
			}
			r.must("replay", "ws")
			r.must("verify", "b.tar")
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
		}
	}
	if failures == 0 {
		t.Fatal("no level of free space made a command fail: the test does not reach a full disk")
	}
}

// Package fattest mounts FAT and exFAT filesystem images, what most USB
// sticks hold, so that tests can write to them as a ceremony writes its
// outputs to a stick. This machine's kernel has no vfat module, so the
// images are mounted through FUSE, with Debian's fusefat and exfat-fuse
// (scripts/setup installs them); both refuse link(2) with EPERM, as the
// kernel's vfat and exfat do. Mounting needs root and /dev/fuse: a test
// that cannot mount fails, naming what is missing.
package fattest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Kinds are the filesystems Mount makes.
var Kinds = []string{"vfat", "exfat"}

// Mount makes a 64 MiB image of kind ("vfat" or "exfat"), mounts it and
// returns the mount point; the test's cleanup unmounts it.
func Mount(t testing.TB, kind string) string {
	t.Helper()
	dir := t.TempDir()
	img, mnt := filepath.Join(dir, kind+".img"), filepath.Join(dir, "mnt")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(img, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(img, 64<<20); err != nil {
		t.Fatal(err)
	}
	switch kind {
	case "vfat":
		run(t, "mkfs.vfat", img)
		run(t, "fusefat", "-o", "rw+", img, mnt)
	case "exfat":
		run(t, "mkfs.exfat", img)
		loop := strings.TrimSpace(run(t, "losetup", "--find", "--show", img))
		t.Cleanup(func() { exec.Command("losetup", "-d", loop).Run() })
		run(t, "mount.exfat-fuse", loop, mnt)
	default:
		t.Fatalf("fattest: unknown filesystem %q", kind)
	}
	t.Cleanup(func() { unmount(t, mnt) })
	return mnt
}

func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("fattest: %s %s: %v\n%s(FAT and exFAT tests need root, /dev/fuse and Debian's dosfstools, fusefat, exfatprogs and exfat-fuse: run scripts/setup)",
			name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// unmount unmounts mnt, waiting a little for a FUSE daemon that is still
// writing.
func unmount(t testing.TB, mnt string) {
	var out []byte
	var err error
	for range 50 {
		if out, err = exec.Command("umount", mnt).CombinedOutput(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("fattest: umount %s: %v\n%s", mnt, err, out)
}

package e2e

import "syscall"

type statfs struct{ avail int64 }

func statfsOf(dir string, st *statfs) error {
	var s syscall.Statfs_t
	if err := syscall.Statfs(dir, &s); err != nil {
		return err
	}
	st.avail = int64(s.Bavail) * int64(s.Bsize)
	return nil
}

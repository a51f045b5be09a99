package transcripts

import "testing"

func TestFlockHolderPID(t *testing.T) {
	locks := []byte("1: POSIX  ADVISORY  WRITE 77 fd:01:1234 0 EOF\n" +
		"2: FLOCK  ADVISORY  WRITE 4242 fd:01:1234 0 EOF\n" +
		"2: -> FLOCK  ADVISORY  WRITE 5151 fd:01:1234 0 EOF\n" +
		"3: FLOCK  ADVISORY  WRITE 99 00:2a:98765 0 EOF\n" +
		"4: FLOCK  ADVISORY  WRITE 8 00:2b:1234 0 EOF\n")
	for _, c := range []struct {
		dev  string
		ino  uint64
		want int
	}{{"fd:01", 1234, 4242}, {"00:2a", 98765, 99}, {"00:2b", 1234, 8}, {"00:2a", 1234, 0}, {"fd:01", 5, 0}} {
		if got := flockHolderPID(locks, c.dev, c.ino); got != c.want {
			t.Errorf("%s inode %d: pid %d, want %d", c.dev, c.ino, got, c.want)
		}
	}
	for cmdline, want := range map[string]string{
		"/usr/bin/ceremony\x00sign\x00--key\x00file:k?pin-source=p\x00ws\x00": "ceremony sign",
		"ceremony\x00/tmp/ws\x00": "ceremony",
		"/bin/sh\x00-c\x00x\x00":  "sh -c",
		"flock\x00":               "flock",
	} {
		if got := commandName([]byte(cmdline)); got != want {
			t.Errorf("commandName(%q) = %q, want %q", cmdline, got, want)
		}
	}
}

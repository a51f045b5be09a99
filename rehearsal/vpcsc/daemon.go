package vpcsc

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/go-piv/piv-go/v2/piv"
)

const (
	// vpcdDriver is where Debian's vsmartcard-vpcd puts the driver.
	vpcdDriver = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
	// usbDrivers is pcscd's compiled-in directory of USB reader drivers,
	// hidden from the private pcscd so that it never sees a real reader.
	usbDrivers = "/usr/lib/pcsc/drivers"
	// lockPath serializes the port choice and start of private pcscds of
	// processes that start them at the same time.
	lockPath = "/tmp/ceremony-pcscd.lock"
	// firstPort is vpcd's default port; readers take consecutive ports.
	firstPort = 35963
	// drivers is how many copies of the vpcd driver pcscd loads; each
	// copy gives two readers ("slots"), on its port and the next.
	drivers = 2
	// startTimeout bounds the wait for pcscd's readers.
	startTimeout = 10 * time.Second
	// systemSocket is where pcscd always puts its socket.
	systemSocket = "/run/pcscd/pcscd.comm"
)

// namespaceScript runs as root in a private mount namespace: it gives
// pcscd a private /run (so its socket, always /run/pcscd/pcscd.comm, lands
// in our directory) and an empty USB driver directory, then becomes pcscd.
// $1 is our directory, $2 the pcscd binary, $3 its log level.
const namespaceScript = `set -e
mount --make-rprivate /
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir /run/pcscd
mount --bind "$1/run" /run/pcscd
if [ -d ` + usbDrivers + ` ]; then mount --bind "$1/usb" ` + usbDrivers + `; fi
echo '` + namespaceReady + `'
exec "$2" --foreground $3 --config "$1/conf"
`

// namespaceReady is what namespaceScript says before it becomes pcscd.
const namespaceReady = "vpcsc: namespace ready"

var errNoNamespace = errors.New("no private mount namespace for pcscd (it needs root, or unprivileged user namespaces)")

// pcscdPath is the pcscd binary: on PATH, or where Debian puts it (sbin is
// not on every user's PATH).
func pcscdPath() string {
	if p, err := exec.LookPath("pcscd"); err == nil {
		return p
	}
	return "/usr/sbin/pcscd"
}

// Missing names what Start needs and does not find: "pcscd", "vpcd" (the
// driver of vsmartcard-vpcd), and the "sh" and "mount" that set up the
// namespace.
func Missing() []string {
	var out []string
	if _, err := os.Stat(pcscdPath()); err != nil {
		out = append(out, "pcscd")
	}
	if _, err := os.Stat(vpcdDriver); err != nil {
		out = append(out, "vpcd")
	}
	for _, tool := range []string{"sh", "mount"} {
		if _, err := exec.LookPath(tool); err != nil {
			out = append(out, tool)
		}
	}
	return out
}

// Check says in one line what Start needs and does not find, or returns
// nil.
func Check() error {
	missing := Missing()
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("%s not found: run scripts/setup (Debian packages pcscd, vsmartcard-vpcd)", strings.Join(missing, ", "))
}

// process is a running private pcscd.
type process struct {
	dir     string
	debug   bool
	cmd     *exec.Cmd
	exited  chan error
	warning string
	unlock  func() // releases the lock at stop, on the system socket
}

// startProcess starts a private pcscd with vpcd readers and waits until
// pcscd lists them. The readers it returns are in port order. startMu is
// held.
func startProcess(opts Options) (*process, []Reader, error) {
	if err := Check(); err != nil {
		return nil, nil, err
	}
	pcscd := pcscdPath()

	// A short path in /tmp: the socket path must fit in 108 bytes, and the
	// namespace hides /run, where TMPDIR may point.
	dir, err := os.MkdirTemp("/tmp", "ceremony-pcscd-")
	if err != nil {
		return nil, nil, fmt.Errorf("failed to make pcscd's directory: %w", err)
	}
	p := &process{dir: dir, debug: opts.Debug}
	fail := func(err error) (*process, []Reader, error) {
		p.stop()
		return nil, nil, err
	}
	for _, sub := range []string{"run", "usb", "conf"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
			return fail(err)
		}
	}

	unlock, err := lockFile(lockPath)
	if err != nil {
		return fail(err)
	}
	holdLock := false
	defer func() {
		if holdLock {
			p.unlock = unlock
		} else {
			unlock()
		}
	}()

	base, err := freePorts(2 * drivers)
	if err != nil {
		return fail(err)
	}
	var conf strings.Builder
	var readers []Reader
	for i := range drivers {
		// Each copy of the driver is its own library to pcscd, with its own
		// state: two entries naming one file would share one vpcd.
		lib := filepath.Join(dir, fmt.Sprintf("vpcd-%c.so", 'a'+i))
		if err := copyFile(vpcdDriver, lib); err != nil {
			return fail(fmt.Errorf("failed to copy the vpcd driver: %w", err))
		}
		port := base + 2*i
		friendly := fmt.Sprintf("Virtual YubiKey %c", 'A'+i)
		fmt.Fprintf(&conf, "FRIENDLYNAME \"%s\"\nDEVICENAME /dev/null:0x%X\nLIBPATH %s\nCHANNELID 0x%X\n\n", friendly, port, lib, port)
		for slot := range 2 {
			readers = append(readers, Reader{
				Name: fmt.Sprintf("%s 00 %02X", friendly, slot),
				Addr: fmt.Sprintf("127.0.0.1:%d", port+slot),
			})
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "conf", "reader.conf"), []byte(conf.String()), 0o644); err != nil {
		return fail(err)
	}

	level := "--error"
	if opts.Debug {
		level = "--debug --apdu"
	}

	if opts.NoNamespace {
		if err := p.runPlain(pcscd, level, readers); err != nil {
			return fail(err)
		}
		holdLock = true
		return p, readers, nil
	}
	// First choice: a private namespace, private socket, no USB readers.
	cmd := exec.Command("sh", "-c", namespaceScript, "sh", dir, pcscd, level)
	cmd.SysProcAttr = namespaceAttr()
	err = p.run(cmd, filepath.Join(dir, "run", "pcscd.comm"), readers)
	if err == nil {
		return p, readers, nil
	}
	if !errors.Is(err, errNoNamespace) || !opts.SystemSocketFallback {
		return fail(err)
	}
	nsErr := err
	// Fallback: the system's socket, the lock held until stop.
	if err := p.runPlain(pcscd, level, readers); err != nil {
		return fail(fmt.Errorf("%v; and without a namespace: %w", nsErr, err))
	}
	holdLock = true
	p.warning = fmt.Sprintf("%v: running pcscd on %s instead, one process at a time", nsErr, systemSocket)
	return p, readers, nil
}

// runPlain runs pcscd as it is, on the system socket: for machines that
// forbid namespaces (containers without CAP_SYS_ADMIN). USB readers stay
// visible.
func (p *process) runPlain(pcscd, level string, readers []Reader) error {
	if err := os.MkdirAll(filepath.Dir(systemSocket), 0o755); err != nil {
		return fmt.Errorf("pcscd needs root or a writable %s: %w", filepath.Dir(systemSocket), err)
	}
	args := append([]string{"--foreground"}, strings.Fields(level)...)
	cmd := exec.Command(pcscd, append(args, "--config", filepath.Join(p.dir, "conf"))...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := p.run(cmd, systemSocket, readers); err != nil {
		return fmt.Errorf("%w (pcscd needs root or a writable /run/pcscd, and no other pcscd running: systemctl stop pcscd.socket pcscd)", err)
	}
	return nil
}

// run starts cmd, which becomes pcscd, and waits until pcscd serves
// socket and lists the readers.
func (p *process) run(cmd *exec.Cmd, socket string, readers []Reader) error {
	logf, err := os.OpenFile(p.logPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	inNamespace := cmd.SysProcAttr.Unshareflags != 0 || cmd.SysProcAttr.Cloneflags != 0
	if err := cmd.Start(); err != nil {
		if inNamespace {
			return fmt.Errorf("%w: %v", errNoNamespace, err)
		}
		return fmt.Errorf("failed to start pcscd: %w", err)
	}
	p.cmd = cmd
	p.exited = make(chan error, 1)
	go func() { p.exited <- cmd.Wait() }()

	// libpcsclite reads this once, at its first call in the process.
	os.Setenv("PCSCLITE_CSOCK_NAME", socket)

	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case err := <-p.exited:
			p.cmd = nil
			log := p.logTail()
			if inNamespace && !strings.Contains(log, namespaceReady) {
				return fmt.Errorf("%w: %s", errNoNamespace, log)
			}
			return fmt.Errorf("pcscd exited (%v): %s", err, log)
		default:
		}
		if _, err := os.Stat(socket); err == nil {
			pcscUsed = true
			names, err := piv.Cards()
			if err == nil && containsAll(names, readers) {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("pcscd lists readers %q, not the %d vpcd readers (err: %v); is libpcsclite already talking to another pcscd? log: %s",
					names, len(readers), err, p.logTail())
			}
		} else if time.Now().After(deadline) {
			return fmt.Errorf("pcscd made no socket %s in %v: %s", socket, startTimeout, p.logTail())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// namespaceAttr runs pcscd in a private mount namespace: as root directly,
// otherwise inside a user namespace where we are root.
func namespaceAttr() *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if os.Geteuid() == 0 {
		attr.Unshareflags = syscall.CLONE_NEWNS
		return attr
	}
	attr.Cloneflags = syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS
	attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Geteuid(), Size: 1}}
	attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getegid(), Size: 1}}
	attr.GidMappingsEnableSetgroups = false
	return attr
}

func containsAll(names []string, readers []Reader) bool {
	for _, r := range readers {
		if !slices.Contains(names, r.Name) {
			return false
		}
	}
	return true
}

func (p *process) logPath() string { return filepath.Join(p.dir, "pcscd.log") }

// logTail is the end of pcscd's output on one line, for error messages.
func (p *process) logTail() string {
	b, _ := os.ReadFile(p.logPath())
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 8 {
		lines = lines[len(lines)-8:]
	}
	s := strings.Join(lines, " | ")
	if len(s) > 1000 {
		s = "..." + s[len(s)-1000:]
	}
	if s == "" {
		return "(pcscd wrote nothing)"
	}
	return s
}

// stop ends pcscd and removes its directory (kept when debugging).
func (p *process) stop() {
	if p.cmd != nil && p.cmd.Process != nil {
		p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(5 * time.Second):
			p.cmd.Process.Kill()
			<-p.exited
		}
		p.cmd = nil
	}
	if !p.debug {
		os.RemoveAll(p.dir)
	}
	if p.unlock != nil {
		p.unlock()
		p.unlock = nil
	}
}

// freePorts finds n consecutive TCP ports, from vpcd's default on, that
// nothing listens on (vpcd listens on every address).
func freePorts(n int) (int, error) {
	for base := firstPort; base < firstPort+64*n; base += n {
		free := true
		for p := base; p < base+n && free; p++ {
			l, err := net.Listen("tcp4", fmt.Sprintf("0.0.0.0:%d", p))
			if err != nil {
				free = false
				continue
			}
			l.Close()
		}
		if free {
			return base, nil
		}
	}
	return 0, fmt.Errorf("no %d free consecutive ports from %d on", n, firstPort)
}

// lockFile takes an exclusive flock on path, waiting for it.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, fmt.Errorf("failed to open lock file %q: %w", path, err)
	}
	f.Chmod(0o666) // shared between users; the umask may have narrowed it
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("failed to lock %q: %w", path, err)
	}
	return func() { f.Close() }, nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

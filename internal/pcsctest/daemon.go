package pcsctest

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
	// test binaries that run at the same time.
	lockPath = "/tmp/ceremony-pcscd.lock"
	// firstPort is vpcd's default port; readers take consecutive ports.
	firstPort = 35963
	// drivers is how many copies of the vpcd driver pcscd loads; each
	// copy gives two readers ("slots"), on its port and the next.
	drivers = 2
	// startTimeout bounds the wait for pcscd's readers.
	startTimeout = 10 * time.Second
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
const namespaceReady = "pcsctest: namespace ready"

// daemon is a private pcscd.
type daemon struct {
	dir      string
	cmd      *exec.Cmd
	exited   chan error
	holdLock bool   // on the system socket: hold the lock until stop
	unlock   func() // releases the lock then
}

// startDaemon starts a private pcscd with vpcd readers and waits until
// pcscd lists them. The readers it returns are in port order.
func startDaemon() (*daemon, []reader, error) {
	pcscd, err := exec.LookPath("pcscd")
	if err != nil {
		pcscd = "/usr/sbin/pcscd"
	}
	if _, err := os.Stat(pcscd); err != nil {
		return nil, nil, fmt.Errorf("pcscd is not installed (run scripts/setup): %w", err)
	}
	if _, err := os.Stat(vpcdDriver); err != nil {
		return nil, nil, fmt.Errorf("vpcd is not installed (run scripts/setup): %w", err)
	}
	for _, tool := range []string{"sh", "mount"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, nil, fmt.Errorf("%s is needed to start a private pcscd: %w", tool, err)
		}
	}

	// A short path in /tmp: the socket path must fit in 108 bytes, and the
	// namespace hides /run, where TMPDIR may point.
	dir, err := os.MkdirTemp("/tmp", "ceremony-pcscd-")
	if err != nil {
		return nil, nil, err
	}
	d := &daemon{dir: dir}
	fail := func(err error) (*daemon, []reader, error) {
		d.stop()
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
	defer func() {
		if d.holdLock {
			d.unlock = unlock
		} else {
			unlock()
		}
	}()

	base, err := freePorts(2 * drivers)
	if err != nil {
		return fail(err)
	}
	var conf strings.Builder
	var readers []reader
	for i := range drivers {
		// Each copy of the driver is its own library to pcscd, with its own
		// state: two entries naming one file would share one vpcd.
		lib := filepath.Join(dir, fmt.Sprintf("vpcd-%c.so", 'a'+i))
		if err := copyFile(vpcdDriver, lib); err != nil {
			return fail(err)
		}
		port := base + 2*i
		friendly := fmt.Sprintf("Virtual YubiKey %c", 'A'+i)
		fmt.Fprintf(&conf, "FRIENDLYNAME \"%s\"\nDEVICENAME /dev/null:0x%X\nLIBPATH %s\nCHANNELID 0x%X\n\n", friendly, port, lib, port)
		for slot := range 2 {
			readers = append(readers, reader{
				name: fmt.Sprintf("%s 00 %02X", friendly, slot),
				addr: fmt.Sprintf("127.0.0.1:%d", port+slot),
			})
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "conf", "reader.conf"), []byte(conf.String()), 0o644); err != nil {
		return fail(err)
	}

	level := "--error"
	if debug() {
		level = "--debug --apdu"
		fmt.Fprintf(os.Stderr, "pcsctest: pcscd logs to %s\n", filepath.Join(dir, "pcscd.log"))
	}

	// First choice: a private namespace, private socket, no USB readers.
	if os.Getenv("PCSCTEST_NO_NAMESPACE") == "" {
		cmd := exec.Command("sh", "-c", namespaceScript, "sh", dir, pcscd, level)
		cmd.SysProcAttr = namespaceAttr()
		err := d.run(cmd, filepath.Join(dir, "run", "pcscd.comm"), readers)
		if err == nil {
			return d, readers, nil
		}
		if !errors.Is(err, errNoNamespace) {
			return fail(err)
		}
		nsErr := err
		// Fallback: the system's socket, the lock held until stop.
		if err := d.runPlain(pcscd, level, readers); err != nil {
			return fail(fmt.Errorf("%v; and without a namespace: %w", nsErr, err))
		}
		fmt.Fprintf(os.Stderr, "pcsctest: %v: running pcscd on %s instead, one test binary at a time\n", nsErr, systemSocket)
		return d, readers, nil
	}
	if err := d.runPlain(pcscd, level, readers); err != nil {
		return fail(err)
	}
	return d, readers, nil
}

// systemSocket is where pcscd always puts its socket.
const systemSocket = "/run/pcscd/pcscd.comm"

var errNoNamespace = errors.New("no private mount namespace for pcscd")

// runPlain runs pcscd as it is, on the system socket: for machines that
// forbid namespaces (containers without CAP_SYS_ADMIN). It keeps the lock,
// so that test binaries take turns, and USB readers stay visible.
func (d *daemon) runPlain(pcscd, level string, readers []reader) error {
	if err := os.MkdirAll(filepath.Dir(systemSocket), 0o755); err != nil {
		return fmt.Errorf("pcscd needs root or a writable %s: %w", filepath.Dir(systemSocket), err)
	}
	args := append([]string{"--foreground"}, strings.Fields(level)...)
	cmd := exec.Command(pcscd, append(args, "--config", filepath.Join(d.dir, "conf"))...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := d.run(cmd, systemSocket, readers); err != nil {
		return fmt.Errorf("%w (pcscd needs root or a writable /run/pcscd, and no other pcscd running: systemctl stop pcscd.socket pcscd)", err)
	}
	d.holdLock = true
	return nil
}

// run starts cmd, which becomes pcscd, and waits until pcscd serves
// socket and lists the readers.
func (d *daemon) run(cmd *exec.Cmd, socket string, readers []reader) error {
	logf, err := os.OpenFile(filepath.Join(d.dir, "pcscd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		if cmd.SysProcAttr.Unshareflags != 0 || cmd.SysProcAttr.Cloneflags != 0 {
			return fmt.Errorf("%w: %v", errNoNamespace, err)
		}
		return fmt.Errorf("failed to start pcscd: %w", err)
	}
	d.cmd = cmd
	d.exited = make(chan error, 1)
	go func() { d.exited <- cmd.Wait() }()

	// libpcsclite reads this once, at its first call in the process.
	os.Setenv("PCSCLITE_CSOCK_NAME", socket)

	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case err := <-d.exited:
			d.cmd = nil
			log := d.log()
			if !strings.Contains(log, namespaceReady) && (cmd.SysProcAttr.Unshareflags != 0 || cmd.SysProcAttr.Cloneflags != 0) {
				return fmt.Errorf("%w: %s", errNoNamespace, strings.TrimSpace(log))
			}
			return fmt.Errorf("pcscd exited (%v): %s", err, log)
		default:
		}
		if _, err := os.Stat(socket); err == nil {
			names, err := piv.Cards()
			if err == nil && containsAll(names, readers) {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("pcscd lists readers %q, not the %d vpcd readers (err: %v); is libpcsclite already talking to another pcscd? log: %s",
					names, len(readers), err, d.log())
			}
		} else if time.Now().After(deadline) {
			return fmt.Errorf("pcscd made no socket %s in %v: %s", socket, startTimeout, d.log())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// debug says whether PCSCTEST_DEBUG is set: pcscd then logs every APDU,
// and its directory (and log) stays after the tests.
func debug() bool { return os.Getenv("PCSCTEST_DEBUG") != "" }

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

func containsAll(names []string, readers []reader) bool {
	for _, r := range readers {
		if !slices.Contains(names, r.name) {
			return false
		}
	}
	return true
}

// log is the tail of pcscd's output, for error messages.
func (d *daemon) log() string {
	b, _ := os.ReadFile(filepath.Join(d.dir, "pcscd.log"))
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	if len(b) == 0 {
		return "(pcscd wrote nothing)"
	}
	return string(b)
}

// stop ends pcscd and removes its directory.
func (d *daemon) stop() {
	if d.cmd != nil && d.cmd.Process != nil {
		d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.exited:
		case <-time.After(5 * time.Second):
			d.cmd.Process.Kill()
			<-d.exited
		}
	}
	if !debug() {
		os.RemoveAll(d.dir)
	}
	if d.unlock != nil {
		d.unlock()
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

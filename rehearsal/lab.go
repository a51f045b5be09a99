package rehearsal

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/tuf-ceremony/ceremony/hsm/p11"
	"github.com/tuf-ceremony/ceremony/hsm/yubikey"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/rehearsal/vpcsc"
	"github.com/tuf-ceremony/ceremony/rehearsal/vyubikey"
)

// Kinds of Holder.
const (
	KindYubiKey = "yubikey"
	KindPKCS11  = "pkcs11"
	KindFile    = "file"
)

// Holder is a keyholder of the lab and what they hold.
type Holder struct {
	Name string
	// Device is what the person holds, as said aloud: "YubiKey serial
	// 19088743", "SoftHSM2 token carol", "key file erin.key".
	Device string
	// Kind is KindYubiKey, KindPKCS11 or KindFile.
	Kind string
	// Serial is the YubiKey's serial number (KindYubiKey only).
	Serial uint32
	// URI is the key's URI as the loaded plan names it (relative paths
	// taken against the lab), without pin-source: the secret is typed.
	URI string
	// Secret is the practice PIN or passphrase.
	Secret string
	// PUK is a YubiKey's practice PUK, which unblocks its PIN
	// (KindYubiKey only).
	PUK string
}

// labKeys opens the lab's keys: its virtual YubiKeys and SoftHSM2 tokens
// go through the same backends as real devices.
var labKeys = keys.NewBackends(yubikey.Backend{}, p11.Backend{})

// Keys are the key backends that open the lab's keys: hand them to the
// engine that runs the rehearsal.
func (l *Lab) Keys() *keys.Backends { return labKeys }

// Lab is simulated ceremony hardware in a directory. Its methods are safe
// for concurrent use.
type Lab struct {
	dir      string
	profile  plan.Profile
	scenario string
	lock     *os.File // lab.lock, held while the lab is open
	holders  []Holder
	online   Holder
	daemon   *vpcsc.Daemon
	cards    map[uint32]*vyubikey.Card

	// touchWaiter is closed by Touch to end the card's wait for a touch
	// (nil when no card waits); practiceTouch says whether cards wait
	// (PracticeTouch).
	touchMu       sync.Mutex
	touchWaiter   chan struct{}
	practiceTouch atomic.Bool

	opMu     sync.Mutex // serializes Insert, Remove and Close
	mu       sync.Mutex // guards inserted, closed and saveErr
	inserted *vyubikey.Card
	closed   bool
	saveErr  error
}

var (
	setupMu sync.Mutex
	setUp   bool // a lab's pcscd was started in this process
)

// ceremonyReader is the reader the ceremony uses; the others stay empty.
const ceremonyReader = 0

// Setup builds a lab in dir, which it creates (an empty dir is taken as
// it is), for a bootstrap ceremony of profile (rstuf, pep458 or pep480):
// the private pcscd and virtual YubiKeys, the SoftHSM2 tokens, the key
// files, each keyholder's key made on what they hold, and dir/plan.yaml.
// No card is inserted when it returns. On failure, what was started is
// stopped; dir stays.
func Setup(dir, profile string) (*Lab, error) { return SetupFor(dir, profile, "") }

// SetupFor is Setup for a lab that practises a later ceremony, named by
// scenario (package rehearsal/scenario): lab.json keeps it, so the lab is
// that scenario's whenever it is opened again (Lab.Scenario).
func SetupFor(dir, profile, scenario string) (*Lab, error) {
	p := plan.Profile(profile)
	if !slices.Contains([]plan.Profile{plan.ProfileRSTUF, plan.ProfilePEP458, plan.ProfilePEP480}, p) {
		return nil, fmt.Errorf("unknown profile %q: want rstuf, pep458 or pep480", profile)
	}
	tools, err := preflight()
	if err != nil {
		return nil, err
	}
	setupMu.Lock()
	defer setupMu.Unlock()
	if setUp {
		return nil, errOneLab
	}
	if dir, err = makeDir(dir); err != nil {
		return nil, err
	}
	l, err := start(dir)
	if err != nil {
		return nil, err
	}
	l.profile = p
	if err := l.build(p, tools); err != nil {
		l.Close()
		return nil, err
	}
	l.scenario = scenario
	if err := l.writeLabInfo(); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// errOneLab refuses a second lab in a process.
var errOneLab = errors.New("a rehearsal lab was set up in this process once already: PC/SC reads the address of its pcscd once per process, so run one lab per process")

// start starts the lab in dir (absolute; it exists): takes its lock,
// points SoftHSM2 at its tokens and starts its private pcscd. The caller
// holds setupMu and fills in the rest of the lab.
func start(dir string) (*Lab, error) {
	held, err := lock(dir)
	if err != nil {
		return nil, err
	}
	// SOFTHSM2_CONF first: SoftHSM2 reads it when its module is loaded.
	if err := configureSoftHSM(filepath.Join(dir, "softhsm2")); err != nil {
		held.Close()
		return nil, err
	}
	d, err := vpcsc.Start(vpcsc.Options{})
	if err != nil {
		held.Close()
		return nil, fmt.Errorf("failed to start pcscd: %w", err)
	}
	setUp = true
	return &Lab{lock: held, dir: dir, daemon: d, cards: map[uint32]*vyubikey.Card{}}, nil
}

// tools are what preflight found.
type tools struct {
	softhsmUtil string
	module      string // libsofthsm2.so
}

// preflight finds everything the lab needs before anything starts, and
// names in one line what is missing.
func preflight() (tools, error) {
	var t tools
	missing := vpcsc.Missing()
	var err error
	if t.softhsmUtil, err = exec.LookPath("softhsm2-util"); err != nil {
		missing = append(missing, "softhsm2-util")
	}
	for _, m := range p11.WellKnownModules() {
		if filepath.Base(m) == "libsofthsm2.so" {
			t.module = m
			break
		}
	}
	if t.module == "" {
		missing = append(missing, "libsofthsm2.so")
	}
	if len(missing) > 0 {
		return t, fmt.Errorf("the rehearsal lab needs %s, not found on this machine: run scripts/setup (Debian packages pcscd, vsmartcard-vpcd, softhsm2)", strings.Join(missing, ", "))
	}
	return t, nil
}

// makeDir creates dir, or takes it if it exists and is empty, and returns
// it absolute.
func makeDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("failed to find lab directory %q: %w", dir, err)
	}
	if err := os.Mkdir(abs, 0o700); err != nil {
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("failed to create lab directory: %w", err)
		}
		entries, err := os.ReadDir(abs)
		if err != nil {
			return "", fmt.Errorf("failed to read lab directory: %w", err)
		}
		if len(entries) > 0 {
			return "", fmt.Errorf("lab directory %q is not empty: give a new one", abs)
		}
	}
	return abs, nil
}

// Holders are the keyholders, in plan order: alice, bob, carol, dave, erin.
func (l *Lab) Holders() []Holder { return slices.Clone(l.holders) }

// Online is the online key: a key file (Kind KindFile, Name "online") and
// its practice passphrase, for rehearsing what the server does with it.
func (l *Lab) Online() Holder { return l.online }

// Profile is the profile the lab's plan was made for.
func (l *Lab) Profile() string { return string(l.profile) }

// Scenario is the later ceremony the lab was set up to practise
// (SetupFor), "" for a bootstrap.
func (l *Lab) Scenario() string { return l.scenario }

// Dir is the lab's directory (absolute).
func (l *Lab) Dir() string { return l.dir }

// PlanPath is the bootstrap plan, dir/plan.yaml.
func (l *Lab) PlanPath() string { return filepath.Join(l.dir, "plan.yaml") }

// Insert puts the virtual YubiKey with this serial into the ceremony's
// reader, pulling out the card that is there, and returns once piv-go can
// open it (within about half a second: pcscd polls every 400 ms).
// Inserting the card that is in already does nothing.
func (l *Lab) Insert(serial uint32) error {
	l.opMu.Lock()
	defer l.opMu.Unlock()
	card, ok := l.cards[serial]
	if !ok {
		return fmt.Errorf("there is no YubiKey serial %d in the rehearsal lab (there are %s)", serial, l.serials())
	}
	if err := l.SaveErr(); err != nil {
		return err
	}
	if in, closed := l.state(); closed {
		return errors.New("the rehearsal lab is closed")
	} else if in == card {
		return nil
	}
	// Insert waits until pcscd has seen the reader empty.
	l.setInserted(nil)
	l.daemon.Eject(ceremonyReader)
	if err := l.daemon.Insert(card, ceremonyReader); err != nil {
		return fmt.Errorf("failed to insert YubiKey serial %d: %w", serial, err)
	}
	l.setInserted(card)
	return nil
}

func (l *Lab) serials() string {
	var s []string
	for _, h := range l.holders {
		if h.Kind == KindYubiKey {
			s = append(s, fmt.Sprint(h.Serial))
		}
	}
	return strings.Join(s, ", ")
}

// Remove pulls the card out of the ceremony's reader, if one is in, and
// returns once pcscd sees the reader empty.
func (l *Lab) Remove() error {
	l.opMu.Lock()
	defer l.opMu.Unlock()
	if _, closed := l.state(); closed {
		return errors.New("the rehearsal lab is closed")
	}
	l.setInserted(nil)
	if err := l.daemon.Remove(ceremonyReader); err != nil {
		return fmt.Errorf("failed to remove the YubiKey: %w", err)
	}
	return nil
}

// Inserted says which YubiKey is in the ceremony's reader. It does not
// wait for an Insert under way (the reader counts as empty until the card
// can be opened), so a screen may call it at any time.
func (l *Lab) Inserted() (serial uint32, ok bool) {
	in, _ := l.state()
	if in == nil {
		return 0, false
	}
	return in.Serial(), true
}

func (l *Lab) state() (*vyubikey.Card, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.inserted, l.closed
}

func (l *Lab) setInserted(c *vyubikey.Card) {
	l.mu.Lock()
	l.inserted = c
	l.mu.Unlock()
}

// Close pulls out the cards, stops pcscd and leaves the directory as it
// is. The process's PC/SC still points at the stopped pcscd.
func (l *Lab) Close() error {
	l.opMu.Lock()
	defer l.opMu.Unlock()
	l.mu.Lock()
	closed := l.closed
	l.closed, l.inserted = true, nil
	l.mu.Unlock()
	if closed {
		return nil
	}
	l.daemon.Stop()
	defer l.lock.Close() // after the cards: their memory is saved
	for _, c := range l.cards {
		c.Close()
	}
	return nil
}

package rehearsal

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/tuf-ceremony/ceremony/internal/atomicfile"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/rehearsal/vyubikey"
)

// labFile marks a directory as a finished lab: Setup writes it last, so a
// lab whose setup was cut short is never taken for one.
const labFile = "lab.json"

// labFormat names the layout of a lab directory.
const labFormat = "ceremony-rehearsal-lab/1"

// cardsDir holds each virtual YubiKey's memory, SERIAL.json, saved after
// every command that may change it (a PIN tried, a key made).
const cardsDir = "yubikeys"

// labInfo is lab.json.
type labInfo struct {
	Format  string `json:"format"`
	Profile string `json:"profile"`
	// Scenario is the later ceremony the lab practises; "" for a
	// bootstrap.
	Scenario string `json:"scenario,omitempty"`
}

// IsLab says whether dir holds a lab that Open can open again.
func IsLab(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, labFile))
	return err == nil
}

// Open opens again the lab Setup built in dir: the private pcscd starts,
// each virtual YubiKey comes back from its saved memory (keys, PIN tries
// left), the SoftHSM2 tokens and key files are where they were. Whatever
// was done with the lab since (a workspace, a bundle) is left as it is.
// The same process-wide settings as Setup's apply, and one lab per
// process.
func Open(dir string) (*Lab, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("failed to find lab directory %q: %w", dir, err)
	}
	info, err := readLabInfo(abs)
	if err != nil {
		return nil, err
	}
	if _, err := preflight(); err != nil {
		return nil, err
	}
	setupMu.Lock()
	defer setupMu.Unlock()
	if setUp {
		return nil, errOneLab
	}
	l, err := start(abs)
	if err != nil {
		return nil, err
	}
	l.profile, l.scenario = plan.Profile(info.Profile), info.Scenario
	if err := l.reopen(l.profile); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

func readLabInfo(dir string) (labInfo, error) {
	var info labInfo
	b, err := os.ReadFile(filepath.Join(dir, labFile))
	if errors.Is(err, fs.ErrNotExist) {
		return info, fmt.Errorf("%s is not a rehearsal lab (no %s): give the directory 'ceremony rehearse' made, or a new one", dir, labFile)
	} else if err != nil {
		return info, fmt.Errorf("failed to read the lab's %s: %w", labFile, err)
	}
	if err := json.Unmarshal(b, &info); err != nil || info.Format != labFormat {
		return info, fmt.Errorf("%s: not a lab this version knows (format %q, want %q): set up a new one", filepath.Join(dir, labFile), info.Format, labFormat)
	}
	return info, nil
}

// writeLabInfo marks the lab finished.
func (l *Lab) writeLabInfo() error {
	b, err := json.MarshalIndent(labInfo{Format: labFormat, Profile: string(l.profile), Scenario: l.scenario}, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteNew(filepath.Join(l.dir, labFile), append(b, '\n'), 0o644)
}

// reopen brings back the cards and the holders.
func (l *Lab) reopen(p plan.Profile) error {
	for _, person := range people {
		if person.kind != KindYubiKey {
			continue
		}
		path := l.cardPath(person.serial)
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("failed to read the memory of %s's virtual YubiKey: %w", person.name, err)
		}
		card, err := vyubikey.Restore(b, vyubikey.Options{Saved: l.saveCard(person.serial), Touch: l.waitTouch})
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if card.Serial() != person.serial {
			return fmt.Errorf("%s: serial %d, want %d", path, card.Serial(), person.serial)
		}
		l.cards[person.serial] = card
	}
	loaded, err := plan.Load(l.PlanPath(), labKeys)
	if err != nil {
		return fmt.Errorf("the lab's plan does not load: %w", err)
	}
	if loaded.Profile != p {
		return fmt.Errorf("the lab's plan has profile %s, but the lab was set up for %s", loaded.Profile, p)
	}
	for _, person := range people {
		kh, ok := loaded.Keyholder(person.name)
		if !ok {
			return fmt.Errorf("the lab's plan has no keyholder %s", person.name)
		}
		h := person.holder()
		h.URI = kh.Key
		l.holders = append(l.holders, h)
	}
	if len(loaded.Online) == 0 {
		return errors.New("the lab's plan has no online key")
	}
	l.online = online.holder()
	l.online.URI = loaded.Online[0].Key
	return nil
}

// cardPath is where the memory of the card with this serial is kept.
func (l *Lab) cardPath(serial uint32) string {
	return filepath.Join(l.dir, cardsDir, strconv.FormatUint(uint64(serial), 10)+".json")
}

// saveCard keeps a card's memory in the lab, readable by its owner only
// (it holds the card's keys and PIN, as the chip does). A failure is kept
// for SaveErr: the card itself can only answer "memory failure".
func (l *Lab) saveCard(serial uint32) func([]byte) error {
	path := l.cardPath(serial)
	return func(memory []byte) error {
		err := atomicfile.Replace(path, memory, 0o600)
		if err != nil {
			l.mu.Lock()
			l.saveErr = fmt.Errorf("failed to save the memory of virtual YubiKey %d: %w", serial, err)
			l.mu.Unlock()
		}
		return err
	}
}

// SaveErr is the last failure to save a virtual YubiKey's memory, nil if
// none: after one, a rehearsal carried on may find the card as it was
// before that command.
func (l *Lab) SaveErr() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.saveErr
}

package rehearsal

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/go-piv/piv-go/v2/piv"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/hsm/yubikey"
	"github.com/tuf-ceremony/ceremony/internal/atomicfile"
	"github.com/tuf-ceremony/ceremony/keygen"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/rehearsal/vyubikey"
)

// person is a keyholder to make.
type person struct {
	name   string
	kind   string
	kt     keys.KeyType
	serial uint32 // YubiKeys
	// secret is the practice PIN or passphrase: distinct for each holder,
	// memorable (digits of e, pi, the golden ratio, the square root of 2),
	// never a factory PIN.
	secret string
	// puk is a YubiKey's practice PUK, which unblocks its PIN.
	puk string
}

var people = []person{
	{name: "alice", kind: KindYubiKey, kt: keys.TypeECDSAP256, serial: 19088743, secret: "271828", puk: "27182818"},
	{name: "bob", kind: KindYubiKey, kt: keys.TypeEd25519, serial: 21854402, secret: "314159", puk: "31415926"},
	{name: "carol", kind: KindPKCS11, kt: keys.TypeECDSAP384, secret: "161803"},
	{name: "dave", kind: KindPKCS11, kt: keys.TypeEd25519, secret: "141421"},
	{name: "erin", kind: KindFile, kt: keys.TypeEd25519, secret: "erin-practice"},
}

// holder is the Holder of p, without its URI (the loaded plan's).
func (p person) holder() Holder {
	h := Holder{Name: p.name, Kind: p.kind, Secret: p.secret}
	switch p.kind {
	case KindYubiKey:
		h.Serial, h.Device, h.PUK = p.serial, fmt.Sprintf("YubiKey serial %d", p.serial), p.puk
	case KindPKCS11:
		h.Device = "SoftHSM2 token " + p.name
	default:
		h.Device = "key file " + p.name + ".key"
	}
	return h
}

// The online key: a key file for the online roles.
var online = person{name: "online", kind: KindFile, kt: keys.TypeEd25519, secret: "online-practice"}

// rootsFile is the virtual attestation root, named by the plan's
// rehearsal.attestation_roots.
const rootsFile = "attestation-root.pem"

// made is a keyholder's key once made: the Holder, and what the plan says
// of it (paths relative to the lab).
type made struct {
	Holder
	key         string // the key URI the plan names
	pub         string
	attestation string
}

// build makes every key and writes the plan.
func (l *Lab) build(p plan.Profile, t tools) error {
	for _, sub := range []string{"keys", cardsDir} {
		if err := os.Mkdir(filepath.Join(l.dir, sub), 0o700); err != nil {
			return fmt.Errorf("failed to create the lab's %s directory: %w", sub, err)
		}
	}
	ca, err := vyubikey.NewCA()
	if err != nil {
		return fmt.Errorf("failed to make the virtual attestation root: %w", err)
	}
	roots := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert().Raw})
	if err := atomicfile.WriteNew(filepath.Join(l.dir, rootsFile), roots, 0o644); err != nil {
		return err
	}

	// The devices are independent: make their keys at once, so that the
	// YubiKeys' insertions and removals (pcscd polls every 400 ms) overlap
	// SoftHSM2 and the key files' scrypt.
	out := make([]made, len(people))
	var onlineKey made
	var wg sync.WaitGroup
	errs := make([]error, 3+len(people))
	wg.Go(func() { errs[0] = l.makeYubiKeys(ca, out) })
	wg.Go(func() { errs[1] = makeTokens(l.dir, t, out) })
	wg.Go(func() { onlineKey, errs[2] = makeFileKey(l.dir, online) })
	for i, p := range people {
		if p.kind == KindFile {
			wg.Go(func() { out[i], errs[3+i] = makeFileKey(l.dir, p) })
		}
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}

	text := planText(p, out, onlineKey)
	if err := atomicfile.WriteNew(l.PlanPath(), []byte(text), 0o644); err != nil {
		return err
	}
	loaded, err := plan.Load(l.PlanPath(), labKeys)
	if err != nil {
		return fmt.Errorf("the lab's own plan does not load: %w", err)
	}
	for _, m := range out {
		kh, ok := loaded.Keyholder(m.Name)
		if !ok {
			return fmt.Errorf("the lab's own plan has no keyholder %s", m.Name)
		}
		m.URI = kh.Key
		l.holders = append(l.holders, m.Holder)
	}
	onlineKey.URI = loaded.Online[0].Key
	l.online = onlineKey.Holder
	return nil
}

// makeYubiKeys makes the virtual YubiKeys and, on each, its holder's key,
// as 'ceremony keygen' does on a real one. The cards go into readers of
// their own during keygen, and are all out when it returns.
func (l *Lab) makeYubiKeys(ca *vyubikey.CA, out []made) (err error) {
	var idx []int
	for i, p := range people {
		if p.kind != KindYubiKey {
			continue
		}
		card, err := vyubikey.New(vyubikey.Options{Serial: p.serial, Attestation: ca, Saved: l.saveCard(p.serial), Touch: l.waitTouch})
		if err != nil {
			return fmt.Errorf("failed to make the virtual YubiKey of %s: %w", p.name, err)
		}
		l.cards[p.serial] = card
		idx = append(idx, i)
	}
	if len(idx) > len(l.daemon.Readers()) {
		return fmt.Errorf("%d YubiKeys but %d readers", len(idx), len(l.daemon.Readers()))
	}
	// Insert them all at once, one per reader: the waits for pcscd overlap.
	// Keygen itself goes one card at a time: listing the cards opens each
	// exclusively.
	each := func(f func(reader int, p person) error) error {
		errs := make([]error, len(idx))
		var wg sync.WaitGroup
		for r, i := range idx {
			wg.Go(func() { errs[r] = f(r, people[i]) })
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				return err
			}
		}
		return nil
	}
	defer func() {
		rerr := each(func(r int, p person) error { return l.daemon.Remove(r) })
		if err == nil && rerr != nil {
			err = fmt.Errorf("failed to remove a YubiKey after keygen: %w", rerr)
		}
	}()
	if err := each(func(r int, p person) error { return l.daemon.Insert(l.cards[p.serial], r) }); err != nil {
		return fmt.Errorf("failed to insert a YubiKey for keygen: %w", err)
	}
	secrets, err := os.MkdirTemp(l.dir, ".keygen-secrets-")
	if err != nil {
		return fmt.Errorf("failed to make a directory for keygen: %w", err)
	}
	defer os.RemoveAll(secrets)
	for _, i := range idx {
		if out[i], err = yubiKeygen(l.dir, secrets, people[i]); err != nil {
			return err
		}
	}
	return nil
}

// yubiKeygen replaces the factory PIN, PUK and management key of the
// holder's card, makes the key in slot 9c (PIN and touch policy always),
// and writes its public key, attestation and keygen evidence.
func yubiKeygen(dir, secrets string, p person) (made, error) {
	m := made{Holder: p.holder()}
	m.key = yubikey.URI(p.serial, piv.SlotSignature)
	m.pub = filepath.Join("keys", p.name+".pub")
	m.attestation = m.pub + ".attestation.pem"

	mk := make([]byte, 24)
	rand.Read(mk)
	write := func(what, v string) (string, error) {
		path := filepath.Join(secrets, p.name+"."+what)
		if err := os.WriteFile(path, []byte(v+"\n"), 0o600); err != nil {
			return "", fmt.Errorf("failed to write a keygen secret: %w", err)
		}
		return escape(path), nil
	}
	var q []string
	for _, s := range []struct{ attr, what, value string }{
		{"management-key-source", "mk", hex.EncodeToString(piv.DefaultManagementKey)},
		{"new-management-key-source", "new-mk", hex.EncodeToString(mk)},
		{"pin-source", "pin", piv.DefaultPIN},
		{"new-pin-source", "new-pin", p.secret},
		{"puk-source", "puk", piv.DefaultPUK},
		{"new-puk-source", "new-puk", p.puk},
	} {
		path, err := write(s.what, s.value)
		if err != nil {
			return m, err
		}
		q = append(q, s.attr+"="+path)
	}
	clear(mk)
	k, err := labKeys.Generate(m.key+"?"+strings.Join(q, "&"), p.kt, nil)
	if err != nil {
		return m, fmt.Errorf("failed to make %s's key on YubiKey %d: %w", p.name, p.serial, err)
	}
	if err := writePublic(dir, m.pub, k); err != nil {
		return m, err
	}
	slot, device, err := yubikey.Attestation(m.key)
	if err != nil {
		return m, fmt.Errorf("failed to read the attestation of %s's key: %w", p.name, err)
	}
	att := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: slot.Raw}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: device.Raw})...)
	if err := atomicfile.WriteNew(filepath.Join(dir, m.attestation), att, 0o644); err != nil {
		return m, err
	}
	return m, writeEvidence(m.key, filepath.Join(dir, m.pub), k)
}

// makeTokens makes a SoftHSM2 token for each pkcs11 holder, named after
// them, and the holder's key on it.
func makeTokens(dir string, t tools, out []made) error {
	for i, p := range people {
		if p.kind != KindPKCS11 {
			continue
		}
		if err := initToken(t.softhsmUtil, p.name, p.secret); err != nil {
			return err
		}
		m := made{Holder: p.holder()}
		m.key = fmt.Sprintf("pkcs11:token=%s;object=%s?module-path=%s", p.name, p.name, escape(t.module))
		m.pub = filepath.Join("keys", p.name+".pub")
		k, err := labKeys.Generate(m.key, p.kt, practice(p.secret))
		if err != nil {
			return fmt.Errorf("failed to make %s's key on SoftHSM2 token %s: %w", p.name, p.name, err)
		}
		if err := writePublic(dir, m.pub, k); err != nil {
			return err
		}
		if err := writeEvidence(m.key, filepath.Join(dir, m.pub), k); err != nil {
			return err
		}
		out[i] = m
	}
	return nil
}

// makeFileKey makes the passphrase-encrypted key file of a file holder.
func makeFileKey(dir string, p person) (made, error) {
	rel := filepath.Join("keys", p.name+".key")
	m := made{Holder: p.holder()}
	m.key = "file:" + rel
	m.pub = keys.PublicKeyPath(rel)
	uri := "file:" + escape(filepath.Join(dir, rel))
	k, err := labKeys.Generate(uri, p.kt, practice(p.secret))
	if err != nil {
		return m, fmt.Errorf("failed to make %s's key file: %w", p.name, err)
	}
	return m, writeEvidence(uri, filepath.Join(dir, m.pub), k)
}

func writePublic(dir, rel string, k *metadata.Key) error {
	b, err := keys.MarshalKeyJSON(k)
	if err != nil {
		return err
	}
	return atomicfile.WriteNew(filepath.Join(dir, rel), b, 0o644)
}

// writeEvidence writes the keygen evidence 'ceremony keygen' writes beside
// the public key file pub.
func writeEvidence(uri, pub string, k *metadata.Key) error {
	path, err := keygen.EvidencePath(uri, pub)
	if err != nil {
		return err
	}
	return keygen.WriteEvidence(path, uri, k, keygen.DeviceAtHand(labKeys, uri), time.Now())
}

// practice is a prompter that answers every secret with one practice
// secret, so that keygen needs no file holding it.
type practice string

// Prompter answers every secret the holder's device asks for with their
// practice secret: for what runs without a person at the keyboard (a
// scenario's bootstrap).
func (h Holder) Prompter() keys.Prompter { return practice(h.Secret) }

func (s practice) Secret(keys.SecretRequest) ([]byte, error) { return []byte(s), nil }
func (practice) Notify(string)                               {}

// escape percent-encodes a path for a key URI: everything but letters,
// digits and / . _ - ~.
func escape(path string) string {
	var b strings.Builder
	for i := 0; i < len(path); i++ {
		c := path[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("/._-~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

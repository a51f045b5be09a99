package vyubikey_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/go-piv/piv-go/v2/piv"

	"github.com/tuf-ceremony/ceremony/internal/testutil/pcsctest"
	"github.com/tuf-ceremony/ceremony/rehearsal/vyubikey"
)

func TestMain(m *testing.M) { pcsctest.Main(m) }

// open makes a card, inserts it into a free reader and opens it with
// piv-go. Tests that use it run in parallel, four at a time.
func open(t *testing.T, opts vyubikey.Options) (*vyubikey.Card, *piv.YubiKey, *insertion) {
	t.Helper()
	t.Parallel()
	env := pcsctest.Start(t)
	card, err := vyubikey.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { card.Close() })
	start := time.Now()
	reader := env.InsertAny(t, card)
	t.Logf("card %d usable in %q after %v", card.Serial(), reader, time.Since(start).Round(time.Millisecond))
	yk, err := piv.Open(reader)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { yk.Close() })
	return card, yk, &insertion{env, reader}
}

// insertion is where a card went.
type insertion struct {
	env    *pcsctest.Env
	reader string
}

func authErr(t *testing.T, err error, retries int) {
	t.Helper()
	var ae piv.AuthErr
	if !errors.As(err, &ae) || ae.Retries != retries {
		t.Fatalf("err = %v, want piv.AuthErr with %d retries", err, retries)
	}
}

func retries(t *testing.T, yk *piv.YubiKey, want int) {
	t.Helper()
	got, err := yk.Retries()
	if err != nil || got != want {
		t.Fatalf("Retries() = %d, %v; want %d", got, err, want)
	}
}

func TestSerialVersionFormFactor(t *testing.T) {
	_, yk, _ := open(t, vyubikey.Options{Serial: 19088743, FormFactor: piv.FormfactorUSBCNano})
	if s, err := yk.Serial(); err != nil || s != 19088743 {
		t.Errorf("Serial() = %d, %v; want 19088743", s, err)
	}
	if v := yk.Version(); v != (piv.Version{Major: 5, Minor: 7, Patch: 1}) {
		t.Errorf("Version() = %+v, want 5.7.1", v)
	}
	if ff, err := yk.FormFactor(); err != nil || ff != piv.FormfactorUSBCNano {
		t.Errorf("FormFactor() = %v, %v; want USB-C Nano", ff, err)
	}
	// FormFactor selects the management applet and then PIV again.
	if s, err := yk.Serial(); err != nil || s != 19088743 {
		t.Errorf("Serial() after FormFactor = %d, %v", s, err)
	}
}

// Firmware before 5 has no GET SERIAL in PIV: piv-go asks the OTP applet.
func TestSerialOldFirmware(t *testing.T) {
	_, yk, _ := open(t, vyubikey.Options{Serial: 4242424, Version: [3]byte{4, 3, 7}})
	if s, err := yk.Serial(); err != nil || s != 4242424 {
		t.Errorf("Serial() = %d, %v; want 4242424", s, err)
	}
	if v := yk.Version(); v != (piv.Version{Major: 4, Minor: 3, Patch: 7}) {
		t.Errorf("Version() = %+v", v)
	}
	// No GET METADATA before 5.3: piv-go authenticates with 3DES.
	if _, err := yk.GenerateKey(piv.DefaultManagementKey, piv.SlotAuthentication, piv.Key{
		Algorithm: piv.AlgorithmEC256, PINPolicy: piv.PINPolicyNever, TouchPolicy: piv.TouchPolicyNever,
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := yk.KeyInfo(piv.SlotAuthentication); err == nil {
		t.Error("KeyInfo on firmware 4.3.7 succeeded")
	}
	if _, err := yk.GenerateKey(piv.DefaultManagementKey, piv.SlotSignature, piv.Key{
		Algorithm: piv.AlgorithmEd25519, PINPolicy: piv.PINPolicyNever, TouchPolicy: piv.TouchPolicyNever,
	}); err == nil {
		t.Error("Ed25519 on firmware 4.3.7 succeeded")
	}
}

func TestPINRetriesBlockUnblock(t *testing.T) {
	_, yk, _ := open(t, vyubikey.Options{PIN: "246810"})
	retries(t, yk, 3)
	authErr(t, yk.VerifyPIN("000000"), 2)
	retries(t, yk, 2)
	// The right PIN restores the tries. (Retries cannot tell now: with the
	// PIN verified, the empty VERIFY answers 9000, which piv-go's Retries
	// takes for an error, as with a real YubiKey.)
	if err := yk.VerifyPIN("246810"); err != nil {
		t.Fatal(err)
	}
	if _, err := yk.Retries(); err == nil {
		t.Error("Retries() with the PIN verified succeeded; piv-go expects 63Cx")
	}
	authErr(t, yk.VerifyPIN("000000"), 2)
	authErr(t, yk.VerifyPIN("000000"), 1)
	authErr(t, yk.VerifyPIN("000000"), 0)
	retries(t, yk, 0)
	// Blocked: even the right PIN fails, with 6983.
	err := yk.VerifyPIN("246810")
	authErr(t, err, 0)
	if !strings.Contains(err.Error(), "6983") {
		t.Errorf("blocked VerifyPIN: %v, want 6983", err)
	}
	// A wrong PUK spends a PUK try, the right one unblocks.
	authErr(t, yk.Unblock("87654321", "135791"), 2)
	if err := yk.Unblock(piv.DefaultPUK, "135791"); err != nil {
		t.Fatal(err)
	}
	retries(t, yk, 3)
	if err := yk.VerifyPIN("135791"); err != nil {
		t.Fatal(err)
	}
	// SetPIN checks the old PIN and counts failures.
	authErr(t, yk.SetPIN("000000", "112233"), 2)
	if err := yk.SetPIN("135791", "112233"); err != nil {
		t.Fatal(err)
	}
	if err := yk.VerifyPIN("112233"); err != nil {
		t.Fatal(err)
	}
	// A YubiKey refuses PINs shorter than 6.
	if err := yk.SetPIN("112233", "123"); err == nil {
		t.Error("SetPIN to a 3-digit PIN succeeded")
	}
}

func TestPUKBlockAndReset(t *testing.T) {
	_, yk, _ := open(t, vyubikey.Options{PUK: "11223344"})
	if _, err := yk.GenerateKey(piv.DefaultManagementKey, piv.SlotSignature, piv.Key{
		Algorithm: piv.AlgorithmEC256, PINPolicy: piv.PINPolicyOnce, TouchPolicy: piv.TouchPolicyNever,
	}); err != nil {
		t.Fatal(err)
	}
	if err := yk.SetManagementKey(piv.DefaultManagementKey, bytes.Repeat([]byte{7}, 32)); err != nil {
		t.Fatal(err)
	}
	authErr(t, yk.SetPUK("00000000", "55667788"), 2)
	authErr(t, yk.SetPUK("00000000", "55667788"), 1)
	authErr(t, yk.SetPUK("00000000", "55667788"), 0)
	if err := yk.Unblock("11223344", "654321"); err == nil || !strings.Contains(err.Error(), "6983") {
		t.Fatalf("Unblock with a blocked PUK: %v, want 6983", err)
	}
	// piv-go's Reset blocks the PIN itself, then resets.
	if err := yk.Reset(); err != nil {
		t.Fatal(err)
	}
	retries(t, yk, 3)
	if err := yk.VerifyPIN(piv.DefaultPIN); err != nil {
		t.Fatalf("factory PIN after reset: %v", err)
	}
	if err := yk.SetPUK(piv.DefaultPUK, "99887766"); err != nil {
		t.Fatalf("factory PUK after reset: %v", err)
	}
	if _, err := yk.KeyInfo(piv.SlotSignature); !errors.Is(err, piv.ErrNotFound) {
		t.Errorf("KeyInfo(9c) after reset: %v, want not found", err)
	}
	if _, err := yk.GenerateKey(piv.DefaultManagementKey, piv.SlotSignature, piv.Key{
		Algorithm: piv.AlgorithmEC256, PINPolicy: piv.PINPolicyOnce, TouchPolicy: piv.TouchPolicyNever,
	}); err != nil {
		t.Fatalf("factory management key after reset: %v", err)
	}
	// The F9 attestation certificate survives.
	if _, err := yk.AttestationCertificate(); err != nil {
		t.Errorf("attestation certificate after reset: %v", err)
	}
}

// RESET is refused while the PIN or PUK is not blocked.
func TestResetRefusedUnlessBlocked(t *testing.T) {
	_, yk, in := open(t, vyubikey.Options{})
	yk.Close()
	resp := in.env.Transmit(t, in.reader, selectPIV, []byte{0x00, 0xfb, 0x00, 0x00})
	if sw := status(resp[1]); sw != 0x6985 {
		t.Fatalf("RESET = %04x, want 6985", sw)
	}
}

var selectPIV = []byte{0x00, 0xa4, 0x04, 0x00, 0x05, 0xa0, 0x00, 0x00, 0x03, 0x08}

func status(resp []byte) uint16 {
	return uint16(resp[len(resp)-2])<<8 | uint16(resp[len(resp)-1])
}

func TestManagementKey(t *testing.T) {
	_, yk, _ := open(t, vyubikey.Options{})
	k := piv.Key{Algorithm: piv.AlgorithmEC256, PINPolicy: piv.PINPolicyNever, TouchPolicy: piv.TouchPolicyNever}
	wrong := bytes.Repeat([]byte{9}, 24)
	if _, err := yk.GenerateKey(wrong, piv.SlotAuthentication, k); err == nil {
		t.Fatal("GenerateKey with a wrong management key succeeded")
	}
	if _, err := yk.GenerateKey(piv.DefaultManagementKey, piv.SlotAuthentication, k); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{16, 32, 24} {
		next := make([]byte, n)
		rand.Read(next)
		cur := piv.DefaultManagementKey
		if err := yk.SetManagementKey(cur, next); err != nil {
			t.Fatalf("SetManagementKey to %d bytes: %v", n, err)
		}
		if _, err := yk.GenerateKey(cur, piv.SlotAuthentication, k); err == nil {
			t.Fatalf("the old management key still works after changing to %d bytes", n)
		}
		if _, err := yk.GenerateKey(next, piv.SlotAuthentication, k); err != nil {
			t.Fatalf("the new %d-byte management key: %v", n, err)
		}
		if err := yk.SetManagementKey(next, piv.DefaultManagementKey); err != nil {
			t.Fatal(err)
		}
	}
}

// Before 5.7 the factory management key is 3DES; GET METADATA (5.3) tells
// piv-go so.
func TestManagementKey3DES(t *testing.T) {
	_, yk, _ := open(t, vyubikey.Options{Version: [3]byte{5, 4, 3}})
	k := piv.Key{Algorithm: piv.AlgorithmEC384, PINPolicy: piv.PINPolicyNever, TouchPolicy: piv.TouchPolicyNever}
	if _, err := yk.GenerateKey(piv.DefaultManagementKey, piv.SlotAuthentication, k); err != nil {
		t.Fatal(err)
	}
}

func TestGenerateAndSign(t *testing.T) {
	for _, tc := range []struct {
		name  string
		alg   piv.Algorithm
		pin   piv.PINPolicy
		touch piv.TouchPolicy
	}{
		{"P-256", piv.AlgorithmEC256, piv.PINPolicyAlways, piv.TouchPolicyAlways},
		{"P-384", piv.AlgorithmEC384, piv.PINPolicyOnce, piv.TouchPolicyCached},
		{"Ed25519", piv.AlgorithmEd25519, piv.PINPolicyAlways, piv.TouchPolicyNever},
	} {
		t.Run(tc.name, func(t *testing.T) {
			card, yk, _ := open(t, vyubikey.Options{})
			pub, err := yk.GenerateKey(piv.DefaultManagementKey, piv.SlotSignature, piv.Key{
				Algorithm: tc.alg, PINPolicy: tc.pin, TouchPolicy: tc.touch,
			})
			if err != nil {
				t.Fatal(err)
			}
			priv, err := yk.PrivateKey(piv.SlotSignature, pub, piv.KeyAuth{PIN: piv.DefaultPIN})
			if err != nil {
				t.Fatal(err)
			}
			signer := priv.(crypto.Signer)
			for i := range 2 {
				msg := []byte("a TUF root, version " + string(rune('1'+i)))
				start := time.Now()
				switch pub := pub.(type) {
				case *ecdsa.PublicKey:
					h := crypto.SHA256
					if pub.Curve == elliptic.P384() {
						h = crypto.SHA384
					}
					hh := h.New()
					hh.Write(msg)
					digest := hh.Sum(nil)
					sig, err := signer.Sign(rand.Reader, digest, h)
					if err != nil {
						t.Fatal(err)
					}
					if !ecdsa.VerifyASN1(pub, digest, sig) {
						t.Fatal("ECDSA signature does not verify")
					}
				case ed25519.PublicKey:
					sig, err := signer.Sign(rand.Reader, msg, crypto.Hash(0))
					if err != nil {
						t.Fatal(err)
					}
					if !ed25519.Verify(pub, msg, sig) {
						t.Fatal("Ed25519 signature does not verify")
					}
				default:
					t.Fatalf("public key %T", pub)
				}
				t.Logf("signature %d took %v", i+1, time.Since(start).Round(time.Microsecond))
			}
			want := map[piv.TouchPolicy]int{piv.TouchPolicyAlways: 2, piv.TouchPolicyCached: 1, piv.TouchPolicyNever: 0}[tc.touch]
			if got := card.Touches(); got != want {
				t.Errorf("Touches() = %d, want %d", got, want)
			}
			ki, err := yk.KeyInfo(piv.SlotSignature)
			if err != nil {
				t.Fatal(err)
			}
			if ki.Algorithm != tc.alg || ki.PINPolicy != tc.pin || ki.TouchPolicy != tc.touch || ki.Origin != piv.OriginGenerated {
				t.Errorf("KeyInfo = %+v", ki)
			}
			if !pubEqual(ki.PublicKey, pub) {
				t.Error("KeyInfo's public key is not the generated one")
			}
		})
	}
}

func pubEqual(a, b crypto.PublicKey) bool {
	ae, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && ae.Equal(b)
}

// Ed25519 signs the message itself: long messages travel in chained APDUs,
// up to the YubiKey's 3072-byte buffer.
func TestEd25519LongMessage(t *testing.T) {
	_, yk, _ := open(t, vyubikey.Options{})
	pub, err := yk.GenerateKey(piv.DefaultManagementKey, piv.SlotSignature, piv.Key{
		Algorithm: piv.AlgorithmEd25519, PINPolicy: piv.PINPolicyNever, TouchPolicy: piv.TouchPolicyNever,
	})
	if err != nil {
		t.Fatal(err)
	}
	priv, err := yk.PrivateKey(piv.SlotSignature, pub, piv.KeyAuth{})
	if err != nil {
		t.Fatal(err)
	}
	msg := bytes.Repeat([]byte("0123456789abcdef"), 190) // 3040 bytes
	sig, err := priv.(crypto.Signer).Sign(rand.Reader, msg, crypto.Hash(0))
	if err != nil {
		t.Fatal(err)
	}
	if !ed25519.Verify(pub.(ed25519.PublicKey), msg, sig) {
		t.Fatal("signature does not verify")
	}
	if _, err := priv.(crypto.Signer).Sign(rand.Reader, append(msg, make([]byte, 100)...), crypto.Hash(0)); err == nil {
		t.Fatal("a 3140-byte message was signed; a YubiKey's buffer holds 3072 bytes")
	}
}

// The card enforces PIN policies by itself, whatever the host believes.
func TestPINPolicyEnforced(t *testing.T) {
	_, yk, in := open(t, vyubikey.Options{})
	gen := func(slot piv.Slot, pp piv.PINPolicy) crypto.Signer {
		pub, err := yk.GenerateKey(piv.DefaultManagementKey, slot, piv.Key{
			Algorithm: piv.AlgorithmEC256, PINPolicy: pp, TouchPolicy: piv.TouchPolicyNever,
		})
		if err != nil {
			t.Fatal(err)
		}
		// PINPolicyNever in KeyAuth: piv-go sends no VERIFY of its own.
		priv, err := yk.PrivateKey(slot, pub, piv.KeyAuth{PINPolicy: piv.PINPolicyNever})
		if err != nil {
			t.Fatal(err)
		}
		return priv.(crypto.Signer)
	}
	digest := sha256.Sum256([]byte("x"))
	sign := func(s crypto.Signer) error {
		_, err := s.Sign(rand.Reader, digest[:], crypto.SHA256)
		return err
	}
	never := gen(piv.SlotCardAuthentication, piv.PINPolicyNever)
	once := gen(piv.SlotAuthentication, piv.PINPolicyOnce)
	always := gen(piv.SlotSignature, piv.PINPolicyAlways)

	if err := sign(never); err != nil {
		t.Fatalf("PIN never, no PIN: %v", err)
	}
	for name, s := range map[string]crypto.Signer{"once": once, "always": always} {
		if err := sign(s); err == nil || !strings.Contains(err.Error(), "6982") {
			t.Fatalf("PIN %s, no PIN: %v, want 6982", name, err)
		}
	}
	if err := yk.VerifyPIN(piv.DefaultPIN); err != nil {
		t.Fatal(err)
	}
	// "always": the VERIFY right before counts for one signature.
	if err := sign(always); err != nil {
		t.Fatalf("PIN always, right after VERIFY: %v", err)
	}
	if err := sign(always); err == nil {
		t.Fatal("PIN always: a second signature after one VERIFY succeeded")
	}
	// "once": the VERIFY counts for the session.
	for range 2 {
		if err := sign(once); err != nil {
			t.Fatalf("PIN once, after VERIFY: %v", err)
		}
	}
	// Any command between VERIFY and the signature spends "always".
	if err := yk.VerifyPIN(piv.DefaultPIN); err != nil {
		t.Fatal(err)
	}
	if _, err := yk.Serial(); err != nil {
		t.Fatal(err)
	}
	if err := sign(always); err == nil {
		t.Fatal("PIN always: a signature after VERIFY then GET SERIAL succeeded")
	}
	// A new session (piv-go's Open selects PIV again) forgets the PIN.
	if err := yk.VerifyPIN(piv.DefaultPIN); err != nil {
		t.Fatal(err)
	}
	if err := sign(once); err != nil {
		t.Fatal(err)
	}
	yk.Close()
	yk, err := piv.Open(in.reader)
	if err != nil {
		t.Fatal(err)
	}
	defer yk.Close()
	once = signerOf(t, yk, piv.SlotAuthentication)
	if err := sign(once); err == nil {
		t.Fatal("PIN once: a signature in a new session without VERIFY succeeded")
	}
}

// signerOf is the signer of a slot's key, with piv-go told to send no PIN.
func signerOf(t *testing.T, yk *piv.YubiKey, slot piv.Slot) crypto.Signer {
	t.Helper()
	ki, err := yk.KeyInfo(slot)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := yk.PrivateKey(slot, ki.PublicKey, piv.KeyAuth{PINPolicy: piv.PINPolicyNever})
	if err != nil {
		t.Fatal(err)
	}
	return priv.(crypto.Signer)
}

func TestTouchDelay(t *testing.T) {
	card, yk, _ := open(t, vyubikey.Options{TouchDelay: 300 * time.Millisecond})
	pub, err := yk.GenerateKey(piv.DefaultManagementKey, piv.SlotSignature, piv.Key{
		Algorithm: piv.AlgorithmEC256, PINPolicy: piv.PINPolicyNever, TouchPolicy: piv.TouchPolicyAlways,
	})
	if err != nil {
		t.Fatal(err)
	}
	priv, err := yk.PrivateKey(piv.SlotSignature, pub, piv.KeyAuth{})
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte("x"))
	start := time.Now()
	if _, err := priv.(crypto.Signer).Sign(rand.Reader, digest[:], crypto.SHA256); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("signature with touch took %v, want at least the 300ms touch delay", d)
	}
	if card.Touches() != 1 {
		t.Errorf("Touches() = %d, want 1", card.Touches())
	}
}

func TestAttestation(t *testing.T) {
	ca, err := vyubikey.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	_, yk, _ := open(t, vyubikey.Options{Serial: 19088743, Attestation: ca, FormFactor: piv.FormfactorUSBCKeychain})
	for _, tc := range []struct {
		slot  piv.Slot
		alg   piv.Algorithm
		pin   piv.PINPolicy
		touch piv.TouchPolicy
	}{
		{piv.SlotSignature, piv.AlgorithmEC256, piv.PINPolicyAlways, piv.TouchPolicyAlways},
		{piv.SlotAuthentication, piv.AlgorithmEC384, piv.PINPolicyOnce, piv.TouchPolicyCached},
		{piv.SlotKeyManagement, piv.AlgorithmEd25519, piv.PINPolicyNever, piv.TouchPolicyNever},
	} {
		pub, err := yk.GenerateKey(piv.DefaultManagementKey, tc.slot, piv.Key{Algorithm: tc.alg, PINPolicy: tc.pin, TouchPolicy: tc.touch})
		if err != nil {
			t.Fatal(err)
		}
		device, err := yk.AttestationCertificate()
		if err != nil {
			t.Fatal(err)
		}
		slotCert, err := yk.Attest(tc.slot)
		if err != nil {
			t.Fatal(err)
		}
		a, err := (&piv.Verifier{Roots: ca.Pool()}).Verify(device, slotCert)
		if err != nil {
			t.Fatalf("slot %s: %v", tc.slot, err)
		}
		want := piv.Attestation{
			Version:     piv.Version{Major: 5, Minor: 7, Patch: 1},
			Serial:      19088743,
			Formfactor:  piv.FormfactorUSBCKeychain,
			PINPolicy:   tc.pin,
			TouchPolicy: tc.touch,
			Slot:        tc.slot,
		}
		if *a != want {
			t.Errorf("slot %s: attestation %+v, want %+v", tc.slot, *a, want)
		}
		if !pubEqual(slotCert.PublicKey, pub) {
			t.Errorf("slot %s: attested key is not the generated key", tc.slot)
		}
		if device.Subject.CommonName != "Yubico PIV Attestation" || device.Issuer.CommonName != "Virtual Yubico PIV Root CA" {
			t.Errorf("F9 certificate %q issued by %q", device.Subject, device.Issuer)
		}
		// Yubico's roots do not know the virtual root.
		if _, err := piv.Verify(device, slotCert); err == nil {
			t.Errorf("slot %s: verified against Yubico's roots", tc.slot)
		}
		// Nor does another virtual root.
		other, err := vyubikey.NewCA()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := (&piv.Verifier{Roots: other.Pool()}).Verify(device, slotCert); err == nil {
			t.Errorf("slot %s: verified against another root", tc.slot)
		}
	}
	if _, err := yk.Attest(piv.SlotCardAuthentication); !errors.Is(err, piv.ErrNotFound) {
		t.Errorf("Attest of an empty slot: %v, want not found", err)
	}
}

// A card without a root of ours has one nobody trusts: a counterfeit.
func TestAttestationUntrustedCard(t *testing.T) {
	ca, err := vyubikey.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	_, yk, _ := open(t, vyubikey.Options{})
	if _, err := yk.GenerateKey(piv.DefaultManagementKey, piv.SlotSignature, piv.Key{
		Algorithm: piv.AlgorithmEC256, PINPolicy: piv.PINPolicyOnce, TouchPolicy: piv.TouchPolicyNever,
	}); err != nil {
		t.Fatal(err)
	}
	device, err := yk.AttestationCertificate()
	if err != nil {
		t.Fatal(err)
	}
	slotCert, err := yk.Attest(piv.SlotSignature)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&piv.Verifier{Roots: ca.Pool()}).Verify(device, slotCert); err == nil {
		t.Fatal("a card with its own root verified against ours")
	}
}

// Imported keys sign but have no attestation.
func TestImportedKey(t *testing.T) {
	_, yk, _ := open(t, vyubikey.Options{})
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := yk.SetPrivateKeyInsecure(piv.DefaultManagementKey, piv.SlotSignature, key, piv.Key{
		PINPolicy: piv.PINPolicyNever, TouchPolicy: piv.TouchPolicyNever,
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := yk.Attest(piv.SlotSignature); !errors.Is(err, piv.ErrNotFound) {
		t.Errorf("Attest of an imported key: %v, want not found", err)
	}
	ki, err := yk.KeyInfo(piv.SlotSignature)
	if err != nil || ki.Origin != piv.OriginImported || !pubEqual(ki.PublicKey, key.Public()) {
		t.Fatalf("KeyInfo = %+v, %v", ki, err)
	}
	priv, err := yk.PrivateKey(piv.SlotSignature, key.Public(), piv.KeyAuth{})
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte("x"))
	sig, err := priv.(crypto.Signer).Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil || !ecdsa.VerifyASN1(&key.PublicKey, digest[:], sig) {
		t.Fatalf("signature with the imported key: %v", err)
	}
}

// GET METADATA's "default value" flags tell factory credentials apart; piv-go
// does not read them, so the test asks with raw APDUs.
func TestMetadataDefaultFlags(t *testing.T) {
	_, yk, in := open(t, vyubikey.Options{})
	env, reader := in.env, in.reader
	defaults := func() (pin, puk, mgm bool) {
		t.Helper()
		resp := env.Transmit(t, reader, selectPIV,
			[]byte{0x00, 0xf7, 0x00, 0x80, 0x00},
			[]byte{0x00, 0xf7, 0x00, 0x81, 0x00},
			[]byte{0x00, 0xf7, 0x00, 0x9b, 0x00})
		flag := func(r []byte) bool {
			if status(r) != 0x9000 {
				t.Fatalf("GET METADATA = %x", r)
			}
			i := bytes.Index(r, []byte{0x05, 0x01})
			if i < 0 {
				t.Fatalf("GET METADATA %x has no default-value flag", r)
			}
			return r[i+2] == 1
		}
		return flag(resp[1]), flag(resp[2]), flag(resp[3])
	}
	yk.Close()
	if pin, puk, mgm := defaults(); !pin || !puk || !mgm {
		t.Fatalf("factory card: default PIN %v, PUK %v, management key %v; want all true", pin, puk, mgm)
	}
	resp := env.Transmit(t, reader, selectPIV, []byte{0x00, 0xf7, 0x00, 0x80, 0x00}, []byte{0x00, 0xf7, 0x00, 0x9b, 0x00})
	if !bytes.Equal(resp[1], []byte{0x01, 0x01, 0xff, 0x05, 0x01, 0x01, 0x06, 0x02, 0x03, 0x03, 0x90, 0x00}) {
		t.Errorf("PIN metadata = %x", resp[1])
	}
	if !bytes.HasPrefix(resp[2], []byte{0x01, 0x01, 0x0a}) {
		t.Errorf("management key metadata = %x, want AES-192 (0a)", resp[2])
	}

	yk, err := piv.Open(reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := yk.SetPIN(piv.DefaultPIN, "111111"); err != nil {
		t.Fatal(err)
	}
	yk.Close()
	if pin, puk, mgm := defaults(); pin || !puk || !mgm {
		t.Fatalf("after SetPIN: default PIN %v, PUK %v, management key %v", pin, puk, mgm)
	}
	yk, err = piv.Open(reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := yk.SetPUK(piv.DefaultPUK, "22222222"); err != nil {
		t.Fatal(err)
	}
	if err := yk.SetManagementKey(piv.DefaultManagementKey, bytes.Repeat([]byte{3}, 24)); err != nil {
		t.Fatal(err)
	}
	yk.Close()
	if pin, puk, mgm := defaults(); pin || puk || mgm {
		t.Fatalf("after changing all: default PIN %v, PUK %v, management key %v", pin, puk, mgm)
	}
}

func TestCertificates(t *testing.T) {
	_, yk, _ := open(t, vyubikey.Options{})
	if _, err := yk.Certificate(piv.SlotSignature); !errors.Is(err, piv.ErrNotFound) {
		t.Fatalf("Certificate of an empty slot: %v, want not found", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	// A certificate of about 1.5 KB: PUT DATA is chained, GET DATA answered
	// in parts through GET RESPONSE.
	name := pkix.Name{CommonName: "root-1", OrganizationalUnit: []string{strings.Repeat("x", 600)}}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      name,
		NotBefore:    time.Now(),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	if err := yk.SetCertificate(bytes.Repeat([]byte{1}, 24), piv.SlotSignature, cert); err == nil {
		t.Fatal("SetCertificate with a wrong management key succeeded")
	}
	if err := yk.SetCertificate(piv.DefaultManagementKey, piv.SlotSignature, cert); err != nil {
		t.Fatal(err)
	}
	got, err := yk.Certificate(piv.SlotSignature)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(cert) {
		t.Fatal("Certificate returned another certificate")
	}
	// More than a YubiKey's 3072-byte buffer does not fit.
	tmpl.Subject.OrganizationalUnit[0] = strings.Repeat("x", 1800)
	der, err = x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	big, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	if err := yk.SetCertificate(piv.DefaultManagementKey, piv.SlotSignature, big); err == nil {
		t.Fatalf("a %d-byte certificate was stored", len(der))
	}
}

// Yubico's PIN-protected metadata (object 5FC109), which ykman uses to keep
// the management key on the card.
func TestProtectedMetadata(t *testing.T) {
	_, yk, _ := open(t, vyubikey.Options{})
	if m, err := yk.Metadata(piv.DefaultPIN); err != nil || m.ManagementKey != nil {
		t.Fatalf("Metadata of a fresh card = %+v, %v", m, err)
	}
	key := bytes.Repeat([]byte{5}, 24)
	if err := yk.SetMetadata(piv.DefaultManagementKey, &piv.Metadata{ManagementKey: &key}); err != nil {
		t.Fatal(err)
	}
	m, err := yk.Metadata(piv.DefaultPIN)
	if err != nil || m.ManagementKey == nil || !bytes.Equal(*m.ManagementKey, key) {
		t.Fatalf("Metadata = %+v, %v", m, err)
	}
}

func TestSetRetries(t *testing.T) {
	_, yk, _ := open(t, vyubikey.Options{PIN: "987654"})
	if err := yk.SetRetries(piv.DefaultManagementKey, "987654", 5, 4); err != nil {
		t.Fatal(err)
	}
	authErr(t, yk.VerifyPIN("987654"), 4)
	// SET PIN RETRIES restores the factory PIN, as on a YubiKey.
	if err := yk.VerifyPIN(piv.DefaultPIN); err != nil {
		t.Fatal(err)
	}
}

// Pulling the card out mid-session makes piv-go calls fail, not hang; the
// card keeps its keys and can be inserted again.
func TestDisconnectMidSession(t *testing.T) {
	card, yk, in := open(t, vyubikey.Options{})
	pub, err := yk.GenerateKey(piv.DefaultManagementKey, piv.SlotSignature, piv.Key{
		Algorithm: piv.AlgorithmEC256, PINPolicy: piv.PINPolicyOnce, TouchPolicy: piv.TouchPolicyNever,
	})
	if err != nil {
		t.Fatal(err)
	}
	priv, err := yk.PrivateKey(piv.SlotSignature, pub, piv.KeyAuth{PIN: piv.DefaultPIN})
	if err != nil {
		t.Fatal(err)
	}
	card.Disconnect()

	start := time.Now()
	digest := sha256.Sum256([]byte("x"))
	if _, err := priv.(crypto.Signer).Sign(rand.Reader, digest[:], crypto.SHA256); err == nil {
		t.Fatal("signature with the card pulled out succeeded")
	} else {
		t.Logf("sign after pull: %v (after %v)", err, time.Since(start))
	}
	if _, err := yk.Serial(); err == nil {
		t.Fatal("Serial with the card pulled out succeeded")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("failing took %v", d)
	}
	yk.Close()

	in.env.Remove(t, in.reader)
	yk, err = piv.Open(in.env.InsertAny(t, card))
	if err != nil {
		t.Fatal(err)
	}
	defer yk.Close()
	ki, err := yk.KeyInfo(piv.SlotSignature)
	if err != nil || !pubEqual(ki.PublicKey, pub) {
		t.Fatalf("key after reinsertion: %+v, %v", ki, err)
	}
}

// GET RESPONSE and chaining, as the card speaks them, seen raw.
func TestRawChainingAndGetResponse(t *testing.T) {
	_, yk, in := open(t, vyubikey.Options{})
	yk.Close()
	env, reader := in.env, in.reader
	// GET DATA of the F9 certificate: longer than 256 bytes.
	resp := env.Transmit(t, reader, selectPIV,
		[]byte{0x00, 0xcb, 0x3f, 0xff, 0x05, 0x5c, 0x03, 0x5f, 0xff, 0x01},
		[]byte{0x00, 0xc0, 0x00, 0x00, 0x00})
	if sw := status(resp[1]); sw>>8 != 0x61 || len(resp[1]) != 258 {
		t.Fatalf("GET DATA: %d bytes, status %04x; want 256 bytes and 61xx", len(resp[1]), sw)
	}
	if sw := status(resp[2]); sw != 0x9000 || len(resp[2])-2 != int(status(resp[1])&0xff) {
		t.Fatalf("GET RESPONSE: %d bytes, status %04x", len(resp[2]), sw)
	}
	// A chain broken by another instruction is refused.
	resp = env.Transmit(t, reader, selectPIV,
		[]byte{0x10, 0xdb, 0x3f, 0xff, 0x02, 0x5c, 0x03},
		[]byte{0x00, 0xfd, 0x00, 0x00, 0x00})
	if sw := status(resp[2]); sw != 0x6883 {
		t.Errorf("broken chain = %04x, want 6883", sw)
	}
}

// CHANGE REFERENCE DATA checks the old PUK before the new one's form, as
// piv-go's Reset needs: it blocks the PUK with random values, some shorter
// than six digits.
func TestChangePUKChecksOldFirst(t *testing.T) {
	_, yk, in := open(t, vyubikey.Options{PUK: "11223344"})
	yk.Close()
	change := func(old, next string) []byte {
		apdu := []byte{0x00, 0x24, 0x00, 0x81, 0x10}
		for _, v := range []string{old, next} {
			b := []byte(v)
			for len(b) < 8 {
				b = append(b, 0xff)
			}
			apdu = append(apdu, b...)
		}
		return apdu
	}
	resp := in.env.Transmit(t, in.reader, selectPIV,
		change("00000000", "12345"), // wrong old, short new: a try spent
		change("11223344", "12345"), // right old, short new: refused, tries restored
		change("00000000", "1234"),
		change("00000000", "1234"),
		change("00000000", "1234"),
		change("11223344", "123"), // blocked, whatever the new value
	)
	want := []uint16{0x63c2, 0x6a80, 0x63c2, 0x63c1, 0x63c0, 0x6983}
	for i, w := range want {
		if sw := status(resp[i+1]); sw != w {
			t.Errorf("APDU %d: %04x, want %04x", i+1, sw, w)
		}
	}
}

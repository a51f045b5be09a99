// Package pcsc is raw PC/SC through libpcsclite, for what piv-go does not
// expose: waiting for a reader's state to change, and sending APDUs as they
// are (GET METADATA of a YubiKey's PIN, PUK and management key). Each call
// makes its own connection to pcscd and to the card, exclusive for its
// transaction; piv-go also connects exclusively, so callers use it when
// piv-go has the card closed.
package pcsc

// #cgo pkg-config: libpcsclite
// #include <stdlib.h>
// #include <PCSC/winscard.h>
// #include <PCSC/wintypes.h>
import "C"

import (
	"errors"
	"fmt"
	"time"
	"unsafe"
)

func scErr(what string, rc C.LONG) error {
	if rc == C.SCARD_S_SUCCESS {
		return nil
	}
	return fmt.Errorf("%s: %s (0x%08x)", what, C.GoString(C.pcsc_stringify_error(rc)), uint32(rc))
}

// ErrTimeout means the reader did not reach the state waited for in time.
var ErrTimeout = errors.New("timed out")

// WaitPresence waits until pcscd reports the reader with a card in it
// (present) or empty (!present). It sleeps in SCardGetStatusChange, so it
// wakes on pcscd's own event, not on a poll of ours.
func WaitPresence(reader string, present bool, timeout time.Duration) error {
	var ctx C.SCARDCONTEXT
	if err := scErr("failed to connect to pcscd", C.SCardEstablishContext(C.SCARD_SCOPE_SYSTEM, nil, nil, &ctx)); err != nil {
		return err
	}
	defer C.SCardReleaseContext(ctx)
	name := C.CString(reader)
	defer C.free(unsafe.Pointer(name))

	var rs C.SCARD_READERSTATE
	rs.szReader = name
	rs.dwCurrentState = C.SCARD_STATE_UNAWARE
	deadline := time.Now().Add(timeout)
	for {
		left := time.Until(deadline)
		if left < 0 {
			left = 0
		}
		rc := C.SCardGetStatusChange(ctx, C.DWORD(left.Milliseconds()), &rs, 1)
		if rc == C.SCARD_E_TIMEOUT {
			return ErrTimeout
		}
		if err := scErr("failed to read reader state", rc); err != nil {
			return err
		}
		st := rs.dwEventState
		if st&C.SCARD_STATE_UNKNOWN != 0 {
			return fmt.Errorf("reader %q is unknown to pcscd", reader)
		}
		if present && st&C.SCARD_STATE_PRESENT != 0 && st&C.SCARD_STATE_MUTE == 0 ||
			!present && st&C.SCARD_STATE_EMPTY != 0 {
			return nil
		}
		rs.dwCurrentState = st &^ C.SCARD_STATE_CHANGED
	}
}

// Transmit sends APDUs to the card in a reader, in one exclusive
// transaction, and returns each response APDU as it came (data and status
// word; a 61xx is not followed up).
func Transmit(reader string, apdus [][]byte) ([][]byte, error) {
	var ctx C.SCARDCONTEXT
	if err := scErr("failed to connect to pcscd", C.SCardEstablishContext(C.SCARD_SCOPE_SYSTEM, nil, nil, &ctx)); err != nil {
		return nil, err
	}
	defer C.SCardReleaseContext(ctx)
	name := C.CString(reader)
	defer C.free(unsafe.Pointer(name))

	var h C.SCARDHANDLE
	var proto C.DWORD
	rc := C.SCardConnect(ctx, name, C.SCARD_SHARE_EXCLUSIVE, C.SCARD_PROTOCOL_T1, &h, &proto)
	if err := scErr(fmt.Sprintf("failed to connect to the card in %q", reader), rc); err != nil {
		return nil, err
	}
	defer C.SCardDisconnect(h, C.SCARD_LEAVE_CARD)
	if err := scErr("failed to begin a transaction", C.SCardBeginTransaction(h)); err != nil {
		return nil, err
	}
	defer C.SCardEndTransaction(h, C.SCARD_LEAVE_CARD)

	var out [][]byte
	for _, apdu := range apdus {
		if len(apdu) < 4 {
			return out, fmt.Errorf("apdu %x is shorter than 4 bytes", apdu)
		}
		resp := make([]byte, C.MAX_BUFFER_SIZE_EXTENDED)
		n := C.DWORD(len(resp))
		rc := C.SCardTransmit(h, C.SCARD_PCI_T1,
			(*C.BYTE)(unsafe.Pointer(&apdu[0])), C.DWORD(len(apdu)), nil,
			(*C.BYTE)(unsafe.Pointer(&resp[0])), &n)
		if err := scErr(fmt.Sprintf("failed to send %x", apdu), rc); err != nil {
			return out, err
		}
		out = append(out, resp[:n])
	}
	return out, nil
}

package vyubikey

import (
	"net"
	"syscall"
)

// quickAck makes the kernel acknowledge what arrives next at once.
//
// Debian's vpcd writes the 2-byte length and the payload of a message with
// two send calls. Under Nagle's algorithm the payload waits for the
// length's ACK, and a delayed ACK takes 40 ms: every APDU would cost 40 ms.
// TCP_QUICKACK does not stick, so it is set again before every read.
func quickAck(conn net.Conn) {
	tc, ok := conn.(*net.TCPConn)
	if !ok {
		return
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return
	}
	raw.Control(func(fd uintptr) {
		syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
	})
}

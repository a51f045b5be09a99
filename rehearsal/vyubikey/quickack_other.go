//go:build !linux

package vyubikey

import "net"

// quickAck is Linux's TCP_QUICKACK (see quickack_linux.go); elsewhere
// APDUs may take the 40 ms of a delayed ACK each.
func quickAck(net.Conn) {}

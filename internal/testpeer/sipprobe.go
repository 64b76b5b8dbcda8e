package testpeer

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"strings"
	"time"
)

// ProbeOptionsUDP sends one SIP OPTIONS from 127.0.0.1 to addr (which must be
// on 127.0.0.1) and returns the status line of the first response.
func ProbeOptionsUDP(ctx context.Context, addr string) (string, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host != loopback {
		return "", fmt.Errorf("probe target %q is not on %s", addr, loopback)
	}
	conn, err := net.ListenPacket("udp4", loopbackAddr(0))
	if err != nil {
		return "", fmt.Errorf("probe socket: %w", err)
	}
	defer conn.Close()
	target, err := net.ResolveUDPAddr("udp4", addr)
	if err != nil {
		return "", fmt.Errorf("probe target: %w", err)
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(time.Second)
	}
	if err := conn.SetDeadline(deadline); err != nil {
		return "", fmt.Errorf("probe deadline: %w", err)
	}
	if _, err := conn.WriteTo(optionsRequest(conn.LocalAddr().String(), addr), target); err != nil {
		return "", fmt.Errorf("send OPTIONS: %w", err)
	}
	buffer := make([]byte, 65535)
	n, _, err := conn.ReadFrom(buffer)
	if err != nil {
		return "", fmt.Errorf("read OPTIONS response: %w", err)
	}
	statusLine, _, err := bufio.NewReader(strings.NewReader(string(buffer[:n]))).ReadLine()
	if err != nil {
		return "", fmt.Errorf("parse OPTIONS response: %w", err)
	}
	return string(statusLine), nil
}

func optionsRequest(local, remote string) []byte {
	random := make([]byte, 8)
	rand.Read(random)
	tag := hex.EncodeToString(random)
	var b strings.Builder
	fmt.Fprintf(&b, "OPTIONS sip:%s SIP/2.0\r\n", remote)
	fmt.Fprintf(&b, "Via: SIP/2.0/UDP %s;branch=z9hG4bK%s;rport\r\n", local, tag)
	b.WriteString("Max-Forwards: 70\r\n")
	fmt.Fprintf(&b, "From: <sip:probe@%s>;tag=%s\r\n", loopback, tag)
	fmt.Fprintf(&b, "To: <sip:%s>\r\n", remote)
	fmt.Fprintf(&b, "Call-ID: %s@%s\r\n", tag, loopback)
	b.WriteString("CSeq: 1 OPTIONS\r\n")
	fmt.Fprintf(&b, "Contact: <sip:probe@%s>\r\n", local)
	b.WriteString("Content-Length: 0\r\n\r\n")
	return []byte(b.String())
}

package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Webhook targets. A sandbox on a network (sandbox --addr 0.0.0.0) lets
// whoever holds its key register webhook URLs, and the sandbox then POSTs
// to them from inside the tester's network. What a tester needs is their
// own receiver: loopback, a LAN or VPN address, or a public tunnel. What
// nobody needs is a cloud metadata service or a link-local address (where
// those services live), or the "this host" and broadcast addresses. Sandbox
// choice, checked at registration for literal addresses and again for every
// address a host name resolves to when connecting (so a name cannot be
// pointed at a refused address later).

// errRefusedTarget marks a delivery refused by the target policy; it is
// final (a retry would be refused again).
var errRefusedTarget = errors.New("webhook target refused")

// metadataAddrs are cloud instance-metadata services outside link-local.
var metadataAddrs = []netip.Addr{
	netip.MustParseAddr("100.100.100.200"), // Alibaba Cloud
	netip.MustParseAddr("fd00:ec2::254"),   // AWS IMDS over IPv6
}

// refusedTarget says why a webhook may not go to ip, or "".
func refusedTarget(ip netip.Addr) string {
	ip = ip.Unmap()
	switch {
	case !ip.IsValid():
		return "not an IP address"
	case ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast():
		return "a link-local address (where cloud metadata services live)"
	case ip.IsUnspecified() || (ip.Is4() && ip.As4()[0] == 0):
		return "the unspecified \"this host\" address"
	case ip.IsMulticast() || ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "a multicast or broadcast address"
	}
	for _, m := range metadataAddrs {
		if ip == m {
			return "a cloud metadata service"
		}
	}
	return ""
}

// checkWebhookURL accepts absolute http(s) URLs whose host, when it is an
// IP address, the target policy allows. Host names are checked again when
// connecting.
func checkWebhookURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" || len(raw) > 2048 {
		return fmt.Errorf("webhook URL %q must be an absolute http or https URL", truncate(raw, 100))
	}
	host := strings.TrimSuffix(u.Hostname(), ".")
	if ip, err := netip.ParseAddr(host); err == nil {
		if why := refusedTarget(ip); why != "" {
			return fmt.Errorf("webhook URL %q points at %s; webhooks may go to loopback, LAN or public addresses", truncate(raw, 100), why)
		}
	}
	return nil
}

// guardedTransport is the webhook client's transport: no proxy (the policy
// must see the real target) and a dialer that refuses addresses the policy
// refuses, whatever name resolved to them.
func guardedTransport() *http.Transport {
	d := &net.Dialer{
		Timeout: 5 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: %s", errRefusedTarget, address)
			}
			if why := refusedTarget(ap.Addr()); why != "" {
				return fmt.Errorf("%w: %s is %s", errRefusedTarget, address, why)
			}
			return nil
		},
	}
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           func(ctx context.Context, n, a string) (net.Conn, error) { return d.DialContext(ctx, n, a) },
		MaxIdleConnsPerHost:   webhookWorkers,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
	}
}

func errorsIsRefused(err error) bool { return errors.Is(err, errRefusedTarget) }

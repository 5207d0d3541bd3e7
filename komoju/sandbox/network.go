package sandbox

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
)

// loopbackAddr reports whether a listen address reaches only this machine:
// a loopback IP or "localhost". An empty host (":7777"), 0.0.0.0, [::], a
// LAN address or any other name is a network address.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// randomHex returns n random bytes as hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// networkKeys fills the keys for a sandbox listening on a network address.
// The built-in keys are published in this repository, so anyone on the
// network could use them to read payments, reset state, change faults or
// register webhooks: missing keys are generated fresh (in the shape of
// KOMOJU's test keys, sk_/pk_ + 40 hex characters, as KOMOJU's plugin tests
// show them), and the built-in ones are refused unless allowDefault.
// generated reports whether any key was generated.
func networkKeys(opts *Options) (generated bool, err error) {
	for _, k := range []struct {
		v       *string
		def     string
		prefix  string
		n       int
		flag    string
		allowed bool
	}{
		{&opts.SecretKey, DefaultSecretKey, "sk_", 20, "secret key", opts.AllowDefaultKeys},
		{&opts.PublishableKey, DefaultPublishableKey, "pk_", 20, "publishable key", opts.AllowDefaultKeys},
		{&opts.WebhookSecret, DefaultWebhookSecret, "", 16, "webhook secret", opts.AllowDefaultKeys},
	} {
		switch *k.v {
		case "":
			*k.v = k.prefix + randomHex(k.n)
			generated = true
		case k.def:
			if !k.allowed {
				return false, fmt.Errorf("listening on the network address %s with the built-in %s, which is public: leave it unset to get a fresh one, or allow it explicitly (--allow-default-keys)", opts.Addr, k.flag)
			}
		}
	}
	return generated, nil
}

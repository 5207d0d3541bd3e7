package receipt

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Format is what is sent to a printer.
type Format string

// Formats. ESC/POS is for receipt printers; text is UTF-8 plain text
// ending in a form feed, for any printer that prints text as it comes.
const (
	FormatESCPOS Format = "escpos"
	FormatText   Format = "text"
)

// ParseFormat checks a format name ("" is ESC/POS: a till's printer is a
// receipt printer).
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "escpos", "esc/pos":
		return FormatESCPOS, nil
	case "text", "txt":
		return FormatText, nil
	}
	return "", fmt.Errorf("printer format %q: want escpos or text", s)
}

// DefaultTimeout bounds one print job: connecting and writing.
const DefaultTimeout = 10 * time.Second

// Target is where a printer is: a device path, or a host:port taking raw
// print data over TCP (port 9100, "JetDirect"/"AppSocket").
type Target struct {
	Path string // a device (or file) path
	Addr string // host:port
}

// String names the printer in messages.
func (t Target) String() string {
	if t.Addr != "" {
		return t.Addr
	}
	return t.Path
}

// ParseTarget reads a printer setting: an absolute or ./relative path is
// a device ("/dev/usb/lp0"); "host:port" or "tcp://host:port" is a
// network printer; a bare host gets port 9100.
func ParseTarget(s string) (Target, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return Target{}, errors.New("no printer given: set --printer or printer in the config file (a device path like /dev/usb/lp0, or host:9100)")
	case strings.HasPrefix(s, "tcp://"):
		s = strings.TrimPrefix(s, "tcp://")
		if _, _, err := net.SplitHostPort(s); err != nil {
			s = net.JoinHostPort(s, "9100")
		}
	case filepath.IsAbs(s) || strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../"):
		return Target{Path: s}, nil
	case strings.ContainsAny(s, `/\`):
		return Target{}, fmt.Errorf("printer %q: a device path must be absolute (/dev/usb/lp0) or start with ./", s)
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		if strings.Contains(err.Error(), "missing port") {
			return Target{Addr: net.JoinHostPort(s, "9100")}, nil
		}
		return Target{}, fmt.Errorf("printer %q: want a device path (/dev/usb/lp0) or host:port (192.168.1.50:9100)", s)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || host == "" {
		return Target{}, fmt.Errorf("printer %q: want host:port with a port from 1 to 65535 (receipt printers listen on 9100)", s)
	}
	return Target{Addr: s}, nil
}

// Printer is a configured printer.
type Printer struct {
	Target  Target
	Format  Format
	Timeout time.Duration // 0: DefaultTimeout
}

// Configured reports whether a printer was set.
func (p Printer) Configured() bool { return p.Target.Path != "" || p.Target.Addr != "" }

// NewPrinter parses the printer settings.
func NewPrinter(target, format string) (Printer, error) {
	t, err := ParseTarget(target)
	if err != nil {
		return Printer{}, err
	}
	f, err := ParseFormat(format)
	if err != nil {
		return Printer{}, err
	}
	return Printer{Target: t, Format: f}, nil
}

// Bytes is what the printer receives for r.
func (p Printer) Bytes(r Receipt) []byte {
	if p.Format == FormatText {
		return []byte(r.Text() + "\f")
	}
	return r.ESCPOS()
}

// Print sends r to the printer within ctx and the printer's timeout. The
// error names the printer and says what went wrong.
func (p Printer) Print(ctx context.Context, r Receipt) error {
	return Send(ctx, p.Target, p.Bytes(r), p.Timeout)
}

// Send writes data to a printer. A device is opened for writing only,
// never created (a mistyped path must fail, not fill a file); a network
// printer gets one TCP connection. Both stop at the timeout, as a printer
// that is off or out of paper may never answer.
func Send(ctx context.Context, t Target, data []byte, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var err error
	if t.Addr != "" {
		err = sendTCP(ctx, t.Addr, data)
	} else {
		err = sendDevice(ctx, t.Path, data)
	}
	if err == nil {
		return nil
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("printer %s did not take the receipt within %s (is it on, online and loaded with paper?)", t, timeout)
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("printer %s: printing was cancelled", t)
	}
	return fmt.Errorf("printer %s: %w", t, err)
}

func sendTCP(ctx context.Context, addr string, data []byte) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	if _, err := conn.Write(data); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	// Closing our side tells a raw-port printer the job is complete.
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
	return nil
}

func sendDevice(ctx context.Context, path string, data []byte) error {
	type result struct{ err error }
	done := make(chan result, 1)
	var f *os.File
	opened := make(chan *os.File, 1)
	go func() {
		// Opening a printer device may block too (a USB printer that is
		// off), so the open runs here with the write.
		fh, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				err = fmt.Errorf("%s does not exist (is the printer connected and switched on?)", path)
			} else if errors.Is(err, fs.ErrPermission) {
				err = fmt.Errorf("%s: permission denied (add this user to the lp group)", path)
			}
			done <- result{err}
			return
		}
		opened <- fh
		if ctx.Err() != nil {
			// The device opened only after the job was given up: printing
			// now would print a receipt the clerk was told failed.
			fh.Close()
			done <- result{ctx.Err()}
			return
		}
		if dl, ok := ctx.Deadline(); ok {
			_ = fh.SetWriteDeadline(dl) // pollable devices only; ignored elsewhere
		}
		_, err = fh.Write(data)
		if cerr := fh.Close(); err == nil && !errors.Is(cerr, os.ErrClosed) {
			err = cerr
		}
		if errors.Is(err, syscall.EBADF) || errors.Is(err, os.ErrClosed) {
			err = ctx.Err()
		}
		done <- result{err}
	}()
	select {
	case r := <-done:
		return r.err
	case <-ctx.Done():
		select {
		case f = <-opened:
			f.Close() // unblocks a pollable write; the goroutine then ends
		default:
		}
		return ctx.Err()
	}
}

package sandbox

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
)

// MountPrefix is where Mount serves the embedding program's own pages.
const MountPrefix = "/app/"

// mounts are the handlers Mount added, by exact path.
type mounts struct {
	mu sync.RWMutex
	by map[string]http.Handler
}

func (m *mounts) get(path string) http.Handler {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.by[path]
}

// Mount serves h at path (under MountPrefix, e.g. "/app/return") on the
// sandbox's own listener and returns its public URL (BaseURL + path) and
// a function that takes it down again. The
// till's return_url is the page a customer's phone comes back to after
// 3-D Secure or a wallet: served here, it is reached wherever the
// sandbox's pages are (the LAN address, or the one port a tunnel
// forwards), where a server on a port of its own would not be.
func (s *Server) Mount(path string, h http.Handler) (string, func(), error) {
	if !strings.HasPrefix(path, MountPrefix) || len(path) == len(MountPrefix) || !canonicalPath(path) || h == nil {
		return "", nil, fmt.Errorf("sandbox: mount %q: a path under %s and a handler, please", path, MountPrefix)
	}
	s.mounted.mu.Lock()
	defer s.mounted.mu.Unlock()
	if s.mounted.by == nil {
		s.mounted.by = map[string]http.Handler{}
	}
	if _, dup := s.mounted.by[path]; dup {
		return "", nil, fmt.Errorf("sandbox: mount %q: already mounted", path)
	}
	s.mounted.by[path] = h
	unmount := func() {
		s.mounted.mu.Lock()
		defer s.mounted.mu.Unlock()
		delete(s.mounted.by, path)
	}
	return s.base + path, unmount, nil
}

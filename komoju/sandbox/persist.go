package sandbox

// stateChanged is called after state changes outside a request (reset,
// clock expiry).
func (s *Server) stateChanged() {}

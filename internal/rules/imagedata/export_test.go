package imagedata

// DecodePeak is the most decoder memory ever held at once, and resets it.
func DecodePeak() int64 {
	decodeBudget.mu.Lock()
	defer decodeBudget.mu.Unlock()
	p := decodeBudget.peak
	decodeBudget.peak = 0
	return p
}

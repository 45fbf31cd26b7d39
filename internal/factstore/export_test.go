package factstore

// WithRowReader is o reading every file with the row reader (the
// reference), for the external benchmarks.
func WithRowReader(o ReadOptions) ReadOptions {
	o.rowReader = true
	return o
}

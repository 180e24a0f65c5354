package result

// OperationBuckets returns the histogram buckets, in seconds, of an
// operation's duration: from 1µs (a memory hit takes less) through a
// Redis or memcached round trip (100µs to a few ms) to 5s, a store that
// has stopped answering. Each call returns a slice of its own.
func OperationBuckets() []float64 {
	return []float64{
		0.000001, 0.0000025, 0.000005, 0.00001, 0.000025, 0.00005,
		0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
		0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
	}
}

// LoadBuckets returns the histogram buckets, in seconds, of a load's
// duration and of a lock's wait: a load is a call of the caller's function
// (a database query, a remote call: 100µs to seconds), and a lock wait
// lasts as long as the load it waits for, up to the lock's lease (10s by
// default in package loader). Each call returns a slice of its own.
func LoadBuckets() []float64 {
	return []float64{
		0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
		0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
	}
}

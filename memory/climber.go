package memory

import "math"

// This file sizes a bounded shard's window: a hill climber on the shard's
// hit rate, as Caffeine and otter size theirs, and keys coming back from
// the ghost, which move the window where the hit rate does not show the
// way. All of it runs under the shard's lock.

// climber is the state of a shard's window sizing.
type climber struct {
	sample int // requests per sample

	// The current sample: misses (inserts), hits, and hits of window
	// entries, the last two as readers counted them (see hitCounter).
	misses, hits, windowHits int
	// Keys that came back from the ghost in the current sample.
	returns int
	// The previous sample's counts, so that the ghost's gate (see
	// ghostMayGrow) never judges from a sample just begun.
	prev struct{ misses, hits, windowHits, returns int }

	started  bool    // the first sample has measured the starting window
	prevRate float64 // hit rate of the previous sample
	step     float64 // signed size of the next move, in entries
	stepMax  float64 // size of a step after a restart
	drift    int     // growth of the window by the ghost since the last move
	// noGhost is set when growth by the ghost made the hit rate drop: the
	// ghost then stops moving the window until the workload changes.
	noGhost bool
}

// Tuning of the climber: Caffeine's step (a sixteenth of the share), decay
// of the step and restart threshold, with samples of ten times the share
// but at least minSample requests, so that a cyclic workload shorter than
// that (a loop) does not look different from one sample to the next.
const (
	sampleFactor = 10
	minSample    = 4096
	stepPercent  = 6.25
	stepDecay    = 0.98
	restartRate  = 0.05
)

// init prepares c for a shard of share entries. The first move shrinks the
// window (from its least, so it stays there): it grows only once the hit
// rate has dropped, as in Caffeine.
func (c *climber) init(share int) {
	*c = climber{
		sample:  max(sampleFactor*share, minSample),
		stepMax: math.Max(stepPercent/100*float64(share), 1),
	}
	c.step = -c.stepMax
}

// missed records a miss (an insert) of sh: it collects the hits counted
// since the last one, keeps the readers counting, and, at the end of a
// sample, moves the window.
func (sh *shard) missed() {
	c := &sh.pol.climb
	hits, windowHits := sh.hits.take()
	c.hits += hits
	c.windowHits += windowHits
	c.misses++
	if !sh.counting.Load() {
		sh.counting.Store(true)
	}
	if sh.bound.count.Load() < sh.bound.max/2 {
		// Not evicting yet: the hit rate says nothing of the window.
		c.misses, c.hits, c.windowHits, c.returns = 0, 0, 0, 0
		return
	}
	if c.misses+c.hits >= c.sample {
		sh.adapt(float64(c.hits) / float64(c.hits+c.misses))
	}
}

// adapt ends a sample whose hit rate was rate. The first sample measures
// the starting window. After that, Caffeine's climber: while the hit rate
// does not drop, the window moves on the same way, by a step that shrinks
// with every sample; when it drops, the climber turns round; a change of
// the hit rate of restartRate or more (a new workload) restores the full
// step. When it drops after the ghost grew the window, that growth is
// undone, and the ghost moves the window no more until a restart.
func (sh *shard) adapt(rate float64) {
	p := &sh.pol
	c := &p.climb
	c.prev.misses, c.prev.hits, c.prev.windowHits, c.prev.returns = c.misses, c.hits, c.windowHits, c.returns
	c.misses, c.hits, c.windowHits, c.returns = 0, 0, 0, 0
	change := rate - c.prevRate
	c.prevRate = rate
	target := p.windowCap
	if !c.started {
		c.started = true
	} else {
		dir := math.Copysign(1, c.step)
		if change < 0 {
			dir = -dir
			if c.drift > 0 {
				target -= c.drift
				c.noGhost = true
			}
		}
		size := math.Abs(c.step) * stepDecay
		if math.Abs(change) >= restartRate {
			size = c.stepMax
			c.noGhost = false
		}
		c.step = dir * size
	}
	c.drift = 0
	sh.resizeWindow(target + int(c.step))
}

// ghostMayGrow reports whether a key back from the ghost may grow the
// window by one. A longer window would have kept such a key, but it costs
// the main space an entry: the ghost grows the window only when that costs
// little, where the climber, which sees only the hit rate, cannot find the
// way (a workload whose keys come back after a fixed number of others
// misses until the window reaches that length: its hit rate does not move
// on the way). That is so when the main space is cold (its hits are few
// beside the keys coming back), or when the window's entries are hit more
// often, each, than the main space's (the window then has the better use
// of an entry). In a loop longer than the cache, keys come back too, but
// the main space is hot and the window cold.
func (p *policy) ghostMayGrow() bool {
	c := &p.climb
	if c.noGhost || p.windowCap >= p.windowMax {
		return false
	}
	returns := c.returns + c.prev.returns
	hits := c.hits + c.prev.hits
	windowHits := c.windowHits + c.prev.windowHits
	mainHits := hits - windowHits
	if ghostColdMain*mainHits < returns {
		return true
	}
	return p.windowCap >= ghostMinWindow && windowHits >= ghostMinHits &&
		windowHits*(p.share-p.windowCap) > ghostDenser*mainHits*p.windowCap
}

// Thresholds of ghostMayGrow: the main space is cold with fewer than a
// quarter of a hit per key back from the ghost; the window is worth more
// with twice the main space's hits per entry, measured on a window of at
// least ghostMinWindow entries and ghostMinHits hits (the newest few
// entries are hit more often than older ones, which says little of what
// one more entry would be worth).
const (
	ghostColdMain  = 4
	ghostDenser    = 2
	ghostMinWindow = 8
	ghostMinHits   = 32
)

// resizeWindow sets the window's target to n (within its bounds) and moves
// entries between the window and the main space to match, as Caffeine
// does, so that the next sample measures the new sizes: a longer window
// takes the front entries of the probation ring (then of the protected
// ring), a shorter one gives its front entries to the probation ring.
// Entries keep their reads.
func (sh *shard) resizeWindow(n int) {
	p := &sh.pol
	n = min(max(n, p.windowMin), p.windowMax)
	for q := n - p.windowCap; q > 0; q-- {
		e := p.probation.pop()
		if e == nil {
			if e = p.protected.pop(); e == nil {
				break
			}
		}
		e.moveTo(inWindow)
		p.window.push(e)
	}
	for q := p.windowCap - n; q > 0; q-- {
		e := p.window.pop()
		if e == nil {
			break
		}
		e.moveTo(inProbation)
		p.probation.push(e)
	}
	p.setWindowCap(n)
}

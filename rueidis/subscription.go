package rueidis

import (
	"time"

	rd "github.com/redis/rueidis"
)

// Backoff between attempts to restore a dropped release subscription.
const (
	minResubscribeDelay = 50 * time.Millisecond
	maxResubscribeDelay = 5 * time.Second
)

// subscribe holds the subscription to the release channel until close,
// restoring it with backoff whenever it drops.
//
// A cancelled Receive leaves the channel subscribed on the server: rueidis
// only stops listening. That costs nothing but the messages that the client
// drops, and an UNSUBSCRIBE could instead end the subscription of another
// Store that shares the client's connection.
func (h *releaseHub) subscribe() {
	defer h.wg.Done()
	delay := minResubscribeDelay
	for {
		h.mu.Lock()
		try := h.try
		h.mu.Unlock()

		hooked := rd.WithOnSubscriptionHook(h.ctx, func(sub rd.PubSubSubscription) {
			// Runs in the client's reading goroutine: it must not block.
			if sub.Kind == "subscribe" && sub.Channel == h.channel {
				h.confirm(try)
			}
		})
		err := h.client.Receive(hooked, h.client.B().Subscribe().Channel(h.channel).Build(), func(msg rd.PubSubMessage) {
			h.waiters.Wake(msg.Message)
		})

		h.mu.Lock()
		if try.confirmed {
			delay = minResubscribeDelay
		} else {
			if err == nil {
				err = errSubscriptionEnded
			}
			try.err = err
			close(try.failed)
		}
		h.try = newAttempt()
		h.mu.Unlock()

		t := time.NewTimer(delay)
		select {
		case <-h.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		delay = min(2*delay, maxResubscribeDelay)
	}
}

// confirm marks try as confirmed, releasing the watches that wait for it.
// If it restores a subscription (a later attempt, or the client subscribing
// again within one attempt after it reconnected), releases may have been
// missed meanwhile: every watch is woken to read its key again.
func (h *releaseHub) confirm(try *attempt) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !try.confirmed {
		try.confirmed = true
		close(try.ready)
	}
	if h.confirmed {
		h.waiters.WakeAll()
	}
	h.confirmed = true
}

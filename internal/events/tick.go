package events

import (
	"context"
	"time"
)

// TickPeriods are the periods of the TICK events, in seconds.
var TickPeriods = []int{5, 60, 3600}

// Ticks publishes TICK_5, TICK_60 and TICK_3600 on bus until ctx ends, as
// the reference's tick(): when the current time enters a new slice of a
// period (floor(now/period)*period), TICK_<period> is published with the
// slice's start as "when". The slices current at the start are only
// recorded. It sleeps until the next 5-second boundary: no polling.
func Ticks(ctx context.Context, bus *Bus) {
	tk := newTicker(time.Now())
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		t := time.Now()
		timer.Reset(time.Unix(slice(t, TickPeriods[0])+int64(TickPeriods[0]), 0).Sub(t))
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		for _, e := range tk.at(time.Now()) {
			bus.Publish(e)
		}
	}
}

// ticker remembers the last slice of each period.
type ticker struct{ last []int64 }

func newTicker(t time.Time) *ticker {
	k := &ticker{last: make([]int64, len(TickPeriods))}
	for i, p := range TickPeriods {
		k.last[i] = slice(t, p)
	}
	return k
}

// at returns the TICK events due at t.
func (k *ticker) at(t time.Time) []*E {
	var out []*E
	for i, p := range TickPeriods {
		if s := slice(t, p); s != k.last[i] {
			k.last[i] = s
			out = append(out, TickAt(p, s))
		}
	}
	return out
}

func slice(t time.Time, period int) int64 {
	u := t.Unix()
	return u - u%int64(period)
}

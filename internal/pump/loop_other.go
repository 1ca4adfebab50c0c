//go:build !linux

package pump

import "errors"

// Loop is only implemented on Linux (epoll).
type Loop struct{}

// New returns errors.ErrUnsupported: there is no epoll here.
func New(Options) (*Loop, error) { return nil, errors.ErrUnsupported }

// Add is never reached without a Loop.
func (l *Loop) Add(w Watch) *Handle { return newHandle(w) }

// Exited is never reached without a Loop.
func (l *Loop) Exited(*Handle) {}

// Close does nothing.
func (l *Loop) Close() error { return nil }

package ctl

import (
	"context"
	"os"
)

func mkdirTemp() (string, error) { return os.MkdirTemp("", "ctl") }
func removeAll(dir string)       { os.RemoveAll(dir) }

func contextWithCancel() (context.Context, context.CancelFunc) {
	return context.WithCancel(context.Background())
}

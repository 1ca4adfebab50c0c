module github.com/supervisorgo/supervisor

go 1.26.8

require (
	github.com/chzyer/readline v1.5.1
	github.com/creack/pty v1.1.24
)

require golang.org/x/sys v0.50.0 // indirect

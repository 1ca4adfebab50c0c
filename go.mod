module github.com/supervisorgo/supervisor

go 1.26.8

package xmlrpc

import (
	"fmt"
	"strings"
	"testing"
)

// allProcessInfo is shaped like a getAllProcessInfo result: 50 structs of
// 20 members (the 14 ProcessInfo keys and a few more of each type).
func allProcessInfo() []any {
	infos := make([]any, 50)
	for i := range infos {
		name := fmt.Sprintf("worker_%02d", i)
		infos[i] = Struct{
			{"name", name}, {"group", "workers"}, {"description", "pid 4242, uptime 1 day, 2:03:04"},
			{"start", 1700000000 + i}, {"stop", 0}, {"now", 1700090000}, {"state", 20}, {"statename", "RUNNING"},
			{"spawnerr", ""}, {"exitstatus", 0}, {"logfile", "/var/log/supervisor/" + name + ".log"},
			{"stdout_logfile", "/var/log/supervisor/" + name + ".log"}, {"stderr_logfile", ""}, {"pid", 4242 + i},
			{"autostart", true}, {"priority", 999}, {"command", "/usr/bin/python3 -m worker --id " + name},
			{"directory", "/srv/app"}, {"umask", 18}, {"killasgroup", false},
		}
	}
	return infos
}

func BenchmarkDecodeCall(b *testing.B) {
	body, err := MarshalCall("supervisor.startProcess", "workers:worker_07", true)
	if err != nil {
		b.Fatal(err)
	}
	doc := string(body)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeCall(strings.NewReader(doc), nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeMulticall(b *testing.B) {
	calls := make([]any, 20)
	for i := range calls {
		calls[i] = Struct{{"methodName", "supervisor.getProcessInfo"}, {"params", []any{fmt.Sprintf("workers:worker_%02d", i)}}}
	}
	body, err := MarshalCall("system.multicall", calls)
	if err != nil {
		b.Fatal(err)
	}
	doc := string(body)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeCall(strings.NewReader(doc), nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeCallBytesMulticall is BenchmarkDecodeMulticall through
// DecodeCallBytes (its fast path), as the server decodes requests.
func BenchmarkDecodeCallBytesMulticall(b *testing.B) {
	calls := make([]any, 20)
	for i := range calls {
		calls[i] = Struct{{"methodName", "supervisor.getProcessInfo"}, {"params", []any{fmt.Sprintf("workers:worker_%02d", i)}}}
	}
	body, err := MarshalCall("system.multicall", calls)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeCallBytes(body, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendResponseAllProcessInfo is BenchmarkEncodeAllProcessInfo
// into a reused buffer, as the server encodes responses.
func BenchmarkAppendResponseAllProcessInfo(b *testing.B) {
	v := allProcessInfo()
	buf, err := AppendResponse(nil, v)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if buf, err = AppendResponse(buf[:0], v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeAllProcessInfo(b *testing.B) {
	v := allProcessInfo()
	body, err := MarshalResponse(v)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := MarshalResponse(v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeAllProcessInfo(b *testing.B) {
	body, err := MarshalResponse(allProcessInfo())
	if err != nil {
		b.Fatal(err)
	}
	doc := string(body)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeResponse(strings.NewReader(doc), nil); err != nil {
			b.Fatal(err)
		}
	}
}

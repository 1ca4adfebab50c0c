"""Scripted XML-RPC calls for TestAPIDifferential (api_diff_test.go).

    apicalls.py run SOCKET INETURL CONF   run the scenario against a supervisord
    apicalls.py talk                      a child program for the scenario

"run" drives the daemon listening on the unix socket SOCKET (and a few
calls on INETURL) through a fixed sequence of calls, and prints one JSON
line per call: {"key", "outcome"} where key names the call (method and
params, "#n" for its n-th repetition) and outcome is {"result": value},
{"fault": {faultCode, faultString}}, {"http_error": code} or
{"error": text}. Between calls it waits (polling with a deadline, not
recorded as calls) for the conditions the next call depends on, and
records each wait as a line keyed "wait ..." with the outcome "ok" or a
timeout. CONF is the live configuration; CONF.edited and CONF.broken are
copied over it before the reloadConfig calls that need them.

"talk" writes known text to stdout and stderr, echoes each stdin line as
"got: <line>" and answers SIGUSR1 with "got USR1".
"""

import http.client
import json
import os
import shutil
import signal
import socket
import sys
import threading
import time
import xmlrpc.client

CALL_TIMEOUT = 30
WAIT_TIMEOUT = 20


def talk():
    signal.signal(signal.SIGUSR1, lambda *_: os.write(1, b"got USR1\n"))
    os.write(1, b"out line 1\nout line 2\n")
    os.write(2, b"err line 1\n")
    while True:
        line = sys.stdin.buffer.readline()
        if not line:
            break
        os.write(1, b"got: " + line)
    while True:
        signal.pause()


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=CALL_TIMEOUT)
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(CALL_TIMEOUT)
        s.connect(self.unix_path)
        self.sock = s


class UnixTransport(xmlrpc.client.Transport):
    def __init__(self, path):
        super().__init__()
        self.unix_path = path

    def make_connection(self, host):
        if self._connection and host == self._connection[0]:
            return self._connection[1]
        self._connection = host, UnixConnection(self.unix_path)
        return self._connection[1]


class TimeoutTransport(xmlrpc.client.Transport):
    def make_connection(self, host):
        conn = super().make_connection(host)
        conn.timeout = CALL_TIMEOUT
        return conn


class Scenario:
    def __init__(self, sock, inet_url, conf):
        self.unix = xmlrpc.client.ServerProxy("http://localhost/RPC2", transport=UnixTransport(sock))
        self.inet = xmlrpc.client.ServerProxy(inet_url + "/RPC2", transport=TimeoutTransport())
        self.inet_url = inet_url
        self.conf = conf
        self.seen = {}

    def emit(self, key, outcome):
        n = self.seen.get(key, 0) + 1
        self.seen[key] = n
        if n > 1:
            key = "%s#%d" % (key, n)
        print(json.dumps({"key": key, "outcome": outcome}), flush=True)

    def raw(self, method, *params, proxy=None):
        return (proxy or self.unix)._ServerProxy__request(method, params)

    def call(self, method, *params, proxy=None, via=""):
        key = "%s%s(%s)" % (via, method, ", ".join(json.dumps(p, ensure_ascii=False) for p in params))
        try:
            outcome = {"result": self.raw(method, *params, proxy=proxy)}
        except xmlrpc.client.Fault as f:
            outcome = {"fault": {"faultCode": f.faultCode, "faultString": f.faultString}}
        except xmlrpc.client.ProtocolError as e:
            outcome = {"http_error": e.errcode}
        except Exception as e:  # noqa: BLE001 - every failure is part of the transcript
            outcome = {"error": "%s: %s" % (type(e).__name__, e)}
        self.emit(key, outcome)
        return outcome.get("result")

    def wait(self, desc, cond, timeout=WAIT_TIMEOUT):
        deadline = time.monotonic() + timeout
        last = None
        while True:
            try:
                ok = cond()
                last = ok
            except Exception as e:  # noqa: BLE001 - not ready yet
                ok, last = False, "%s: %s" % (type(e).__name__, e)
            if ok is True:
                self.emit("wait " + desc, {"result": "ok"})
                return
            if time.monotonic() > deadline:
                self.emit("wait " + desc, {"error": "timeout after %ss (last: %r)" % (timeout, last)})
                return
            time.sleep(0.02)

    def state(self, name):
        return self.raw("supervisor.getProcessInfo", name)["statename"]

    def wait_states(self, want):
        """want maps namespecs to state names."""
        desc = "states " + ", ".join("%s=%s" % kv for kv in sorted(want.items()))

        def cond():
            got = {n: self.state(n) for n in want}
            return True if got == want else got

        self.wait(desc, cond)

    def wait_log(self, name, channel, text):
        method = "supervisor.readProcess%sLog" % ("Stdout" if channel == "stdout" else "Stderr")

        def cond():
            got = self.raw(method, name, 0, 0)
            return True if got == text else got

        self.wait("%s %s log is %r" % (name, channel, text), cond)

    def log_size(self, name):
        try:
            return self.raw("supervisor.tailProcessStdoutLog", name, 0, 0)[1]
        except xmlrpc.client.Fault:
            return 0  # a group not added yet

    def wait_execd(self, name):
        """Waits until the child of name runs its own program (for a child
        that prints nothing): a reference child between fork and exec
        loses a stop signal to supervisord's own handler."""
        def cond():
            pid = self.raw("supervisor.getProcessInfo", name)["pid"]
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                cmdline = f.read()
            return True if pid and b"supervisord" not in cmdline else cmdline

        self.wait("%s execd" % name, cond)

    def started(self, names, fn, printed="started\n"):
        """Runs fn (a recorded call that starts the processes names) and
        waits until each has written printed to its stdout: until then a
        stop signal could reach the child before it execs (the reference
        forks first) or before a helper set its signal dispositions."""
        before = {n: self.log_size(n) for n in names}
        result = fn()
        for n in names:
            want = before[n] + len(printed)
            self.wait("%s printed %r" % (n, printed),
                      lambda n=n, want=want: self.log_size(n) >= want or self.log_size(n))
        return result

    def start(self, name, *params, printed="started\n"):
        return self.started([name], lambda: self.call("supervisor.startProcess", name, *params), printed)

    def ping(self, stop):
        """Calls getAPIVersion every 20 ms on its own connection until stop
        is set. The reference advances deferred answers (start/stop with
        wait, the *All variants, clearAllProcessLogs, multicall) one step
        per main loop iteration, and an idle loop sleeps up to a second in
        poll(): any request wakes it. Answers are the same, only sooner."""
        proxy = xmlrpc.client.ServerProxy(self.inet_url + "/RPC2", transport=TimeoutTransport())
        while not stop.wait(0.02):
            try:
                proxy.supervisor.getAPIVersion()
            except Exception:  # noqa: BLE001 - only a wake-up
                pass

    def use_config(self, suffix):
        shutil.copyfile(self.conf + suffix, self.conf + ".tmp")
        os.replace(self.conf + ".tmp", self.conf)
        self.emit("config file now " + suffix, {"result": "ok"})

    def run(self):
        c = self.call
        up = {"fast": "RUNNING", "slow": "RUNNING", "manual": "STOPPED", "bad": "EXITED",
              "missing": "FATAL", "x:xa": "RUNNING", "x:xb": "STOPPED", "multi:multi_0": "RUNNING",
              "multi:multi_1": "RUNNING", "stubborn": "RUNNING", "redir": "RUNNING",
              "nolog": "RUNNING", "talker": "RUNNING"}
        self.wait_states(up)
        self.wait_log("talker", "stdout", "out line 1\nout line 2\n")
        self.wait_log("talker", "stderr", "err line 1\n")
        self.wait_log("redir", "stdout", "out line 1\nout line 2\nerr line 1\n")
        self.wait_log("fast", "stdout", "started\n")
        stop_ping = threading.Event()
        pinger = threading.Thread(target=self.ping, args=(stop_ping,))
        pinger.start()

        # Identification and state.
        for m in ("getAPIVersion", "getVersion", "getSupervisorVersion", "getIdentification",
                  "getState", "getPID"):
            c("supervisor." + m)
        c("supervisor.getState", proxy=self.inet, via="inet ")
        c("supervisor.getIdentification", proxy=self.inet, via="inet ")

        # Process info.
        for name in ("fast", "slow", "manual", "bad", "missing", "x:xa", "x:xb", "xa", "x:*", "x:",
                     "x:nosuch", "nosuch", "multi:multi_0", "multi_0", "multi:*", "stubborn",
                     "redir", "nolog", "talker"):
            c("supervisor.getProcessInfo", name)
        c("supervisor.getAllProcessInfo")
        c("supervisor.getAllConfigInfo")
        c("supervisor.getProcessInfo", "fast", proxy=self.inet, via="inet ")

        # Dispatch errors.
        c("supervisor.nosuchMethod")
        c("nosuchMethod")
        c("nosuchns.getState")
        c("supervisor._update", "x")
        c("supervisor.getState.extra")
        c("supervisor.getState", 1)
        c("supervisor.getProcessInfo")
        c("supervisor.startProcess", "fast", True, 3)

        # The main log: cleared, then two known lines from starting manual.
        c("supervisor.clearLog")
        c("supervisor.readLog", 0, 0)
        self.start("manual")
        for off, length in ((0, 0), (0, 10), (24, 4), (-18, 0), (-1, 0), (-100000, 0),
                            (100000, 0), (100000, 5), (-5, 5), (0, -1), (-5, -5)):
            c("supervisor.readLog", off, length)
        c("supervisor.readMainLog", 0, 0)
        c("supervisor.readMainLog", -3, 0)

        # Starting.
        c("supervisor.startProcess", "manual")
        c("supervisor.startProcess", "manual", False)
        c("supervisor.startProcess", "nosuch")
        c("supervisor.startProcess", "x:nosuch")
        c("supervisor.startProcess", "missing")
        c("supervisor.startProcess", "missing", False)
        self.start("x:xb", False)
        self.wait_states({"x:xb": "RUNNING"})
        c("supervisor.startProcess", "x:*")
        c("supervisor.stopProcess", "x:xb")
        c("supervisor.getProcessInfo", "x:xb")
        self.started(["x:xb"], lambda: c("supervisor.startProcess", "x:*"))
        c("supervisor.startProcess", "x:")
        c("supervisor.startProcessGroup", "x")
        c("supervisor.startProcessGroup", "x", False)
        c("supervisor.startProcessGroup", "nosuch")
        c("supervisor.startProcessGroup", "x:xa")
        c("supervisor.startProcess", "bad")
        self.wait_states({"bad": "EXITED"})
        c("supervisor.getProcessInfo", "bad")
        c("supervisor.stopProcess", "slow")
        self.started(["slow"], lambda: (c("supervisor.startProcess", "slow", False),
                                        c("supervisor.getProcessInfo", "slow"),
                                        c("supervisor.startProcess", "slow")))
        self.wait_states({"slow": "RUNNING"})
        c("supervisor.stopProcess", "slow")
        self.start("slow")
        c("supervisor.getProcessInfo", "slow")
        c("supervisor.stopProcess", "multi:multi_0")
        c("supervisor.stopProcessGroup", "multi")
        self.started(["multi:multi_0", "multi:multi_1"],
                     lambda: c("supervisor.startProcessGroup", "multi", False))
        self.wait_states({"multi:multi_0": "RUNNING", "multi:multi_1": "RUNNING"})

        # Stopping.
        c("supervisor.stopProcess", "manual", False)
        self.wait_states({"manual": "STOPPED"})
        c("supervisor.getProcessInfo", "manual")
        c("supervisor.stopProcess", "manual")
        c("supervisor.stopProcess", "manual", False)
        c("supervisor.stopProcess", "nosuch")
        c("supervisor.stopProcess", "bad")
        c("supervisor.stopProcess", "missing")
        c("supervisor.stopProcess", "stubborn")
        c("supervisor.getProcessInfo", "stubborn")
        self.start("stubborn")
        c("supervisor.stopProcess", "stubborn", False)
        c("supervisor.getProcessInfo", "stubborn")
        c("supervisor.stopProcess", "stubborn")
        self.wait_states({"stubborn": "STOPPED"})
        self.start("stubborn")
        c("supervisor.stopProcessGroup", "x", False)
        self.wait_states({"x:xa": "STOPPED", "x:xb": "STOPPED"})
        c("supervisor.stopProcessGroup", "x")
        c("supervisor.stopProcess", "x:*")
        c("supervisor.stopProcessGroup", "nosuch")
        self.start("x:xa")
        c("supervisor.stopProcess", "x:*")
        self.start("x:xa")
        c("supervisor.stopProcessGroup", "x")
        self.start("x:xa")

        # Signals: the talker answers SIGUSR1 on stdout.
        c("supervisor.signalProcess", "talker", "USR1")
        self.wait_log("talker", "stdout", "out line 1\nout line 2\ngot USR1\n")
        c("supervisor.signalProcess", "talker", str(int(signal.SIGUSR1)))
        self.wait_log("talker", "stdout", "out line 1\nout line 2\ngot USR1\ngot USR1\n")
        c("supervisor.signalProcess", "talker", "sigusr1")
        self.wait_log("talker", "stdout", "out line 1\nout line 2\ngot USR1\ngot USR1\ngot USR1\n")
        c("supervisor.signalProcess", "talker", "BOGUS")
        c("supervisor.signalProcess", "talker", "999")
        c("supervisor.signalProcess", "talker", "")
        c("supervisor.signalProcess", "manual", "HUP")
        c("supervisor.signalProcess", "manual", "BOGUS")
        c("supervisor.signalProcess", "nosuch", "HUP")
        c("supervisor.signalProcess", "nosuch", "BOGUS")
        c("supervisor.signalProcess", "missing", "HUP")
        c("supervisor.signalProcess", "x:*", "WINCH")
        c("supervisor.signalProcessGroup", "multi", "WINCH")
        c("supervisor.signalProcessGroup", "multi", str(int(signal.SIGCONT)))
        c("supervisor.signalProcessGroup", "multi", "BOGUS")
        c("supervisor.signalProcessGroup", "nosuch", "WINCH")
        c("supervisor.signalProcessGroup", "missing", "WINCH")
        c("supervisor.signalAllProcesses", "WINCH")
        c("supervisor.signalAllProcesses", "BOGUS")
        self.wait_states(dict(up, manual="STOPPED"))

        # Process logs.
        talker_out = "out line 1\nout line 2\ngot USR1\ngot USR1\ngot USR1\n"
        self.wait_log("talker", "stdout", talker_out)
        for off, length in ((0, 0), (0, 5), (4, 6), (-9, 0), (-1000, 0), (1000, 0), (1000, 5),
                            (len(talker_out), 0), (-3, 2), (0, -2)):
            c("supervisor.readProcessStdoutLog", "talker", off, length)
        c("supervisor.readProcessStdoutLog", "talker", "4", "6")
        c("supervisor.readProcessLog", "talker", 0, 0)
        c("supervisor.readProcessLog", "talker", -4, 0)
        for off, length in ((0, 0), (-4, 0), (2, 3), (-1, 1)):
            c("supervisor.readProcessStderrLog", "talker", off, length)
        c("supervisor.readProcessStdoutLog", "redir", 0, 0)
        c("supervisor.readProcessStderrLog", "redir", 0, 0)
        c("supervisor.readProcessStdoutLog", "nolog", 0, 0)
        c("supervisor.readProcessStderrLog", "nolog", 0, 0)
        c("supervisor.readProcessStdoutLog", "missing", 0, 0)
        c("supervisor.readProcessStdoutLog", "manual", 0, 0)
        c("supervisor.readProcessStdoutLog", "nosuch", 0, 0)
        c("supervisor.readProcessStdoutLog", "x:*", 0, 0)
        c("supervisor.readProcessStderrLog", "nosuch", 0, 0)
        size = len(talker_out)
        for off, length in ((0, 1000), (0, 5), (10, 5), (size, 100), (size - 3, 100), (1000, 5),
                            (1000, 0), (0, 0), (-5, 10), (5, -3), (-100, 0)):
            c("supervisor.tailProcessStdoutLog", "talker", off, length)
        c("supervisor.tailProcessLog", "talker", 0, 8)
        c("supervisor.tailProcessStderrLog", "talker", 0, 100)
        c("supervisor.tailProcessStderrLog", "talker", 0, 4)
        c("supervisor.tailProcessStderrLog", "talker", 50, 4)
        c("supervisor.tailProcessStdoutLog", "nolog", 0, 100)
        c("supervisor.tailProcessStderrLog", "redir", 0, 100)
        c("supervisor.tailProcessStdoutLog", "missing", 0, 100)
        c("supervisor.tailProcessStdoutLog", "nosuch", 0, 100)
        c("supervisor.tailProcessStderrLog", "x:*", 0, 100)

        # Clearing process logs (a stopped process keeps its log: the
        # reference clears through the dispatchers of a running child).
        c("supervisor.clearProcessLogs", "talker")
        c("supervisor.readProcessStdoutLog", "talker", 0, 0)
        c("supervisor.readProcessStderrLog", "talker", 0, 0)
        c("supervisor.tailProcessStdoutLog", "talker", 0, 100)
        c("supervisor.clearProcessLog", "redir")
        c("supervisor.readProcessStdoutLog", "redir", 0, 0)
        c("supervisor.clearProcessLogs", "nolog")
        c("supervisor.clearProcessLogs", "manual")
        c("supervisor.readProcessStdoutLog", "manual", 0, 0)
        c("supervisor.clearProcessLogs", "nosuch")
        c("supervisor.clearProcessLogs", "x:*")
        c("supervisor.readProcessStdoutLog", "fast", 0, 0)
        c("supervisor.clearAllProcessLogs")
        c("supervisor.readProcessStdoutLog", "fast", 0, 0)
        c("supervisor.readProcessStdoutLog", "manual", 0, 0)

        # stdin.
        c("supervisor.sendProcessStdin", "talker", "hello\n")
        self.wait_log("talker", "stdout", "got: hello\n")
        c("supervisor.sendProcessStdin", "talker", "h\u00e9llo \u00fcnic\u00f6de\n")
        self.wait_log("talker", "stdout", "got: hello\ngot: h\u00e9llo \u00fcnic\u00f6de\n")
        c("supervisor.readProcessStdoutLog", "talker", 0, 0)
        c("supervisor.sendProcessStdin", "talker", "")
        c("supervisor.sendProcessStdin", "manual", "x\n")
        c("supervisor.sendProcessStdin", "nosuch", "x\n")
        c("supervisor.sendProcessStdin", "x:*", "x\n")
        c("supervisor.sendProcessStdin", "talker", 5)
        c("supervisor.sendProcessStdin", "nosuch", 5)
        c("supervisor.sendRemoteCommEvent", "mytype", "some data")
        c("supervisor.sendRemoteCommEvent", "", "")

        # multicall.
        c("system.multicall", [
            {"methodName": "supervisor.getPID"},
            {"methodName": "nope"},
            {"methodName": "system.multicall", "params": [[]]},
            {"params": []},
            {"methodName": "supervisor.getProcessInfo", "params": []},
            {"methodName": "supervisor.getProcessInfo", "params": ["nope"]},
        ])
        c("system.multicall", [
            {"methodName": "supervisor.stopProcess", "params": ["slow"]},
            {"methodName": "supervisor.getProcessInfo", "params": ["slow"]},
            {"methodName": "supervisor.startProcess", "params": ["slow"]},
            {"methodName": "supervisor.getProcessInfo", "params": ["slow"]},
            {"methodName": "supervisor.startProcess", "params": ["slow"]},
            {"methodName": "supervisor.getState", "params": []},
            {"methodName": "system.methodSignature", "params": ["supervisor.getState"]},
        ])
        c("system.multicall", [])

        # The system namespace.
        methods = c("system.listMethods") or []
        for m in methods:
            c("system.methodHelp", m)
            c("system.methodSignature", m)
        c("system.methodHelp", "supervisor.nosuch")
        c("system.methodSignature", "supervisor.nosuch")
        c("system.methodHelp", "nosuch")
        c("system.listMethods", proxy=self.inet, via="inet ")

        # The All variants: results in priority order for what does not
        # wait, in completion order for what waits.
        stopped = {n: s if s in ("EXITED", "FATAL") else "STOPPED" for n, s in up.items()}
        self.wait_states(up)
        c("supervisor.stopAllProcesses", False)
        self.wait_states(stopped)
        c("supervisor.stopAllProcesses")
        c("supervisor.startAllProcesses")
        self.wait_states(dict(up, manual="RUNNING", **{"x:xb": "RUNNING"}))
        c("supervisor.startAllProcesses", False)
        self.wait_states({"bad": "EXITED"})
        c("supervisor.stopAllProcesses", False)
        self.wait_states(stopped)
        self.start("stubborn")
        self.start("talker", printed="out line 1\nout line 2\n")
        c("supervisor.stopAllProcesses")
        c("supervisor.getAllProcessInfo")

        # reloadConfig and groups: the edited file adds "added", changes
        # "nolog" and removes "redir".
        self.start("redir", printed="out line 1\nout line 2\nerr line 1\n")
        c("supervisor.startProcess", "nolog")
        self.wait_execd("nolog")
        c("supervisor.reloadConfig")
        self.use_config(".edited")
        c("supervisor.reloadConfig")
        c("supervisor.getAllConfigInfo")
        self.started(["added"], lambda: c("supervisor.addProcessGroup", "added"))
        self.wait_states({"added": "RUNNING"})
        c("supervisor.addProcessGroup", "added")
        c("supervisor.addProcessGroup", "nosuch")
        c("supervisor.addProcessGroup", "redir")
        c("supervisor.removeProcessGroup", "redir")
        c("supervisor.stopProcess", "redir")
        c("supervisor.removeProcessGroup", "redir")
        c("supervisor.removeProcessGroup", "redir")
        c("supervisor.getProcessInfo", "redir")
        c("supervisor.removeProcessGroup", "nolog")
        c("supervisor.stopProcessGroup", "nolog")
        c("supervisor.removeProcessGroup", "nolog")
        c("supervisor.addProcessGroup", "nolog")
        self.wait_states({"nolog": "RUNNING"})
        self.wait_execd("nolog")
        c("supervisor.getProcessInfo", "nolog")
        c("supervisor.removeProcessGroup", "nosuch")
        c("supervisor.removeProcessGroup", "missing")
        c("supervisor.addProcessGroup", "missing")
        self.wait_states({"missing": "FATAL"})
        c("supervisor.reloadConfig")
        self.use_config(".broken")
        c("supervisor.reloadConfig")
        self.use_config(".edited")
        c("supervisor.reloadConfig")
        c("supervisor.getAllConfigInfo")
        self.start("fast")
        c("supervisor.getAllProcessInfo")
        # Groups added at run time come last among equal priorities here.
        c("supervisor.stopAllProcesses", False)
        self.wait_states({"added": "STOPPED", "fast": "STOPPED", "nolog": "STOPPED"})
        self.start("stubborn")

        stop_ping.set()
        pinger.join()

        # Shutdown: stubborn ignores SIGTERM for a second, during which
        # every supervisor.* call but sendRemoteCommEvent faults.
        c("supervisor.shutdown")
        c("supervisor.getState")
        c("supervisor.startProcess", "fast")
        c("supervisor.getProcessInfo", "nosuch")
        c("supervisor.signalProcessGroup", "nosuch", "WINCH")
        c("supervisor.signalAllProcesses", "WINCH")
        c("supervisor.sendRemoteCommEvent", "t", "d")
        c("system.methodSignature", "supervisor.getState")
        c("system.multicall", [{"methodName": "supervisor.getPID"}])
        c("supervisor.shutdown")
        self.emit("end", {"result": "ok"})


def main():
    if sys.argv[1:] == ["talk"]:
        talk()
    elif len(sys.argv) == 5 and sys.argv[1] == "run":
        Scenario(*sys.argv[2:]).run()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()

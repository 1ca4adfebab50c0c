"""Scripted XML-RPC calls for TestThirdPartyPlugins (thirdparty_test.go).

    thirdparty_calls.py SOCKET HELPER TOKEN

drives the supervisord listening on the unix socket SOCKET through a fixed
sequence of calls to the namespaces of the third-party plugins
(supervisor_twiddler as "twiddler" and, with a whitelist, "twiddler_wl";
supervisor_cache as "cache"; mr.laforge as "laforge"), and prints one JSON
line per call: {"key", "outcome"}, outcome being {"result": value},
{"fault": {faultCode, faultString}}, {"http_error": code} or {"error":
text}. HELPER is the test binary (a child program in helper mode) and TOKEN
marks the children; both are shown as <HELPER> and <TOKEN> in the keys.
Waits between calls poll with a deadline and are recorded as "wait ..."
lines. The same script runs against the reference (with the original
plugins on PYTHONPATH, to record testdata/thirdparty_reference.json) and
against ours.
"""

import http.client
import json
import socket
import sys
import threading
import time
import xmlrpc.client

CALL_TIMEOUT = 30
WAIT_TIMEOUT = 20


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


class Scenario:
    def __init__(self, sock, helper, token):
        self.sock = sock
        self.proxy = xmlrpc.client.ServerProxy("http://localhost/RPC2", transport=UnixTransport(sock))
        self.helper = helper
        self.token = token
        self.seen = {}

    def emit(self, key, outcome):
        key = key.replace(self.helper, "<HELPER>").replace(self.token, "<TOKEN>")
        n = self.seen.get(key, 0) + 1
        self.seen[key] = n
        if n > 1:
            key = "%s#%d" % (key, n)
        print(json.dumps({"key": key, "outcome": outcome}), flush=True)

    def raw(self, method, *params):
        return self.proxy._ServerProxy__request(method, params)

    def call(self, method, *params):
        key = "%s(%s)" % (method, ", ".join(json.dumps(p, ensure_ascii=False) for p in params))
        try:
            outcome = {"result": self.raw(method, *params)}
        except xmlrpc.client.Fault as f:
            outcome = {"fault": {"faultCode": f.faultCode, "faultString": f.faultString}}
        except xmlrpc.client.ProtocolError as e:
            outcome = {"http_error": e.errcode}
            # the connection may be unusable after an error response
            self.proxy = xmlrpc.client.ServerProxy("http://localhost/RPC2", transport=UnixTransport(self.sock))
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

    def wait_state(self, name, want):
        def cond():
            got = self.raw("supervisor.getProcessInfo", name)["statename"]
            return True if got == want else got
        self.wait("%s is %s" % (name, want), cond)

    def wait_execd(self, name):
        """Until the child runs its own program and has printed (before
        that a signal could reach a reference child between fork and exec)."""
        def cond():
            got = self.raw("supervisor.readProcessStdoutLog", name, 0, 0)
            return True if got.startswith("started") else got
        self.wait("%s printed" % name, cond)

    def ping(self, stop):
        """Wakes the reference's main loop every 20 ms so that its deferred
        answers come sooner (answers are the same)."""
        proxy = xmlrpc.client.ServerProxy("http://localhost/RPC2", transport=UnixTransport(self.sock))
        while not stop.wait(0.02):
            try:
                proxy.supervisor.getAPIVersion()
            except Exception:  # noqa: BLE001 - only a wake-up
                pass


def run(sock, helper, token):
    s = Scenario(sock, helper, token)
    stop = threading.Event()
    pinger = threading.Thread(target=s.ping, args=(stop,), daemon=True)
    pinger.start()
    env = 'SUPERVISOR_GO_TEST_HELPER="run",APIDIFF_TOKEN="%s"' % token

    for name in ["sleeper", "stubborn"]:
        s.wait_state(name, "RUNNING")
        s.wait_execd(name)

    # Signatures (computed from the docstrings by the reference).
    for name in ["twiddler.getAPIVersion", "twiddler.getGroupNames", "twiddler.log",
                 "twiddler.addProgramToGroup", "twiddler.removeProcessFromGroup",
                 "cache.getAPIVersion", "cache.getKeys", "cache.getCount", "cache.store",
                 "cache.fetch", "cache.delete", "cache.clear",
                 "laforge.getAPIVersion", "laforge.getMrLaForgeVersion",
                 "laforge.killProcess", "laforge.killProcessGroup"]:
        s.call("system.methodSignature", name)

    # supervisor_twiddler
    s.call("twiddler.getAPIVersion")
    s.call("twiddler.getAPIVersion", 1)
    s.call("twiddler.getGroupNames")
    s.call("twiddler.log", "twiddler says hello")
    s.call("twiddler.log", "twiddler warns", "warn")
    s.call("twiddler.log", "twiddler critical", 50)
    s.call("twiddler.log", "twiddler debug", "DEBG")
    s.call("twiddler.log", "bad level", "bogus")
    s.call("twiddler.log", "bad level", 99)
    s.call("twiddler.log")
    s.call("twiddler.addProgramToGroup", "nogroup", "x", {"command": "/bin/true"})
    s.call("twiddler.addProgramToGroup", "grp", "x")
    s.call("twiddler.addProgramToGroup", "grp", "x", "not a struct")
    s.call("twiddler.addProgramToGroup", "grp", "added",
           {"command": helper, "environment": env, "autostart": "false", "startsecs": "0"})
    s.call("supervisor.getProcessInfo", "grp:added")
    s.call("twiddler.addProgramToGroup", "grp", "added", {"command": helper})
    s.call("twiddler.addProgramToGroup", "grp", "member", {"command": helper})
    s.call("twiddler.addProgramToGroup", "grp", "multi",
           {"command": helper, "environment": env, "numprocs": "2", "autostart": "false",
            "process_name": "%(program_name)s_%(process_num)d", "priority": "5"})
    s.call("twiddler.addProgramToGroup", "grp", "bad", {"command": helper, "numprocs": "2"})
    s.call("twiddler.addProgramToGroup", "grp", "nocmd", {"startsecs": "0"})
    s.call("twiddler.addProgramToGroup", "grp", "badint", {"command": helper, "startsecs": "abc"})
    s.call("twiddler.addProgramToGroup", "grp", "badbool", {"command": helper, "autostart": "maybe"})
    s.call("twiddler.addProgramToGroup", "grp", "badsig", {"command": helper, "stopsignal": "FOO"})
    s.call("twiddler.addProgramToGroup", "grp", "badsignum", {"command": helper, "stopsignal": "99"})
    s.call("twiddler.addProgramToGroup", "grp", "badrestart", {"command": helper, "autorestart": "sometimes"})
    s.call("twiddler.addProgramToGroup", "grp", "badexit", {"command": helper, "exitcodes": "0,x"})
    s.call("twiddler.addProgramToGroup", "grp", "bad name", {"command": helper})
    s.call("twiddler.addProgramToGroup", "grp", "badpname", {"command": helper, "process_name": "a/b"})
    s.call("twiddler.addProgramToGroup", "grp", "badgroup", {"command": helper, "stopasgroup": "true",
                                                             "killasgroup": "false"})
    s.call("twiddler.addProgramToGroup", "grp", "baduser", {"command": helper, "user": "no_such_user_x"})
    s.call("twiddler.addProgramToGroup", "grp", "badlog", {"command": helper,
                                                           "stdout_logfile": "/nonexistent/dir/x.log"})
    s.call("twiddler.addProgramToGroup", "grp", "badexp", {"command": "%(nope)s"})
    s.call("twiddler.addProgramToGroup", "grp", "badexp2", {"command": helper, "priority": "%(ENV_HOME)s"})
    s.call("twiddler.addProgramToGroup", "grp", "badexp3", {"command": helper, "process_name": "%(nope)s"})
    s.call("twiddler.addProgramToGroup", "grp", "typed",
           {"command": helper, "environment": env, "autostart": False, "startsecs": 0, "priority": 7})
    s.call("supervisor.getProcessInfo", "grp:typed")
    s.call("twiddler.addProgramToGroup", "grp", "pairs",
           [["command", helper], ["autostart", "false"], ["environment", env]])
    s.call("twiddler.addProgramToGroup", "grp", "badpairs", [["command"]])
    s.call("twiddler.addProgramToGroup", "grp", "auto",
           {"command": helper, "environment": env, "startsecs": "0", "stdout_logfile": "AUTO"})
    s.wait_state("grp:auto", "RUNNING")
    s.wait_execd("grp:auto")
    s.call("supervisor.getProcessInfo", "grp:auto")
    s.call("supervisor.getAllProcessInfo")
    s.call("twiddler.getGroupNames")
    s.call("twiddler.removeProcessFromGroup", "nogroup", "x")
    s.call("twiddler.removeProcessFromGroup", "grp", "nope")
    s.call("twiddler.removeProcessFromGroup", "grp", "auto")
    s.call("twiddler.removeProcessFromGroup", "grp")
    s.call("supervisor.stopProcess", "grp:auto")
    s.call("twiddler.removeProcessFromGroup", "grp", "auto")
    s.call("twiddler.removeProcessFromGroup", "grp", "added")
    s.call("twiddler.removeProcessFromGroup", "grp", "multi_1")
    s.call("supervisor.getProcessInfo", "grp:added")
    s.call("supervisor.getAllProcessInfo")
    # The running group now differs from the file's.
    s.call("supervisor.reloadConfig")
    s.call("twiddler_wl.getAPIVersion")
    s.call("twiddler_wl.getGroupNames")
    s.call("twiddler_wl.log", "allowed by the whitelist")
    s.call("twiddler_wl.addProgramToGroup", "grp", "x", {"command": helper})

    # supervisor_cache
    s.call("cache.getAPIVersion")
    s.call("cache.getKeys")
    s.call("cache.getCount")
    s.call("cache.store", "b", "second")
    s.call("cache.store", "a", "first")
    s.call("cache.store", "list", [1, "two", True])
    s.call("cache.store", "num", 42)
    s.call("cache.store", "struct", {"only": "member"})
    s.call("cache.store", "", "empty key")
    s.call("cache.store", 5, "int key")
    s.call("cache.store", "a")
    s.call("cache.fetch", "a")
    s.call("cache.fetch", "list")
    s.call("cache.fetch", "num")
    s.call("cache.fetch", "struct")
    s.call("cache.fetch", "missing")
    s.call("cache.fetch", "")
    s.call("cache.getKeys")
    s.call("cache.getCount")
    s.call("cache.delete", "a")
    s.call("cache.delete", "missing")
    s.call("cache.delete", "")
    s.call("cache.getKeys")
    s.call("cache.clear")
    s.call("cache.clear", 1)
    s.call("cache.getCount")
    s.call("cache.getKeys")

    # mr.laforge
    s.call("laforge.getAPIVersion")
    s.call("laforge.getMrLaForgeVersion")
    s.call("laforge.killProcess", "nope", "HUP")
    s.call("laforge.killProcess", "grp:nope", "HUP")
    s.call("laforge.killProcess", "sleeper", "BOGUS")
    s.call("laforge.killProcess", "grp:member", "CONT")
    s.call("laforge.killProcess", "sleeper", "CONT")
    s.call("laforge.killProcess", "sleeper", "sigcont")
    s.call("laforge.killProcess", "sleeper", 18)
    s.call("laforge.killProcess", "sleeper", "18")
    s.call("laforge.killProcess", "sleeper", "SIG_DFL")
    s.call("laforge.killProcess", "grp:*", "HUP")
    s.call("laforge.killProcess", "sleeper")
    s.call("laforge.killProcessGroup", "nope", "HUP")
    s.call("laforge.killProcessGroup", "sleeper", "CONT")
    old = s.raw("supervisor.getProcessInfo", "sleeper")["pid"]
    s.call("laforge.killProcess", "sleeper", "TERM")

    def restarted():
        info = s.raw("supervisor.getProcessInfo", "sleeper")
        return True if info["statename"] == "RUNNING" and info["pid"] not in (0, old) else info["statename"]
    s.wait("sleeper restarted", restarted)
    s.call("supervisor.getProcessInfo", "sleeper")

    # While supervisord shuts down (stubborn ignores SIGTERM for up to
    # stopwaitsecs), every namespace refuses.
    s.call("supervisor.shutdown")
    s.call("twiddler.getAPIVersion")
    s.call("twiddler_wl.getGroupNames")
    s.call("cache.getCount")
    s.call("laforge.getAPIVersion")

    stop.set()
    pinger.join()
    s.emit("end", {"result": "ok"})


if __name__ == "__main__":
    run(sys.argv[1], sys.argv[2], sys.argv[3])

"""Reference side of the differential tests of package mainapi.

Usage: /usr/bin/python3 refapi.py MODE < request.json > answer.json

Runs the methods of the installed Supervisor's own
SupervisorNamespaceRPCInterface on stub or real supervisord objects and
prints the results as JSON. Structs are printed as lists of [key, value]
pairs so that their key order can be compared. Modes:

info     request: a list of cases {name, group, state, start, stop, now,
         pid, exitstatus, spawnerr, stdout_logfile, stderr_logfile}; answer:
         getProcessInfo's struct for each (time.localtime follows $TZ).
config   request: {old, new, idle}; loads the file old with ServerOptions,
         adds its groups (except those named in idle) to a real Supervisor,
         then answers {before: getAllConfigInfo(), reload: reloadConfig()
         with the file new (or {fault: code}), after: getAllConfigInfo()}.
signal   request: a list of values; answer: signal_number(value) for each,
         or "BAD_SIGNAL" for a ValueError, or "ERROR" for another exception.
int      request: a list of strings; answer: int(s) or null (ValueError).

Run from a directory other than the package's.
"""

import json
import sys
import types
import warnings

warnings.filterwarnings("ignore")

from supervisor import process as sprocess  # noqa: E402
from supervisor.datatypes import signal_number  # noqa: E402
from supervisor.options import ServerOptions  # noqa: E402
from supervisor.rpcinterface import SupervisorNamespaceRPCInterface  # noqa: E402
from supervisor.supervisord import Supervisor  # noqa: E402
from supervisor.xmlrpc import RPCError  # noqa: E402


def pairs(d):
    return [[k, v] for k, v in d.items()]


def mode_info(cases):
    sup = types.SimpleNamespace(options=types.SimpleNamespace(mood=1), process_groups={})
    rpc = SupervisorNamespaceRPCInterface(sup)
    out = []
    for c in cases:
        pconfig = types.SimpleNamespace(name=c["name"],
                                        stdout_logfile=c["stdout_logfile"],
                                        stderr_logfile=c["stderr_logfile"])
        proc = types.SimpleNamespace(config=pconfig, laststart=c["start"], laststop=c["stop"],
                                     spawnerr=c["spawnerr"], exitstatus=c["exitstatus"],
                                     pid=c["pid"], get_state=(lambda s=c["state"]: s))
        group = types.SimpleNamespace(config=types.SimpleNamespace(name=c["group"]),
                                      processes={c["name"]: proc})
        sup.process_groups = {c["group"]: group}
        rpc._now = lambda now=c["now"]: now
        spec = c["name"] if c["name"] == c["group"] else "%s:%s" % (c["group"], c["name"])
        out.append(pairs(rpc.getProcessInfo(spec)))
    return out


class NoSocketManager:
    """Stands in for SocketManager: FastCGI groups bind no socket here."""

    def __init__(self, config, **kwargs):
        self._config = config

    def get_socket(self):
        return None

    def config(self):
        return self._config


def mode_config(req):
    sprocess.SocketManager = NoSocketManager
    opts = ServerOptions()
    opts.realize(["-c", req["old"]])
    sup = Supervisor(opts)
    for g in opts.process_group_configs:
        if g.name not in req["idle"]:
            sup.add_process_group(g)
    rpc = SupervisorNamespaceRPCInterface(sup)
    before = [pairs(d) for d in rpc.getAllConfigInfo()]
    opts.configfile = req["new"]
    try:
        reload = rpc.reloadConfig()
    except RPCError as e:
        reload = {"fault": e.code}
    after = [pairs(d) for d in rpc.getAllConfigInfo()]
    return {"before": before, "reload": reload, "after": after}


def mode_signal(values):
    out = []
    for v in values:
        try:
            out.append(int(signal_number(v)))
        except ValueError:
            out.append("BAD_SIGNAL")
        except Exception:
            out.append("ERROR")
    return out


def mode_int(values):
    out = []
    for v in values:
        try:
            out.append(int(v))
        except ValueError:
            out.append(None)
    return out


MODES = {"info": mode_info, "config": mode_config, "signal": mode_signal, "int": mode_int}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in MODES:
        sys.stderr.write("usage: refapi.py info|config|signal|int < request.json\n")
        return 2
    req = json.load(sys.stdin)
    json.dump(MODES[sys.argv[1]](req), sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

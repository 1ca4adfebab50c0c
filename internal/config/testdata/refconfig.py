#!/usr/bin/python3
"""Reference side of the config-loader differential test.

Usage: /usr/bin/python3 refconfig.py FILE

Loads FILE with Python Supervisor's own loader (ServerOptions for supervisord,
ClientOptions for supervisorctl) and prints every resolved value as one JSON
object, in the schema of SCHEMA.md (next to this file).  A refused config
prints {"ok": false, "error": ...}.  Exit code is 0 in both cases.
"""
import json
import socket
import sys
import warnings

# pkg_resources (imported by supervisor.options) may warn about deprecation;
# keep stderr clean, it is not part of the contract.
warnings.filterwarnings("ignore")

from supervisor import events  # noqa: E402
from supervisor import options as sopts  # noqa: E402
from supervisor.datatypes import (  # noqa: E402
    Automatic, RestartUnconditionally, RestartWhenExitUnexpected)


class UsageError(Exception):
    """Raised instead of Options.usage()'s print-and-exit(2)."""


def _usage(self, msg):
    raise UsageError(str(msg))


class Resolved:
    """What our import_spec returns: the spec string as written (after
    %-expansion) plus the resolved object, so the output can show the spec."""

    def __init__(self, spec, obj):
        self.spec, self.obj = spec, obj


_orig_import_spec = sopts.Options.import_spec


def _import_spec(self, spec):
    # Resolve exactly like the reference (ImportError/ValueError propagate
    # unchanged), then keep the spec text.  Factories and result handlers
    # are only stored, never called, while a config is loaded.
    return Resolved(spec, _orig_import_spec(self, spec))


sopts.Options.usage = _usage
sopts.Options.import_spec = _import_spec


def one_line(exc):
    msg = str(exc) or type(exc).__name__
    return msg.replace("\n", "\\n")


def spec_of(x):
    return x.spec if isinstance(x, Resolved) else repr(x)


def logfile(v):
    if v is Automatic:
        return "AUTO"
    return v  # None or a path string


def autorestart(v):
    if v is RestartUnconditionally:
        return "true"
    if v is RestartWhenExitUnexpected:
        return "unexpected"
    return "false"


def process(p):
    d = {
        "name": p.name, "command": p.command, "directory": p.directory,
        "umask": p.umask, "priority": p.priority, "autostart": p.autostart,
        "autorestart": autorestart(p.autorestart), "startsecs": p.startsecs,
        "startretries": p.startretries, "uid": p.uid,
        "stopsignal": int(p.stopsignal), "stopwaitsecs": p.stopwaitsecs,
        "stopasgroup": p.stopasgroup, "killasgroup": p.killasgroup,
        "exitcodes": list(p.exitcodes), "redirect_stderr": p.redirect_stderr,
        "environment": dict(p.environment or {}), "serverurl": p.serverurl,
    }
    for c in ("stdout", "stderr"):
        d[c + "_logfile"] = logfile(getattr(p, c + "_logfile"))
        for k in ("logfile_maxbytes", "logfile_backups", "capture_maxbytes",
                  "events_enabled", "syslog"):
            d["%s_%s" % (c, k)] = getattr(p, "%s_%s" % (c, k))
    return d


def group(g):
    d = {"name": g.name, "priority": g.priority,
         "processes": [process(p) for p in g.process_configs]}
    if isinstance(g, sopts.EventListenerPoolConfig):
        d["kind"] = "eventlistener"
        d["buffer_size"] = g.buffer_size
        d["events"] = sorted(events.getEventNameByType(t)
                             for t in g.pool_events)
        d["result_handler"] = spec_of(g.result_handler)
    elif isinstance(g, sopts.FastCGIGroupConfig):  # before ProcessGroupConfig
        d["kind"] = "fcgi"
        s = g.socket_config
        owner = getattr(s, "owner", None)
        d["socket"] = {"url": s.url, "backlog": s.backlog,
                       "mode": getattr(s, "mode", None),
                       "owner": list(owner) if owner is not None else None}
    else:
        d["kind"] = "process"
    return d


def server(c):
    d = {"section": c["section"], "name": c["name"],
         "username": c["username"], "password": c["password"]}
    if c["family"] == socket.AF_UNIX:
        d.update(family="unix", file=c["file"], chmod=c["chmod"],
                 chown=list(c["chown"]))
    else:
        d.update(family="inet", host=c["host"], port=c["port"])
    return d


def plugins(factories):
    return [{"name": name, "factory": spec_of(f), "config": list(extras.items())}
            for name, f, extras in factories]


def load_server(path):
    o = sopts.ServerOptions()
    o.realize(["-c", path])
    s = o.configroot.supervisord
    return {
        "ok": True,
        "warnings": list(o.parse_warnings),
        "infos": list(o.parse_infos),
        "supervisord": {
            "logfile": o.logfile, "logfile_maxbytes": o.logfile_maxbytes,
            "logfile_backups": o.logfile_backups, "loglevel": o.loglevel,
            "pidfile": o.pidfile, "umask": o.umask, "nodaemon": bool(o.nodaemon),
            "silent": bool(o.silent), "minfds": o.minfds,
            "minprocs": o.minprocs, "nocleanup": bool(o.nocleanup),
            "childlogdir": o.childlogdir, "user": o.user, "uid": o.uid,
            "directory": o.directory, "strip_ansi": bool(o.strip_ansi),
            "environment": dict(s.environment), "identifier": o.identifier,
            "serverurl": o.serverurl,
        },
        "servers": [server(c) for c in o.server_configs],
        "rpcinterfaces": plugins(o.rpcinterface_factories),
        "groups": [group(g) for g in o.process_group_configs],
    }


def load_ctl(path):
    """Returns (CTL or None, error or None)."""
    try:
        o = sopts.ClientOptions()
        o.realize(["-c", path])
    except Exception as e:  # any refusal, incl. configparser errors
        return None, one_line(e)
    return {
        "serverurl": o.serverurl, "username": o.username,
        "password": o.password, "prompt": o.prompt,
        "history_file": o.history_file,
        # plugin_factories[0] is always the built-in "default" plugin
        "plugins": plugins(o.plugin_factories[1:]),
    }, None


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: refconfig.py FILE\n")
        return 2
    path = sys.argv[1]
    try:
        out = load_server(path)
    except Exception as e:  # UsageError, ValueError, ParsingError, ...
        out = {"ok": False, "error": one_line(e)}
    else:
        out["supervisorctl"], out["ctl_error"] = load_ctl(path)
    # default=repr: a few absurd accepted values (loglevel=__dict__ resolves to
    # a class attribute) are not JSON types; never die on them.
    text = json.dumps(out, sort_keys=True, ensure_ascii=False, indent=1,
                      default=repr)
    sys.stdout.buffer.write(text.encode("utf-8", "surrogateescape") + b"\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

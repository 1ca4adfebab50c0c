#!/usr/bin/env python3
"""Count events; an exec plugin (standard library only): pycounter.counts(), pycounter.state()."""
import json, sys

counts, answers, ids = {}, {}, iter(range(1, 1 << 62))

def send(**msg):
    print(json.dumps(dict(jsonrpc="2.0", **msg)), flush=True)  # stdout carries the protocol

def call(method, *params):  # a request to supervisord; serves what arrives meanwhile
    mid = next(ids)
    send(id=mid, method=method, params=list(params))
    while mid not in answers:
        handle(json.loads(sys.stdin.readline()))
    msg = answers.pop(mid)
    if "error" in msg:
        raise Exception(msg["error"]["message"])
    return msg["result"]

METHODS = {  # name: (help, signature, function)
    "counts": ("Return the number of events received per event name.", ["struct"], lambda: counts),
    "state": ("Return supervisord's state name, asked back.", ["string"], lambda: call("supervisor.getState")["statename"]),
}

def handle(msg):
    method, mid = msg.get("method"), msg.get("id")
    if method is None:
        answers[mid] = msg  # the answer to one of our calls
    elif method == "event":
        name = msg["params"]["headers"]["eventname"]
        counts[name] = counts.get(name, 0) + 1
    elif method == "initialize":
        send(id=mid, result={"events": ["PROCESS_STATE"], "methods": [
            {"name": n, "help": h, "signature": [s]} for n, (h, s, _) in METHODS.items()]})
        send(method="log", params={"level": "info", "message": "pycounter ready"})
    else:
        try:
            send(id=mid, result=METHODS[method][2](*msg.get("params", [])))
        except Exception as e:
            send(id=mid, error={"code": 30, "message": "FAILED: %s" % e})

for line in sys.stdin:
    if line.strip():
        handle(json.loads(line))

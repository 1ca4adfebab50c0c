#!/usr/bin/env python3
"""A key-value store as a supervisord exec plugin (standard library only).

    [rpcinterface:kv]
    supervisor.rpcinterface_factory = exec
    command = python3 %(here)s/kv.py
    max_keys = 100

Protocol: JSON-RPC 2.0, one message per line, requests on stdin, answers
on stdout; stderr goes to supervisord's main log.
"""
import json
import sys

BAD_NAME = 10  # supervisor.xmlrpc.Faults.BAD_NAME
FAILED = 30

store = {}
max_keys = None


def send(msg):
    msg["jsonrpc"] = "2.0"
    sys.stdout.write(json.dumps(msg) + "\n")
    sys.stdout.flush()


def log(level, message):
    send({"method": "log", "params": {"level": level, "message": message}})


class Fault(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def initialize(params):
    global max_keys
    cfg = params.get("config", {})
    if "max_keys" in cfg:
        max_keys = int(cfg["max_keys"])
    return {
        "methods": [
            {"name": "store",
             "help": "Store value under key.\n@param string key\n@param string value\n@return boolean",
             "signature": [["boolean", "string", "string"]]},
            {"name": "get", "help": "Return the value of key.",
             "signature": [["string", "string"]]},
            {"name": "count", "help": "Return the number of keys.",
             "signature": [["int"]]},
        ],
    }


def m_store(key, value):
    if key not in store and max_keys is not None and len(store) >= max_keys:
        raise Fault(BAD_NAME, "FULL: max_keys (%d) reached" % max_keys)
    store[key] = value
    return True


def m_get(key):
    if key not in store:
        raise Fault(BAD_NAME, "BAD_NAME: %s" % key)
    return store[key]


def m_count():
    return len(store)


METHODS = {"store": m_store, "get": m_get, "count": m_count}


def handle(msg):
    method = msg.get("method")
    if method is None:
        return  # an answer to a request of ours: this plugin sends none
    if "id" not in msg:
        return  # notifications (events): not subscribed to any
    mid = msg["id"]
    try:
        if method == "initialize":
            result = initialize(msg.get("params") or {})
            send({"id": mid, "result": result})
            log("info", "kv plugin ready")
            return
        fn = METHODS.get(method)
        if fn is None:
            raise Fault(-32601, "Method not found")
        try:
            result = fn(*msg.get("params", []))
        except TypeError as e:
            raise Fault(2, "INCORRECT_PARAMETERS")  # supervisor's code
        send({"id": mid, "result": result})
    except Fault as f:
        send({"id": mid, "error": {"code": f.code, "message": f.message}})
    except Exception as e:  # never die on one bad call
        send({"id": mid, "error": {"code": FAILED, "message": "FAILED: %s" % e}})


def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            msg = json.loads(line)
        except ValueError:
            print("kv: bad line from supervisord", file=sys.stderr)
            continue
        handle(msg)


if __name__ == "__main__":
    main()

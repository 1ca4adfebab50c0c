"""Reference oracle for the xmlrpc package's differential tests.

Reads {"op": ..., "items": [...]} as JSON on stdin and writes one JSON
result per item on stdout. Run with /usr/bin/python3 -I from a directory
other than the supervisor package directory.
"""
import base64
import binascii
import datetime
import decimal
import json
import struct
import sys
import time
import xmlrpc.client

try:
    from supervisor.xmlrpc import supervisor_xmlrpc_handler, xmlrpc_marshal, make_datetime
except ImportError as e:  # pragma: no cover
    sys.stderr.write("cannot import supervisor (install Debian's supervisor package): %s\n" % e)
    sys.exit(3)

INT64 = 2 ** 63


class Unrep(Exception):
    """The value has no representation in the Go package."""


def tag(v):
    if v is None:
        return ["nil"]
    if isinstance(v, bool):
        return ["bool", v]
    if isinstance(v, int):
        if not -INT64 <= v < INT64:
            raise Unrep("bigint")
        return ["int", str(v)]
    if isinstance(v, float):
        return ["double", repr(v)]
    if isinstance(v, str):
        return ["string", v]
    if isinstance(v, (bytes, bytearray)):
        return ["bytes", base64.b64encode(v).decode()]
    if isinstance(v, datetime.datetime):
        return ["time", v.isoformat()]
    if isinstance(v, (list, tuple)):
        return ["array", [tag(x) for x in v]]
    if isinstance(v, dict):
        if any(not isinstance(k, str) for k in v):
            raise Unrep("non-string key")
        return ["struct", [[k, tag(v[k])] for k in sorted(v)]]
    if isinstance(v, decimal.Decimal):
        raise Unrep("decimal")
    return ["other", repr(v)]


def err(e):
    return {"err": "%s: %s" % (type(e).__name__, e)}


def call_loads(doc):
    h = supervisor_xmlrpc_handler.__new__(supervisor_xmlrpc_handler)
    try:
        params, method = h.loads(doc)
    except Exception as e:
        return err(e)
    if not method:
        return {"nomethod": True}
    if params is None:
        params = ()
    try:
        return {"ok": {"method": method, "params": tag(list(params))}}
    except Unrep as e:
        return {"unrep": str(e)}


def response_loads(doc):
    try:
        result, _ = xmlrpc.client.loads(doc, use_builtin_types=True)
    except xmlrpc.client.Fault as f:
        if type(f.faultCode) is not int or not -INT64 <= f.faultCode < INT64:
            return {"unrep": "fault code"}
        if type(f.faultString) is not str:
            return {"unrep": "fault string"}
        return {"fault": [f.faultCode, f.faultString]}
    except Exception as e:
        return err(e)
    if len(result) == 1:
        result = result[0]
    else:
        result = list(result)
    try:
        return {"ok": tag(result)}
    except Unrep as e:
        return {"unrep": str(e)}


def dumps(item):
    ns = {"datetime": datetime, "xmlrpc": xmlrpc.client}
    try:
        value = eval(item["expr"], ns)
        if item["kind"] == "call":
            return {"ok": xmlrpc.client.dumps(tuple(value), methodname=item["method"])}
        return {"ok": xmlrpc_marshal(value)}
    except Exception as e:
        return err(e)


def scalar(fn):
    def run(s):
        try:
            return {"ok": tag(fn(s))}
        except Unrep as e:
            return {"unrep": str(e)}
        except Exception as e:
            return err(e)
    return run


def server_b64(s):
    return base64.decodebytes(s.encode("utf-8"))


def client_b64(s):
    return base64.decodebytes(s.encode("ascii"))


def server_time(s):
    return make_datetime(s)


def client_time(s):
    return datetime.datetime.strptime(s, "%Y%m%dT%H:%M:%S")


def decimal_ok(s):
    decimal.Decimal(s)
    return True


def float_repr(h):
    return repr(struct.unpack("<d", bytes.fromhex(h))[0])


OPS = {
    "call": call_loads,
    "response": response_loads,
    "dumps": dumps,
    "int": scalar(int),
    "float": scalar(float),
    "decimal": scalar(decimal_ok),
    "server_b64": scalar(server_b64),
    "client_b64": scalar(client_b64),
    "server_time": scalar(server_time),
    "client_time": scalar(client_time),
    "repr": float_repr,
}


def main():
    req = json.load(sys.stdin)
    fn = OPS[req["op"]]
    json.dump([fn(item) for item in req["items"]], sys.stdout)


if __name__ == "__main__":
    main()

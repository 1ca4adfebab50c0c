"""Call a server with Python's XML-RPC clients and print the answers.

Usage: python3 -I client.py URL [USER PASSWORD]
URL is http://host:port/RPC2 (xmlrpc.client.ServerProxy, credentials put in
the URL) or unix:///path (supervisor's own SupervisorTransport, as
supervisorctl uses it). Reads a JSON array of [method, params] pairs on
stdin and prints a JSON array of answers: {"ok": value}, {"fault": [code,
string]} or {"protocol": status}. All calls go over one client, so over one
persistent connection where the transport keeps it.
"""
import json
import sys
import xmlrpc.client

from supervisor.xmlrpc import SupervisorTransport


def main():
    url = sys.argv[1]
    user = sys.argv[2] if len(sys.argv) > 2 else None
    password = sys.argv[3] if len(sys.argv) > 3 else None
    if url.startswith('unix://'):
        proxy = xmlrpc.client.ServerProxy(
            'http://127.0.0.1', transport=SupervisorTransport(user, password, url))
    else:
        if user is not None:
            url = url.replace('http://', 'http://%s:%s@' % (user, password), 1)
        proxy = xmlrpc.client.ServerProxy(url)
    out = []
    for method, params in json.load(sys.stdin):
        try:
            out.append({'ok': getattr(proxy, method)(*params)})
        except xmlrpc.client.Fault as e:
            out.append({'fault': [e.faultCode, e.faultString]})
        except xmlrpc.client.ProtocolError as e:
            out.append({'protocol': e.errcode})
    json.dump(out, sys.stdout)


main()

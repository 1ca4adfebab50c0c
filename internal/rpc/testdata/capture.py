#!/usr/bin/python3
"""Capture the reference's method table: help texts, signatures, arities.

Starts /usr/bin/supervisord (Debian's supervisor 4.2.5) on a temporary
configuration with an [inet_http_server] on a free 127.0.0.1 port and the
standard [rpcinterface:supervisor], asks it through xmlrpc.client for
system.listMethods, then system.methodHelp and system.methodSignature of
every method, and writes them to reference_methods.json next to this script.

Each entry also carries min_params/max_params: the number of positional
parameters the Python method accepts (inspect.signature of the bound method),
which decides when the reference answers INCORRECT_PARAMETERS.

Run from the repository root:  /usr/bin/python3 internal/rpc/testdata/capture.py
"""

import inspect
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import xmlrpc.client

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, 'reference_methods.json')
SUPERVISORD = '/usr/bin/supervisord'


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def arities():
    # Import from a neutral directory so the package dir is not sys.path[0].
    from supervisor import rpcinterface, xmlrpc as sxmlrpc
    out = {}
    for ns, cls in (('supervisor', rpcinterface.SupervisorNamespaceRPCInterface),
                    ('system', sxmlrpc.SystemNamespaceRPCInterface)):
        for name, func in cls.__dict__.items():
            if name.startswith('_') or not callable(func):
                continue
            params = list(inspect.signature(func).parameters.values())[1:]  # drop self
            required = sum(1 for p in params if p.default is inspect.Parameter.empty)
            out['%s.%s' % (ns, name)] = (required, len(params))
    return out


def main():
    if not os.path.exists(SUPERVISORD):
        sys.exit('%s is missing: install Debian\'s supervisor package' % SUPERVISORD)
    tmp = tempfile.mkdtemp(prefix='svcap')
    port = free_port()
    conf = os.path.join(tmp, 'supervisord.conf')
    with open(conf, 'w') as f:
        f.write('[supervisord]\nnodaemon=true\nlogfile=%(d)s/supervisord.log\n'
                'pidfile=%(d)s/supervisord.pid\nchildlogdir=%(d)s\n\n'
                '[inet_http_server]\nport=127.0.0.1:%(p)d\n\n'
                '[rpcinterface:supervisor]\n'
                'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n'
                % {'d': tmp, 'p': port})
    proc = subprocess.Popen([SUPERVISORD, '-c', conf], cwd=tmp,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        proxy = xmlrpc.client.ServerProxy('http://127.0.0.1:%d/RPC2' % port)
        deadline = time.time() + 20
        while True:
            try:
                names = proxy.system.listMethods()
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    sys.exit('supervisord did not answer')
                time.sleep(0.05)
        arity = arities()
        methods = []
        for name in names:
            entry = {'name': name, 'help': proxy.system.methodHelp(name)}
            try:
                entry['signature'] = proxy.system.methodSignature(name)
            except xmlrpc.client.Fault as fault:
                entry['signature'] = None
                entry['signature_fault'] = [fault.faultCode, fault.faultString]
            entry['min_params'], entry['max_params'] = arity[name]
            methods.append(entry)
        version = proxy.supervisor.getSupervisorVersion()
    finally:
        proc.terminate()
        proc.wait(20)
        shutil.rmtree(tmp, ignore_errors=True)
    with open(OUT, 'w') as f:
        json.dump({'supervisor_version': version, 'methods': methods}, f,
                  indent=1, ensure_ascii=False)
        f.write('\n')
    print('wrote %d methods to %s' % (len(methods), OUT))


if __name__ == '__main__':
    main()

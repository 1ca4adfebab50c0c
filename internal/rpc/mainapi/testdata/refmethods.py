"""Print, as JSON, the supervisor namespace of the installed Supervisor as
system.methodHelp and system.methodSignature report it: for every method
name, the raw __doc__, the signature (null when the reference answers
SIGNATURE_UNSUPPORTED), and the number of parameters the Python method
requires and accepts (fewer or more is INCORRECT_PARAMETERS). Used by the
Go tests (reference_test.go), which also keep its output in
reference_methods.json; run with /usr/bin/python3 from a directory other
than the package's:

    /usr/bin/python3 refmethods.py > reference_methods.json
"""

import inspect
import json
import sys

from supervisor import rpcinterface
from supervisor.xmlrpc import RPCError, SystemNamespaceRPCInterface


def main():
    ns = rpcinterface.SupervisorNamespaceRPCInterface(None)
    system = SystemNamespaceRPCInterface([("supervisor", ns)])
    out = {}
    for full in system.listMethods():
        if not full.startswith("supervisor."):
            continue
        try:
            sig = system.methodSignature(full)
        except RPCError:
            sig = None
        name = full[len("supervisor."):]
        params = list(inspect.signature(getattr(ns, name)).parameters.values())
        required = sum(1 for p in params if p.default is inspect.Parameter.empty)
        out[name] = {
            "help": system.methodHelp(full),
            "signature": sig,
            "min_params": required,
            "max_params": len(params),
        }
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

"""Answer system.methodSignature's parse for each help text on stdin.

Input: a JSON array of strings. Output: a JSON array whose items are the
signature list the reference's methodSignature builds from
supervisor.xmlrpc.gettags, or null where it would fault
(SIGNATURE_UNSUPPORTED). Run with /usr/bin/python3 -I from a directory
outside the supervisor package.
"""
import json
import sys

from supervisor.xmlrpc import gettags


def signature(doc):
    rtype = None
    ptypes = []
    for thing in gettags(doc):
        if thing[1] == 'return':
            rtype = thing[2]
        elif thing[1] == 'param':
            ptypes.append(thing[2])
    if rtype is None:
        return None
    return [rtype] + ptypes


json.dump([signature(d) for d in json.load(sys.stdin)], sys.stdout)

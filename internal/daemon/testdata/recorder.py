"""An event listener written with the reference's own helpers
(supervisor.childutils): it appends each event it receives, headers and
payload, as one JSON line to the file named by its first argument, and
answers OK -- or FAIL to the first N events when a second argument N is
given, or exits without answering at event number M when a third
argument M is given. With "mute" as second argument it never says
READY."""
import json
import os
import sys
import time

from supervisor import childutils

def main():
    out = open(sys.argv[1], 'a')
    if sys.argv[2:3] == ['mute']:
        while True:
            time.sleep(1000)
    fail_first = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    die_at = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    n = 0
    while True:
        headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
        n += 1
        out.write(json.dumps({'headers': headers, 'payload': payload, 'pid': os.getpid()}) + '\n')
        out.flush()
        if n == die_at:
            os._exit(7)
        if n <= fail_first:
            childutils.listener.fail(sys.stdout)
        else:
            childutils.listener.ok(sys.stdout)

if __name__ == '__main__':
    main()

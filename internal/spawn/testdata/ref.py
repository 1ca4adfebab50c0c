"""The reference side of the spawn package's differential tests.

Run with Debian's /usr/bin/python3 (python3-supervisor). Reads one JSON
request on stdin, writes one JSON answer on stdout.

  {"mode": "argv", "cases": [{"command": str, "environment": dict|null,
                              "path": str|null}, ...]}
      For each case, os.environ's PATH is set to "path" (deleted when null),
      and Subprocess.get_execv_args of a ProcessConfig with that command and
      environment is called. Answer: a list of {"path", "argv"} or
      {"kind": exception class name, "msg": its text}.

  {"mode": "spawn", "cases": [{...}, ...]}
      For each case, a Subprocess is spawned the reference's way:
      get_execv_args, make_pipes, fork, and in the child _spawn_as_child
      (setpgrp, fds, set_uid, environment, chdir, umask, execve). Case keys:
      command, name, group, environment, serverurl (the program's, null for
      AUTO), fallback (ServerOptions.serverurl), directory, umask, uid,
      redirect_stderr, run_as (if not null, the forked child first does
      setuid(run_as), as a supervisord running as that user would be).
      os.environ is the environment this script was started with. Answer:
      a list of {"spawnerr": str} or {"stdout": base64, "stderr": base64,
      "status": decode_wait_status message, "code": exit status}.

  {"mode": "wait", "statuses": [int, ...]}
      decode_wait_status of each raw status: a list of {"code", "msg"}.
"""
import base64
import json
import os
import sys
import threading

from supervisor.options import ServerOptions, ProcessConfig, ProcessException
from supervisor.options import decode_wait_status
from supervisor.process import Subprocess


def make_process(options, case):
    params = {name: None for name in ProcessConfig.req_param_names}
    params['name'] = case.get('name', 'x')
    params['command'] = case['command']
    params['directory'] = case.get('directory')
    params['umask'] = case.get('umask')
    params['uid'] = case.get('uid')
    params['redirect_stderr'] = case.get('redirect_stderr', False)
    params['environment'] = case.get('environment')
    params['serverurl'] = case.get('serverurl')
    config = ProcessConfig(options, **params)
    proc = Subprocess(config)
    if case.get('group') is not None:
        class GroupConfig:
            name = case['group']
        class Group:
            config = GroupConfig
        proc.group = Group
    return proc


def argv_case(options, case):
    if case.get('path') is None:
        os.environ.pop('PATH', None)
    else:
        os.environ['PATH'] = case['path']
    proc = make_process(options, case)
    try:
        filename, argv = proc.get_execv_args()
    except ProcessException as e:
        return {'kind': type(e).__name__, 'msg': e.args[0]}
    return {'path': filename, 'argv': argv}


def read_all(fd, out):
    chunks = []
    while True:
        data = os.read(fd, 65536)
        if not data:
            break
        chunks.append(data)
    out.append(b''.join(chunks))


def spawn_case(options, case):
    options.serverurl = case.get('fallback')
    proc = make_process(options, case)
    try:
        filename, argv = proc.get_execv_args()
    except ProcessException as e:
        return {'spawnerr': e.args[0]}
    pipes = options.make_pipes(not proc.config.redirect_stderr)
    proc.pipes = pipes
    pid = os.fork()
    if pid == 0:
        if case.get('run_as') is not None:
            os.setuid(case['run_as'])
        proc._spawn_as_child(filename, argv)
        os._exit(99)  # not reached: _spawn_as_child always exits
    options.close_child_pipes(pipes)
    os.close(pipes['stdin'])
    outs = {}
    threads = []
    for name in ('stdout', 'stderr'):
        fd = pipes[name]
        if fd is None:
            outs[name] = [b'']
            continue
        os.set_blocking(fd, True)
        outs[name] = []
        t = threading.Thread(target=read_all, args=(fd, outs[name]))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    for name in ('stdout', 'stderr'):
        if pipes[name] is not None:
            os.close(pipes[name])
    _, sts = os.waitpid(pid, 0)
    code, msg = decode_wait_status(sts)
    return {
        'stdout': base64.b64encode(outs['stdout'][0]).decode(),
        'stderr': base64.b64encode(outs['stderr'][0]).decode(),
        'status': msg,
        'code': code,
    }


def main():
    req = json.load(sys.stdin)
    options = ServerOptions()
    options.minfds = 1024
    if req['mode'] == 'argv':
        out = [argv_case(options, c) for c in req['cases']]
    elif req['mode'] == 'spawn':
        out = [spawn_case(options, c) for c in req['cases']]
    elif req['mode'] == 'wait':
        out = []
        for sts in req['statuses']:
            code, msg = decode_wait_status(sts)
            out.append({'code': code, 'msg': msg})
    else:
        raise SystemExit('unknown mode %r' % req['mode'])
    json.dump(out, sys.stdout)


main()

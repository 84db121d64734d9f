#!/usr/bin/env python3
"""Run a command (the tracer) and record the tracer's own peak RSS (VmHWM), not its children's.

    peak_rss.py OUT.json -- iotrace-native ... -- COMMAND...

With the ptrace engine iotrace-native runs as two processes: the one started (the monitor) and its child, the
tracer, whose child is the traced command; with the eBPF engine the one started traces (its guard, a child
sharing its memory, has the same VmHWM). /proc/PID/status VmHWM of every iotrace-native process in that tree (the started
process and its descendants named iotrace-native: the command's processes have other names once they
have exec'd) is polled every 5 ms while it runs; peakKiB is the largest, with the monitor's and the
tracer's recorded apart. A process's VmHWM only grows, and the tracer's last poll comes shortly before it
exits: what it allocates to write the report in its last 5 ms can be missed. If iotrace-native writes its
own getrusage(RUSAGE_SELF) peak to the file IOTRACE_PEAK_RSS_FILE names (it once did; the hook is gone
since 1622ca0), that is counted too. /usr/bin/time -f %M would not do: wait4's ru_maxrss includes the
children the tracer reaped, i.e. the traced command itself.
Exits with the command's status.
"""
import json
import os
import subprocess
import sys
import tempfile
import time


def status_fields(pid):
    fields = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
    except OSError:
        pass
    return fields


def children(pid):
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(c) for c in f.read().split()]
    except (OSError, ValueError):
        pass
    return out


def main(argv):
    if len(argv) < 3 or argv[1] != "--":
        sys.exit(__doc__)
    out, command = argv[0], argv[2:]
    fd, hwm_file = tempfile.mkstemp(prefix="vmhwm.")
    os.close(fd)
    env = dict(os.environ, IOTRACE_PEAK_RSS_FILE=hwm_file)
    proc = subprocess.Popen(command, env=env)
    # The name the tracer runs under (/proc's Name: the executable's, cut to 15 bytes). Not read from the started
    # process: polled before its exec, that is still python's.
    name = os.path.basename(command[0])[:15]
    monitor = 0
    tracer = 0   # the largest VmHWM of an iotrace-native descendant (the tracer)
    while proc.poll() is None:
        fields = status_fields(proc.pid)
        try:
            monitor = max(monitor, int(fields.get("VmHWM", "0 kB").split()[0]))
        except ValueError:
            pass
        stack = children(proc.pid)
        while stack:
            pid = stack.pop()
            f = status_fields(pid)
            if f.get("Name") == name:
                try:
                    tracer = max(tracer, int(f.get("VmHWM", "0 kB").split()[0]))
                except ValueError:
                    pass
                stack += children(pid)
        time.sleep(0.005)
    at_exit = None
    try:
        with open(hwm_file) as f:
            text = f.read().strip()
            at_exit = int(text) if text else None
    except (OSError, ValueError):
        pass
    os.unlink(hwm_file)
    peak = max(monitor, tracer, at_exit or 0)
    with open(out, "w") as f:
        json.dump({"command": command, "peakKiB": peak, "tracerKiB": tracer, "monitorKiB": monitor,
                   "atExitKiB": at_exit, "exitCode": proc.returncode}, f, indent=2)
    return proc.returncode if proc.returncode >= 0 else 128 - proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

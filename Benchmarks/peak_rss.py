#!/usr/bin/env python3
"""Run a command (the tracer) and record its own peak RSS (VmHWM), not its children's.

    peak_rss.py OUT.json -- iotrace-native ... -- COMMAND...

Two readings, the larger is reported: the peak iotrace-native writes itself at exit to the file named by
IOTRACE_PEAK_RSS_FILE (getrusage(RUSAGE_SELF): this process only), and /proc/PID/status VmHWM polled every
5 ms while it runs (a fallback). /usr/bin/time -f %M would not do: wait4's ru_maxrss includes the
children the tracer reaped, i.e. the traced command itself.
Exits with the command's status.
"""
import json
import os
import subprocess
import sys
import tempfile
import time


def vmhwm(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def main(argv):
    if len(argv) < 3 or argv[1] != "--":
        sys.exit(__doc__)
    out, command = argv[0], argv[2:]
    fd, hwm_file = tempfile.mkstemp(prefix="vmhwm.")
    os.close(fd)
    # iotrace-native writes its own getrusage(RUSAGE_SELF) peak there (the static binary takes no LD_PRELOAD).
    env = dict(os.environ, IOTRACE_PEAK_RSS_FILE=hwm_file)
    proc = subprocess.Popen(command, env=env)
    polled = 0
    while proc.poll() is None:
        v = vmhwm(proc.pid)
        if v:
            polled = max(polled, v)
        time.sleep(0.005)
    at_exit = None
    try:
        with open(hwm_file) as f:
            text = f.read().strip()
            at_exit = int(text) if text else None
    except (OSError, ValueError):
        pass
    os.unlink(hwm_file)
    peak = max(v for v in (polled, at_exit or 0))
    with open(out, "w") as f:
        json.dump({"command": command, "peakKiB": peak, "atExitKiB": at_exit, "polledKiB": polled,
                   "exitCode": proc.returncode}, f, indent=2)
    return proc.returncode if proc.returncode >= 0 else 128 - proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""A/B: time one workload under several command prefixes, interleaved round by round (like run.sh), and
print each one's median wall time and its paired ratio to the first. For measuring one change before keeping
it: two builds of iotrace-native, or one build with and without an option.

    Benchmarks/ab.py [--rounds N] [--dir DIR] -- 'PREFIX A' 'PREFIX B' ... :: COMMAND ARGS...

Each run is PREFIX + COMMAND, split as shell words, run in DIR (default: the current directory) with stdout
and stderr discarded; round 0 is a warm-up. Example, polling on and off on the node-tree workload
(gen_workloads.py node-tree /dev/shm/nt):

    Benchmarks/ab.py --dir /dev/shm/nt -- 'iotrace-native --poll-window 0 -o /dev/null --' \\
        'iotrace-native -o /dev/null --' :: node main.mjs
"""
import argparse
import shlex
import statistics
import subprocess
import sys
import time


def main(argv):
    if "--" not in argv or "::" not in argv:
        print(__doc__, file=sys.stderr)
        return 2
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--rounds", type=int, default=10)
    options.add_argument("--dir", default=".")
    parsed = options.parse_args(argv[:argv.index("--")])
    rest = argv[argv.index("--") + 1:]
    prefixes, command = rest[:rest.index("::")], rest[rest.index("::") + 1:]
    if not prefixes or not command or parsed.rounds < 1:
        print(__doc__, file=sys.stderr)
        return 2
    times = {prefix: [] for prefix in prefixes}
    for round_number in range(parsed.rounds + 1):
        for prefix in prefixes:
            started = time.perf_counter()
            done = subprocess.run(shlex.split(prefix) + command, cwd=parsed.dir,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            elapsed = time.perf_counter() - started
            if done.returncode != 0:
                print(f"ab.py: '{prefix} {' '.join(command)}' exited {done.returncode}", file=sys.stderr)
                return 1
            if round_number > 0:
                times[prefix].append(elapsed)
    base = times[prefixes[0]]
    for prefix in prefixes:
        paired = statistics.median(mine / theirs for mine, theirs in zip(times[prefix], base))
        print(f"{statistics.median(times[prefix]) * 1000:9.1f} ms  {paired:5.2f}x  {prefix}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

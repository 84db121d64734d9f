#!/usr/bin/env bash
# Builds one self-contained, stripped, statically linked iotrace-native: no libc, no Swift runtime, no
# strace needed where it runs. The binary lands in dist/iotrace-native (or the path given as $1).
#
#   Scripts/build-static.sh [OUTPUT]
set -euo pipefail
cd "$(dirname "$0")/.."
output=${1:-dist/iotrace-native}

# -static-executable links the Swift runtime and glibc statically. glibc warns about the NSS functions
# (getpwnam and friends) that FoundationEssentials carries; iotrace-native never calls them, so the binary
# needs no shared library at run time. --gc-sections drops the code nothing reaches. Optimised for speed
# (-O, swift build's release default), not size: -Osize saved 0.16 MB and cost 4-10 % on the threads
# workload, where the tracer's own time per stop shows.
# The build's own status decides (PIPESTATUS): a failed build leaves the last good binary in place, which must
# not pass for this one.
swift build -c release --scratch-path .build-static --product iotrace-native \
    -Xswiftc -static-executable -Xlinker --gc-sections 2>&1 \
    | { grep -v -e "in statically linked applications requires at runtime" -e "mktemp' is dangerous" || true; }
status=${PIPESTATUS[0]}
built=.build-static/release/iotrace-native
[ "$status" -eq 0 ] && [ -x "$built" ] || { echo "build-static: the build failed" >&2; exit 1; }

mkdir -p "$(dirname "$output")"
strip -o "$output" "$built"
linkage=$(ldd "$output" 2>&1 || true)
if [[ $linkage == *"not a dynamic executable"* ]]; then
    echo "build-static: $output: $(stat -c %s "$output") bytes, statically linked"
else
    echo "build-static: $output is not static:" >&2
    echo "$linkage" >&2
    exit 1
fi

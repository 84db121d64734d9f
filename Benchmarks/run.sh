#!/usr/bin/env bash
# iotrace-native (both engines: --engine ptrace and --engine ebpf) against strace on seven workloads: timing
# (hyperfine), the tracer's peak RSS, the eBPF engine's lost events, and a check that each engine's report
# equals, on every key, the one `iotrace-native compare --strace-log` derives from strace's log of the whole
# trace set (the same parser and report builder: one classifier). Also what an untraced workload pays while
# an idle eBPF trace is attached elsewhere on the machine (its program runs at every syscall of every process).
# See BENCHMARKS.md ("How to read it") for what the numbers mean.
#
#   Benchmarks/run.sh                      # everything; rewrites the generated part of BENCHMARKS.md
#   Benchmarks/run.sh --quick              # 3 runs per command, smoke test (BENCHMARKS.md untouched)
#   Benchmarks/run.sh c-build python       # a subset (BENCHMARKS.md untouched)
#   IOTRACE=/path/to/iotrace-native Benchmarks/run.sh   # skip the build, use that binary
#   Benchmarks/run.sh --rev HEAD           # build a committed revision (git archive), not the work tree
#
# Options: --quick, --runs N (timed rounds per workload, default 10; a workload with short rounds gets more,
# up to 3N, about 4 minutes of them; --quick: exactly 3), --write / --no-write (force / forbid rewriting
# BENCHMARKS.md; the default is to rewrite it only for a full run of all workloads without --quick),
# --tmpdir DIR (where the workloads are generated and run: default /dev/shm when it is a
# writable tmpfs, else $TMPDIR or /tmp; on a disk, writeback noise swamps the tracers' cost),
# --rev REV (build iotrace-native from that git revision, exported to .build-bench-src, so that
# edits in progress in the work tree do not matter), --keep DIR (copy the raw results: hyperfine
# JSON, strace logs, reports, comparisons, to DIR), --attached LIST (the workloads, comma-separated, on
# which the attached-idle cost is measured; default c-build,opens,procs; 'none' to skip), -h.
# Exit status: 0 when every set check passed and the eBPF engine lost no event, 1 when a set check
# differed or events were lost (after printing the table),
# 2 for usage errors; anything else is a failure of the setup or of a workload command.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")
ALL_WORKLOADS=(node-ref c-build python opens procs threads node-tree)
# What the timed strace cells trace. The set check does not use it: it runs strace once more, untimed, with
# the options `iotrace-native compare --print-strace-options` prints (every call the tracer decodes).
# The timed strace commands trace what iotrace-native traces (issue 5: wherever the repo compares against
# strace, strace runs with the families the model needs): `compare`'s trace set without the process-creation
# calls the log parser follows cwds through. The opens-only set is timed too, as the baseline before the model.
OPENS_SET=open,openat,openat2,creat
# The attached-idle cost is measured on these (when they are among the workloads run): the syscall-heavy ones.
ATTACHED=c-build,opens,procs

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
    echo "Workloads: ${ALL_WORKLOADS[*]}"
}

RUNS=10
# A workload's timed rounds last about this long when it has short rounds (see the timing loop).
ROUND_SECONDS=240
QUICK=0
WRITE=auto
KEEP=
REV=
BASE=
WORKLOADS=()
while (($#)); do
    case "$1" in
        --quick) QUICK=1; RUNS=3 ;;
        --runs) [[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --runs needs a positive number" >&2; exit 2; }
                RUNS=$2; shift ;;
        --write) WRITE=yes ;;
        --no-write) WRITE=no ;;
        --keep) [[ $# -ge 2 ]] || { echo "run.sh: --keep needs a directory" >&2; exit 2; }
                KEEP=$2; shift ;;
        --rev) [[ $# -ge 2 ]] || { echo "run.sh: --rev needs a git revision" >&2; exit 2; }
               REV=$2; shift ;;
        --tmpdir) [[ $# -ge 2 && -d $2 ]] || { echo "run.sh: --tmpdir needs an existing directory" >&2; exit 2; }
                  BASE=$2; shift ;;
        --attached) [[ $# -ge 2 ]] || { echo "run.sh: --attached needs a list of workloads (or none)" >&2; exit 2; }
                    ATTACHED=$2; shift ;;
        -h|--help) usage; exit 0 ;;
        -*) echo "run.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
        *) if [[ " ${ALL_WORKLOADS[*]} " == *" $1 "* ]]; then WORKLOADS+=("$1")
           else echo "run.sh: unknown workload '$1'; choose from: ${ALL_WORKLOADS[*]}" >&2; exit 2; fi ;;
    esac
    shift
done
FULL=0
if ((${#WORKLOADS[@]} == 0)); then WORKLOADS=("${ALL_WORKLOADS[@]}"); ((QUICK)) || FULL=1; fi
if [[ $WRITE == auto ]]; then ((FULL)) && WRITE=yes || WRITE=no; fi

log() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'run.sh: %s\n' "$*" >&2; exit 3; }

# --- tools --------------------------------------------------------------------------------------
missing=()
command -v hyperfine >/dev/null || missing+=(hyperfine)
command -v strace >/dev/null || missing+=(strace)
command -v make >/dev/null || missing+=(make)
command -v cc >/dev/null || missing+=(gcc)
command -v bpftool >/dev/null || missing+=(bpftool)
if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    ((EUID == 0)) || die "need root to apt-get install ${missing[*]} (or install them yourself)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v node >/dev/null || die "node is not on PATH (two workloads run node)"
command -v python3 >/dev/null || die "python3 is not on PATH"
strace --seccomp-bpf -f -qq -e trace=openat -o /dev/null true 2>/dev/null \
    || die "this strace has no --seccomp-bpf (needs strace >= 5.3)"
# The interpreter itself, not a wrapper (a pyenv shim is a bash script that runs several processes).
PYTHON=$(python3 -c 'import sys; print(sys.executable)')

# --- the tracer ---------------------------------------------------------------------------------
if [[ -n ${IOTRACE:-} ]]; then
    [[ -x $IOTRACE ]] || die "IOTRACE=$IOTRACE is not an executable file"
    IOTRACE=$(realpath "$IOTRACE")
    IOTRACE_DESC="given as IOTRACE=$IOTRACE"
else
    command -v swift >/dev/null || PATH=/opt/swift/usr/bin:$PATH
    command -v swift >/dev/null || die "swift not found (put it on PATH, or give IOTRACE=path)"
    if [[ -n $REV ]]; then
        commit=$(git -C "$REPO" rev-parse --verify "$REV^{commit}") || die "--rev $REV: not a git revision"
        src=$REPO/.build-bench-src
        log "building iotrace-native at ${commit:0:12} (git archive into .build-bench-src, release)"
        rm -rf "$src" && mkdir -p "$src"
        git -C "$REPO" archive "$commit" | tar -x -C "$src"
        if [[ -f $REPO/Package.resolved && ! -f $src/Package.resolved ]]; then cp "$REPO/Package.resolved" "$src/"; fi
        # git keeps no empty folders, and SwiftPM refuses a declared test target whose folder is missing
        for t in $(sed -n '/testTarget(/,/name:/ s/.*name: *"\([^"]*\)".*/\1/p' "$src/Package.swift"); do
            mkdir -p "$src/Tests/$t"
        done
        if [[ -x $src/Scripts/build-static.sh ]]; then
            (cd "$src" && Scripts/build-static.sh "$src/dist/iotrace-native" >&2)
            IOTRACE=$src/dist/iotrace-native
        else
            (cd "$src" && swift build -c release --scratch-path "$src/.build" >&2)
            IOTRACE=$src/.build/release/iotrace-native
        fi
        IOTRACE_DESC="${commit:0:12} (--rev $REV)"
    else
        # The binary users ship: static (Scripts/build-static.sh). A dynamically linked Swift binary spends
        # about 4 ms more starting up (loading and relocating the Swift runtime), which is not tracing cost.
        log "building iotrace-native (static release, Scripts/build-static.sh)"
        (cd "$REPO" && Scripts/build-static.sh "$REPO/.build-bench/iotrace-native" >&2)
        IOTRACE=$REPO/.build-bench/iotrace-native
        IOTRACE_DESC=$(git -C "$REPO" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
        if [[ -n $(git -C "$REPO" status --porcelain -- Sources Package.swift 2>/dev/null) ]]; then
            IOTRACE_DESC="$IOTRACE_DESC + uncommitted changes in the work tree"
        fi
    fi
fi

# --- scratch space ------------------------------------------------------------------------------
if [[ -z $BASE ]]; then
    BASE=${TMPDIR:-/tmp}
    if [[ $(stat -f -c %T /dev/shm 2>/dev/null) == tmpfs && -w /dev/shm ]]; then BASE=/dev/shm; fi
fi
TMP=$(mktemp -d -p "$BASE" iotrace-bench.XXXXXX)
cleanup() {
    if [[ -n $KEEP && -d $TMP/results ]]; then mkdir -p "$KEEP" && cp -r "$TMP/results/." "$KEEP/"; fi
    stop_idle_trace || true
    rm -rf "$TMP"
}
trap cleanup EXIT
TMP=$(realpath "$TMP")    # canonical: strace -y prints canonical paths, the workspace must match
BIN=$TMP/bin
RESULTS=$TMP/results
mkdir -p "$BIN" "$RESULTS" "$TMP/ws"


{
    printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
    printf 'nproc\t%s\n' "$(nproc)"
    printf 'kernel\t%s\n' "$(uname -sr) $(uname -m)"
    printf 'load_start\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
    printf 'runs\t%s\n' "$RUNS"
    printf 'scratch\t%s\n' "$TMP ($(stat -f -c %T "$TMP"))"
    printf 'strace\t%s\n' "$(strace -V | head -n1)"
    printf 'hyperfine\t%s\n' "$(hyperfine --version)"
    printf 'node\t%s\n' "$(node --version)"
    printf 'python\t%s\n' "$("$PYTHON" --version 2>&1)"
    printf 'cc\t%s\n' "$(cc --version | head -n1)"
    printf 'make\t%s\n' "$(make --version | head -n1)"
    printf 'iotrace\t%s\n' "$IOTRACE_DESC"
} >"$RESULTS/meta.tsv"

log "compiling the C helpers"
cc -O2 -Wall -o "$BIN/opens" "$HERE/workloads/opens.c"
cc -O2 -Wall -pthread -o "$BIN/threads" "$HERE/workloads/threads.c"

# --- workloads: setup_NAME DIR prints the command (shell words, as hyperfine -N splits them) ----
setup_node-ref() {
    cp "$REPO/Fixtures/test-script.mjs" "$REPO/Fixtures/input.txt" "$1/"
    echo "node test-script.mjs"
}
setup_c-build() {
    python3 "$HERE/gen_workloads.py" c-project "$1"
    (cd "$1" && make -s -j2 >/dev/null)
    echo "make -B -j2 -s"
}
setup_python() {
    echo "'$PYTHON' -c 'import json, decimal, email.parser, http.client, xml.dom.minidom, csv, sqlite3, argparse, logging, unittest'"
}
setup_opens() {
    mkdir -p "$1/data"
    echo "'$BIN/opens' data"
}
setup_procs() {
    printf 'a small file that cat reads 300 times\n' >"$1/data.txt"
    echo "sh -c 'for i in \$(seq 300); do cat data.txt >/dev/null; done'"
}
setup_threads() {
    mkdir -p "$1/data"
    echo "'$BIN/threads' data"
}
setup_node-tree() {
    python3 "$HERE/gen_workloads.py" node-tree "$1"
    echo "node main.mjs"
}

TRACE_SET=$("$IOTRACE" compare --print-strace-options | sed -n 's/^trace=//p' \
    | tr ',' '\n' | grep -v -x -e clone -e clone3 -e '?fork' -e '?vfork' | paste -sd, -)
[[ -n $TRACE_SET ]] || die "could not read the trace set from $IOTRACE compare --print-strace-options"
printf 'trace_set\t%s\n' "$TRACE_SET" >>"$RESULTS/meta.tsv"
"$IOTRACE" --engine ebpf -o /dev/null -- true \
    || die "$IOTRACE --engine ebpf does not load here (needs root or CAP_BPF and CAP_PERFMON, and a kernel with BTF)"
PTRACE=(--engine ptrace)    # explicit: --engine auto would choose eBPF where it loads

# eBPF traces started by others (tests, other engineers) run their program at every syscall on the machine, ours
# included: each round records how many were attached when it started, as a noise note. Links, not programs: the
# kernel frees a program some 0.3 s after its trace ended, and a program without its link no longer runs.
# (sys_exit: every version of the program attaches there; sys_enter only the ones before 2026-12-04's fifth session.)
count_ebpf_traces() { bpftool link show 2>/dev/null | grep -c "tp 'sys_exit'" || true; }

# The attached-idle measurement: an eBPF trace of `sleep 600`, idle, attached while an untraced workload runs.
IDLE_PID=
IDLE_PROGS=()
start_idle_trace() {
    "$IOTRACE" --engine ebpf -o /dev/null -- sleep 600 &
    IDLE_PID=$!
    local tracer=$IDLE_PID i
    # The eBPF engine traces in the process started (no monitor: README, Daemons), whose child is the command:
    # once sleep runs, the program is attached.
    for ((i = 0; i < 200; i++)); do
        pgrep -P "$tracer" -x sleep >/dev/null && break
        sleep 0.05
    done
    ((i < 200)) || die "the idle eBPF trace did not start within 10 s"
    # Its own programs, by id (bpftool here shows no owner pids): the links' fdinfo names them.
    mapfile -t IDLE_PROGS < <(sed -n 's/^prog_id:[[:space:]]*//p' /proc/"$tracer"/fdinfo/* 2>/dev/null | sort -u)
    ((${#IDLE_PROGS[@]})) || die "the idle eBPF trace (tracer pid $tracer) holds no bpf program"
}
stop_idle_trace() {
    [[ -n $IDLE_PID ]] || return 0
    # SIGTERM, not SIGINT: a job a script starts with & runs with SIGINT ignored, and the tracer leaves a signal
    # it was started with ignored as it is (SPEC), as the command would have it untraced.
    kill -TERM "$IDLE_PID" 2>/dev/null || true
    wait "$IDLE_PID" 2>/dev/null || true
    IDLE_PID=
    # The kernel frees a detached program a little later (here about 0.3 s): wait for it, up to 10 s, so that
    # the next unattached run really has nothing attached.
    local id i left
    for ((i = 0; i < 200; i++)); do
        left=()
        for id in "${IDLE_PROGS[@]}"; do bpftool prog show id "$id" >/dev/null 2>&1 && left+=("$id"); done
        ((${#left[@]})) || break
        sleep 0.05
    done
    ((${#left[@]} == 0)) || die "the idle eBPF trace's programs ${left[*]} are still loaded 10 s after it ended"
    IDLE_PROGS=()
}

# merge_rounds OUT ROUND.json...: one hyperfine result per command, as if hyperfine had run the rounds itself:
# times in round order, CPU times as the mean over rounds.
merge_rounds() {
    python3 - "$@" <<'PY'
import json, statistics, sys
merged = {}
for path in sys.argv[2:]:
    with open(path) as f:
        for r in json.load(f)["results"]:
            m = merged.setdefault(r["command"], {"command": r["command"], "times": [], "users": [], "systems": []})
            m["times"] += r["times"]
            m["users"].append(r["user"])
            m["systems"].append(r["system"])
results = []
for m in merged.values():
    results.append({"command": m["command"], "times": m["times"], "mean": statistics.mean(m["times"]),
                    "median": statistics.median(m["times"]), "min": min(m["times"]), "max": max(m["times"]),
                    "user": statistics.mean(m["users"]), "system": statistics.mean(m["systems"])})
with open(sys.argv[1], "w") as f:
    json.dump({"results": results}, f)
PY
}
STRACE="strace -f -qq -e trace=$TRACE_SET -o /dev/null"
STRACE_OPENS="strace -f -qq --seccomp-bpf -e trace=$OPENS_SET -o /dev/null"
status=0
for w in "${WORKLOADS[@]}"; do
    ws=$TMP/ws/$w
    mkdir -p "$ws"
    cmd=$("setup_$w" "$ws")
    printf '%s\n' "$cmd" >"$RESULTS/$w.cmd"
    eval "words=($cmd)"
    cd "$ws"

    log "$w: sets (strace's log of the whole trace set vs iotrace-native: ptrace in both modes, eBPF; every key) and tracer peak RSS"
    "${words[@]}" >/dev/null    # once untraced, so every traced run below sees the same starting state
    mapfile -t strace_options < <("$IOTRACE" compare --print-strace-options)
    strace_options=("${strace_options[@]/#FILE/$RESULTS/$w.strace.log}")
    strace "${strace_options[@]}" -- "${words[@]}" >/dev/null
    for mode in seccomp no-seccomp ebpf; do
        case $mode in
            seccomp) flag=("${PTRACE[@]}") ;;
            no-seccomp) flag=("${PTRACE[@]}" --no-seccomp) ;;
            ebpf) flag=(--engine ebpf) ;;
        esac
        python3 "$HERE/peak_rss.py" "$RESULTS/$w.rss.$mode.json" -- \
            "$IOTRACE" --workspace "$ws" "${flag[@]}" --format json -o "$RESULTS/$w.report.$mode.json" -- "${words[@]}" >/dev/null
        # One more native run, compared with the log on every key (exit 1 when they differ).
        "$IOTRACE" compare --strace-log "$RESULTS/$w.strace.log" --workspace "$ws" "${flag[@]}" --format json \
            -o "$RESULTS/$w.sets.$mode.json" -- "${words[@]}" >/dev/null || status=1
        python3 "$HERE/report.py" --sets "$RESULTS/$w.sets.$mode.json" "$w (iotrace-native ${flag[*]})" || status=1
    done
    # The eBPF engine's counts: events, lost (must be 0), unreadable and truncated paths.
    "$IOTRACE" --engine ebpf --stats --workspace "$ws" -o /dev/null -- "${words[@]}" >/dev/null 2>"$RESULTS/$w.stats.ebpf.err"
    grep -o 'stats: eBPF:.*' "$RESULTS/$w.stats.ebpf.err" >"$RESULTS/$w.stats.ebpf.txt" \
        || die "$w: no 'stats: eBPF:' line from --engine ebpf --stats (see $w.stats.ebpf.err)"
    lost=$(sed -n 's/.* \([0-9,]*\) lost.*/\1/p' "$RESULTS/$w.stats.ebpf.txt" | tr -d ,)
    echo "$w (iotrace-native --engine ebpf --stats): $(cat "$RESULTS/$w.stats.ebpf.txt")" >&2
    if [[ $lost != 0 ]]; then
        echo "run.sh: $w: the eBPF engine LOST $lost events (must be 0)" >&2
        status=1
    fi

    # Interleaved: every round runs each command once, so a burst of noise on this shared machine lands on
    # all seven commands of a round alike, and the paired ratios (run i against run i) compare like with like.
    # What runs just before a command moves its time (node's run by up to 15 %: see BENCHMARKS.md), so no command
    # may always follow the same one. At step k, round r runs command (o + k * m) mod n, m taking in turn each
    # value from 1 to n - 1 coprime to n (n = 7 commands: all six) and the offset o one more every six rounds:
    # within a round command c follows c - m, so over six rounds each command follows each of the six others
    # once, and its place in the round moves too. (Rotating one fixed list, as this did until the ninth session,
    # keeps every neighbour: the eBPF engine followed ptrace --no-seccomp in 6 rounds of 7.)
    names=(untraced strace "strace --seccomp-bpf" "strace --seccomp-bpf, opens only" "iotrace-native --engine ptrace"
           "iotrace-native --engine ptrace --no-seccomp" "iotrace-native --engine ebpf")
    commands=("$cmd" "$STRACE $cmd" "$STRACE --seccomp-bpf $cmd" "$STRACE_OPENS $cmd"
              "'$IOTRACE' --engine ptrace --workspace '$ws' -o /dev/null -- $cmd"
              "'$IOTRACE' --engine ptrace --workspace '$ws' --no-seccomp -o /dev/null -- $cmd"
              "'$IOTRACE' --engine ebpf --workspace '$ws' -o /dev/null -- $cmd")
    printf 'load_%s\t%s\n' "$w" "$(cut -d' ' -f1 /proc/loadavg)" >>"$RESULTS/meta.tsv"
    # The steps m that give an order (coprime to n): 1 to 6 for seven commands.
    n=${#names[@]}
    steps=()
    for ((m = 1; m < n; m++)); do
        a=$m b=$n
        while ((b)); do t=$((a % b)); a=$b; b=$t; done
        ((a == 1)) && steps+=("$m")
    done
    rounds=()
    : >"$RESULTS/$w.foreign.txt"
    runs=$RUNS
    for ((round = 0; round <= runs; round++)); do
        out="$RESULTS/$w.round$round.json"
        ((round > 0)) && count_ebpf_traces >>"$RESULTS/$w.foreign.txt"
        args=()
        step=${steps[round % ${#steps[@]}]}
        for ((k = 0; k < n; k++)); do
            i=$(((round / ${#steps[@]} + k * step) % n))
            args+=(-n "${names[i]}" "${commands[i]}")
        done
        started=$EPOCHREALTIME
        hyperfine -N --runs 1 --export-json "$out" "${args[@]}" >/dev/null 2>&1
        if ((round == 0)); then
            # The warm-up round's length sets the number of rounds: at least RUNS, and more for a workload whose
            # rounds are short, up to ROUND_SECONDS of rounds or 3 x RUNS. Short workloads are the noisy ones
            # (node's run time moves by +-25 % between runs here): a 10 % target needs more than 10 of them.
            runs=$(python3 -c 'import sys; r, budget, start, end = int(sys.argv[1]), *map(float, sys.argv[2:])
print(max(r, min(3 * r, int(budget / (end - start)))))' "$RUNS" "$ROUND_SECONDS" "$started" "$EPOCHREALTIME")
            ((QUICK)) && runs=$RUNS
            printf 'rounds_%s\t%s\n' "$w" "$runs" >>"$RESULTS/meta.tsv"
            log "$w: timing ($runs rounds, each command once per round, what precedes each varying, after the warm-up round): $cmd"
        fi
        ((round > 0)) && rounds+=("$out")   # round 0 is the warm-up
    done
    merge_rounds "$RESULTS/$w.hyperfine.json" "${rounds[@]}"

    if [[ ",$ATTACHED," == *",$w,"* ]]; then
        log "$w: untraced, with and without an idle eBPF trace attached ($RUNS rounds + 1 warm-up, order alternating)"
        rounds=()
        : >"$RESULTS/$w.attached.foreign.txt"
        for ((round = 0; round <= RUNS; round++)); do
            ((round > 0)) && count_ebpf_traces >>"$RESULTS/$w.attached.foreign.txt"
            for part in $((round % 2)) $((1 - round % 2)); do
                out="$RESULTS/$w.attached$part.round$round.json"
                if ((part)); then
                    start_idle_trace
                    hyperfine -N --runs 1 --export-json "$out" -n "untraced, idle eBPF trace attached" "$cmd" >/dev/null 2>&1
                    stop_idle_trace
                else
                    hyperfine -N --runs 1 --export-json "$out" -n untraced "$cmd" >/dev/null 2>&1
                fi
                ((round > 0)) && rounds+=("$out")
            done
        done
        merge_rounds "$RESULTS/$w.attached.json" "${rounds[@]}"
    fi
done
cd "$REPO"

printf 'load_end\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$RESULTS/meta.tsv"
printf 'runtime_seconds\t%s\n' "$SECONDS" >>"$RESULTS/meta.tsv"
md_args=()
[[ $WRITE == yes ]] && md_args=(--markdown "$REPO/BENCHMARKS.md")
python3 "$HERE/report.py" "$RESULTS" "${WORKLOADS[@]}" "${md_args[@]}"
[[ $WRITE == yes ]] && log "wrote the generated section of BENCHMARKS.md"

if ((status)); then
    echo >&2
    echo "run.sh: FAILED: iotrace-native's report differs from strace's; the diffs:" >&2
    for f in "$RESULTS"/*.sets.*.json; do
        python3 "$HERE/report.py" --sets "$f" "$(basename "$f" .json)" >&2 || true
    done
    exit 1
fi

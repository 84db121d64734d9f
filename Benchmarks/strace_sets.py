#!/usr/bin/env python3
"""Derive the SPEC's read and write sets from an strace log and compare them with iotrace-native's.

The log must come from

    strace -f -qq -xx -y -e trace=open,openat,openat2,creat -o LOG -- COMMAND...

(-xx: every string byte as \\xHH, so paths need no guessing; -y: the fd a successful open returns
is annotated with the kernel's absolute path for it, `= 3</abs/path>`).

Classification (SPEC: Classification of opens), successful opens only:
  write if O_WRONLY or O_RDWR or O_CREAT or O_TRUNC; read if (O_RDONLY or O_RDWR) and not O_TRUNC;
  O_PATH, O_DIRECTORY and O_TMPFILE opens are neither; creat is O_WRONLY|O_CREAT|O_TRUNC.
Workspace filter (SPEC: Paths): inside WORKSPACE (give it canonical, as realpath prints it),
relative to it, dropping any path with a component node_modules, .git or .nx.
Caveat: -y shows the target of a symlink where iotrace-native reports the link's own path; the
benchmark workloads use no symlinks.

    strace_sets.py sets LOG WORKSPACE                       # print the sets as JSON
    strace_sets.py compare LOG REPORT.json WORKSPACE [--label NAME] [--summary OUT.json]
        # exit 1 and print a diff when iotrace-native's reads/writes differ from strace's
"""
import json
import os
import re
import sys

IGNORED = {b"node_modules", b".git", b".nx"}
TRACED = ("open", "openat", "openat2", "creat")
SHOWN = 20  # paths listed per side of a diff

# x86_64 / generic values, only needed when strace prints flags numerically (it names all of these)
NUMERIC = {"O_WRONLY": 0o1, "O_RDWR": 0o2, "O_CREAT": 0o100, "O_TRUNC": 0o1000}

LINE = re.compile(r"^(\d+)\s+(.*)$")
CALL = re.compile(r"^(open|openat|openat2|creat)\((.*)$")
RESUMED = re.compile(r"^<\.\.\. (open|openat|openat2|creat) resumed>(.*)$")
RESULT = re.compile(r"\)\s+= (-?\d+|\?)(?:<([^<>]*))?")


def unescape(text):
    """strace's C-style string (with -xx: all \\xHH) to bytes."""
    out = bytearray()
    i = 0
    simple = {"n": 10, "t": 9, "r": 13, "v": 11, "f": 12, "\\": 92, '"': 34, "'": 39, "?": 63, "a": 7, "b": 8}
    while i < len(text):
        c = text[i]
        if c != "\\":
            out += c.encode("utf-8", "surrogateescape")
            i += 1
            continue
        n = text[i + 1]
        if n == "x":
            out.append(int(text[i + 2:i + 4], 16))
            i += 4
        elif n in "01234567":
            j = i + 1
            while j < len(text) and j < i + 4 and text[j] in "01234567":
                j += 1
            out.append(int(text[i + 1:j], 8) & 0xFF)
            i = j
        else:
            out.append(simple.get(n, ord(n)))
            i += 2
    return bytes(out)


def normalize(path):
    parts = []
    for p in path.split(b"/"):
        if p in (b"", b"."):
            continue
        if p == b"..":
            if parts:
                parts.pop()
            continue
        parts.append(p)
    return b"/" + b"/".join(parts)


def split_args(args):
    """Top-level comma split (strings are \\xHH-only with -xx, so only braces need care)."""
    out, depth, cur = [], 0, []
    for ch in args:
        if ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
        if ch == "," and depth == 0:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    if cur:
        out.append("".join(cur).strip())
    return out


def flag_names(expr):
    names, value = set(), 0
    for tok in expr.split("|"):
        tok = tok.strip()
        if tok.startswith("O_") or tok.startswith("__O_"):
            names.add(tok.lstrip("_") if tok.startswith("__") else tok)
        elif tok:
            try:
                value |= int(tok, 0)
            except ValueError:
                pass
    for name, bit in NUMERIC.items():
        if value & bit:
            names.add(name)
    return names


def classify(names):
    """(read, write) per the SPEC."""
    if names & {"O_PATH", "O_DIRECTORY", "O_TMPFILE"}:
        return False, False
    wronly, rdwr = "O_WRONLY" in names, "O_RDWR" in names
    creat, trunc = "O_CREAT" in names, "O_TRUNC" in names
    write = wronly or rdwr or creat or trunc
    read = (rdwr or not wronly) and not trunc
    return read, write


def parse_call(name, args_and_result):
    """-> (flags set, path bytes, dirfd path bytes or None, result str, result path bytes or None)"""
    m = RESULT.search(args_and_result)
    if not m:
        return None
    args = split_args(args_and_result[:m.start()])
    result, result_path = m.group(1), m.group(2)
    pathname_arg = args[0] if name in ("open", "creat") else args[1]
    dirfd = None
    if name in ("openat", "openat2"):
        d = re.search(r"<([^<>]*)", args[0])
        dirfd = unescape(d.group(1)) if d else None
    path = unescape(pathname_arg.strip().strip('"')) if pathname_arg.startswith('"') else None
    if name == "creat":
        flags = {"O_WRONLY", "O_CREAT", "O_TRUNC"}
    elif name == "openat2":
        f = re.search(r"flags=([^,}]*)", args[2])
        flags = flag_names(f.group(1)) if f else set()
    else:
        flags = flag_names(args[1] if name == "open" else args[2])
    return flags, path, dirfd, result, unescape(result_path) if result_path is not None else None


def derive_sets(log_path, workspace):
    ws = normalize(os.fsencode(workspace))
    reads, writes = set(), set()
    pending = {}
    stats = {"calls": 0, "successful": 0, "unresolved": [], "unparsed": []}
    with open(log_path, "r", encoding="ascii", errors="surrogateescape") as log:
        for raw in log:
            m = LINE.match(raw.rstrip("\n"))
            if not m:
                continue
            pid, rest = m.groups()
            call = CALL.match(rest)
            if call:
                name, tail = call.groups()
                if tail.endswith("<unfinished ...>"):
                    pending[pid] = (name, tail[:-len("<unfinished ...>")].rstrip())
                    continue
            else:
                resumed = RESUMED.match(rest)
                if not resumed or pid not in pending:
                    continue
                name, start = pending.pop(pid)
                tail = start + resumed.group(2)
            parsed = parse_call(name, tail)
            if parsed is None:
                stats["unparsed"].append(raw.strip())
                continue
            stats["calls"] += 1
            flags, path, dirfd, result, result_path = parsed
            if result == "?" or int(result) < 0:
                continue
            stats["successful"] += 1
            read, write = classify(flags)
            if not (read or write):
                continue
            if result_path is not None and result_path.startswith(b"/"):
                absolute = normalize(result_path)
            elif path is not None and path.startswith(b"/"):
                absolute = normalize(path)
            elif path is not None and dirfd is not None:
                absolute = normalize(dirfd + b"/" + path)
            else:
                stats["unresolved"].append(raw.strip())
                continue
            if not absolute.startswith(ws + b"/"):
                continue
            relative = absolute[len(ws) + 1:]
            if any(part in IGNORED for part in relative.split(b"/")):
                continue
            if read:
                reads.add(relative)
            if write:
                writes.add(relative)
    stats["unparsed"] += [f"{pid} {name}({start} <unfinished ...> (never resumed)" for pid, (name, start) in pending.items()]
    return reads, writes, stats


def decode(p):
    return p.decode("utf-8", "surrogateescape")


def main(argv):
    if len(argv) >= 3 and argv[0] == "sets":
        reads, writes, stats = derive_sets(argv[1], argv[2])
        json.dump({"reads": sorted(map(decode, reads)), "writes": sorted(map(decode, writes)),
                   "opens": stats["calls"], "successfulOpens": stats["successful"]}, sys.stdout, indent=2)
        print()
        return 0
    if len(argv) >= 4 and argv[0] == "compare":
        log, report_path, workspace = argv[1:4]
        rest = argv[4:]
        label = rest[rest.index("--label") + 1] if "--label" in rest else report_path
        summary = rest[rest.index("--summary") + 1] if "--summary" in rest else None
        reads, writes, stats = derive_sets(log, workspace)
        with open(report_path, encoding="utf-8", errors="surrogateescape") as f:
            report = json.load(f)
        got = {"reads": set(report["reads"]), "writes": set(report["writes"])}
        want = {"reads": set(map(decode, reads)), "writes": set(map(decode, writes))}
        ok = True
        lines = []
        for key in ("reads", "writes"):
            missing = sorted(want[key] - got[key])
            extra = sorted(got[key] - want[key])
            if missing or extra:
                ok = False
                lines.append(f"  {key}: strace {len(want[key])}, iotrace-native {len(got[key])}")
                lines += [f"    - only strace:         {p!r}" for p in missing[:SHOWN]]
                lines += [f"    + only iotrace-native: {p!r}" for p in extra[:SHOWN]]
                if len(missing) > SHOWN or len(extra) > SHOWN:
                    lines.append(f"    ... ({len(missing)} only strace, {len(extra)} only iotrace-native in all)")
        for u in stats["unresolved"][:10]:
            lines.append(f"  note: strace line with no resolvable path: {u}")
        if stats["unparsed"]:
            # a line this parser does not understand could hide a difference: fail rather than guess
            ok = False
            lines.append(f"  {len(stats['unparsed'])} strace line(s) strace_sets.py could not parse, e.g.:")
            lines += [f"    {u[:300]}" for u in stats["unparsed"][:5]]
        if ok:
            print(f"sets OK   {label}: {len(want['reads'])} reads, {len(want['writes'])} writes "
                  f"({stats['calls']} open calls in strace's log, {stats['successful']} successful)")
        else:
            print(f"SETS DIFFER {label} (iotrace-native {report_path} vs strace {log}):")
        for line in lines:
            print(line)
        if summary:
            with open(summary, "w") as f:
                json.dump({"label": label, "equal": ok, "reads": len(want["reads"]), "writes": len(want["writes"]),
                           "iotraceReads": len(got["reads"]), "iotraceWrites": len(got["writes"]),
                           "opens": stats["calls"], "successfulOpens": stats["successful"],
                           "diff": lines, "exitCode": report.get("exitCode")}, f, indent=2)
        return 0 if ok else 1
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

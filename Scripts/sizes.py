#!/usr/bin/env python3
"""Largest Swift functions and files: `python3 Scripts/sizes.py [N] [DIR...]` (default: 15, Sources)."""
import os, re, sys

DECL = re.compile(r'^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|package|private|fileprivate|internal|static|class|'
                  r'mutating|nonmutating|override|final|convenience|required)\s+)*(?:func\s+([^\s(<]+)|(init)[?!]?\s*[(<])')

def braces(line):
    # Drop string literals and line comments, then count.
    line = re.sub(r'"(?:\\.|[^"\\])*"', '""', line)
    line = line.split('//', 1)[0]
    return line.count('{') - line.count('}')

def functions(path):
    lines = open(path, encoding='utf-8', errors='replace').read().split('\n')
    owner = os.path.splitext(os.path.basename(path))[0]
    types = []
    for start, line in enumerate(lines):
        m = DECL.match(line)
        if not m:
            continue
        depth, opened, end = 0, False, start
        for end in range(start, len(lines)):
            d = braces(lines[end])
            if '{' in lines[end]:
                opened = True
            depth += d
            if opened and depth <= 0:
                break
        if not opened:
            continue
        yield (end - start + 1, f'{path}:{start + 1} {m.group(1) or "init"}')

def main():
    args = sys.argv[1:]
    count = int(args.pop(0)) if args and args[0].isdigit() else 15
    roots = args or ['Sources']
    files, funcs = [], []
    for root in roots:
        for directory, _, names in os.walk(root):
            for name in names:
                if name.endswith('.swift'):
                    path = os.path.join(directory, name)
                    files.append((sum(1 for _ in open(path, encoding='utf-8', errors='replace')), path))
                    funcs.extend(functions(path))
    print(f'largest functions (lines):')
    for size, where in sorted(funcs, reverse=True)[:count]:
        print(f'{size:5} {where}')
    print(f'largest files (lines):')
    for size, path in sorted(files, reverse=True)[:count]:
        print(f'{size:5} {path}')

main()

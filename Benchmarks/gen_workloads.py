#!/usr/bin/env python3
"""Generate the benchmark's synthetic source trees (deterministic: same files every time).

    gen_workloads.py c-project DIR   # 40 .c files sharing 20 headers, a Makefile
    gen_workloads.py node-tree DIR   # 2,000 small ES modules in 20 folders, main.mjs imports them all
"""
import os
import sys

C_FILES = 40
HEADERS = 20
HEADERS_PER_FILE = 6
FUNCS_PER_FILE = 12

NODE_DIRS = 20
NODE_MODULES_PER_DIR = 100


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def c_project(root):
    for h in range(HEADERS):
        lines = [f"#ifndef H{h:02d}_H", f"#define H{h:02d}_H", "#include <stddef.h>", "#include <stdint.h>",
                 '#include "common.h"', ""]
        lines.append(f"typedef struct s{h:02d} {{ int64_t a, b, c; double w[{4 + h % 5}]; }} s{h:02d}_t;")
        for k in range(4):
            lines.append(f"#define H{h:02d}_K{k} ({(h + 3) * (k + 7)}u)")
        lines.append(f"static inline uint64_t h{h:02d}_mix(uint64_t x) {{")
        lines.append(f"    x ^= x >> {13 + h % 7}; x *= 0x9E3779B97F4A7C15ull; x ^= x >> {29 - h % 5};")
        lines.append(f"    return x + H{h:02d}_K{h % 4};")
        lines.append("}")
        lines.append(f"static inline double h{h:02d}_norm(const s{h:02d}_t *s) {{")
        lines.append(f"    double t = 0; for (size_t i = 0; i < sizeof s->w / sizeof s->w[0]; i++) t += s->w[i] * s->w[i];")
        lines.append("    return t + (double)(s->a - s->b + s->c);")
        lines.append("}")
        lines += ["", f"#endif /* H{h:02d}_H */", ""]
        write(os.path.join(root, "include", f"h{h:02d}.h"), "\n".join(lines))
    write(os.path.join(root, "include", "common.h"), "\n".join([
        "#ifndef COMMON_H", "#define COMMON_H", "#include <stdint.h>",
        "#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))",
        "uint64_t unit_entry(int unit, uint64_t seed);", "#endif", ""]))

    for f in range(C_FILES):
        hs = headers_of(f)
        lines = ["#include <stdio.h>", "#include <string.h>", "#include <stdlib.h>"]
        lines += [f'#include "h{h:02d}.h"' for h in hs]
        lines.append("")
        for fn in range(FUNCS_PER_FILE):
            h = hs[fn % len(hs)]
            lines.append(f"static uint64_t u{f:02d}_f{fn:02d}(uint64_t seed, int n) {{")
            lines.append(f"    s{h:02d}_t s = {{ (int64_t)seed, {fn}, {f}, {{0}} }};")
            lines.append("    uint64_t acc = seed;")
            lines.append("    char buf[64];")
            lines.append("    for (int i = 0; i < n; i++) {")
            lines.append(f"        s.w[i % ARRAY_LEN(s.w)] += (double)(acc & 0xff) / {fn + 3}.0;")
            lines.append(f"        switch ((acc + (uint64_t)i) % 5) {{")
            lines.append(f"        case 0: acc = h{h:02d}_mix(acc + (uint64_t)i); break;")
            lines.append(f"        case 1: acc ^= (uint64_t)h{h:02d}_norm(&s); break;")
            lines.append(f"        case 2: snprintf(buf, sizeof buf, \"%llu:%d\", (unsigned long long)acc, i); acc += strlen(buf); break;")
            lines.append(f"        case 3: acc = acc * {2 * fn + 3}u + H{h:02d}_K{fn % 4}; break;")
            lines.append("        default: acc = (acc << 7) | (acc >> 57); break;")
            lines.append("        }")
            lines.append("    }")
            lines.append("    return acc + (uint64_t)s.a;")
            lines.append("}")
            lines.append("")
        lines.append(f"uint64_t unit{f:02d}(uint64_t seed) {{")
        lines.append("    uint64_t acc = seed;")
        for fn in range(FUNCS_PER_FILE):
            lines.append(f"    acc = u{f:02d}_f{fn:02d}(acc, {8 + fn});")
        lines.append("    return acc;")
        lines.append("}")
        lines.append("")
        write(os.path.join(root, "src", f"unit{f:02d}.c"), "\n".join(lines))

    main = ["#include <stdio.h>", '#include "common.h"', ""]
    main += [f"uint64_t unit{f:02d}(uint64_t seed);" for f in range(C_FILES)]
    main += ["", "uint64_t unit_entry(int unit, uint64_t seed) {", "    switch (unit) {"]
    main += [f"    case {f}: return unit{f:02d}(seed);" for f in range(C_FILES)]
    main += ["    default: return seed;", "    }", "}", "",
             "int main(void) {", "    uint64_t acc = 1;",
             f"    for (int u = 0; u < {C_FILES}; u++) acc = unit_entry(u, acc);",
             '    printf("%llu\\n", (unsigned long long)acc);', "    return 0;", "}", ""]
    write(os.path.join(root, "src", "main.c"), "\n".join(main))

    objs = " ".join([f"build/unit{f:02d}.o" for f in range(C_FILES)] + ["build/main.o"])
    write(os.path.join(root, "Makefile"), "\n".join([
        "CC ?= cc",
        "CFLAGS = -O2 -pipe -Wall -Iinclude",
        f"OBJS = {objs}",
        "",
        "build/app: $(OBJS)",
        "\t$(CC) -pipe -o $@ $(OBJS)",
        "",
        "build/%.o: src/%.c | build",
        "\t$(CC) $(CFLAGS) -c -o $@ $<",
        "",
        "build:",
        "\tmkdir -p build",
        "",
        "clean:",
        "\trm -rf build",
        "",
        ".PHONY: clean",
        ""]))


def headers_of(f):
    # each file includes HEADERS_PER_FILE of the 20 headers, spread so every header is shared
    return sorted({(f * 7 + k * 3) % HEADERS for k in range(HEADERS_PER_FILE)})


def node_tree(root):
    write(os.path.join(root, "package.json"), '{ "name": "bench-node-tree", "private": true, "type": "module" }\n')
    write(os.path.join(root, "lib", "util.mjs"),
          "export const base = 7;\nexport function mix(a, b) { return (a * 31 + b) % 1000003; }\n")
    main = []
    for d in range(NODE_DIRS):
        index = []
        for m in range(NODE_MODULES_PER_DIR):
            n = d * NODE_MODULES_PER_DIR + m
            body = ["import { base, mix } from '../../lib/util.mjs';"]
            if m + 1 < NODE_MODULES_PER_DIR:
                # a chain inside each folder: every module also imports its next sibling
                body.append(f"import {{ value as next }} from './m{m + 1:03d}.mjs';")
            else:
                body.append("const next = 0;")
            body.append(f"export const value = mix(base + {n}, next);")
            body.append(f"export function describe() {{ return 'module {n}: ' + value; }}")
            write(os.path.join(root, "mods", f"d{d:02d}", f"m{m:03d}.mjs"), "\n".join(body) + "\n")
            index.append(f"export * as m{m:03d} from './m{m:03d}.mjs';")
        write(os.path.join(root, "mods", f"d{d:02d}", "index.mjs"), "\n".join(index) + "\n")
        main.append(f"import * as d{d:02d} from './mods/d{d:02d}/index.mjs';")
    main.append(f"const all = [{', '.join(f'd{d:02d}' for d in range(NODE_DIRS))}];")
    main.append("let total = 0, count = 0;")
    main.append("for (const dir of all) for (const mod of Object.values(dir)) { total = (total + mod.value) % 1000003; count++; }")
    main.append("console.log(`${count} modules, checksum ${total}`);")
    write(os.path.join(root, "main.mjs"), "\n".join(main) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("c-project", "node-tree"):
        sys.exit(__doc__)
    {"c-project": c_project, "node-tree": node_tree}[sys.argv[1]](sys.argv[2])

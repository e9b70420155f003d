#!/usr/bin/env python3
"""tests/bench/flamegraph.py: fold `perf script` output and draw a flame graph.

    perf script -i perf.data | tests/bench/flamegraph.py -c 'oauth.fcgi' \
        -t 'oauth.fcgi: token' -f out.folded -o out.svg

-c REGEX keeps only the samples whose command (comm) matches (whole match);
-t is the title; -f writes the folded stacks ("a;b;c COUNT", root first),
-o the SVG.  Frames are function names (the library's in brackets when
perf knows no symbol); perf's own [unknown] frames are dropped.  No
dependency but Python 3: the SVG is plain rectangles with <title> tooltips,
widths proportional to samples, the root at the bottom.
"""
import argparse
import html
import re
import sys
import zlib


def fold(lines, comm_re):
    stacks = {}
    comm = None
    frames = []
    keep = False

    def flush():
        if keep and frames:
            key = ";".join([comm] + frames[::-1])
            stacks[key] = stacks.get(key, 0) + 1

    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            flush()
            comm, frames, keep = None, [], False
            continue
        if not line.startswith((" ", "\t")):
            flush()
            comm = line.split()[0] if line.split() else "?"
            # perf script prints "comm pid [cpu] time: period event:" and
            # comm itself may hold spaces; the pid is the first all-digit
            # field (or "pid/tid").
            parts = line.split()
            for i, p in enumerate(parts):
                if re.fullmatch(r"\d+(/\d+)?", p):
                    comm = " ".join(parts[:i])
                    break
            frames, keep = [], bool(comm_re.fullmatch(comm))
            continue
        if not keep:
            continue
        parts = line.split(None, 1)
        if len(parts) < 2:
            continue
        rest = parts[1]
        m = re.match(r"(.*?) \((.*)\)$", rest)
        sym, dso = (m.group(1), m.group(2)) if m else (rest, "")
        sym = re.sub(r"\+0x[0-9a-f]+$", "", sym)
        if sym == "[unknown]":
            if not dso or dso == "[unknown]":
                continue
            sym = "[" + dso.rsplit("/", 1)[-1] + "]"
        frames.append(sym)
    flush()
    return stacks


def color(name):
    h = zlib.crc32(name.encode())
    if name.startswith("["):
        return "rgb(%d,%d,%d)" % (180 + h % 40, 180 + h % 40, 180 + h % 40)
    if re.search(r"(pq|PQ|Exec|plpgsql|Portal|pg_|heap|index|bt|Lock)", name):
        return "rgb(%d,%d,%d)" % (90 + h % 60, 150 + h % 60, 220)
    return "rgb(%d,%d,%d)" % (225 + h % 30, 90 + h % 130, 40 + h % 50)


def svg(stacks, title, width=1200, row=16):
    root = {"n": 0, "c": {}}
    for key, n in stacks.items():
        node = root
        node["n"] += n
        for f in key.split(";"):
            node = node["c"].setdefault(f, {"n": 0, "c": {}})
            node["n"] += n
    total = root["n"] or 1
    rects = []
    depth_max = [0]

    def walk(node, name, x, depth):
        w = node["n"] * (width - 20) / total
        if w < 0.3:
            return
        depth_max[0] = max(depth_max[0], depth)
        rects.append((x, depth, w, name, node["n"]))
        cx = x
        for child, c in sorted(node["c"].items()):
            walk(c, child, cx, depth + 1)
            cx += c["n"] * (width - 20) / total

    walk(root, "all", 10, 0)
    height = (depth_max[0] + 1) * row + 60
    out = ['<?xml version="1.0" standalone="no"?>',
           '<svg version="1.1" width="%d" height="%d" xmlns="http://www.w3.org/2000/svg" '
           'font-family="monospace" font-size="11">' % (width, height),
           '<rect x="0" y="0" width="%d" height="%d" fill="#f8f8f0"/>' % (width, height),
           '<text x="%d" y="20" text-anchor="middle" font-size="15">%s (%d samples)</text>'
           % (width // 2, html.escape(title), total)]
    for x, d, w, name, n in rects:
        y = height - 20 - (d + 1) * row
        label = "%s (%d samples, %.1f%%)" % (name, n, 100.0 * n / total)
        out.append('<g><title>%s</title><rect x="%.1f" y="%d" width="%.1f" height="%d" '
                   'fill="%s" rx="2"/>' % (html.escape(label), x, y, w, row - 1, color(name)))
        chars = int(w / 6.6)
        if chars >= 3:
            text = name if len(name) <= chars else name[:chars - 2] + ".."
            out.append('<text x="%.1f" y="%d">%s</text>' % (x + 3, y + row - 4, html.escape(text)))
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-c", "--comm", default=".*")
    ap.add_argument("-t", "--title", default="flame graph")
    ap.add_argument("-f", "--folded")
    ap.add_argument("-o", "--svg")
    a = ap.parse_args()
    stacks = fold(sys.stdin, re.compile(a.comm))
    if a.folded:
        with open(a.folded, "w") as f:
            for k in sorted(stacks):
                f.write("%s %d\n" % (k, stacks[k]))
    if a.svg:
        with open(a.svg, "w") as f:
            f.write(svg(stacks, a.title))
    print("%d samples" % sum(stacks.values()), file=sys.stderr)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Prints benchmark result files (metric<TAB>value<TAB>target<TAB>note) as one
Markdown table; the scenario is the file's base name."""
import os
import sys


def main():
    rows = []
    for path in sys.argv[1:]:
        if not os.path.exists(path):
            continue
        scen = os.path.basename(path).rsplit(".", 1)[0]
        with open(path) as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) < 2:
                    continue
                parts += [""] * (4 - len(parts))
                rows.append([scen] + parts[:4])
    head = ["scenario", "metric", "value", "target", "note"]
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(5)]
    fmt = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"
    print(fmt(head))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print(fmt(r))
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())

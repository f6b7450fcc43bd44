"""Reads a callgrind profile and prints instructions per request, then the self cost grouped by
module: Swift symbols by the module their mangled name starts with (`$s8NIOPosix…` is NIOPosix,
`$sS…`/`$ss…` the standard library), other symbols by the library they live in (libc, the Swift
runtime), SQLite's C functions as SQLite.

    python Benchmarks/callgrind/modules.py PROFILE REQUESTS LABEL
"""
import collections
import os
import re
import sys

SWIFT_MODULE = re.compile(r"\$s(\d+)")


def module_of(function, library):
    if function.startswith("$s"):
        match = SWIFT_MODULE.match(function)
        if match:
            length = int(match.group(1))
            start = match.end()
            return function[start : start + length]
        return "Swift"  # the standard library's substitutions ($sS…, $ss…)
    if function.startswith("sqlite3"):
        return "SQLite"
    name = os.path.basename(library)
    if name.startswith("libswift"):
        return "Swift runtime" if name.startswith("libswiftCore") else name.split(".")[0]
    if name.startswith(("libc.", "libc-", "ld-linux", "libm.")):
        return "libc"
    return name or "?"


def self_costs(path):
    """Self instructions by (function, library); a cost line after `calls=` is the callee's."""
    names = {"fn": {}, "ob": {}}
    costs = collections.Counter()
    function = library = ""
    after_call = False
    total = None
    with open(path, errors="replace") as profile:
        for line in profile:
            if line[0].isdigit() or line[0] in "+-*":
                if after_call:
                    after_call = False
                    continue
                parts = line.split()
                if len(parts) > 1:
                    costs[(function, library)] += int(parts[1])
                continue
            key, _, value = line.rstrip("\n").partition("=")
            if key in ("fn", "ob", "cfn", "cob"):
                # A name is numbered where it first appears, on its own line or a callee's.
                kind = key[-2:]
                match = re.match(r"\((\d+)\)(?: (.*))?", value)
                if match:
                    number, name = match.groups()
                    if name is not None:
                        names[kind][number] = name
                    value = names[kind].get(number, "?")
                if key == "fn":
                    function = value
                elif key == "ob":
                    library = value
            elif key == "calls":
                after_call = True
            elif line.startswith(("summary:", "totals:")):
                total = int(line.split()[1])
    return costs, total


def main():
    path, requests, label = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    costs, total = self_costs(path)
    total = total or sum(costs.values())
    modules = collections.Counter()
    for (function, library), cost in costs.items():
        modules[module_of(function, library)] += cost
    print(f"{label}: {total // requests:,} instructions a request")
    for module, cost in modules.most_common(12):
        print(f"  {module:<24} {cost // requests:>9,}  {100 * cost / total:5.1f} %")


main()

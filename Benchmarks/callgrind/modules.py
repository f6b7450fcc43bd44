"""Reads a callgrind profile and prints instructions per request, then where they go: by part of
the gateway (the server, routing, the upstream client, metering, the proxy and its dialects),
each charged with what it spends in shared code — the Swift runtime and standard library, Swift
concurrency, libc — it calls into; then by module.

A function's module: Swift symbols by the module their mangled name starts with (`$s8NIOPosix…`
is NIOPosix, `$sS…`/`$ss…` the standard library), other symbols by the library they live in
(libc, the Swift runtime), SQLite's C functions as SQLite.

    python Benchmarks/callgrind/modules.py PROFILE REQUESTS LABEL
"""
import collections
import os
import re
import sys

SWIFT_MODULE = re.compile(r"\$s(\d+)")


def module_of(function, library, file=""):
    if function.startswith("__swift"):
        return "Swift"  # the compiler's helpers: value witnesses, metadata lookups
    if "sqlite" in file or function.startswith(("sqlite3", "sqlite_nio")):
        return "SQLite"
    if "BoringSSL" in file or function.startswith("CCryptoBoringSSL"):
        return "Crypto"
    if function.startswith("$s"):
        match = SWIFT_MODULE.match(function)
        if match:
            length = int(match.group(1))
            start = match.end()
            return function[start : start + length]
        return "Swift"  # the standard library's substitutions ($sS…, $ss…)
    if function.startswith("c_nio"):
        return "CNIO"  # NIO's C parts: the HTTP/1 parser, system calls
    name = os.path.basename(library)
    if name.startswith("libswift"):
        return "Swift runtime" if name.startswith("libswiftCore") else name.split(".")[0]
    if name.startswith(("libc.", "libc-", "ld-linux", "libm.")):
        return "libc"
    return name or "?"


SHARED = {"Swift", "Swift runtime", "libswift_Concurrency", "libc", "libdispatch.so", "?"}
PARTS = [
    ("server (NIO, Hummingbird, HTTP)", ("NIO", "Hummingbird", "HTTPTypes", "DequeModule", "_NIO", "CNIO", "Atomics")),
    ("routing", ("Routing", "GatewayConfig")),
    ("upstream client", ("Providers",)),
    ("metering (journal, ledger)", ("Metering", "SQLite")),
    ("proxy, dialects, JSON", ("GatewayServer", "Dialects", "JSONScanning", "ServerSentEvents", "GatewayModel", "Privacy")),
]


def part_of(module):
    for name, prefixes in PARTS:
        if module.startswith(prefixes):
            return name
    return "other (logging, lifecycle, metrics, unnamed helpers)"


class Profile:
    """One callgrind dump: each function's own instructions and module, and what each call
    between functions cost (inclusive)."""

    def __init__(self, path):
        names = {"fn": {}, "ob": {}, "fl": {}}
        self.own = collections.Counter()
        self.module = {}
        self.calls = collections.defaultdict(collections.Counter)  # callee → caller → cost
        self.total = None
        function = library = callee = callee_library = file = callee_file = ""
        after_call = False
        with open(path, errors="replace") as profile:
            for line in profile:
                if line[0].isdigit() or line[0] in "+-*":
                    parts = line.split()
                    cost = int(parts[1]) if len(parts) > 1 else 0
                    if after_call:  # the cost of the call just named, not the caller's own
                        after_call = False
                        if callee != function:
                            self.calls[callee][function] += cost
                            self.module.setdefault(callee, module_of(callee, callee_library, callee_file))
                    else:
                        self.own[function] += cost
                    continue
                key, _, value = line.rstrip("\n").partition("=")
                if key in ("fn", "ob", "fl", "fi", "fe", "cfn", "cob", "cfi", "cfl"):
                    # A name is numbered where it first appears, on its own line or a callee's.
                    kind = key[-2:] if key[-2:] in ("fn", "ob") else "fl"
                    match = re.match(r"\((\d+)\)(?: (.*))?", value)
                    if match:
                        number, name = match.groups()
                        if name is not None:
                            names[kind][number] = name
                        value = names[kind].get(number, "?")
                    if key == "fn":
                        function = value
                        callee_library, callee_file = library, file
                        self.module.setdefault(function, module_of(function, library, file))
                    elif key == "ob":
                        library = callee_library = value
                    elif key == "fl":
                        file = callee_file = value
                    elif key == "cfn":
                        callee = value
                    elif key == "cob":
                        callee_library = value
                    elif key in ("cfi", "cfl"):
                        callee_file = value
                elif key == "calls":
                    after_call = True
                elif line.startswith(("summary:", "totals:")):
                    self.total = int(line.split()[1])
        self.total = self.total or sum(self.own.values())

    def own_by_module(self):
        modules = collections.Counter()
        for function, cost in self.own.items():
            modules[self.module[function]] += cost
        return modules

    def charged_by_module(self):
        """Instructions by module, shared code's own charged to the modules that call it, in
        proportion to what each call costs (through shared callers, on to theirs)."""
        charged = collections.Counter()
        pending = collections.Counter()
        for function, cost in self.own.items():
            if self.module[function] in SHARED:
                pending[function] += cost
            else:
                charged[self.module[function]] += cost
        for _ in range(64):  # shared code calls shared code: up a level at a time
            passed = collections.Counter()
            for function, cost in pending.items():
                callers = self.calls.get(function)
                through_all = sum(callers.values()) if callers else 0
                if through_all == 0:
                    charged["shared"] += cost  # a thread's root: nobody to charge
                    continue
                for caller, through in callers.items():
                    share = cost * through / through_all
                    if self.module[caller] in SHARED:
                        passed[caller] += share
                    else:
                        charged[self.module[caller]] += share
            pending = passed
            if sum(pending.values()) < 1:
                break
        charged["shared"] += sum(pending.values())
        return charged


def main():
    path, requests, label = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    profile = Profile(path)
    total = profile.total
    print(f"{label}: {total // requests:,} instructions a request")
    parts = collections.Counter()
    for module, cost in profile.charged_by_module().items():
        parts[part_of(module)] += cost
    for part, cost in parts.most_common():
        print(f"  {part:<36} {int(cost) // requests:>9,}  {100 * cost / total:5.1f} %")
    print("  by module, own instructions only:")
    for module, cost in profile.own_by_module().most_common(10):
        print(f"    {module:<34} {cost // requests:>9,}  {100 * cost / total:5.1f} %")


main()

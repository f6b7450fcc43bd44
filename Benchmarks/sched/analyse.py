"""Who holds up the gateway's event loop: reads `perf script` output of sched_switch and
sched_wakeup events recorded on the gateway's CPU and prints, for the loop thread (its pid is the
second argument): how long it waited from wake-up to running, how long it then ran before
sleeping (about two runs a proxied request at one connection), and who took the CPU from it
while it could still run, and for how long."""
import collections
import re
import sys

EVENT = re.compile(r"\s*(\S.*?)\s+(\d+) \[\d+\]\s+([\d.]+): sched:(\w+): (.*)")
SWITCH = re.compile(r"prev_comm=(.*?) prev_pid=(\d+) prev_prio=\d+ prev_state=(\S+) ==> next_comm=(.*?) next_pid=(\d+)")


def percentiles(label, values, unit=1e6):
    values = sorted(values)
    if not values:
        print(f"{label}: none")
        return
    at = lambda q: values[min(len(values) - 1, int(q * len(values)))] * unit
    print(f"{label}: {len(values)}, p50 {at(0.5):.0f} µs, p99 {at(0.99):.0f} µs, p99.9 {at(0.999):.0f} µs, "
          f"longest {values[-1] * unit:.0f} µs")


def main():
    path, loop = sys.argv[1], sys.argv[2]
    woken_at = running_since = preempted_at = None
    delays, runs, waits = [], [], []
    takers = collections.Counter()
    for line in open(path, errors="replace"):
        match = EVENT.match(line)
        if not match:
            continue
        time, kind, detail = float(match.group(3)), match.group(4), match.group(5)
        if kind == "sched_wakeup" and f"pid={loop} " in detail:
            woken_at = time
        elif kind == "sched_switch" and (switch := SWITCH.search(detail)):
            previous, state, following = switch.group(2), switch.group(3), switch.group(5)
            if previous == loop:
                if running_since is not None:
                    runs.append(time - running_since)
                running_since = None
                if state.startswith("R"):  # could still run: something took the CPU from it
                    preempted_at = time
                    takers[switch.group(4)] += 1
            if following == loop:
                running_since = time
                if woken_at is not None:
                    delays.append(time - woken_at)
                    woken_at = None
                if preempted_at is not None:
                    waits.append(time - preempted_at)
                    preempted_at = None
    percentiles("wake-up to running", delays)
    percentiles("runs, until it sleeps or is preempted", runs)
    percentiles("preempted, waits", waits)
    print("taken by:", ", ".join(f"{name} {count}" for name, count in takers.most_common(6)) or "nobody")


main()

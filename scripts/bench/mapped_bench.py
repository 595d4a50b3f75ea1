#!/usr/bin/python3
"""The driver of scripts/bench/mapped.sh: sim-query with its index read whole (--load read) against
mapped (--load map), on one index.

  mapped_bench.py SIM_QUERY INDEX QUERIES.h5 ROUNDS

1. Start to first answer: one process answering one query (`--stream -k 10`, the first query of
   QUERIES.h5 on its stdin), the two ways taking turns (the order reversed every other round) after
   one unmeasured run of each (the page cache then holds the files: a warm start, as on a server
   that runs sim-query often); wall seconds and peak resident memory of each process.
2. Throughput: every query of QUERIES.h5 searched in one batch on one thread (sim-query's
   "searched N queries in X s"), the two ways taking turns: what 4 KiB page-cache pages cost the
   walk against huge pages.
3. Sharing: four processes of each kind at once, each having answered one query and waiting on
   its stdin; the sum of their proportional set sizes (Pss, /proc/PID/smaps_rollup: a page shared
   by four counts a quarter in each) against the sum of their resident sets.
Ratios are read / map per round (> 1: mapped is faster); median, min and max.
"""
import os
import re
import subprocess
import sys
import time

import h5py
import numpy as np


def first_query_line(path):
    with h5py.File(path, "r") as f:
        v = f["embeddings"][0]
    return "probe\t" + ",".join(repr(float(x)) for x in v) + "\n"


def one_answer(sim_query, index, line, load):
    """(wall seconds, peak MiB) of one process answering one streamed query."""
    start = time.perf_counter()
    p = subprocess.Popen([sim_query, index, "--stream", "-k", "10", "--load", load, "-q"], stdin=subprocess.PIPE,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    p.stdin.write(line.encode())
    p.stdin.close()
    err = p.stderr.read().decode()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"mapped_bench: sim-query --load {load} failed: {err}")
    return wall, usage.ru_maxrss / 1024


def batch_seconds(sim_query, index, queries, load):
    out = subprocess.run([sim_query, index, "-i", queries, "-k", "10", "--threads", "1", "--load", load],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True).stderr.decode()
    return float(re.search(r"searched \d+ queries in ([0-9.]+) s", out).group(1))


def memory_kib(pid):
    fields = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and parts[0].endswith(":") and parts[1].isdigit():
                fields[parts[0][:-1]] = int(parts[1])
    return fields.get("Rss", 0), fields.get("Pss", 0)


def shared(sim_query, index, line, load, count=4):
    """(sum of Rss, sum of Pss) in MiB of `count` processes that have each answered one query."""
    procs = []
    for _ in range(count):
        p = subprocess.Popen([sim_query, index, "--stream", "-k", "10", "--load", load, "-q"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        p.stdin.write(line.encode())
        p.stdin.flush()
        for _ in range(11):  # the header and 10 neighbours: the query has been answered
            p.stdout.readline()
        procs.append(p)
    totals = [memory_kib(p.pid) for p in procs]
    for p in procs:
        p.stdin.close()
        p.wait()
    return sum(t[0] for t in totals) / 1024, sum(t[1] for t in totals) / 1024


def summary(values):
    v = sorted(values)
    return f"median {np.median(v):.3f} (min {v[0]:.3f}, max {v[-1]:.3f})"


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    sim_query, index, queries, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    line = first_query_line(queries)
    for load in ("read", "map"):
        one_answer(sim_query, index, line, load)  # warm: the files in the page cache
    walls = {"read": [], "map": []}
    peaks = {"read": [], "map": []}
    for r in range(rounds):
        for load in ("read", "map") if r % 2 == 0 else ("map", "read"):
            wall, peak = one_answer(sim_query, index, line, load)
            walls[load].append(wall)
            peaks[load].append(peak)
    ratios = [a / b for a, b in zip(walls["read"], walls["map"])]
    print(f"start to first answer, wall s: read {summary(walls['read'])}; map {summary(walls['map'])}")
    print(f"  ratio read / map: {summary(ratios)}x")
    print(f"  peak resident MiB: read {np.median(peaks['read']):.0f}, map {np.median(peaks['map']):.0f}")
    seconds = {"read": [], "map": []}
    for r in range(rounds):
        for load in ("read", "map") if r % 2 == 0 else ("map", "read"):
            seconds[load].append(batch_seconds(sim_query, index, queries, load))
    with h5py.File(queries, "r") as f:
        nq = int(f.attrs["count"])
    qps = {k: [nq / s for s in v] for k, v in seconds.items()}
    print(f"queries/s, one thread, {nq} queries: read {np.median(qps['read']):.0f}, map {np.median(qps['map']):.0f}; "
          f"ratio map / read {summary([m / r for m, r in zip(qps['map'], qps['read'])])}x")
    for load in ("read", "map"):
        rss, pss = shared(sim_query, index, line, load)
        print(f"4 processes at once, --load {load}: resident {rss:.0f} MiB in all, proportional {pss:.0f} MiB")


if __name__ == "__main__":
    main()

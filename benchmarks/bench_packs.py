"""Benchmark of `plhgis pack --all` at department scale (a script that prints figures).

The synthetic territory of bench_checks.py (here 800 communes: a 40 × 20 grid), 20 schemes and
100 plots per commune, plus one edit per scheme in the history (for "what changed"). Then
`plhgis pack --all` as a user runs it (a subprocess), next to one read of the whole store and its
checks (`maps.load`, the floor every pack shares), timed in the same run. Goal (issue 14): 800
communes in ≤ 2 minutes, i.e. ≤ 150 ms a commune (the figure a smaller grid is held to).

    python benchmarks/bench_packs.py [--nx 40] [--ny 20] [--jobs N]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_checks import territory, write_store  # noqa: E402  (the shared synthetic territory builder)

from plhgis import maps  # noqa: E402
from plhgis.store import Change  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
GOAL_S, GOAL_N = 120.0, 800  # issue 14: 800 communes in two minutes


def with_history(store, n):
    """One status edit on each of `n` schemes, recorded in the history as `plhgis project edit` does."""
    ids = store.read("projects")["id"].tolist()[:n]
    changes = [Change("update", fid, {"status": "travaux"}, {"status": "études"}) for fid in ids]
    store.apply("projects", changes, "bench")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nx", type=int, default=40)
    ap.add_argument("--ny", type=int, default=20)
    ap.add_argument("--jobs", help="PLHGIS_JOBS for the command (worker processes) [default: the cores]")
    args = ap.parse_args()
    n = args.nx * args.ny
    rng = np.random.default_rng(2154)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        store = write_store(Path(tmp) / "packs.gpkg", territory(rng, 20 * n, 100 * n, args.nx, args.ny))
        with_history(store, 5 * n)
        print(f"synthetic store of {n} communes, {20 * n:,} schemes, {100 * n:,} plots written in "
              f"{time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        maps.load(store)
        loaded = time.perf_counter() - t0
        store.close()
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        if args.jobs:
            env["PLHGIS_JOBS"] = args.jobs
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "plhgis", "pack", "--all", "--since", "2020-01-01",
                               "--store", str(Path(tmp) / "packs.gpkg"), "-o", str(Path(tmp) / "packs")],
                              env=env, capture_output=True, text=True)
        secs = time.perf_counter() - t0
        if done.returncode:
            sys.exit(done.stderr)
        files = len(list((Path(tmp) / "packs").iterdir()))
        jobs = env.get("PLHGIS_JOBS") or os.cpu_count()
        goal = GOAL_S / GOAL_N * n
        print(f"plhgis pack --all: {secs:.1f} s wall for {n} communes ({files} files), {jobs} worker(s): "
              f"{secs / n * 1000:.0f} ms a commune | one store read and its checks (maps.load) {loaded:.1f} s → "
              f"×{secs / loaded:.1f} | goal ≤ {goal:.0f} s ({GOAL_S / GOAL_N * 1000:.0f} ms a commune, "
              f"{GOAL_S:.0f} s at {GOAL_N}): {'met' if secs <= goal else 'MISSED'}, ×{secs / goal:.2f} of it "
              f"| load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()

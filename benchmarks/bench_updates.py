"""Import speed when the rows already exist: updating 5,000 and 30,000 schemes against
inserting 30,000 (the baseline, measured in the same run).

    python benchmarks/bench_updates.py [--sizes 5000,30000] [--insert 30000]

Each update run changes two fields (status, homes_total) of every row and moves one row in ten,
so the diff, the UPDATEs and the history rows are all exercised. Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely
from bench_store import STATUSES, new_store, synthetic_projects

from plhgis import edits


def changed(frame, seed=3):
    """Every row with a new status and homes_total, one in ten moved 10 m east."""
    rng = np.random.default_rng(seed)
    out = frame.copy()
    out["status"] = rng.choice(STATUSES, len(out))
    out["homes_total"] = out["homes_total"] + 1
    moved = np.arange(len(out)) % 10 == 0
    geoms = out.geometry.to_numpy().copy()
    geoms[moved] = shapely.transform(geoms[moved], lambda xy: xy + [10, 0])
    return out.set_geometry(geoms)


def timed(fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t, out


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="5000,30000")
    parser.add_argument("--insert", type=int, default=30_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        store = new_store(tmp / "insert.gpkg", 0)
        frame = synthetic_projects(args.insert)
        insert_s, plan = timed(lambda: edits.apply(store, edits.plan_rows(store, "projects", frame)))
        print(f"insert {args.insert:>7,} schemes (baseline): {insert_s:7.2f} s  "
              f"({plan.counts()['insert']:,} added)")
        for n in (int(s) for s in args.sizes.split(",")):
            store = new_store(tmp / f"update-{n}.gpkg", n)
            update = changed(synthetic_projects(n))
            plan_s, plan = timed(edits.plan_rows, store, "projects", update)
            apply_s, _ = timed(edits.apply, store, plan)
            total = plan_s + apply_s
            print(f"update {n:>7,} schemes: {total:7.2f} s (diff {plan_s:.2f} s, write {apply_s:.2f} s)  "
                  f"= {total / insert_s:.2f}× the insert of {args.insert:,}  ({plan.counts()['update']:,} updated)")
            store.close()


if __name__ == "__main__":
    main()

"""PostGIS store speed, against baselines measured in the same run (a script that prints figures).

1. Import N point schemes from GeoJSON (validation, ids and history included) into PostGIS,
   against `ogr2ogr` loading the same file into the same database (GDAL's COPY path), runs
   interleaved, medians, with the time of each step (read, map + check + plan, write);
2. edit one scheme in process (one transaction + one history row) on PostGIS stores of
   1,000 → 100,000 schemes: the time should stay flat;
3. `run_checks` on the synthetic territory of bench_checks.py, on the GeoPackage store and on
   the same data copied into PostGIS (`plhgis store copy`).

It starts a throw-away cluster (tests/pg.py) unless --url names a database to use.

    python benchmarks/bench_postgis.py [--sizes 1000,10000,100000] [--import-size 100000] [--repeat 3]
                                       [--schemes 50000] [--plots 200000] [--only import|edit|checks]
                                       [--url postgresql://…]
"""
from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psycopg
import pyogrio

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "benchmarks")]

from bench_checks import SETTINGS, territory, write_store  # noqa: E402
from bench_store import STATUSES, communes, synthetic_projects  # noqa: E402
from bench_store import new_store as gpkg_store  # noqa: E402

from plhgis import checks, edits  # noqa: E402
from plhgis.stores import create_store  # noqa: E402
from plhgis.store_copy import copy_store  # noqa: E402


def new_store(url, n):
    store = create_store(url, overwrite=True)
    edits.apply(store, edits.plan_rows(store, "communes", communes(), mode="append"))
    if n:
        edits.apply(store, edits.plan_rows(store, "projects", synthetic_projects(n), mode="append"))
    return store


def edit_times(store, k=20) -> list[float]:
    ids = store.read("projects").id.sample(k, random_state=1).tolist()
    times = []
    for i, pid in enumerate(ids):
        t = time.perf_counter()
        edits.edit(store, "projects", pid, {"status": STATUSES[i % len(STATUSES)], "homes_total": 200})
        times.append(time.perf_counter() - t)
    return times


class Laps:
    """A `progress` callback (plhgis.progress) noting when each step of `import_file` ends."""

    def __init__(self):
        self.marks = [time.perf_counter()]

    def __call__(self, length, label):
        return contextlib.nullcontext(self)

    def update(self, n_steps, current_item=None):
        self.marks.append(time.perf_counter())


def server_cpu(cluster) -> float:
    """CPU seconds used so far by the throw-away cluster: the postmaster, its live children and the
    ones it has reaped (ogr2ogr's backend ends with it); 0 when the database is not ours (--url)."""
    if cluster is None:
        return 0.0
    hz = os.sysconf("SC_CLK_TCK")
    master = int((cluster.dir / "data" / "postmaster.pid").read_text().split()[0])
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # a process that has just ended
            continue
        if int(fields[1]) == master or stat.parent.name == str(master):
            total += sum(int(f) for f in fields[11:15])  # utime, stime, children's utime, stime
    return total / hz


def bench_import(url, tmp: Path, n: int, repeat: int, cluster=None):
    print(f"\n## Importing {n:,} point schemes from GeoJSON into PostGIS (median of {repeat}, runs interleaved)")
    src = tmp / "projects.geojson"
    pyogrio.write_dataframe(synthetic_projects(n, seed=2).to_crs(4326), src)
    ogr = shutil.which("ogr2ogr")
    if not ogr:
        print("ogr2ogr not found (Debian: gdal-bin): no baseline")
    info = psycopg.conninfo.conninfo_to_dict(url)
    pg = " ".join(f"{k}={v}" for k, v in info.items() if k in ("host", "port", "dbname", "user", "password"))
    floors, runs = [], []
    for _ in range(repeat):  # interleaved, so both see the same load on a shared machine
        if ogr:
            t, cpu, server = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN), server_cpu(cluster)
            subprocess.run([ogr, "-f", "PostgreSQL", f"PG:{pg}", str(src), "-nln", "ogr_projects", "-t_srs",
                            "EPSG:2154", "-lco", "GEOMETRY_NAME=geom", "-overwrite"], check=True)
            used = resource.getrusage(resource.RUSAGE_CHILDREN)
            floors.append({"wall": time.perf_counter() - t, "server": server_cpu(cluster) - server,
                           "cpu": used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime})
        store = new_store(url, 0)
        laps, cpu, server = Laps(), time.process_time(), server_cpu(cluster)
        plan = edits.import_file(store, "projects", src, mode="upsert", progress=laps)
        read, mapped, planned, written = np.diff(laps.marks).tolist()
        runs.append({"read": read, "map + check + plan": mapped + planned, "write (COPY + history)": written,
                     "wall": laps.marks[-1] - laps.marks[0], "server": server_cpu(cluster) - server,
                     "cpu": time.process_time() - cpu})
    mine = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    for key in ("read", "map + check + plan", "write (COPY + history)", "wall"):
        print(f"{'plhgis import: ' + key:<40} {mine[key]:6.2f} s")
    if not floors:
        return store
    base = {k: statistics.median(f[k] for f in floors) for k in floors[0]}
    print(f"{'ogr2ogr (the baseline): wall':<40} {base['wall']:6.2f} s")
    print(f"wall: plhgis / ogr2ogr = {mine['wall'] / base['wall']:.2f}× (medians); per interleaved pair: "
          + ", ".join(f"{r['wall'] / f['wall']:.2f}×" for r, f in zip(runs, floors)))
    if cluster is not None:  # CPU seconds, client + server: what a loaded machine disturbs least
        print(f"CPU s, client + server: plhgis {mine['cpu']:.2f} + {mine['server']:.2f}, "
              f"ogr2ogr {base['cpu']:.2f} + {base['server']:.2f}: "
              f"{(mine['cpu'] + mine['server']) / (base['cpu'] + base['server']):.2f}×")
    print(f"({plan.counts()['insert']:,} added, {len(store.history('projects')):,} history rows)")
    return store


def bench_edit(url, tmp: Path, sizes, big):
    print("\n## Editing one scheme in process (one transaction + one history row), PostGIS vs GeoPackage")
    print(f"{'schemes':>10} {'PostGIS median ms':>18} {'max ms':>8} {'GeoPackage median ms':>21} {'ratio':>6}")
    for n in sizes:
        store = big if big is not None and n == big.count("projects") else new_store(url, n)
        times = edit_times(store)
        gpkg = gpkg_store(tmp / f"edit-{n}.gpkg", n)
        base = statistics.median(edit_times(gpkg))
        gpkg.close()
        med = statistics.median(times)
        print(f"{n:>10,} {med * 1000:>18.1f} {max(times) * 1000:>8.1f} {base * 1000:>21.1f} {med / base:>6.2f}")


def bench_checks(url, tmp: Path, n_schemes, n_plots):
    print(f"\n## run_checks: {n_schemes:,} schemes, {n_plots:,} plots, 1,000 communes")
    layers = territory(np.random.default_rng(2154), n_schemes, n_plots)
    gpkg = write_store(tmp / "checks.gpkg", layers)
    gpkg.close()
    t = time.perf_counter()
    copy_store(tmp / "checks.gpkg", url, overwrite=True)
    print(f"store copy GeoPackage → PostGIS: {time.perf_counter() - t:.1f} s")
    from plhgis.stores import open_store

    timings = {"GeoPackage": [], "PostGIS": []}
    for _ in range(2):  # interleaved, so both stores see the same load on a shared machine
        for name, target in (("GeoPackage", tmp / "checks.gpkg"), ("PostGIS", url)):
            with open_store(target) as store:
                t = time.perf_counter()
                found = checks.run_checks(store, settings=SETTINGS)
                timings[name].append(time.perf_counter() - t)
            print(f"{name:>10}: run_checks {timings[name][-1]:6.2f} s ({len(found):,} findings)", flush=True)
    timings = {name: min(times) for name, times in timings.items()}
    print(f"best of two: GeoPackage {timings['GeoPackage']:.2f} s, PostGIS {timings['PostGIS']:.2f} s")
    print(f"PostGIS / GeoPackage: {timings['PostGIS'] / timings['GeoPackage']:.2f}×")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--import-size", type=int, default=100_000)
    ap.add_argument("--schemes", type=int, default=50_000)
    ap.add_argument("--plots", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3, help="import runs (the median is printed)")
    ap.add_argument("--only", choices=["import", "edit", "checks"], help="run one part only")
    ap.add_argument("--url", help="a database to use (its plhgis tables are replaced)")
    args = ap.parse_args()
    cluster = None
    if args.url:
        url = args.url
    else:
        from pg import Cluster

        cluster = Cluster.start()
        url = cluster.url(cluster.new_database())
    try:
        with tempfile.TemporaryDirectory() as tmp:
            big = None
            if args.only in (None, "import"):
                big = bench_import(url, Path(tmp), args.import_size, args.repeat, cluster)
            if args.only in (None, "edit"):
                bench_edit(url, Path(tmp), [int(s) for s in args.sizes.split(",")], big)
            if args.only in (None, "checks"):
                bench_checks(url, Path(tmp), args.schemes, args.plots)
    finally:
        if cluster:
            cluster.stop()


if __name__ == "__main__":
    main()

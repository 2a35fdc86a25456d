"""Store speed: editing one project as the store grows, and importing 100,000 points.

    python benchmarks/bench_store.py [--sizes 1000,10000,100000] [--import-size 100000] [--runs 3]

Prints the figures; asserts nothing (speed is measured, not tested).
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

from plhgis import edits
from plhgis.store import GeoPackageStore

STATUSES = ["repérage", "études", "PC déposé", "PC accordé", "travaux", "livré"]


def synthetic_projects(n: int, seed: int = 1) -> gpd.GeoDataFrame:
    """n point schemes spread over 10 communes of a 40 × 40 km square (Lambert-93)."""
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(650_000, 690_000, n), rng.uniform(7_000_000, 7_040_000, n)
    commune = (np.floor((x - 650_000) / 4_000)).astype(int)
    total = rng.integers(5, 120, n)
    return gpd.GeoDataFrame({
        "id": [f"P-{62900 + c}-{i:06d}" for i, c in enumerate(commune)],
        "name": [f"Opération n°{i} « Les Prés »" for i in range(n)],
        "commune": [str(62900 + c) for c in commune],
        "homes_total": total, "lls_plus": total // 4,
        "status": rng.choice(STATUSES, n), "delivery_year": rng.integers(2023, 2031, n),
    }, geometry=shapely.points(x, y), crs="EPSG:2154")


def communes() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"insee": [str(62900 + c) for c in range(10)],
                             "name": [f"Commune {c}" for c in range(10)]},
                            geometry=[shapely.box(650_000 + 4_000 * c, 7_000_000, 654_000 + 4_000 * c, 7_040_000)
                                      for c in range(10)], crs="EPSG:2154")


def new_store(path: Path, n: int) -> GeoPackageStore:
    store = GeoPackageStore.create(path, overwrite=True)
    edits.apply(store, edits.plan_rows(store, "communes", communes(), mode="append"))
    if n:
        edits.apply(store, edits.plan_rows(store, "projects", synthetic_projects(n), mode="append"))
    return store


def bench_edit(tmp: Path, sizes) -> None:
    print("\n## Editing one project (status change, one transaction + one history row)")
    print(f"{'projects':>10} {'median edit s':>14} {'max s':>8} {'file MB':>8}")
    for n in sizes:
        store = new_store(tmp / f"edit-{n}.gpkg", n)
        ids = store.read("projects", ids=None).id.sample(20, random_state=1).tolist()
        times = []
        for i, pid in enumerate(ids):
            t = time.perf_counter()
            edits.edit(store, "projects", pid, {"status": STATUSES[i % len(STATUSES)], "homes_total": 200})
            times.append(time.perf_counter() - t)
        size = store.path.stat().st_size / 1e6
        print(f"{n:>10,} {statistics.median(times):>14.4f} {max(times):>8.4f} {size:>8.1f}")
        store.close()


def bench_import(tmp: Path, n: int, runs: int) -> None:
    """Import `n` point schemes from GeoJSON in process and as a user runs it (`plhgis import`), next to
    `ogr2ogr` loading the same file (issue 14: ≤ 2×), alternated `runs` times so all three see the same
    load; medians of wall and of CPU time (the CPU ratio is the one a shared machine does not blur)."""
    print(f"\n## Importing {n:,} point projects from GeoJSON (validation and history included)")
    frame = synthetic_projects(n, seed=2)
    src = tmp / "projects.geojson"
    pyogrio.write_dataframe(frame.to_crs(4326), src)

    t = time.perf_counter()
    pyogrio.write_dataframe(frame, tmp / "floor.gpkg", layer="projects")
    floor = time.perf_counter() - t
    t = time.perf_counter()
    read = pyogrio.read_dataframe(src, use_arrow=True)
    read_s = time.perf_counter() - t
    print(f"bare pyogrio.write_dataframe (GPKG, the floor): {floor:8.2f} s")
    print(f"bare pyogrio.read_dataframe of the GeoJSON:     {read_s:8.2f} s  ({len(read):,} rows, Arrow)")

    env = _installed_env(tmp)
    ogr = shutil.which("ogr2ogr")
    inproc, cli, base = [], [], []
    for k in range(runs):
        store = new_store(tmp / f"in-{k}.gpkg", 0)
        cpu, t = time.process_time(), time.perf_counter()
        plan = edits.import_file(store, "projects", src, mode="upsert")
        inproc.append((time.perf_counter() - t, time.process_time() - cpu))
        new_store(tmp / f"cli-{k}.gpkg", 0).close()
        cli.append(_run([sys.executable, "-m", "plhgis", "import", "projects", str(src), "--store",
                         str(tmp / f"cli-{k}.gpkg")], env))
        if ogr:
            base.append(_run([ogr, "-f", "GPKG", "-t_srs", "EPSG:2154", "-nln", "projects",
                              str(tmp / f"ogr-{k}.gpkg"), str(src)]))
    wall, cpu = (statistics.median(x) for x in zip(*inproc))
    cli_wall, cli_cpu = (statistics.median(x) for x in zip(*cli))
    print(f"plhgis import in process (median of {runs}): {wall:.2f} s wall, {cpu:.2f} s CPU "
          f"= {wall / floor:.2f}× the write floor, {wall / (floor + read_s):.2f}× read+write floor")
    print(f"  added {plan.counts()['insert']:,}; history rows: {len(store.history('projects')):,}")
    again_t = time.perf_counter()
    again = edits.import_file(store, "projects", src, mode="upsert", dry_run=True)
    print(f"re-import of the same file (dry run, diff only): {time.perf_counter() - again_t:8.2f} s, "
          f"{again.counts()['unchanged']:,} unchanged, {len(again.changes)} changes")
    store.close()
    if not ogr:
        print(f"plhgis import (CLI): {cli_wall:8.2f} s; ogr2ogr not installed (apt-get install gdal-bin)")
        return
    ogr_wall, ogr_cpu = (statistics.median(x) for x in zip(*base))
    print(f"ogr2ogr of the same file (median of {runs}): {ogr_wall:.2f} s wall, {ogr_cpu:.2f} s CPU")
    print(f"plhgis import in process: ×{wall / ogr_wall:.2f} wall, ×{cpu / ogr_cpu:.2f} CPU of ogr2ogr")
    print(f"plhgis import (CLI): {cli_wall:.2f} s wall, {cli_cpu:.2f} s CPU → ×{cli_wall / ogr_wall:.2f} wall, "
          f"×{cli_cpu / ogr_cpu:.2f} CPU of ogr2ogr (goal ≤ 2)")


def _installed_env(tmp: Path) -> dict:
    """The environment of a CLI run as an installed plhgis has it: its modules compiled once (pip does
    that), not again at each run as PYTHONDONTWRITEBYTECODE would have it (0.2 s a run)."""
    root = Path(__file__).resolve().parents[1]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPATH=str(root), PYTHONPYCACHEPREFIX=str(tmp / "pycache"))
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(root / "plhgis")], env=env, check=True)
    return env


def _run(argv, env=None) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child process) of one run of `argv`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(argv, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--import-size", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3, help="runs of each import (in process, CLI, ogr2ogr)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench_edit(Path(tmp), [int(s) for s in args.sizes.split(",")])
        bench_import(Path(tmp), args.import_size, args.runs)


if __name__ == "__main__":
    main()

"""Benchmark: a national-size SDES permits file imported, and reconcile against 50,000 schemes.

    python benchmarks/bench_permits.py                        # 500,000 permits, 50,000 schemes
    python benchmarks/bench_permits.py --rows 100000 --schemes 20000
    python benchmarks/bench_permits.py --rows 100000 --import-only  # the imports and the write floors

The synthetic file is built from the real Toulouse rows (../shared/data/sitadel): rows drawn with
replacement, each given a unique permit number and one of 35,000 commune codes, written as the
SDES publishes it (two header lines, `;`, text quoted). The store holds a grid of communes.
Three timings, each next to a bare `pandas.read_csv` of the same file in the same run:

- import kept to a territory (`--territories`: 200 communes, an EPCI; 3,500 and 7,000, a tenth and a
  fifth of the file's communes): the usual monthly update, and how it grows with the territory;
- import of the whole file into a store holding every commune (500,000 permits written, with
  their history rows), each phase timed and set against the bare read: read and map (permits.py),
  plan (edits.plan_rows: validation and the diff with the store), write (edits.apply: rows, keys
  indexed once, R-tree, history);
- the floors any store write has, on the same rows: a bare `sqlite3` executemany of the permits
  table's rows (same columns, geometry blobs included) into a plain table, then with the history
  rows in the same transaction; a bare `pyogrio.write_dataframe` of the permits layer to a GeoPackage;
- reconcile of the permits of 5+ homes against `--schemes` schemes built from them (a third with
  the permit number, the others to be found by commune, homes, applicant and year), plus decoys.
"""
from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyogrio
import shapely

from plhgis import edits, permits, reconcile
from plhgis.store import GeoPackageStore

REAL = (Path(__file__).resolve().parents[2] / "shared" / "data" / "sitadel"
        / "Liste-des-autorisations-durbanisme-creant-des-logements.2026-01_Toulouse-31555.csv")
N_COMMUNES = 35000
EPCI = "200000001"


def codes(n):
    return np.array([f"{10 + k // 900:02d}{100 + k % 900:03d}" for k in range(n)])


def synthetic(path: Path, rows: int, seed=1) -> Path:
    """`rows` permits in the SDES layout, from the real rows."""
    rng = np.random.default_rng(seed)
    labels = REAL.open(encoding="utf-8").readline()
    real = pd.read_csv(REAL, sep=";", skiprows=1, dtype=str, keep_default_na=False)
    frame = real.iloc[rng.integers(0, len(real), rows)].reset_index(drop=True)
    comm = codes(N_COMMUNES)[rng.integers(0, N_COMMUNES, rows)]
    frame["COMM"] = comm
    frame["DEP_CODE"] = [c[:2] for c in comm]
    frame["NUM_DAU"] = np.char.add(np.char.add("0", comm.astype(str)), np.char.zfill(np.arange(rows).astype(str), 7))
    with path.open("w", encoding="utf-8") as fh:
        fh.write(labels)
        frame.to_csv(fh, sep=";", index=False, quoting=1)
    return path


def communes(n):
    """A grid of n square communes (2 km), the first 200 in one EPCI."""
    k = np.arange(n)
    x, y = 300000 + (k % 200) * 2000.0, 6300000 + (k // 200) * 2000.0
    return gpd.GeoDataFrame({"insee": codes(n), "name": [f"Commune {i}" for i in k],
                             "epci_siren": np.where(k < 200, EPCI, "200000002")},
                            geometry=shapely.box(x, y, x + 2000, y + 2000), crs=2154)


def arrow_read(path):
    """The file as Arrow's CSV reader reads it, every column as text (what permits.py asks of it)."""
    names = pd.read_csv(path, sep=";", skiprows=1, nrows=0).columns
    return pacsv.read_csv(path, read_options=pacsv.ReadOptions(skip_rows=1),
                          parse_options=pacsv.ParseOptions(delimiter=";"),
                          convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string())))


def timed(label, function, bare):
    start = time.perf_counter()
    out = function()
    seconds = time.perf_counter() - start
    ratio = f", {seconds / bare:.2f}× the bare read" if bare else ""
    print(f"{label}: {seconds:.2f} s{ratio}", flush=True)
    return out, seconds


@contextmanager
def phases(module, *names):
    """Seconds spent in `module`'s functions `names` while the block runs (the import calls them)."""
    spent = dict.fromkeys(names, 0.0)
    originals = {name: getattr(module, name) for name in names}

    def timed_call(name):
        def call(*args, **kwargs):
            start = time.perf_counter()
            try:
                return originals[name](*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - start
        return call

    for name in names:
        setattr(module, name, timed_call(name))
    try:
        yield spent
    finally:
        for name, function in originals.items():
            setattr(module, name, function)


def timed_import(label, store, path, bare, **territory):
    """The import, with its read+map, plan and write phases."""
    with phases(edits, "plan_rows", "apply") as spent:
        plan, seconds = timed(label, lambda: permits.import_permits(store, path, **territory), bare)
    plan_s, write_s = spent["plan_rows"], spent["apply"]
    phase = {"read and map": seconds - plan_s - write_s, "plan": plan_s, "write": write_s}
    print(f"  {plan.counts()['insert']:,} permits added; "
          + ", ".join(f"{name} {s:.2f} s ({s / bare:.2f}×)" for name, s in phase.items()))
    return write_s


def floors(store, work, bare, write_s) -> float:
    """What writing the same permits costs at the least: bare sqlite3, then pyogrio; the seconds of
    sqlite3 with the history rows."""
    con = store.con
    names = [r[1] for r in con.execute('PRAGMA table_info("permits")') if r[1] != "fid"]
    columns = ", ".join(f'"{n}"' for n in names)
    rows = con.execute(f"SELECT {columns} FROM permits").fetchall()
    history = con.execute("SELECT ts, user, layer, feature_id, action, before, after, source FROM history "
                          "WHERE layer = 'permits'").fetchall()

    def bare_sqlite(with_history):
        plain = sqlite3.connect(work / f"plain-{with_history}.sqlite", isolation_level=None)
        plain.execute(f"CREATE TABLE permits ({columns})")
        plain.execute("CREATE TABLE history (ts, user, layer, feature_id, action, before, after, source)")
        plain.execute("BEGIN")
        plain.executemany(f'INSERT INTO permits VALUES ({", ".join("?" * len(names))})', rows)
        if with_history:
            plain.executemany("INSERT INTO history VALUES (?, ?, ?, ?, ?, ?, ?, ?)", history)
        plain.execute("COMMIT")
        plain.close()

    print(f"floors for the write ({len(rows):,} rows of {len(names)} columns, {len(history):,} history rows); "
          f"our write phase: {write_s:.2f} s, {write_s / bare:.2f}× the bare read")
    timed("  bare sqlite3 executemany into a plain table", lambda: bare_sqlite(False), bare)
    _, with_history = timed("  the same with the history rows", lambda: bare_sqlite(True), bare)
    layer = store.read("permits")
    timed("  bare pyogrio.write_dataframe to a GeoPackage",
          lambda: pyogrio.write_dataframe(layer, work / "pyogrio.gpkg", layer="permits"), bare)
    timed("  the same through Arrow (use_arrow=True)",
          lambda: pyogrio.write_dataframe(layer, work / "pyogrio-arrow.gpkg", layer="permits", use_arrow=True), bare)
    return with_history


def schemes_from(store, n, seed=2):
    """n schemes from the permits of 5+ homes (a third with the number), plus n/10 decoys."""
    rng = np.random.default_rng(seed)
    p = store.read("permits")
    p = p[(p["homes_total"] >= 5) & (p["status"] != "annulé")]
    p = p.iloc[rng.choice(len(p), min(n, len(p)), replace=False)]
    number = np.where(rng.random(len(p)) < 1 / 3, p["num_dau"], None)
    homes = np.maximum(5, p["homes_total"].to_numpy(int) + rng.integers(-1, 2, len(p)))
    frame = gpd.GeoDataFrame({"name": [f"Opération {i}" for i in range(len(p))], "commune": p["commune"].to_numpy(),
                              "homes_total": homes, "status": "études", "permit_number": number,
                              "operator": p["applicant"].to_numpy(),
                              "permit_year": pd.to_datetime(p["date_authorised"]).dt.year.to_numpy()},
                             geometry=p.geometry.to_numpy(), crs=2154)
    decoys = frame.sample(len(frame) // 10, random_state=seed).assign(
        name=lambda f: "Leurre " + f["name"], permit_number=None, operator=None, permit_year=None,
        homes_total=lambda f: f["homes_total"] * 3 + 20)
    frame = pd.concat([frame, decoys], ignore_index=True)
    edits.apply(store, edits.plan_rows(store, "projects", gpd.GeoDataFrame(frame, crs=2154), mode="append",
                                       source="bench"))
    return len(frame)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=500_000)
    ap.add_argument("--schemes", type=int, default=50_000)
    ap.add_argument("--territories", type=lambda v: [int(x) for x in v.split(",")], default=[200, 3500, 7000],
                    help="communes of the territories the file is kept to (the first N of the grid, one EPCI)")
    ap.add_argument("--import-only", action="store_true", help="the imports and the floors, no reconcile")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-permits-") as work:  # 2 GB at 500,000 permits
        run(args, Path(work))


def run(args, work: Path):
    path = work / "permits.csv"
    _, seconds = timed(f"write the synthetic file ({args.rows:,} permits)", lambda: synthetic(path, args.rows), None)
    print(f"  {path.stat().st_size / 1e6:.0f} MB")
    frame, bare = timed("bare pandas.read_csv", lambda: pd.read_csv(path, sep=";", skiprows=1, low_memory=False),
                        None)
    del frame
    _, arrow = timed("  for comparison: a bare pyarrow.csv.read_csv, all columns as text", lambda: arrow_read(path), bare)
    grid = communes(N_COMMUNES)

    for size in args.territories:
        territory = GeoPackageStore.create(work / f"territory-{size}.gpkg")
        members = grid.iloc[:size].assign(epci_siren=EPCI)
        edits.apply(territory, edits.plan_rows(territory, "communes", members, source="bench"))
        timed_import(f"import kept to a territory of {size:,} communes ({size / N_COMMUNES:.0%} of the file's)",
                     territory, path, bare, epci=EPCI)
        territory.close()

    store = GeoPackageStore.create(work / "national.gpkg")
    edits.apply(store, edits.plan_rows(store, "communes", grid, source="bench"))
    write_s = timed_import("import of the whole file (every commune in the store)", store, path, bare)
    floor = arrow + floors(store, work, bare, write_s)
    print(f"floor of the whole import (the Arrow read + the bare sqlite3 write with history): {floor:.2f} s, "
          f"{floor / bare:.2f}× the bare read")
    if args.import_only:
        return
    n = schemes_from(store, args.schemes)
    print(f"  {n:,} schemes (with decoys)")
    result, _ = timed("reconcile (matching only)", lambda: reconcile.reconcile(store), None)
    links = result.matches[result.matches["confident"]]
    print(f"  {len(links):,} links, {int((~result.matches['confident']).sum()):,} to review, "
          f"{len(result.unmatched):,} permits of 5+ homes with no scheme")
    timed("reconcile applied (scheme changes and the review queue written)",
          lambda: reconcile.apply(store, result), None)


if __name__ == "__main__":
    main()

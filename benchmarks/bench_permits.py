"""Benchmark: a national-size SDES permits file imported, and reconcile against 50,000 schemes.

    python benchmarks/bench_permits.py                        # 500,000 permits, 50,000 schemes
    python benchmarks/bench_permits.py --rows 100000 --schemes 20000

The synthetic file is built from the real Toulouse rows (../shared/data/sitadel): rows drawn with
replacement, each given a unique permit number and one of 35,000 commune codes, written as the
SDES publishes it (two header lines, `;`, text quoted). The store holds a grid of communes.
Three timings, each next to a bare `pandas.read_csv` of the same file in the same run:

- import kept to a territory (an EPCI of 200 communes of the file): the usual monthly update;
- import of the whole file into a store holding every commune (500,000 permits written, with
  their history rows);
- reconcile of the permits of 5+ homes against `--schemes` schemes built from them (a third with
  the permit number, the others to be found by commune, homes, applicant and year), plus decoys.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
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


def timed(label, function, bare):
    start = time.perf_counter()
    out = function()
    seconds = time.perf_counter() - start
    ratio = f", {seconds / bare:.2f}× the bare read" if bare else ""
    print(f"{label}: {seconds:.1f} s{ratio}", flush=True)
    return out, seconds


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
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-permits-"))
    path = work / "permits.csv"
    _, seconds = timed(f"write the synthetic file ({args.rows:,} permits)", lambda: synthetic(path, args.rows), None)
    print(f"  {path.stat().st_size / 1e6:.0f} MB")
    frame, bare = timed("bare pandas.read_csv", lambda: pd.read_csv(path, sep=";", skiprows=1, low_memory=False),
                        None)
    del frame
    grid = communes(N_COMMUNES)

    territory = GeoPackageStore.create(work / "territory.gpkg")
    edits.apply(territory, edits.plan_rows(territory, "communes", grid.iloc[:200], source="bench"))
    plan, _ = timed("import kept to one EPCI (200 communes)",
                    lambda: permits.import_permits(territory, path, epci=EPCI), bare)
    print(f"  {plan.counts()['insert']:,} permits added")

    store = GeoPackageStore.create(work / "national.gpkg")
    edits.apply(store, edits.plan_rows(store, "communes", grid, source="bench"))
    plan, _ = timed("import of the whole file (every commune in the store)",
                    lambda: permits.import_permits(store, path), bare)
    print(f"  {plan.counts()['insert']:,} permits added")
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

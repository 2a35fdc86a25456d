"""Benchmark of `plhgis check` on a synthetic territory at scale (a script that prints figures).

1,000 communes (a 40 × 25 grid of 2 km squares, zone U in the middle of each, A around it),
300 QPV, 2,000 priority sectors, 1,000 OAP and 1,000 SMS prescriptions, 2,000 friches,
50,000 schemes (a third with a footprint) and 200,000 plots, written to temporary stores
(bulk-appended with pyogrio: this measures the checks, not the import). Then:

1. `run_checks` over the whole store, end to end (reading the layers included), with
   10,000, 50,000, 100,000 and 200,000 plots: how the time grows;
2. the same spatial placement (commune, QPV band, sector, PLU zone of every scheme; commune,
   sector, zone, OAP of every plot) done naively, one feature at a time against every polygon
   with shapely predicates, as code without a spatial index would. The naive loop is timed on a
   sample of features and extrapolated to the full counts (it would take hours otherwise);
3. the same joins as a plain geopandas pipeline (read the layers, `sjoin` schemes and plots to
   communes, QPV, QPV bands, sectors, PLU zones, SMS and OAP), next to `run_checks` and to the
   `plhgis check` command (a subprocess, findings printed), all timed in the same run
   (issue 14: CLI ≤ 1.3× run_checks, run_checks ≤ 2× the pipeline).

    python benchmarks/bench_checks.py [--schemes 50000] [--plots 200000] [--sample 300]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from plhgis import checks, schema
from plhgis.settings import DEFAULT_POLARITY, Settings
from plhgis.store import GeoPackageStore
from plhgis.territory import Territory

X0, Y0, SIDE, NX, NY = 650000.0, 6950000.0, 2000.0, 40, 25
CRS = "EPSG:2154"
SETTINGS = Settings(plh_start=2023, plh_end=2028, reference_year=2025)


def territory(rng, n_schemes, n_plots, nx=NX, ny=NY):
    """The synthetic layers, as GeoDataFrames with the store's columns (an nx × ny grid of communes)."""
    ix, iy = np.meshgrid(np.arange(nx), np.arange(ny))
    x, y = X0 + ix.ravel() * SIDE, Y0 + iy.ravel() * SIDE
    n = len(x)
    insee = np.array([f"{62000 + i:05d}" if i < 1000 else f"{63000 + i:05d}" for i in range(n)])
    cells = shapely.box(x, y, x + SIDE, y + SIDE)
    u = shapely.box(x + 500, y + 500, x + 1500, y + 1500)
    layers = {"communes": gpd.GeoDataFrame({
        "insee": insee, "name": [f"Commune {i}" for i in range(n)], "population": rng.integers(500, 30000, n),
        "main_residences": rng.integers(200, 12000, n), "lls_stock": rng.integers(0, 3000, n),
        "sru_rate_required": rng.choice([0.0, 0.2, 0.25], n), "sru_status": rng.choice(["soumise", "non soumise"], n),
        "polarity": rng.choice(list(DEFAULT_POLARITY), n)}, geometry=cells, crs=CRS)}
    layers["targets"] = pd.DataFrame({"id": [f"{c}-2023" for c in insee], "commune": insee, "period_start": 2023,
                                      "period_end": 2028, "homes_target": rng.integers(20, 600, n),
                                      "lls_target": rng.integers(0, 150, n)})
    layers["zoning"] = gpd.GeoDataFrame({
        "id": [f"Z-{i}" for i in range(2 * n)], "libelle": ["UA"] * n + ["A"] * n, "typezone": ["U"] * n + ["A"] * n,
        "insee": np.r_[insee, insee]}, geometry=np.r_[u, shapely.difference(cells, u)], crs=CRS)

    def boxes(k, size, where=None):
        i = rng.integers(0, n, k) if where is None else where
        px, py = x[i] + rng.uniform(100, SIDE - 100 - size, k), y[i] + rng.uniform(100, SIDE - 100 - size, k)
        return i, shapely.box(px, py, px + size, py + size)

    i, g = boxes(300, 400)
    layers["qpv"] = gpd.GeoDataFrame({"code_qp": [f"QN0{k:05d}M" for k in range(300)], "lib_qp": "QPV",
                                      "commune": insee[i], "npnru": rng.integers(0, 2, 300)}, geometry=g, crs=CRS)
    i, g = boxes(2000, 600)
    layers["sectors"] = gpd.GeoDataFrame({"id": [f"S-{k}" for k in range(2000)], "name": "secteur",
                                          "kind": "centralité", "commune": insee[i]}, geometry=g, crs=CRS)
    i, g = boxes(2000, 150)
    layers["prescriptions"] = gpd.GeoDataFrame({
        "id": [f"R-{k}" for k in range(2000)], "libelle": "p", "typepsc": np.where(np.arange(2000) % 2, "18", "17"),
        "stypepsc": "00", "insee": insee[i], "lls_share": 0.3}, geometry=g, crs=CRS)
    i, g = boxes(2000, 80)
    layers["friches"] = gpd.GeoDataFrame({"site_id": [f"{insee[j]}_{k}" for k, j in enumerate(i)],
                                          "site_nom": "friche", "comm_insee": insee[i],
                                          "site_statut": "friche sans projet", "capacity": rng.integers(5, 60, 2000)},
                                         geometry=g, crs=CRS)
    i, g = boxes(n_plots, 40)
    g = np.where(rng.random(n_plots) < 0.02, shapely.buffer(g, 25, cap_style="square"), g)  # some > 5,000 m²
    layers["plots"] = gpd.GeoDataFrame({"id": [f"G-{k}" for k in range(n_plots)], "commune": insee[i],
                                        "capacity": rng.integers(1, 12, n_plots), "status": "identifié"},
                                       geometry=g, crs=CRS)
    i = rng.integers(0, n, n_schemes)
    px, py = x[i] + rng.uniform(50, SIDE - 150, n_schemes), y[i] + rng.uniform(50, SIDE - 150, n_schemes)
    pts = shapely.points(px, py)
    homes = rng.integers(5, 120, n_schemes)
    geoms = np.where(rng.random(n_schemes) < 0.33, shapely.box(px, py, px + 90, py + 90), pts)
    social = (homes * rng.uniform(0, 0.6, n_schemes)).astype(int)
    plai = (social * rng.uniform(0, 0.5, n_schemes)).astype(int)
    layers["projects"] = gpd.GeoDataFrame({
        "id": [f"P-{k}" for k in range(n_schemes)], "name": "opération", "commune": insee[i], "homes_total": homes,
        "lls_plai": plai, "lls_plus": social - plai, "accession_libre": homes - social,
        "status": rng.choice(list(schema.PROJECT_STATUS), n_schemes),
        "land_origin": rng.choice(list(schema.LAND_ORIGIN), n_schemes),
        "permit_year": rng.integers(2019, 2028, n_schemes), "delivery_year": rng.integers(2021, 2031, n_schemes),
        "plot_id": np.where(rng.random(n_schemes) < 0.05, [f"G-{k}" for k in rng.integers(0, n_plots, n_schemes)],
                            None)}, geometry=geoms, crs=CRS)
    return layers


def write_store(path, layers):
    store = GeoPackageStore.create(path)
    store.close()
    for name, frame in layers.items():
        if isinstance(frame, gpd.GeoDataFrame):
            pyogrio.write_dataframe(frame, path, layer=name, append=True)
        else:
            import sqlite3
            con = sqlite3.connect(path)
            frame.to_sql(name, con, if_exists="append", index=False)
            con.close()
    return GeoPackageStore(path)


def timed(fn, repeat=1):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def naive_placement(layers, sample, rng):
    """Seconds per scheme and per plot of a feature-by-feature shapely loop over every polygon."""
    com = list(layers["communes"].geometry)
    qpv = layers["qpv"]
    bands = list(qpv.geometry.buffer(np.where(qpv.npnru == 1, 500.0, 300.0)))
    qpv_geoms = list(qpv.geometry)
    sectors = list(layers["sectors"].geometry)
    zones = list(layers["zoning"].geometry)
    pr = layers["prescriptions"]
    oap = list(pr[pr.typepsc == "18"].geometry)
    sms = list(pr[pr.typepsc == "17"].geometry)
    schemes = layers["projects"].geometry.to_numpy()[rng.choice(len(layers["projects"]), sample, replace=False)]
    plots = layers["plots"].geometry.to_numpy()[rng.choice(len(layers["plots"]), sample, replace=False)]

    def place_scheme(g):
        pt = g.representative_point()
        next((k for k, c in enumerate(com) if c.contains(pt)), None)
        next((k for k, q in enumerate(qpv_geoms) if q.contains(pt)), None)
        next((k for k, b in enumerate(bands) if b.contains(g)), None)
        next((k for k, s in enumerate(sectors) if s.contains(pt)), None)
        next((k for k, z in enumerate(zones) if z.contains(pt)), None)
        next((k for k, s in enumerate(sms) if s.contains(pt)), None)
        any(o.intersects(g) for o in oap)

    def place_plot(g):
        pt = g.representative_point()
        next((k for k, c in enumerate(com) if c.contains(pt)), None)
        next((k for k, s in enumerate(sectors) if s.contains(pt)), None)
        next((k for k, z in enumerate(zones) if z.contains(pt)), None)
        any(o.intersects(g) for o in oap)

    t_s, _ = timed(lambda: [place_scheme(g) for g in schemes])
    t_p, _ = timed(lambda: [place_plot(g) for g in plots])
    return t_s / sample, t_p / sample


def geopandas_pipeline(path):
    """The placement joins of the checks as plain geopandas: read every layer, then `sjoin` (seconds)."""
    def join(left, right, predicate="within"):
        hit = gpd.sjoin(left, right[["geometry"]], how="left", predicate=predicate)
        return hit[~hit.index.duplicated()]

    t0 = time.perf_counter()
    read = {name: pyogrio.read_dataframe(path, layer=name) for name in
            ("communes", "qpv", "sectors", "zoning", "prescriptions", "projects", "plots", "friches")}
    qpv = read["qpv"]
    bands = qpv.set_geometry(qpv.geometry.buffer(np.where(qpv["npnru"] == 1, 500.0, 300.0)))
    pr = read["prescriptions"]
    sms, oap = pr[pr["typepsc"] == "17"], pr[pr["typepsc"] == "18"]
    for layer, polys in (("projects", (read["communes"], qpv, sectors := read["sectors"], read["zoning"], sms)),
                         ("plots", (read["communes"], sectors, read["zoning"]))):
        frame = read[layer]
        points = frame.set_geometry(frame.geometry.representative_point())
        for poly in polys:
            join(points, poly)
        join(frame, oap, "intersects")
    join(read["projects"], bands, "within")
    join(read["friches"], read["communes"], "intersects")
    return time.perf_counter() - t0


def cli_check(path):
    """Seconds of `plhgis check` on the store, as a user runs it (output discarded)."""
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "plhgis", "check", "--store", str(path)], env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t0


def checks_alone(path):
    """Seconds of `run_checks` in this process on a store opened afresh."""
    with GeoPackageStore(path) as store:
        return timed(lambda: checks.run_checks(store, settings=SETTINGS))[0]


def side_by_side(path, rounds=3):
    """The command and `run_checks`, alternated `rounds` times (same load for both): medians."""
    pairs = [(cli_check(path), checks_alone(path)) for _ in range(rounds)]
    return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--schemes", type=int, default=50000)
    ap.add_argument("--plots", type=int, default=200000)
    ap.add_argument("--sample", type=int, default=300, help="features timed in the naive loop")
    args = ap.parse_args()
    rng = np.random.default_rng(2154)
    sizes = [s for s in (10000, 50000, 100000) if s < args.plots] + [args.plots]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        full = territory(rng, args.schemes, args.plots)
        print(f"synthetic territory generated in {time.perf_counter() - t0:.1f} s: "
              + ", ".join(f"{len(f):,} {k}" for k, f in full.items()))
        results = {}
        for n in sizes:
            layers = dict(full, plots=full["plots"].iloc[:n])
            t0 = time.perf_counter()
            store = write_store(Path(tmp) / f"bench-{n}.gpkg", layers)
            written = time.perf_counter() - t0
            secs, found = timed(lambda s=store: checks.run_checks(s, settings=SETTINGS), repeat=2)
            t = Territory(store, SETTINGS)
            read, _ = timed(lambda t=t: [t.layer(k) for k in schema.LAYERS])
            results[n] = secs
            print(f"{n:>7,} plots: run_checks {secs:5.2f} s end to end (of which reading the layers {read:4.2f} s; "
                  f"{len(found):,} findings; store written in {written:.1f} s)")
            store.close()
        first, last = sizes[0], sizes[-1]
        print(f"growth: ×{last / first:.0f} plots → ×{results[last] / results[first]:.2f} time "
              f"(the schemes and the other layers stay the same)")
        per_scheme, per_plot = naive_placement(full, args.sample, rng)
        naive = per_scheme * args.schemes + per_plot * args.plots
        t = None
        store = GeoPackageStore(Path(tmp) / f"bench-{last}.gpkg")
        t = Territory(store, SETTINGS)
        [t.layer(k) for k in schema.LAYERS]
        placed, _ = timed(lambda: (t.projects, t.unlinked("plots"), t.unlinked("friches"),
                                   checks.run_checks(store, rules=["PLU-OAP", "PLU-SMS"], territory=t)))
        store.close()
        print(f"naive per-feature shapely loop (timed on {args.sample} schemes and {args.sample} plots, "
              f"extrapolated): {per_scheme * 1e3:.1f} ms per scheme, {per_plot * 1e3:.1f} ms per plot → "
              f"{naive / 60:.0f} min for {args.schemes:,} schemes and {args.plots:,} plots")
        print(f"vectorised placement of the same features (STRtree queries): {placed:.2f} s → ratio ×{naive / placed:,.0f}")
        print(f"whole check vs the naive placement alone: ×{naive / results[last]:,.0f}")
        path = Path(tmp) / f"bench-{last}.gpkg"
        pipeline, _ = timed(lambda: geopandas_pipeline(path), repeat=2)
        command, alone = side_by_side(path)
        print(f"plhgis check (CLI) {command:.2f} s | run_checks {alone:.2f} s (medians of 3, alternated) | plain "
              f"geopandas sjoin pipeline {pipeline:.2f} s → CLI ×{command / alone:.2f} run_checks (goal ≤ 1.3), "
              f"run_checks ×{alone / pipeline:.2f} pipeline (goal ≤ 2)")


if __name__ == "__main__":
    main()

"""HTML size and time to first paint of plhgis maps, in headless Chromium with no network.

    python benchmarks/bench_maps.py            # demo territory, one commune, the 89 real communes,
                                               # and a synthetic department (issue 14)
    python benchmarks/bench_maps.py --nx 40 --ny 30 --schemes 20000 --plots 200000   # the defaults

The department is bench_checks.py's synthetic territory (a grid of 2 km communes, here 40 × 30 =
1,200, 20,000 schemes, 200,000 plots), its commune outlines made as winding as real ones (a
vertex every 20 m, moved by a smooth field so neighbours keep their shared edges). The map is
built from the store (`mapdata.load`: layers, checks and target progress, timed apart), then
drawn and written. Printed next to it in the same run: the same layers in the GeoJSON the map
used to embed (the old encoding, 6 decimals, popups as key/value pairs, every plot drawn).

"first paint" is Chromium's first contentful paint: the communes, areas and plots are drawn, the
clustered layers (schemes, friches) are filled in steps just after it; "drawn" is the moment the
last of them is in and the next frame painted (`PLH_DRAWN`, set by the page's script). Each is the
median of three loads.
Measured once with main's maps.py before issue 14, on the same department: a 75.7 MB page, its
overlays drawn after 57 s and first painted after 59 s (one load; not re-run here, it takes minutes).
Targets (issues 5 and 14): under 3 MB and a first paint under 2 s for each page. Exit 1 when a target is
missed. The full department takes ~1.5 min on a quiet 2-core machine (store writing and checks
are most of it).
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

import browser as harness  # noqa: E402  (tests/browser.py)
from bench_checks import territory, write_store  # noqa: E402  (the shared synthetic territory builder)

from plhgis import demo, mapdata, maps  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
MAX_BYTES, MAX_SECONDS = 3_000_000, 2.0


def real_map_data():
    import geopandas as gpd

    communes = gpd.read_file(SHARED / "territoire" / "communes_call_capso.geojson").rename(
        columns={"code": "insee", "nom": "name", "nom_epci": "epci_name", "population_municipale": "population"})
    friches = gpd.read_file(SHARED / "friches" / "cartofriches_points_call.geojson")
    return mapdata.MapData({"communes": communes, "friches": friches}, name="CALL et CAPSO (données réelles)")


def winding(layers, step=20.0, amplitude=30.0):
    """Commune and zoning outlines with a vertex every `step` m, moved by a smooth field (shared edges stay shared)."""
    def move(xy):
        x, y = xy[:, 0], xy[:, 1]
        dx = amplitude * (np.sin(y / 97.0) * np.cos(x / 331.0) + 0.4 * np.sin((x + y) / 41.0))
        dy = amplitude * (np.cos(x / 113.0) * np.sin(y / 287.0) + 0.4 * np.cos((x - y) / 37.0))
        return np.column_stack([x + dx, y + dy])

    for name in ("communes", "zoning"):
        frame = layers[name]
        layers[name] = frame.set_geometry(shapely.transform(shapely.segmentize(frame.geometry.to_numpy(), step),
                                                            move))
    return layers


def department(folder: Path, nx, ny, schemes, plots):
    """The synthetic department's store, and the seconds it took to write."""
    t0 = time.perf_counter()
    layers = winding(territory(np.random.default_rng(2154), schemes, plots, nx, ny))
    layers["communes"]["epci_name"] = "Département de synthèse"
    store = write_store(folder / "departement.gpkg", layers)
    return store, time.perf_counter() - t0


def geojson_bytes(data) -> int:
    """Bytes of the map's overlays as GeoJSON features with every plot drawn (the encoding before issue 14)."""
    kept, maps.PLOTS_DETAIL_MAX = maps.PLOTS_DETAIL_MAX, math.inf
    try:
        drawn = maps.drawn_features(data)
    finally:
        maps.PLOTS_DETAIL_MAX = kept
    return len(maps.js_json({key: {"type": "FeatureCollection", "features": features}
                             for key, features in drawn.items()}).encode())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nx", type=int, default=40)
    ap.add_argument("--ny", type=int, default=30)
    ap.add_argument("--schemes", type=int, default=20_000)
    ap.add_argument("--plots", type=int, default=200_000)
    args = ap.parse_args()
    why = harness.available()
    if why:
        print(f"skipped: {why}")
        return 0
    out = Path(tempfile.mkdtemp(prefix="plhgis-bench-"))
    pages, notes = {}, []
    store = demo.build(out / "plh.gpkg")
    big, written = department(out, args.nx, args.ny, args.schemes, args.plots)
    n = args.nx * args.ny
    dept = f"department ({n:,} communes)"
    notes.append(f"{dept}: {args.schemes:,} schemes, {args.plots:,} plots; store written in {written:.1f} s")
    for label, build in (("demo territory", lambda: mapdata.load(store)),
                         ("one commune (62950)", lambda: mapdata.collect(store, "62950")),
                         ("89 real communes + Cartofriches", real_map_data if SHARED.is_dir() else None),
                         (dept, lambda: mapdata.load(big))):
        if build is None:
            print(f"{label}: skipped (../shared/data absent)")
            continue
        t0 = time.perf_counter()
        data = build()
        t1 = time.perf_counter()
        page = maps.to_html(maps.build(data))
        path = out / (label.split()[0] + ".html")
        path.write_text(page, encoding="utf-8")
        pages[label] = (path, time.perf_counter() - t1)
        if label == dept:
            notes.append(f"{dept}: store read and checked in {t1 - t0:.1f} s, map drawn and written in "
                         f"{pages[label][1]:.1f} s")
            old = geojson_bytes(data)
            notes.append(f"{dept}: its overlays as GeoJSON with every plot (the encoding before issue 14): "
                         f"{old / 1e6:.1f} MB; the page now {path.stat().st_size / 1e6:.2f} MB, "
                         f"×{old / path.stat().st_size:.0f} smaller")
    store.close()
    big.close()
    failed = False
    print(*notes, sep="\n")
    print(f"{'page':34} {'HTML':>9} {'build':>7} {'first paint':>12} {'drawn':>7}")
    with harness.Browser() as b:
        b.open(next(iter(pages.values()))[0])  # warm the browser up once
        for label, (path, build_s) in pages.items():
            times = []
            for _ in range(3):  # the median of three loads
                b.open(path, ready="window.PLH_DRAWN", timeout=60)
                times.append(((b.first_paint_ms() or float("nan")) / 1000, b.js("return window.PLH_DRAWN") / 1000))
            paint, drawn = sorted(times)[1]
            size = path.stat().st_size
            errors = b.js_errors()
            ok = size < MAX_BYTES and paint < MAX_SECONDS and not errors  # the goals: size and first paint
            failed |= not ok
            print(f"{label:34} {size / 1e6:7.2f}MB {build_s:6.2f}s {paint:11.2f}s {drawn:6.2f}s"
                  f"{'' if ok else '  MISSED'}{'  JS errors: ' + str(errors) if errors else ''}")
    print(f"targets: < {MAX_BYTES / 1e6:.0f} MB and a first paint < {MAX_SECONDS:.0f} s; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores; pages in {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

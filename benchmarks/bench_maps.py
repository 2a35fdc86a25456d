"""HTML size and time to first paint of plhgis maps, in headless Chromium with no network.

    python benchmarks/bench_maps.py            # demo territory, one commune, the 89 real communes

Targets (issue 5): under 3 MB and under 2 s for each page. The real-data map uses the CALL and
CAPSO communes and the Cartofriches points of ../shared/data (skipped when absent). Exit 1 when
a target is missed.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import browser as harness  # noqa: E402  (tests/browser.py)

from plhgis import demo, maps  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
MAX_BYTES, MAX_SECONDS = 3_000_000, 2.0


def real_map_data():
    import geopandas as gpd

    communes = gpd.read_file(SHARED / "territoire" / "communes_call_capso.geojson").rename(
        columns={"code": "insee", "nom": "name", "nom_epci": "epci_name", "population_municipale": "population"})
    friches = gpd.read_file(SHARED / "friches" / "cartofriches_points_call.geojson")
    return maps.MapData({"communes": communes, "friches": friches}, name="CALL et CAPSO (données réelles)")


def main() -> int:
    why = harness.available()
    if why:
        print(f"skipped: {why}")
        return 0
    out = Path(tempfile.mkdtemp(prefix="plhgis-bench-"))
    store = demo.build(out / "plh.gpkg")
    pages = {}
    for label, build in (("demo territory", lambda: maps.store_map(store)),
                         ("one commune (62950)", lambda: maps.store_map(store, "62950")),
                         ("89 real communes + Cartofriches", real_map_data if SHARED.is_dir() else None)):
        if build is None:
            print(f"{label}: skipped (../shared/data absent)")
            continue
        start = time.perf_counter()
        made = build()
        m = maps.build(made) if isinstance(made, maps.MapData) else made
        path = out / (label.split()[0] + ".html")
        path.write_text(maps.to_html(m), encoding="utf-8")
        pages[label] = (path, time.perf_counter() - start)
    store.close()
    failed = False
    print(f"{'page':34} {'HTML':>9} {'build':>7} {'first paint':>12} {'map ready':>10}")
    with harness.Browser() as b:
        b.open(next(iter(pages.values()))[0])  # warm the browser up once
        for label, (path, build_s) in pages.items():
            ready = b.open(path)
            paint = (b.first_paint_ms() or float("nan")) / 1000
            size = path.stat().st_size
            errors = b.js_errors()
            ok = size < MAX_BYTES and paint < MAX_SECONDS and ready < MAX_SECONDS and not errors
            failed |= not ok
            print(f"{label:34} {size / 1e6:7.2f}MB {build_s:6.2f}s {paint:11.2f}s {ready:9.2f}s"
                  f"{'' if ok else '  MISSED'}{'  JS errors: ' + str(errors) if errors else ''}")
    print(f"targets: < {MAX_BYTES / 1e6:.0f} MB and < {MAX_SECONDS:.0f} s; pages in {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

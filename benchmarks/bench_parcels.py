"""Benchmark: importing Etalab cadastre parcels, next to a bare pyogrio read + write.

    python benchmarks/bench_parcels.py              # real file (4,241) + synthetic 500,000
    python benchmarks/bench_parcels.py --n 100000   # a smaller synthetic file

Each step runs in its own Python process, so its peak memory (ru_maxrss) is its own; the
timings leave out the module imports and `plhgis init` (the store exists before an import). The
synthetic file has the Etalab format (FeatureCollection, WGS84, id/commune/prefixe/section/
numero/contenance/arpente/created/updated, one 5-vertex polygon per parcel), on a grid near Lens.
Prints one line per step: seconds, peak RSS in MB, and the import / bare ratio.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "cadastre" / "cadastre-91216-parcelles.json"


def synthetic(path: Path, n: int) -> Path:
    """n parcels of about 20 m × 25 m in the Etalab cadastre GeoJSON format."""
    import geopandas as gpd
    import numpy as np
    import pyogrio
    import shapely

    side = int(np.ceil(np.sqrt(n)))
    i = np.arange(n)
    col, row = i % side, i // side
    x0, y0 = 2.70 + col * 0.00028, 50.30 + row * 0.00022  # about 20 m × 24 m cells
    boxes = shapely.box(x0, y0, x0 + 0.00026, y0 + 0.0002)
    section = np.array([f"{chr(65 + (r // 26) % 26)}{chr(65 + r % 26)}" for r in range(26 * 26)])
    numero = (i % 9999) + 1
    sec = section[(i // 9999) % len(section)]
    commune = np.array([f"62{(498 + k) % 1000:03d}" for k in range(10)])[(i // (side * max(side // 10, 1))) % 10]
    ids = np.char.add(np.char.add(np.char.add(commune.astype(str), "000"), sec), np.char.zfill(numero.astype(str), 4))
    frame = gpd.GeoDataFrame({
        "id": ids, "commune": commune, "prefixe": "000", "section": sec, "numero": numero.astype(str),
        "contenance": np.round(shapely.area(boxes) * 0).astype(int) + 500, "arpente": False,
        "created": "2015-05-12", "updated": "2021-12-15"}, geometry=boxes, crs="EPSG:4326")
    pyogrio.write_dataframe(frame, path, driver="GeoJSON")
    return path


def step_bare(src: str, work: str):
    import pyogrio

    import importlib.util

    frame = pyogrio.read_dataframe(src, use_arrow=importlib.util.find_spec("pyarrow") is not None)
    frame = frame.to_crs(2154)  # the import reprojects too
    pyogrio.write_dataframe(frame, Path(work) / "bare.gpkg", layer="parcels", driver="GPKG")
    return len(frame)


def step_import(src: str, work: str):
    from plhgis import edits
    from plhgis.store import GeoPackageStore

    store = GeoPackageStore.create(Path(work) / "plh.gpkg", overwrite=True)  # plhgis init: not timed
    store.user = "bench"
    start = time.perf_counter()
    plan = edits.import_file(store, "parcels", src)
    store.close()
    return plan.counts()["insert"], start


def child(step: str, src: str, work: str):
    if step == "synth":  # in its own process too, so that no step inherits its memory
        synthetic(Path(work), int(src))
        print("{}")
        return
    import geopandas  # noqa: F401  both steps pay for their imports outside the timing
    import pyogrio  # noqa: F401

    import plhgis.edits  # noqa: F401

    start = time.perf_counter()
    count = {"bare": step_bare, "import": step_import}[step](src, work)
    if isinstance(count, tuple):
        count, start = count
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "count": count}))


def run(step: str, src: Path, work: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", step, str(src), str(work)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=500_000, help="parcels in the synthetic file")
    parser.add_argument("--child", nargs=3, metavar=("STEP", "SRC", "WORK"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(*args.child)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        files = []
        if REAL.exists():
            files.append(("Etalab 91216 (real)", REAL))
        start = time.perf_counter()
        synth = tmp / f"cadastre-synthetic-{args.n}.json"
        run("synth", args.n, synth)
        files.append((f"synthetic {args.n:,}", synth))
        print(f"synthetic file written in {time.perf_counter() - start:.1f} s "
              f"({files[-1][1].stat().st_size / 1e6:.0f} MB)")
        print(f"{'file':<24}{'parcels':>10}{'bare s':>9}{'import s':>10}{'ratio':>7}{'bare MB':>9}{'import MB':>11}")
        for label, src in files:
            bare = run("bare", src, tmp)
            imp = run("import", src, tmp)
            print(f"{label:<24}{imp['count']:>10,}{bare['seconds']:>9.1f}{imp['seconds']:>10.1f}"
                  f"{imp['seconds'] / bare['seconds']:>7.1f}{bare['peak_mb']:>9.0f}{imp['peak_mb']:>11.0f}")


if __name__ == "__main__":
    main()

"""Interactive start-up of the CLI (a script that prints figures; issue 14).

Medians of --runs whole-process runs, each next to its peer timed in the same run:

- `plhgis --help` next to `python -c 'import click'` (goal ≤ 0.3 s), with the `-X importtime` total
  of `import plhgis.cli` and which heavy libraries it loads (none is the point);
- `plhgis project edit ID --status …` on the demo store next to `ogrinfo -sql "UPDATE …"` on the same
  file (goal ≤ 0.4 s), with the `-X importtime` total of that edit.

    python benchmarks/bench_cli.py [--runs 5]
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV = dict(os.environ, PYTHONPATH=str(ROOT))
HEAVY = ("geopandas", "pandas", "numpy", "shapely", "pyproj", "folium", "openpyxl")


def median_wall(argv, runs) -> float:
    """Median wall seconds of `argv` run as a process (after one warm-up run)."""
    times = []
    for k in range(runs + 1):
        t0 = time.perf_counter()
        subprocess.run(argv(k) if callable(argv) else argv, env=ENV, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - t0)
    return statistics.median(times[1:])


def import_profile(args) -> tuple[float, list[str]]:
    """(seconds of imports by -X importtime, the heavy libraries actually executed) of `python -X importtime ARGS`."""
    err = subprocess.run([sys.executable, "-X", "importtime", *args], env=ENV, capture_output=True, text=True).stderr
    rows = [re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line) for line in err.splitlines()]
    rows = [r for r in rows if r]
    total = sum(int(r.group(1)) for r in rows) / 1e6
    names = {r.group(4).split(".")[0] for r in rows}  # lazily loaded packages log their submodules only
    return total, [lib for lib in HEAVY if lib in names]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    py = sys.executable
    click_s = median_wall([py, "-c", "import click"], args.runs)
    help_s = median_wall([py, "-m", "plhgis", "--help"], args.runs)
    total, heavy = import_profile(["-c", "import plhgis.cli"])
    print(f"plhgis --help {help_s:.2f} s (goal ≤ 0.30) | python -c 'import click' {click_s:.2f} s → "
          f"×{help_s / click_s:.1f} | -X importtime of plhgis.cli: {total:.2f} s, heavy libraries: "
          f"{', '.join(heavy) or 'none'}")
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "plh.gpkg"
        subprocess.run([py, "-m", "plhgis", "init", "--demo", "--store", str(store)], env=ENV, check=True,
                       capture_output=True)
        fid = subprocess.run([py, "-m", "plhgis", "project", "list", "--store", str(store), "--format", "csv"],
                             env=ENV, capture_output=True, text=True, check=True).stdout.splitlines()[1].split(";")[0]
        edit = [py, "-m", "plhgis", "project", "edit", fid, "--store", str(store), "--user", "bench", "--status"]
        statuses = ("travaux", "livré")  # each run a real change: one row and one history row written
        edit_s = median_wall(lambda k: [*edit, statuses[k % 2]], args.runs)
        total, heavy = import_profile([*edit[1:], "études"])
        line = f"plhgis project edit {edit_s:.2f} s (goal ≤ 0.40)"
        if shutil.which("ogrinfo"):
            ogr_s = median_wall(lambda k: ["ogrinfo", "-q", str(store), "-sql",
                                           f"UPDATE projects SET status = '{statuses[k % 2]}' WHERE id = '{fid}'"],
                                args.runs)
            line += f" | ogrinfo -sql UPDATE {ogr_s:.2f} s → ×{edit_s / ogr_s:.1f}"
        else:
            line += " | ogrinfo not installed (apt-get install gdal-bin)"
        print(line + f" | -X importtime of the edit: {total:.2f} s, heavy libraries: {', '.join(heavy) or 'none'}")


if __name__ == "__main__":
    main()

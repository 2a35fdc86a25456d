"""QGIS opens the store as it is, with plhgis's styles (needs Debian's python3-qgis)."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from plhgis.store import is_url
from plhgis.stores import open_store

SYSTEM_PYTHON = "/usr/bin/python3"


def qgis_sees(store_path, names) -> dict:
    if not Path(SYSTEM_PYTHON).exists() or subprocess.run(
            [SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True).returncode:
        pytest.skip("PyQGIS is not installed (Debian: python3-qgis qgis-providers)")
    probe = Path(__file__).with_name("qgis_probe.py")
    result = subprocess.run([SYSTEM_PYTHON, str(probe), str(store_path), ",".join(names)],
                            capture_output=True, text=True, timeout=180,
                            env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin",
                                 "HOME": "/tmp" if is_url(store_path) else str(Path(store_path).parent)})
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_qgis_opens_every_layer_styled(demo_target):
    store = open_store(demo_target)
    names = ["projects:Point", "projects:Polygon", "friches", "plots", "communes", "qpv", "sectors", "zoning",
             "targets", "history"]
    seen = qgis_sees(demo_target, names)
    for name in ("friches", "plots", "communes", "qpv", "sectors", "zoning"):
        assert seen[name]["valid"] and seen[name]["crs"] == "EPSG:2154", (name, seen[name])
        assert seen[name]["features"] == store.count(name)
        assert seen[name]["pixels"] > 50, (name, seen[name])
    points, polygons = seen["projects:Point"], seen["projects:Polygon"]
    placed = store.read("projects", include_ended=True).dropna(subset=["geometry"])
    assert points["features"] + polygons["features"] == len(placed)
    assert points["renderer"] == polygons["renderer"] == "RuleRenderer"  # the plhgis style, not QGIS's default
    assert points["pixels"] > 50 and polygons["pixels"] > 10  # markers and footprints both drawn
    assert seen["zoning"]["renderer"] == "categorizedSymbol"
    assert seen["targets"]["features"] == store.count("targets") and seen["history"]["features"] > 0

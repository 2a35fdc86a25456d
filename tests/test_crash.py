"""kill -9 at random points of an import and of a run of edits: the store stays whole (integrity,
R-tree), and each change is either fully applied with its history or not at all."""
from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from plhgis.store import GeoPackageStore, _register_gpkg_functions

TRIALS = 8
ROWS = 3000


def _consistent(path):
    """Integrity check, R-tree against the geometries, and the history of every layer."""
    con = sqlite3.connect(path)
    _register_gpkg_functions(con)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rtree = {r[0]: r[1:] for r in con.execute("SELECT id, minx, maxx, miny, maxy FROM rtree_projects_geom")}
        placed = {r[0]: r[1:] for r in con.execute(
            "SELECT fid, ST_MinX(geom), ST_MaxX(geom), ST_MinY(geom), ST_MaxY(geom) FROM projects "
            "WHERE geom IS NOT NULL AND NOT ST_IsEmpty(geom)")}
        assert rtree.keys() == placed.keys()
        assert all(abs(a - b) < 1.0 for k in placed for a, b in zip(rtree[k], placed[k]))  # float32 boxes
        assert con.execute("SELECT count(*) FROM plhgis_settings WHERE key = 'plhgis_write'").fetchone() == (0,)
    finally:
        con.close()


def _kill_at(args, delay):
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    out, err = proc.communicate()
    return proc.returncode, out


@pytest.fixture
def big_csv(tmp_path):
    path = tmp_path / "retour.csv"
    lines = ["name;commune;homes_total;status;lon;lat"]
    lines += [f"Opération {i};62950;{10 + i % 50};études;2,{790 + i % 100};50,{400 + i // 100:03d}"
              for i in range(ROWS)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_kill_9_during_imports_never_half_applies(demo_path, big_csv):
    rng = random.Random(9)
    base = GeoPackageStore(demo_path)
    rows0, history0 = base.count("projects"), len(base.history())
    base.close()
    seen = {"applied": 0, "not applied": 0}
    for _ in range(TRIALS):
        _kill_at([sys.executable, "-m", "plhgis", "import", "projects", str(big_csv), "--store", str(demo_path),
                  "--mode", "append"], rng.uniform(1.0, 6.0))
        _consistent(demo_path)
        store = GeoPackageStore(demo_path)
        added = store.count("projects") - rows0
        journaled = len(store.history()) - history0
        store.close()
        assert added in (0, ROWS) and journaled == added, (added, journaled)
        seen["applied" if added else "not applied"] += 1
        if added:  # start the next trial from the same store
            con = sqlite3.connect(demo_path)
            _register_gpkg_functions(con)
            con.execute("INSERT INTO plhgis_settings (key, value) VALUES ('plhgis_write', 'test')")
            con.execute("DELETE FROM history WHERE fid > (SELECT fid FROM history ORDER BY fid LIMIT 1 OFFSET ?)",
                        [history0 - 1])
            con.execute("DELETE FROM projects WHERE name LIKE 'Opération %'")
            con.execute("DELETE FROM plhgis_settings WHERE key = 'plhgis_write'")
            con.commit()
            con.close()
    print(f"kill -9 during import: {TRIALS} trials, {seen}, 0 half-applied")


EDITOR = """
import sys
from plhgis import edits
from plhgis.store import GeoPackageStore
store = GeoPackageStore(sys.argv[1], user="kill")
for i in range(100000):
    edits.edit(store, "projects", sys.argv[2], {"homes_total": 100 + i % 500, "comment": f"{sys.argv[3]}-{i}"})
    print(i, flush=True)
"""


def test_kill_9_during_edits_never_half_applies(demo_path):
    rng = random.Random(7)
    scheme = GeoPackageStore(demo_path).read("projects").id.iloc[0]
    landed = 0
    for trial in range(TRIALS):
        _, out = _kill_at([sys.executable, "-c", EDITOR, str(demo_path), scheme, str(trial)],
                          rng.uniform(1.5, 3.5))
        _consistent(demo_path)
        store = GeoPackageStore(demo_path)
        history = store.history("projects", scheme)
        mine = history[history.user == "kill"]
        now = store.get("projects", scheme)
        store.close()
        assert len(mine) >= landed + len(out.split())  # every edit it reported is in the history
        landed = len(mine)
        if landed:
            last = json.loads(mine.after.iloc[-1])
            assert {k: now[k] for k in last} == last  # the row holds what the last history row says
    print(f"kill -9 during edits: {TRIALS} trials, {landed} edits landed, each with its history row")

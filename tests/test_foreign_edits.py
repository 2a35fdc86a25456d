"""The store edited by other tools (QGIS, GDAL, sqlite3): journaled in the history; odd stores
(newer, older, damaged settings or history) give clear errors or notes, never tracebacks."""
from __future__ import annotations

import json
import sqlite3
import subprocess
from datetime import date
from pathlib import Path

import pytest
import shapely

from plhgis import edits
from plhgis.store import SCHEMA_VERSION, GeoPackageStore, _register_gpkg_functions

SYSTEM_PYTHON = "/usr/bin/python3"


def _sql(path, *statements):
    """Write with plain sqlite3 (with the functions GDAL's R-tree triggers call, as GDAL has)."""
    con = sqlite3.connect(path)
    _register_gpkg_functions(con)
    try:
        for sql, *params in statements:
            con.execute(sql, *params)
        con.commit()
    finally:
        con.close()


def _agrees(path, layer="projects"):
    """`list` (read) and `--as-of` today (the history replayed) hold the same features and values."""
    store = GeoPackageStore(path)
    now = store.read(layer).set_index("id").sort_index()
    replayed = store.read(layer, as_of=date.today()).set_index("id").sort_index()
    assert list(now.index) == list(replayed.index)
    for col in ("name", "status", "homes_total", "comment"):
        assert now[col].fillna(-1).tolist() == replayed[col].fillna(-1).tolist(), col
    same = shapely.equals_exact(now.geometry.to_numpy(), replayed.geometry.to_numpy(), tolerance=1e-6)
    assert (same | (now.geometry.isna().to_numpy() & replayed.geometry.isna().to_numpy())).all()
    return store


def test_sqlite_edits_outside_plhgis_are_journaled(demo_path):
    store = GeoPackageStore(demo_path)
    scheme = store.read("projects").iloc[0]
    gone = store.read("projects").iloc[1]
    _sql(demo_path, ("UPDATE projects SET status = 'livré', homes_total = homes_total + 1 WHERE id = ?",
                     [scheme.id]),
         ("DELETE FROM projects WHERE id = ?", [gone.id]))
    store = _agrees(demo_path)
    rows = store.history("projects", scheme.id)
    last = rows.iloc[-1]
    assert (last.user, last.action, last.source) == ("outside plhgis", "update", "edited outside plhgis")
    assert json.loads(last.after) == {"status": "livré", "homes_total": int(scheme.homes_total) + 1}
    assert json.loads(last.before) == {"status": scheme.status, "homes_total": int(scheme.homes_total)}
    assert store.get("projects", scheme.id)["updated_at"] > scheme.updated_at  # a new version
    deleted = store.history("projects", gone.id).iloc[-1]
    assert deleted.action == "delete" and json.loads(deleted.before)["name"] == gone["name"]
    assert f"- projects {gone.id} supprimé(e) le {date.today()}" in edits.history_lines(store.history())[-1]
    assert f"- projects {gone.id} deleted on {date.today()}" in edits.history_lines(store.history(), "en")[-1]


def test_a_stale_plhgis_edit_after_an_outside_edit_is_refused(demo_path):
    store = GeoPackageStore(demo_path)
    scheme = store.read("projects").iloc[0]
    plan = edits.plan_rows(store, "projects", store.read("projects", ids=[scheme.id]).assign(comment="x"))
    _sql(demo_path, ("UPDATE projects SET homes_total = homes_total + 1 WHERE id = ?", [scheme.id]))
    with pytest.raises(Exception, match="changed by someone else meanwhile"):
        edits.apply(store, plan)


def test_a_row_without_a_version_is_still_checked(demo_path):
    """A feature another tool wrote without updated_at (before the journal triggers existed)."""
    store = GeoPackageStore(demo_path)
    scheme = store.read("projects").iloc[0]
    _sql(demo_path, ("INSERT INTO plhgis_settings (key, value) VALUES ('plhgis_write', 'test')",),
         ("UPDATE projects SET updated_at = NULL WHERE id = ?", [scheme.id]),
         ("DELETE FROM plhgis_settings WHERE key = 'plhgis_write'",))
    plan = edits.plan_rows(store, "projects", store.read("projects", ids=[scheme.id]).assign(comment="x"))
    _sql(demo_path, ("UPDATE projects SET homes_total = homes_total + 1 WHERE id = ?", [scheme.id]))
    with pytest.raises(Exception, match="changed by someone else meanwhile"):
        edits.apply(store, plan)


def test_plhgis_writes_are_journaled_once(invoke, demo_path):
    store = GeoPackageStore(demo_path)
    scheme = store.read("projects").iloc[0]
    before = len(store.history())
    assert invoke("project", "edit", scheme.id, "--status", "livré", "--store", demo_path).exit_code == 0
    assert invoke("project", "end", scheme.id, "--store", demo_path).exit_code == 0
    history = GeoPackageStore(demo_path).history()
    assert len(history) == before + 2 and "outside plhgis" not in set(history.user)


def test_gdal_edits_are_journaled(demo_path, tmp_path):
    """OGR's own feature API (what QGIS's GeoPackage provider uses): add, change and delete."""
    store = GeoPackageStore(demo_path)
    first, second = store.read("projects").id[:2]
    script = f"""
from osgeo import ogr
ds = ogr.Open({str(demo_path)!r}, 1)
lay = ds.GetLayerByName("projects")
for f in lay:
    if f.GetField("id") == {first!r}:
        f.SetField("status", "livré"); lay.SetFeature(f)
    elif f.GetField("id") == {second!r}:
        lay.DeleteFeature(f.GetFID())
f = ogr.Feature(lay.GetLayerDefn())
for k, v in dict(id="P-62950-0777", name="Ajout QGIS", commune="62950", homes_total=9, status="études").items():
    f.SetField(k, v)
f.SetGeometry(ogr.CreateGeometryFromWkt("POINT (687500 7038500)"))
lay.CreateFeature(f)
ds = None
"""
    _run_system_python(script, "from osgeo import ogr")
    store = _agrees(demo_path)
    added = store.history("projects", "P-62950-0777")
    assert list(added.action) == ["insert"] and added.user.iloc[0] == "outside plhgis"
    assert json.loads(added.after.iloc[0])["geometry"] == "POINT (687500 7038500)"
    assert store.get("projects", "P-62950-0777")["updated_at"]  # stamped, so edits check its version
    assert store.history("projects", first).action.iloc[-1] == "update"
    assert store.history("projects", second).action.iloc[-1] == "delete"


def test_qgis_edits_are_journaled(demo_path):
    """A real PyQGIS edit session: change an attribute, commit."""
    store = GeoPackageStore(demo_path)
    scheme = store.read("projects").query("geometry.geom_type == 'Point'").iloc[0]
    script = f"""
import os
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from qgis.core import QgsApplication, QgsVectorLayer
app = QgsApplication([], False); app.initQgis()
layer = QgsVectorLayer({str(demo_path) + "|layername=projects|geometrytype=Point"!r}, "p", "ogr")
assert layer.isValid()
layer.startEditing()
for f in layer.getFeatures():
    if f["id"] == {scheme.id!r}:
        layer.changeAttributeValue(f.id(), layer.fields().indexOf("comment"), "vu dans QGIS")
assert layer.commitChanges(), layer.commitErrors()
app.exitQgis()
os._exit(0)
"""
    _run_system_python(script, "import qgis.core")
    store = _agrees(demo_path)
    last = store.history("projects", scheme.id).iloc[-1]
    assert last.user == "outside plhgis" and json.loads(last.after) == {"comment": "vu dans QGIS"}


def _run_system_python(script, probe):
    if not Path(SYSTEM_PYTHON).exists() or subprocess.run([SYSTEM_PYTHON, "-c", probe],
                                                          capture_output=True).returncode:
        pytest.skip(f"the system Python lacks {probe!r}")
    result = subprocess.run([SYSTEM_PYTHON, "-c", script], capture_output=True, text=True, timeout=180,
                            env={"PATH": "/usr/bin:/bin", "HOME": "/tmp", "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr[-2000:]


# -- odd stores -----------------------------------------------------------------------------------
def test_a_store_from_a_newer_plhgis_is_read_but_not_written(invoke, demo_path):
    _sql(demo_path, ("UPDATE plhgis_settings SET value = ? WHERE key = 'schema_version'",
                     [str(SCHEMA_VERSION + 1)]))
    before = demo_path.read_bytes()
    scheme = GeoPackageStore(demo_path).read("projects").id.iloc[0]
    result = invoke("project", "edit", scheme, "--status", "livré", "--store", demo_path)
    assert result.exit_code == 1
    assert "a été écrite par un plhgis plus récent" in result.output and "rien n'y est écrit" in result.output
    assert invoke("project", "list", "--store", demo_path).exit_code == 0
    assert demo_path.read_bytes() == before


def test_an_older_store_is_upgraded_once_and_says_so(invoke, demo_path):
    con = sqlite3.connect(demo_path)
    for (name,) in con.execute("SELECT name FROM sqlite_master WHERE name LIKE 'plhgis_journal_%'").fetchall():
        con.execute(f'DROP TRIGGER "{name}"')
    con.execute("UPDATE plhgis_settings SET value = '1' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    first = invoke("layers", "--store", demo_path)
    assert first.exit_code == 0
    assert "note : base " in first.stderr and "mise à niveau" in first.stderr
    assert "journal des modifications faites hors de plhgis" in first.stderr
    again = invoke("layers", "--store", demo_path)
    assert "mise à niveau" not in again.stderr
    _sql(demo_path, ("UPDATE projects SET comment = 'après' WHERE fid = 1",))
    assert GeoPackageStore(demo_path).history().user.iloc[-1] == "outside plhgis"


def test_a_bad_json_row_in_the_history_is_skipped_and_reported(invoke, demo_path, tmp_path):
    store = GeoPackageStore(demo_path)
    scheme = store.read("projects").iloc[0]
    _sql(demo_path, ("UPDATE history SET after = '{pas du json' WHERE fid = (SELECT max(fid) FROM history "
                     "WHERE feature_id = ?)", [scheme.id]))
    for args in (["export", "projects", tmp_path / "p.csv", "--as-of", date.today().isoformat()],
                 ["history", "--store", demo_path],
                 ["pack", scheme.commune, "--since", "2000-01-01", "-o", tmp_path / "packs"]):
        if "--store" not in args:
            args = [*args, "--store", demo_path]
        result = invoke(*args)
        assert result.exit_code == 0, (args, result.output)
        assert "n'est pas du JSON valide" in result.stderr and "ignorée" in result.stderr, args


@pytest.mark.parametrize("value", [None, "", "pas un SCR"])
def test_a_missing_or_odd_crs_setting_falls_back_to_the_layers_crs(invoke, demo_path, value):
    if value is None:
        _sql(demo_path, ("DELETE FROM plhgis_settings WHERE key = 'crs'",))
    else:
        _sql(demo_path, ("UPDATE plhgis_settings SET value = ? WHERE key = 'crs'", [value]))
    result = invoke("layers", "--store", demo_path)
    assert result.exit_code == 0, result.output
    assert "EPSG:2154" in result.stdout and "n'est pas un système de coordonnées : celui de ses couches, EPSG:2154, est utilisé" in result.stderr


def test_a_store_in_degrees_is_refused_at_init_and_noted_when_opened(invoke, tmp_path, demo_path):
    result = invoke("init", "--store", tmp_path / "wgs84.gpkg", "--crs", "EPSG:4326")
    assert result.exit_code == 1 and "EPSG:4326 est en degrés" in result.output
    assert not (tmp_path / "wgs84.gpkg").exists()
    _sql(demo_path, ("UPDATE plhgis_settings SET value = 'EPSG:4326' WHERE key = 'crs'",))
    result = invoke("layers", "--store", demo_path)
    assert result.exit_code == 0 and "note : le système de coordonnées de la base, EPSG:4326, est en degrés" in result.stderr


def test_a_dropped_layer_styles_table_comes_back(invoke, demo_path):
    _sql(demo_path, ("DROP TABLE layer_styles",), ("DELETE FROM gpkg_contents WHERE table_name = 'layer_styles'",))
    result = invoke("layers", "--store", demo_path)
    assert result.exit_code == 0 and "styles QGIS" in result.stderr
    con = sqlite3.connect(demo_path)
    assert con.execute("SELECT count(*) FROM layer_styles").fetchone()[0] > 0

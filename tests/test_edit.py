"""Editing with history: add, edit, end, list, show, history and --as-of."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta

import pytest
import shapely
from conftest import snapshot

from plhgis import edits, schema
from plhgis.store import GeoPackageStore


def add_project(invoke, store, *extra):
    return invoke("project", "add", "--store", store, "--name", "Résidence Jean-Moulin", "--commune", "62950",
                  "--homes-total", "24", "--lls-plus", "8", "--status", "études", "--lon", "2.80",
                  "--lat", "50.40", *extra)


def test_add_prints_a_new_stable_id_and_records_history(invoke, demo_path):
    result = add_project(invoke, demo_path, "--user", "claire")
    assert result.exit_code == 0, result.output
    new_id = result.stdout.strip()
    store = GeoPackageStore(demo_path)
    last = store.read("projects", commune="62950").id.max()
    assert new_id == last and new_id.startswith("P-62950-")
    history = store.history("projects", new_id)
    assert list(history.action) == ["insert"] and list(history.user) == ["claire"]
    after = json.loads(history.after.iloc[0])
    assert after["homes_total"] == 24 and after["geometry"].startswith("POINT (")


def test_edit_changes_one_field_and_keeps_the_old_value(invoke, demo_path):
    new_id = add_project(invoke, demo_path).stdout.strip()
    result = invoke("project", "edit", new_id, "--status", "PC accordé", "--permit-year", "2025",
                    "--store", demo_path)
    assert result.exit_code == 0, result.output
    assert "status: 'études' → 'PC accordé'" in result.output
    row = json.loads(GeoPackageStore(demo_path).history("projects", new_id).before.iloc[-1])
    assert row == {"status": "études", "permit_year": None}


def test_edit_applies_the_rules_to_the_whole_row(invoke, demo_path):
    new_id = add_project(invoke, demo_path).stdout.strip()
    before = snapshot(demo_path)
    result = invoke("project", "edit", new_id, "--homes-total", "6", "--store", demo_path)
    assert result.exit_code == 1
    assert f"id {new_id}, champ 'homes_total', valeur 6 : le détail par produit compte 8 logements" in result.output
    assert snapshot(demo_path) == before


def test_edit_unknown_id(invoke, demo_path):
    before = snapshot(demo_path)
    result = invoke("project", "edit", "P-62950-9999", "--status", "livré", "--store", demo_path)
    assert result.exit_code == 1
    assert "pas d'entité projects d'id 'P-62950-9999'" in result.output
    assert snapshot(demo_path) == before


def test_end_is_soft_and_as_of_rebuilds_the_past(invoke, demo_path):
    new_id = add_project(invoke, demo_path).stdout.strip()
    result = invoke("project", "end", new_id, "--reason", "abandon du bailleur", "--store", demo_path)
    assert result.exit_code == 0 and f"{new_id} close le {date.today()}" in result.output
    listed = invoke("project", "list", "--store", demo_path, "--format", "json")
    assert new_id not in listed.stdout
    everything = invoke("project", "list", "--all", "--store", demo_path, "--format", "json")
    assert new_id in everything.stdout
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    past = invoke("project", "list", "--as-of", yesterday, "--store", demo_path, "--format", "json")
    assert new_id not in past.stdout  # it did not exist yet
    today = invoke("project", "list", "--as-of", date.today().isoformat(), "--store", demo_path, "--format", "json")
    assert new_id not in today.stdout  # ended today
    store = GeoPackageStore(demo_path)
    assert store.get("projects", new_id)["end_date"] == date.today().isoformat()
    assert list(store.history("projects", new_id).action) == ["insert", "end"]
    again = invoke("project", "end", new_id, "--store", demo_path)
    assert again.exit_code == 1 and "est déjà close depuis le" in again.output


def test_as_of_rebuilds_field_values(demo_store):
    feature = demo_store.read("projects").iloc[0]
    edits.edit(demo_store, "projects", feature.id, {"status": "livré"})
    hist = demo_store.history("projects", feature.id)  # the demo's history is back-dated to 2023
    then = [json.loads(a)["status"] for ts, a in zip(hist.ts, hist["after"]) if ts < "2025" and "status" in a]
    old = demo_store.read("projects", as_of="2024-12-31", ids=[feature.id])
    assert list(old.status) == then[-1:] and then[-1] != feature.status
    now = demo_store.read("projects", as_of=date.today(), ids=[feature.id])
    assert list(now.status) == ["livré"]
    assert old.geometry.iloc[0].equals_exact(feature.geometry, 1e-6)
    assert list(hist.action)[-1] == "update" and len(hist) >= 3


def test_history_command_filters(invoke, demo_path):
    new_id = add_project(invoke, demo_path).stdout.strip()
    invoke("project", "edit", new_id, "--status", "travaux", "--store", demo_path)
    result = invoke("history", "projects", new_id, "--store", demo_path, "--format", "json")
    rows = json.loads(result.stdout)
    assert [r["action"] for r in rows] == ["insert", "update"]
    assert rows[1]["source"] == "plhgis project edit"
    table = invoke("history", "projects", new_id, "--store", demo_path).stdout.splitlines()
    assert table[0].endswith(f"+ projects {new_id} Résidence Jean-Moulin  [plhgis project add]")
    assert table[1].endswith(f"~ projects {new_id} status: 'études' → 'travaux'  [plhgis project edit]")
    moved = invoke("project", "edit", new_id, "--wkt", "POLYGON ((690000 7039000, 690050 7039000, "
                   "690050 7039040, 690000 7039000))", "--store", demo_path)
    assert "geometry: point → polygon" in moved.output and "site_area_m2: ∅ → 1000.0" in moved.output
    assert "geometry: point → polygon" in invoke("history", "projects", new_id, "--store", demo_path).stdout
    later = invoke("history", "--since", (date.today() + timedelta(days=1)).isoformat(), "--store", demo_path)
    assert later.stdout.strip() == "(rien)"


def test_history_by_commune_and_user(invoke, demo_path):
    for user, fid, status in (("mairie", "P-62950-0003", "travaux"), ("service", "P-62950-0004", "livré"),
                              ("mairie", "P-62951-0002", "travaux")):
        store = GeoPackageStore(demo_path, user=user)
        edits.edit(store, "projects", fid, {"status": status}, source="test")
        store.close()
    store = GeoPackageStore(demo_path, user="service")
    edits.edit(store, "projects", "P-62951-0001", {"commune": "62950"}, source="test")  # moved to 62950
    store.close()

    def rows(*args):
        result = invoke("history", "--store", demo_path, "--format", "json", *args)
        assert result.exit_code == 0, result.output
        return [(r["user"], r["feature_id"], r["action"]) for r in json.loads(result.stdout)]

    mine = rows("--commune", "62950")
    assert ("mairie", "P-62950-0003", "update") in mine and ("service", "P-62950-0004", "update") in mine
    assert ("service", "P-62951-0001", "update") in mine and ("mairie", "P-62951-0002", "update") not in mine
    store = GeoPackageStore(demo_path)
    ours = set()
    for lay in schema.LAYERS.values():
        if lay.commune_field:
            frame = store.read(lay.name, include_ended=True)
            ours |= set(frame.loc[frame[lay.commune_field] == "62950", lay.key].astype(str))
    projects = set(store.read("projects", commune="62950", include_ended=True)["id"])
    store.close()
    assert {fid for _, fid, _ in mine} <= ours and projects <= {fid for _, fid, _ in mine}
    assert "P-62951-0001" in projects  # moved in
    assert ("service", "P-62951-0001", "update") in rows("--commune", "62951")  # where it was
    assert rows("--user", "MAIRIE") == [("mairie", "P-62950-0003", "update"), ("mairie", "P-62951-0002", "update")]
    assert rows("--commune", "62950", "--user", "mairie") == [("mairie", "P-62950-0003", "update")]
    assert rows("--user", "nobody") == []
    table = invoke("history", "--store", demo_path, "--commune", "62950", "--user", "mairie").stdout
    assert len(table.splitlines()) == 1 and "mairie" in table and "projects P-62950-0003 status:" in table
    bad = invoke("history", "--store", demo_path, "--commune", "99999")
    assert bad.exit_code == 1 and "aucune commune '99999' dans la base" in bad.output


def test_show_prints_fields_and_history(invoke, demo_path):
    new_id = add_project(invoke, demo_path).stdout.strip()
    result = invoke("project", "show", new_id, "--store", demo_path)
    assert "Résidence Jean-Moulin" in result.output and "historique :" in result.output and "insert" in result.output


def test_friche_and_plot_verbs(invoke, demo_path):
    fr = invoke("friche", "add", "--site-id", "62950_0900", "--site-nom", "Ancienne filature",
                "--comm-insee", "62950", "--site-statut", "friche sans projet", "--lon", "2.80", "--lat", "50.40",
                "--store", demo_path)
    assert fr.exit_code == 0 and fr.stdout.strip() == "62950_0900"
    plot = invoke("plot", "add", "--commune", "62951", "--parcels", "62951000AB0012", "--capacity", "7",
                  "--wkt", "POLYGON ((685000 7043000, 685040 7043000, 685040 7043030, 685000 7043030, 685000 7043000))",
                  "--store", demo_path)
    assert plot.exit_code == 0, plot.output
    plot_id = plot.stdout.strip()
    assert plot_id.startswith("G-62951-")
    assert GeoPackageStore(demo_path).get("plots", plot_id)["area_m2"] == 1200.0
    listed = invoke("plot", "list", "--commune", "62951", "--store", demo_path)
    assert plot_id in listed.output


def test_ids_are_never_reused(demo_store):
    values = {"name": "A", "commune": "62961", "homes_total": 5, "status": "repérage"}
    first = edits.add(demo_store, "projects", values).id
    edits.end(demo_store, "projects", first)
    second = edits.add(demo_store, "projects", dict(values, name="B")).id
    assert int(second.rsplit("-", 1)[1]) == int(first.rsplit("-", 1)[1]) + 1


def test_an_update_computed_on_a_stale_version_is_refused(demo_store):
    feature = demo_store.read("projects").iloc[0]
    stale = edits.plan_rows(demo_store, "projects", demo_store.read("projects", ids=[feature.id])
                            .assign(status="livré"), mode="upsert")
    edits.edit(demo_store, "projects", feature.id, {"comment": "changé entre-temps"})
    with pytest.raises(Exception, match="changed by someone else meanwhile"):
        edits.apply(demo_store, stale)
    assert demo_store.get("projects", feature.id)["status"] == feature.status


EDITOR = """
import sys
from plhgis.store import GeoPackageStore
from plhgis import edits
store = GeoPackageStore(sys.argv[1], user=sys.argv[3])
for i in range(int(sys.argv[4])):
    edits.edit(store, "projects", sys.argv[2], {"homes_total": 50 + i, "comment": f"{sys.argv[3]} {i}"})
"""


def test_two_processes_editing_different_projects_both_land(demo_path):
    ids = list(GeoPackageStore(demo_path).read("projects").query("homes_total < 40").id[:2])
    rounds = 15
    procs = [subprocess.Popen([sys.executable, "-c", EDITOR, str(demo_path), pid, who, str(rounds)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for pid, who in zip(ids, ("anne", "bruno"))]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    store = GeoPackageStore(demo_path)
    for pid, who in zip(ids, ("anne", "bruno")):
        feature = store.get("projects", pid)
        assert feature["homes_total"] == 50 + rounds - 1
        assert feature["comment"] == f"{who} {rounds - 1}"
        assert (store.history("projects", pid).user == who).sum() == rounds


def test_a_store_made_by_an_older_plhgis_is_upgraded_on_open(tmp_path, monkeypatch):
    import dataclasses
    import sqlite3

    from plhgis import schema
    old_friches = dataclasses.replace(schema.FRICHES, fields=tuple(
        f for f in schema.FRICHES.fields if f.name != "capacity"))
    older = {k: v for k, v in schema.LAYERS.items() if k != "parcels"} | {"friches": old_friches}
    monkeypatch.setattr(schema, "LAYERS", older)
    GeoPackageStore.create(tmp_path / "old.gpkg").close()
    monkeypatch.undo()
    store = GeoPackageStore(tmp_path / "old.gpkg")
    con = sqlite3.connect(tmp_path / "old.gpkg")
    assert "capacity" in {r[1] for r in con.execute("PRAGMA table_info(friches)")}
    assert con.execute("SELECT data_type FROM gpkg_contents WHERE table_name='parcels'").fetchone() == ("features",)
    assert store.read("parcels").empty and store.read("friches").empty
    styled = {r[0] for r in con.execute("SELECT f_table_name FROM layer_styles WHERE useAsDefault")}
    assert {"projects", "friches", "parcels", "zoning"} <= styled


ADDER = """
import sys
from plhgis.store import GeoPackageStore
from plhgis import edits
store = GeoPackageStore(sys.argv[1], user=sys.argv[2])
for i in range(int(sys.argv[3])):
    edits.add(store, "projects", {"name": f"{sys.argv[2]} {i}", "commune": "62955", "homes_total": 10,
                                  "status": "repérage"})
"""


def test_two_processes_adding_in_the_same_commune_get_distinct_ids(demo_path):
    rounds = 10
    procs = [subprocess.Popen([sys.executable, "-c", ADDER, str(demo_path), who, str(rounds)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for who in ("anne", "bruno")]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    added = GeoPackageStore(demo_path).read("projects", commune="62955")
    added = added[added.name.str.match(r"^(anne|bruno) \d+$")]
    assert len(added) == 2 * rounds and added.id.is_unique


def test_gdal_reads_every_layer_as_qgis_would(demo_store):
    """The store is a plain GeoPackage: GDAL (what QGIS uses) lists and reads every layer,
    in EPSG:2154, and its R-tree answers a bounding-box query after plhgis's own writes."""
    import pyogrio

    new = edits.add(demo_store, "projects", {"name": "Après coup", "commune": "62950", "homes_total": 9,
                                       "status": "études"}, shapely.Point(690_000, 7_039_000), crs="EPSG:2154")
    listed = dict(pyogrio.list_layers(demo_store.path))
    for name in ("projects", "friches", "plots", "communes", "qpv", "sectors", "zoning", "prescriptions"):
        assert name in listed
        info = pyogrio.read_info(demo_store.path, layer=name)
        assert info["crs"] == "EPSG:2154" and info["features"] == demo_store.count(name)
    assert listed["history"] is None and listed["targets"] is None  # attribute tables
    box = (689_000, 7_038_000, 691_000, 7_040_000)
    by_gdal = set(pyogrio.read_dataframe(demo_store.path, layer="projects", bbox=box).id)
    every = demo_store.read("projects", include_ended=True)
    expected = set(every[every.intersects(shapely.box(*box))].id)
    assert new.id in by_gdal  # the scheme plhgis just wrote is in the R-tree
    assert by_gdal == expected


def test_a_store_without_qgis_styles_gets_them_on_open(demo_path):
    import sqlite3

    con = sqlite3.connect(demo_path)
    con.execute("DROP TABLE layer_styles")
    con.execute("DELETE FROM gpkg_contents WHERE table_name = 'layer_styles'")
    con.commit()
    GeoPackageStore(demo_path).close()
    rows = dict(con.execute("SELECT f_table_name, styleName FROM layer_styles WHERE useAsDefault"))
    assert rows["projects"] == "opérations par état" and rows["zoning"] == "zonage PLU par type"


def test_edit_can_blank_a_field(demo_store):
    feature = demo_store.read("projects").query("comment.notna() and comment != ''").iloc[0]
    plan = edits.edit(demo_store, "projects", feature.id, {"comment": None})
    assert [(c.before, c.after) for c in plan.changes] == [({"comment": feature.comment}, {"comment": None})]
    assert demo_store.get("projects", feature.id)["comment"] is None

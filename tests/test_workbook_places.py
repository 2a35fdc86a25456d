"""The pack workbook places new schemes: parcels, lon/lat, Lambert-93 X/Y, else the commune 'à localiser';
rows the commune adds are never 'left out'; friches and dents creuses ride along, read-only."""
from __future__ import annotations

import json

import geopandas as gpd
import openpyxl
import pytest
import shapely

from plhgis import checks, reports, sheets
from plhgis.store import GeoPackageStore
from plhgis.territory import commune_point
from test_import_territory import store_91216
from test_pack import _rewrite

COMMUNE = "62951"  # Méricourt-les-Fosses: 7 schemes, 2 friches and 3 plots in the demo


def _pack(store_path, out, insee=COMMUNE):
    with GeoPackageStore(store_path, user="test") as st:
        reports.write_packs(st, [insee], out)
    return out / f"{insee}-projets.xlsx"


def _new(header, **values):
    row = [None] * len(header)
    for k, v in values.items():
        row[header.index(k)] = v
    return row


def test_new_rows_are_placed_and_only_deleted_rows_are_left_out(demo_path, invoke, tmp_path):
    path = _pack(demo_path, tmp_path / "out")
    with GeoPackageStore(demo_path) as st:
        outline = st.read("communes", commune=COMMUNE).geometry.iloc[0]
    inside = outline.representative_point()
    ll = gpd.GeoSeries([shapely.Point(inside.x + 100, inside.y)], crs=2154).to_crs(4326).iloc[0]
    deleted = {}

    def change(header, rows):
        deleted["id"] = rows.pop(0)[0]
        base = {"commune": COMMUNE, "homes_total": 10, "status": "repérage"}
        return rows + [
            _new(header, name="Par coordonnées", lon=str(ll.x).replace(".", ","), lat=ll.y, **base),
            _new(header, name="En Lambert 93", x_l93=inside.x - 100, y_l93=inside.y, **base),
            _new(header, name="Sans adresse", **base)]

    _rewrite(path, change)
    dry = invoke("import", "projects", path, "--dry-run", "--store", demo_path)
    assert dry.exit_code == 0, dry.output
    assert "(simulation, rien n'est écrit) : ajouts : 3, modifications : 0" in dry.stderr
    assert "placée sur la commune, à localiser" in dry.stderr and "'Sans adresse'" in dry.stderr
    assert [line for line in dry.stdout.splitlines() if "absente du tableur" in line] == [
        next(line for line in dry.stdout.splitlines() if line.startswith(f"? projects {deleted['id']} "))]
    assert invoke("import", "projects", path, "--store", demo_path).exit_code == 0
    with GeoPackageStore(demo_path) as st:
        mine = st.read("projects", commune=COMMUNE).set_index("name")
        found = checks.run_checks(st, rules=["DATA-LOCATE"], commune=COMMUNE)
    assert mine.loc["Par coordonnées"].geometry.distance(shapely.Point(inside.x + 100, inside.y)) < 0.5
    assert mine.loc["En Lambert 93"].geometry.equals_exact(shapely.Point(inside.x - 100, inside.y), 0.01)
    assert mine.loc["Sans adresse"].geometry.equals(commune_point(outline))
    assert [f.feature_id for f in found] == [mine.loc["Sans adresse"].id]
    assert "à localiser" in found[0].message
    again = invoke("import", "projects", path, "--dry-run", "--store", demo_path)  # the same sheet, re-imported
    assert "(simulation, rien n'est écrit) : ajouts : 0, modifications : 0" in again.stderr
    assert [line for line in again.stdout.splitlines() if "absente du tableur" in line] == [
        line for line in dry.stdout.splitlines() if "absente du tableur" in line]
    page = tmp_path / "carte.html"
    assert invoke("map", "-o", page, "--store", demo_path).exit_code == 0
    assert "à localiser" in page.read_text(encoding="utf-8")


def test_the_workbook_carries_friches_and_plots_read_only_and_extra_columns(demo_path, invoke, tmp_path):
    src = tmp_path / "retour.csv"
    src.write_text("Nom de l'opération;Code INSEE;Nb logements;Statut;lon;lat;Maître d'œuvre\n"
                   "Le Verger;62951;9;études;;;Atelier Nord\n", encoding="utf-8")
    assert invoke("import", "projects", src, "--store", demo_path).exit_code == 0
    path = _pack(demo_path, tmp_path / "out")
    book = openpyxl.load_workbook(path)
    with GeoPackageStore(demo_path) as st:
        friches, plots = st.read("friches", commune=COMMUNE), st.read("plots", commune=COMMUNE)
    for title, frame, key in (("friches", friches, "site_id"), ("dents creuses", plots, "id")):
        ws = book[title]
        assert ws.protection.sheet and "non réintégré" in ws["A1"].value
        assert sorted(r[0] for r in ws.iter_rows(min_row=3, values_only=True)) == sorted(frame[key])
    header = [c.value for c in book["projets"][1]]
    assert header[:len(sheets.COLUMNS)] == list(sheets.COLUMNS) and header[-1] == "Maître d'œuvre"
    row = next(r for r in book["projets"].iter_rows(min_row=2, values_only=True) if r[1] == "Le Verger")
    assert row[-1] == "Atelier Nord"
    assert "ne sont pas réintégrés" in " ".join(str(c.value) for c in book["instructions"]["A"] if c.value)
    same = invoke("import", "projects", path, "--dry-run", "--store", demo_path)
    assert "(simulation, rien n'est écrit) : ajouts : 0, modifications : 0" in same.stderr, same.output


def test_a_new_row_with_parcel_references_takes_their_footprint(tmp_path, invoke, shared_data):
    """The shared cadastre is Épinay-sous-Sénart's (91216), not Lens-Liévin's: a small store of its own."""
    path, parcels = store_91216(tmp_path, invoke, shared_data)
    with GeoPackageStore(path) as st:
        pt = st.read("communes").geometry.iloc[0].representative_point()
    assert invoke("project", "add", "--name", "Existant", "--commune", "91216", "--homes-total", "20",
                  "--status", "travaux", "--wkt", pt.wkt, "--store", path).exit_code == 0
    book = _pack(path, tmp_path / "out", "91216")
    assert invoke("import", "parcels", parcels, "--store", path).exit_code == 0
    with GeoPackageStore(path) as st:
        ids = st.read("parcels").sort_values("id")["id"].head(2).tolist()
        footprint = st.read("parcels").set_index("id").loc[ids].geometry.union_all()
    _rewrite(book, lambda header, rows: rows + [_new(header, name="Les Sablons", commune="91216", homes_total=12,
                                                  status="études", parcels=", ".join(ids))])
    result = invoke("import", "projects", book, "--store", path)
    assert result.exit_code == 0, result.output
    with GeoPackageStore(path) as st:
        scheme = st.read("projects").set_index("name").loc["Les Sablons"]
    assert scheme.geometry.equals_exact(footprint, 0.01)
    assert scheme.site_area_m2 == pytest.approx(footprint.area, abs=0.1)
    assert json.loads(scheme.extra) == {"parcels": ", ".join(ids)}

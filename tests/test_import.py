"""Importing files: every bad input ends with a clear message, exit 1 and the store unchanged."""
from __future__ import annotations

import json

import geopandas as gpd
import openpyxl
import pytest
import shapely
from conftest import snapshot

from plhgis.store import GeoPackageStore

pytestmark = pytest.mark.usefixtures("english")  # these tests read the messages' content, in English

HEADER = "name;commune;homes_total;status;lls_plus;lon;lat"
GOOD = "Résidence des Aulnes;62950;12;études;4;2,79;50,40"


def write_csv(path, *lines, encoding="utf-8-sig"):
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def run_import(invoke, store, *args):
    return invoke("import", *args, "--store", store)


def assert_refused(result, before, store, *fragments):
    """Exit 1, every fragment in the message, and not one byte of data changed."""
    assert result.exit_code == 1, result.output
    for fragment in fragments:
        assert fragment in result.output, result.output
    assert snapshot(store) == before


BAD_CSV_ROWS = {
    "homes_total below 5": ("Petit;62950;3;études;;2,79;50,40",
                            ["row 2", "field 'homes_total'", "value '3'", "5 homes or more"]),
    "mix above total": ("Trop;62950;10;études;12;2,79;50,40",
                        ["row 2", "field 'homes_total'", "product mix adds up to 12 homes",
                         "lower the mix or raise homes_total"]),
    "unknown commune": ("Ailleurs;99999;10;études;;2,79;50,40",
                        ["row 2", "field 'commune'", "value '99999'", "unknown commune INSEE code"]),
    "empty name": (";62950;10;études;;2,79;50,40", ["row 2", "field 'name'", "required value is empty"]),
    "unknown status": ("Statut;62950;10;en cours;;2,79;50,40",
                       ["row 2", "field 'status'", "value 'en cours'", "one of: repérage, études"]),
    "lat/lon swapped": ("Inversé;62950;10;études;;50,40;2,79",
                        ["row 2", "field 'geometry'", "latitude/longitude swapped",
                         "swap them: longitude 2.79 first, latitude 50.4 second"]),
    "outside the CRS area": ("Loin;62950;10;études;;-70,5;10,1",
                             ["row 2", "field 'geometry'", "outside the area of RGF93 v1 / Lambert-93"]),
}


@pytest.mark.parametrize("case", BAD_CSV_ROWS)
def test_bad_csv_row_is_refused(invoke, demo_path, tmp_path, case):
    line, fragments = BAD_CSV_ROWS[case]
    path = write_csv(tmp_path / "retour.csv", HEADER, GOOD, line.replace("row 2", ""))
    fragments = [f.replace("row 2", "row 3") for f in fragments]
    before = snapshot(demo_path)
    assert_refused(run_import(invoke, demo_path, "projects", path), before, demo_path,
                   "retour.csv", "nothing was written", *fragments)


def test_every_problem_of_a_file_is_listed_in_row_order(invoke, demo_path, tmp_path):
    rows = [BAD_CSV_ROWS[k][0] for k in ("lat/lon swapped", "homes_total below 5", "unknown commune")]
    path = write_csv(tmp_path / "retour.csv", HEADER, *rows)
    result = run_import(invoke, demo_path, "projects", path)
    assert result.exit_code == 1
    assert "3 problems" in result.output
    assert result.output.index("row 2") < result.output.index("row 3") < result.output.index("row 4")


def test_missing_required_column(invoke, demo_path, tmp_path):
    path = write_csv(tmp_path / "sans-total.csv", "name;commune;status;lon;lat", "A;62950;études;2,79;50,40")
    before = snapshot(demo_path)
    assert_refused(run_import(invoke, demo_path, "projects", path), before, demo_path,
                   "sans-total.csv", "field 'homes_total'", "required column is missing",
                   "give 'homes_total' (logements (5 et plus)): a column of the file, or --homes-total")


def test_duplicate_ids_in_one_file(invoke, demo_path, tmp_path):
    path = write_csv(tmp_path / "doublons.csv", "id;" + HEADER, "P-62950-0900;" + GOOD,
                     "P-62950-0900;Autre;62950;8;études;;2,79;50,40")
    before = snapshot(demo_path)
    assert_refused(run_import(invoke, demo_path, "projects", path), before, demo_path,
                   "doublons.csv", "row 3", "field 'id'", "'P-62950-0900'", "same id appears on rows 2, 3")


def test_missing_file(invoke, demo_path, tmp_path):
    before = snapshot(demo_path)
    assert_refused(run_import(invoke, demo_path, "projects", tmp_path / "absent.gpkg"), before, demo_path,
                   "absent.gpkg", "file not found", "check the path")


@pytest.mark.parametrize("name,content", [("notes.gpkg", b"ceci n'est pas un GeoPackage"),
                                          ("carte.geojson", b"{pas du json"),
                                          ("tableau.csv", b"PK\x03\x04\x00\x00binary")])
def test_file_that_is_not_geodata(invoke, demo_path, tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    before = snapshot(demo_path)
    result = run_import(invoke, demo_path, "projects", path)
    assert_refused(result, before, demo_path, name)
    assert "not a" in result.output or "cannot read" in result.output


def test_file_without_crs_needs_crs_option(invoke, demo_path, tmp_path):
    frame = gpd.GeoDataFrame({"name": ["Sans SCR"], "commune": ["62950"], "homes_total": [10],
                              "status": ["études"]}, geometry=[shapely.Point(688000, 7039000)])
    frame = frame.set_crs(2154)
    path = tmp_path / "sans_scr.shp"
    frame.rename(columns={"homes_total": "homes_tota"}).to_file(path, engine="pyogrio")
    path.with_suffix(".prj").unlink()
    before = snapshot(demo_path)
    assert_refused(run_import(invoke, demo_path, "projects", path), before, demo_path,
                   "sans_scr.shp", "declares no coordinate reference system", "--crs 2154")
    ok = run_import(invoke, demo_path, "projects", path, "--crs", "2154")
    assert ok.exit_code == 0, ok.output
    assert "1 added" in ok.output


def test_wkt_column_without_crs(invoke, demo_path, tmp_path):
    path = write_csv(tmp_path / "wkt.csv", "name;commune;homes_total;status;wkt",
                     "Forme;62950;10;études;POINT (688000 7039000)")
    before = snapshot(demo_path)
    assert_refused(run_import(invoke, demo_path, "projects", path), before, demo_path,
                   "wkt.csv", "field 'wkt'", "has no coordinate reference system", "--crs")


def test_xlsx_with_a_title_row_above_the_header(invoke, demo_path, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Recensement des projets 2025 — commune de Souchez"])
    sheet.append(["name", "commune", "homes_total", "status", "lon", "lat"])
    sheet.append(["Les Aulnes", "62950", 12, "études", 2.79, 50.40])
    path = tmp_path / "retour.xlsx"
    book.save(path)
    before = snapshot(demo_path)
    assert_refused(run_import(invoke, demo_path, "projects", path), before, demo_path,
                   "retour.xlsx", "row 1", "not the column header", "on row 2",
                   "delete the 1 row(s) above the column names")


def test_self_intersecting_polygon_is_repaired_with_a_warning(invoke, demo_path, tmp_path):
    bowtie = shapely.Polygon([(688000, 7039000), (688100, 7039100), (688100, 7039000), (688000, 7039100)])
    assert not bowtie.is_valid
    frame = gpd.GeoDataFrame({"commune": ["62950"], "parcels": ["62950000AB0001"], "capacity": [6]},
                             geometry=[bowtie], crs="EPSG:2154")
    path = tmp_path / "papillon.geojson"
    frame.to_crs(4326).to_file(path, engine="pyogrio")
    result = run_import(invoke, demo_path, "plots", path)
    assert result.exit_code == 0, result.output
    assert "papillon.geojson, row 1, field 'geometry': invalid polygon repaired (Self-intersection" in result.output
    store = GeoPackageStore(demo_path)
    plot = store.read("plots").query("parcels == '62950000AB0001'").iloc[0]
    assert plot.geometry.is_valid
    assert plot.area_m2 == pytest.approx(5000, rel=0.01)  # two triangles of 2,500 m²


def test_reimporting_the_same_file_changes_nothing(invoke, demo_path, tmp_path):
    path = write_csv(tmp_path / "retour.csv", "id;" + HEADER, "P-62950-0900;" + GOOD)
    first = run_import(invoke, demo_path, "projects", path)
    assert "1 added" in first.output
    before = snapshot(demo_path)
    again = run_import(invoke, demo_path, "projects", path)
    assert again.exit_code == 0
    assert "0 added, 0 updated, 0 ended, 1 unchanged" in again.output
    assert snapshot(demo_path) == before


@pytest.mark.parametrize("layer,fmt", [("projects", "gpkg"), ("projects", "geojson"), ("projects", "csv"),
                                        ("projects", "xlsx"), ("friches", "shp"), ("communes", "shp"),
                                        ("targets", "csv")])
def test_export_then_import_round_trips(invoke, demo_path, tmp_path, layer, fmt):
    out = tmp_path / f"{layer}.{fmt}"
    assert invoke("export", layer, out, "--store", demo_path).exit_code == 0
    count = len(GeoPackageStore(demo_path).read(layer))
    before = snapshot(demo_path)
    result = run_import(invoke, demo_path, layer, out)
    assert result.exit_code == 0, result.output
    assert f"0 added, 0 updated, 0 ended, {count} unchanged" in result.output
    assert snapshot(demo_path) == before


@pytest.mark.parametrize("dialect,head", [("excel-fr", "\ufeffid;name"), ("excel-fr-ansi", "id;name"),
                                          ("comma", "id,name")])
def test_csv_dialects_round_trip(invoke, demo_path, tmp_path, dialect, head):
    out = tmp_path / f"projets-{dialect}.csv"
    assert invoke("export", "projects", out, "--csv-dialect", dialect, "--store", demo_path).exit_code == 0
    encoding = {"excel-fr-ansi": "cp1252"}.get(dialect, "utf-8")
    text = out.read_bytes().decode(encoding)
    assert text.startswith(head) and "Saint-Éloi" in text
    before = snapshot(demo_path)
    result = run_import(invoke, demo_path, "projects", out)
    assert result.exit_code == 0 and "0 added, 0 updated, 0 ended" in result.output, result.output
    assert snapshot(demo_path) == before


def test_shapefile_refuses_a_layer_mixing_points_and_polygons(invoke, demo_path, tmp_path):
    result = invoke("export", "projects", tmp_path / "p.shp", "--store", demo_path)
    assert result.exit_code == 1
    assert "mixes points and polygons" in result.output and "GeoPackage" in result.output


def test_french_excel_csv_cp1252_decimal_comma(invoke, demo_path, tmp_path):
    path = write_csv(tmp_path / "excel.csv", "name;commune;homes_total;status;site_area_m2;lon;lat",
                     "Clos Saint-Éloi;62950;15;PC accorde;1 250,5;2,79;50,40", encoding="cp1252")
    result = run_import(invoke, demo_path, "projects", path)
    assert result.exit_code == 0, result.output
    store = GeoPackageStore(demo_path)
    row = store.read("projects").query("name == 'Clos Saint-Éloi'").iloc[0]
    assert row.status == "PC accordé"  # accents forgiven, the canonical value stored
    assert row.site_area_m2 == 1250.5


def test_dry_run_shows_the_diff_and_writes_nothing(invoke, demo_path, tmp_path):
    store = GeoPackageStore(demo_path)
    target = store.read("projects").iloc[0]
    path = write_csv(tmp_path / "maj.csv", "id;status", f"{target.id};livré")
    before = snapshot(demo_path)
    result = run_import(invoke, demo_path, "projects", path, "--dry-run")
    assert result.exit_code == 0
    assert f"~ projects {target.id} status: '{target.status}' → 'livré'" in result.output
    assert "would change 0 added, 1 updated" in result.output
    assert snapshot(demo_path) == before


def test_replace_mode_ends_what_the_file_lacks(invoke, demo_path, tmp_path):
    store = GeoPackageStore(demo_path)
    sectors = store.read("sectors")
    path = tmp_path / "secteurs.geojson"
    sectors.iloc[1:].drop(columns=["created_at", "updated_at", "end_date"]).to_file(path, engine="pyogrio")
    result = run_import(invoke, demo_path, "sectors", path, "--mode", "replace")
    assert result.exit_code == 0, result.output
    assert f"- sectors {sectors.id.iloc[0]} ended on" in result.output
    assert len(GeoPackageStore(demo_path).read("sectors")) == len(sectors) - 1


def test_append_refuses_existing_ids(invoke, demo_path, tmp_path):
    store = GeoPackageStore(demo_path)
    first = store.read("projects").iloc[0]
    path = write_csv(tmp_path / "ajout.csv", "id;name;commune;homes_total;status",
                     f"{first.id};Autre;62950;10;études")
    before = snapshot(demo_path)
    assert_refused(run_import(invoke, demo_path, "projects", path, "--mode", "append"), before, demo_path,
                   "ajout.csv", "row 2", f"projects {first.id} is already in the store", "--mode upsert")


def test_rows_without_id_match_on_commune_and_name(invoke, demo_path, tmp_path):
    path = write_csv(tmp_path / "sans-id.csv", HEADER, GOOD)
    assert "1 added" in run_import(invoke, demo_path, "projects", path).output
    again = write_csv(tmp_path / "sans-id2.csv", HEADER, GOOD.replace(";12;", ";14;"))
    result = run_import(invoke, demo_path, "projects", again)
    assert "homes_total: 12 → 14" in result.output
    assert "0 added, 1 updated" in result.output


def test_geojson_in_wgs84_is_stored_in_lambert93(invoke, empty_store, tmp_path):
    communes = gpd.GeoDataFrame({"insee": ["01001"], "name": ["L'Abergement-Clémenciat"]},
                                geometry=[shapely.box(4.90, 46.14, 4.95, 46.17)], crs="EPSG:4326")
    path = tmp_path / "communes.geojson"
    communes.to_file(path, engine="pyogrio")
    assert invoke("import", "communes", path, "--store", empty_store.path).exit_code == 0
    stored = empty_store.read("communes")
    assert stored.crs.to_epsg() == 2154
    assert stored.insee.iloc[0] == "01001"
    x, y = stored.geometry.iloc[0].centroid.coords[0]
    assert 840_000 < x < 850_000 and 6_550_000 < y < 6_570_000  # Ain, in Lambert-93 metres


def test_geojson_is_written_as_rfc7946_wgs84(invoke, demo_path, tmp_path):
    out = tmp_path / "p.geojson"
    invoke("export", "projects", out, "--store", demo_path, "--commune", "62950")
    data = json.loads(out.read_text())
    lon, lat = data["features"][0]["geometry"]["coordinates"][:2] if \
        data["features"][0]["geometry"]["type"] == "Point" else \
        data["features"][0]["geometry"]["coordinates"][0][0]
    assert 2 < lon < 3.5 and 50 < lat < 51
    assert all(f["properties"]["commune"] == "62950" for f in data["features"])


def test_xlsx_with_the_staffs_own_headers_imports_with_map(invoke, demo_path, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Code INSEE", "Début PLH", "Objectif logements", "dont LLS"])
    sheet.append(["62950", 2023, 1500, 150])
    path = tmp_path / "objectifs.xlsx"
    book.save(path)
    result = run_import(invoke, demo_path, "targets", path, "--map",
                        "Code INSEE=commune,Début PLH=period_start,Objectif logements=homes_target,"
                        "dont LLS=lls_target")
    assert result.exit_code == 0, result.output
    assert "~ targets 62950-2023 homes_target: 1400 → 1500; lls_target: 140 → 150" in result.output


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_like_texts_are_exported_as_text_and_import_back(invoke, demo_path, tmp_path, fmt):
    from plhgis import edits
    names = ['=HYPERLINK("http://evil.example","clic")', "+33 rue du Port", "-- à revoir", "@mairie"]
    store = GeoPackageStore(demo_path)
    for name in names:
        edits.add(store, "projects", {"name": name, "commune": "62950", "homes_total": 6, "status": "repérage",
                                      "comment": "=1+1"})
    out = tmp_path / f"projets.{fmt}"
    assert invoke("export", "projects", out, "--store", demo_path).exit_code == 0
    if fmt == "xlsx":
        cells = [c for row in openpyxl.load_workbook(out).active.iter_rows() for c in row]
        assert not [c.coordinate for c in cells if c.data_type == "f"]  # no cell is a formula
    else:
        assert "'=HYPERLINK" in out.read_text(encoding="utf-8-sig")  # Excel shows it as text
    before = snapshot(demo_path)
    result = run_import(invoke, demo_path, "projects", out)
    assert result.exit_code == 0 and "0 added, 0 updated, 0 ended" in result.output, result.output
    assert snapshot(demo_path) == before

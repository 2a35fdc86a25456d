"""CNIG Friches CSV both ways, on the real Cartofriches extract and the standard's own files."""
from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from conftest import snapshot
from plhgis import cnig, schema
from plhgis.store import GeoPackageStore

pytestmark = [pytest.mark.shared, pytest.mark.usefixtures("english")]  # messages read in English
CARTOFRICHES = "friches/cartofriches_standard_cnig_62.csv"


def _raw(path, sep=";"):
    return pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False)


@pytest.fixture
def store62(tmp_path, invoke, shared_data):
    """A store holding a commune (a 2 km square) around each friche of the Cartofriches extract."""
    path = tmp_path / "plh.gpkg"
    assert invoke("init", "--store", path).exit_code == 0
    raw = _raw(shared_data / CARTOFRICHES).drop_duplicates("comm_insee")
    points = gpd.GeoSeries.from_wkt(raw.geompoint, crs=4326).to_crs(2154)
    communes = gpd.GeoDataFrame({"code": raw.comm_insee.values, "nom": raw.comm_nom.values},
                                geometry=points.buffer(1000, cap_style="square").values, crs=2154)
    communes.to_file(tmp_path / "communes62.geojson")
    assert invoke("import", "communes", tmp_path / "communes62.geojson", "--store", path).exit_code == 0
    return path


def _friches(path):
    with GeoPackageStore(path) as st:
        return st.read("friches")


def test_cartofriches_loads_every_row_and_reports_every_deviation(store62, invoke, shared_data):
    src = shared_data / CARTOFRICHES
    grouped = invoke("import", "friches", src, "--dry-run", "--store", store62)
    dates = [line for line in grouped.stderr.splitlines() if "dd/mm/yyyy" in line]
    assert len(dates) == 2  # one line per field, not 90
    assert all("date written dd/mm/yyyy, read day first ×45 (rows 2, 3, 4, 5, 6, …); values '10/10/2022' ×"
               in line for line in dates)
    result = invoke("import", "friches", src, "--verbose", "--store", store62)
    assert result.exit_code == 0, result.output
    friches = _friches(store62)
    assert len(friches) == 45 == len(_raw(src))  # none dropped
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    dates = [w for w in warnings if "date written dd/mm/yyyy" in w]
    assert len(dates) == 90  # one per row and field: site_identif_date and site_actu_date
    assert (f"warning: {src}, row 2, field 'site_identif_date', value '10/10/2022': date written dd/mm/yyyy, "
            "read day first (hint: the standard writes dates as yyyy-mm-dd)") in warnings
    assert any("field 'urba_zaer': column(s) of the standard missing: urba_zaer (a file of standard v1.0.3"
               in w for w in warnings)
    assert len(warnings) == 91 and "91 warnings: values kept as read" in result.stderr
    assert "cell(s) written NA (the standard's missing value) read as empty" in result.stderr
    lens = friches.set_index("site_id").loc["62498_5371"]
    assert (lens.site_nom, lens.comm_insee, lens.unite_fonciere_refcad, lens.site_identif_date,
            lens.urba_zone_formdomi, lens.proprio_nom) == ("Chaudronnerie Bracq", "62498", "62498000BI0122",
                                                           "2022-10-10", "Habitat", "_X_")
    assert lens.site_adresse is None and lens.geometry.geom_type == "Point"


def test_strict_refuses_a_deviating_file_and_changes_nothing(store62, invoke, shared_data):
    before = snapshot(store62)
    result = invoke("import", "friches", shared_data / CARTOFRICHES, "--strict", "--store", store62)
    assert result.exit_code == 1
    assert "91 problems, nothing was written" in result.output
    assert snapshot(store62) == before


def test_only_the_territorys_friches_with_epci(tmp_path, invoke, shared_data):
    path = tmp_path / "plh.gpkg"
    invoke("init", "--store", path)
    invoke("import", "communes", shared_data / "territoire/communes_call_capso.geojson", "--store", path)
    result = invoke("import", "friches", shared_data / CARTOFRICHES, "--epci", "246200364", "--store", path)
    assert result.exit_code == 0, result.output
    assert "kept 6 of 45 friches (EPCI 246200364)" in result.stderr
    assert len(_friches(path)) == 6


def _validate(path, shared_data):
    frictionless = pytest.importorskip("frictionless")
    descriptor = json.loads((shared_data / "friches/schema-friches_v1.0.6_schema.json").read_text())
    resource = frictionless.Resource(path.name, basepath=str(path.parent),
                                     schema=frictionless.Schema.from_descriptor(descriptor),
                                     dialect=frictionless.Dialect(controls=[frictionless.formats.CsvControl(
                                         delimiter=";")]))
    return frictionless.validate(resource)


def test_the_cnig_export_validates_and_the_round_trip_keeps_every_field(store62, invoke, shared_data, tmp_path):
    src = shared_data / CARTOFRICHES
    assert invoke("import", "friches", src, "--store", store62).exit_code == 0
    out = tmp_path / "friches-cnig.csv"
    result = invoke("export", "friches", out, "--format", "cnig", "--store", store62)
    assert result.exit_code == 0, result.output
    assert "urba_zaer (required since v1.0.4) empty for 45 friche(s): written 'inconnu'" in result.stderr
    report = _validate(out, shared_data)
    assert report.valid, [e.message for t in report.tasks for e in t.errors][:5]
    raw_in, raw_out = _raw(src).set_index("site_id"), _raw(out).set_index("site_id")
    assert list(raw_out.reset_index().columns) == list(cnig.COLUMNS)
    assert raw_out.index.tolist() == raw_in.index.tolist()
    for col in raw_in.columns:
        before = raw_in[col].replace("NA", "")
        if col in cnig.DATES:
            before = pd.to_datetime(before, format="%d/%m/%Y").dt.strftime("%Y-%m-%d")
        if col == "geompoint":
            a, b = gpd.GeoSeries.from_wkt(before), gpd.GeoSeries.from_wkt(raw_out[col])
            assert (a.distance(b) < 1e-7).all()
            continue
        assert raw_out[col].tolist() == before.tolist(), col
    assert set(raw_out.urba_zaer) == {"inconnu"}
    again = invoke("import", "friches", out, "--store", store62)  # the export reads back unchanged
    assert "changed 0 added, 45 updated" in again.stderr  # urba_zaer: None → 'inconnu', nothing else
    assert all(line.endswith("urba_zaer: ∅ → 'inconnu'") for line in again.stdout.splitlines())
    assert "warning" not in again.stderr


def test_a_friche_with_a_surface_keeps_its_point_and_its_surface(store62, invoke, shared_data, tmp_path):
    raw = _raw(shared_data / CARTOFRICHES).head(1).copy()
    raw["geompoint"] = "POINT (2.8334417 50.4349523)"
    raw["geomsurf"] = "POLYGON ((2.833 50.4347, 2.8338 50.4347, 2.8338 50.4352, 2.833 50.4352, 2.833 50.4347))"
    raw["site_identif_date"] = raw["site_actu_date"] = "2022-10-10"
    raw["urba_zaer"] = "non"
    src = tmp_path / "une-friche.csv"
    raw.to_csv(src, sep=";", index=False)
    result = invoke("import", "friches", src, "--store", store62)
    assert result.exit_code == 0, result.output
    assert "1 friches: 1 with a surface (geomsurf), 0 with a point only" in result.stderr
    friche = _friches(store62).iloc[0]
    assert friche.geometry.geom_type == "Polygon" and friche.geompoint == "POINT (2.8334417 50.4349523)"
    out = tmp_path / "out.csv"
    assert invoke("export", "friches", out, "--format", "cnig", "--store", store62).exit_code == 0
    back = _raw(out).iloc[0]
    assert back.geompoint == "POINT (2.8334417 50.4349523)"
    assert shapely.from_wkt(back.geomsurf).equals_exact(shapely.from_wkt(raw.geomsurf.iloc[0]), 1e-7)
    assert _validate(out, shared_data).valid


def test_values_outside_the_enums_warn_once_per_row_and_field(store62, invoke, shared_data, tmp_path):
    raw = _raw(shared_data / CARTOFRICHES).head(3).copy()
    raw.loc[0, "site_type"] = "friche minière"
    raw.loc[0, "bati_etat"] = "ruine"
    raw.loc[2, "site_type"] = "mixte"  # v1.0.3 value, since split in two
    src = tmp_path / "enums.csv"
    raw.to_csv(src, sep=";", index=False)
    result = invoke("import", "friches", src, "--verbose", "--store", store62)
    assert result.exit_code == 0, result.output
    outside = [line for line in result.stderr.splitlines() if "outside the standard's list" in line]
    assert [line.split(", ")[1:4] for line in outside] == [
        ["row 2", "field 'site_type'", "value 'friche minière': value outside the standard's list (kept) (hint: "
                                       "expected one of: friche industrielle"],
        ["row 4", "field 'site_type'", "value 'mixte': value outside the standard's list (kept) (hint: "
                                       "expected one of: friche industrielle"],
        ["row 2", "field 'bati_etat'", "value 'ruine': value outside the standard's list (kept) (hint: "
                                       "expected one of: dégradation inexistante ou faible"],
    ]
    assert _friches(store62).set_index("site_id").loc[raw.site_id[0], "bati_etat"] == "ruine"


def test_the_standards_own_example_has_latitude_and_longitude_swapped(store62, invoke, shared_data):
    src = shared_data / "friches/schema-friches_v1.0.6_fichier-valide.csv"
    before = snapshot(store62)
    result = invoke("import", "friches", src, "--store", store62)
    assert result.exit_code == 1
    assert (f"{src}, row 2, field 'geompoint', value 'POINT(49.2527 3.9815)': latitude and longitude are swapped "
            "(x=49.2527 is a latitude, y=3.9815 a longitude) (hint: WKT in WGS84 is 'longitude latitude': "
            "write POINT (3.9815 49.2527))") in result.output
    assert f"{src}, row 2, field 'geomsurf', value 'POLYGON((49.33 3.95, 49.38" in result.output
    assert "not a readable WKT geometry" in result.output
    assert snapshot(store62) == before


def test_the_enums_are_the_standards(shared_data):
    descriptor = json.loads((shared_data / "friches/schema-friches_v1.0.6_schema.json").read_text())
    standard = {f["name"]: f for f in descriptor["fields"]}
    assert tuple(standard) == cnig.COLUMNS
    for name, fld in standard.items():
        enum = fld.get("constraints", {}).get("enum")
        if enum:
            assert schema.FRICHES.field(name).enum == tuple(enum), name
        if fld.get("constraints", {}).get("required"):
            assert name in cnig.REQUIRED, name
        if "pattern" in fld.get("constraints", {}):
            assert cnig.PATTERNS.get(name) == fld["constraints"]["pattern"], name
    patterns = {name for name, fld in standard.items() if "pattern" in fld.get("constraints", {})}
    assert set(cnig.PATTERNS) == patterns


def test_a_project_url_outside_the_standards_pattern_warns(store62, invoke, shared_data, tmp_path):
    raw = _raw(shared_data / CARTOFRICHES).head(3).copy()
    raw["site_projet_url"] = ["https://exemple.fr/projet", "projet en cours", "contact@mairie-lens.fr"]
    src = tmp_path / "projet.csv"
    raw.to_csv(src, sep=";", index=False)
    result = invoke("import", "friches", src, "--store", store62)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if "field 'site_projet_url'" in line]
    assert len(lines) == 1 and "row 3" in lines[0] and "value 'projet en cours'" in lines[0]
    assert "does not match the standard's pattern (kept)" in lines[0]


def test_upper_case_cnig_headers_import_like_lower_case_ones(store62, invoke, shared_data, tmp_path):
    raw = _raw(shared_data / CARTOFRICHES)
    upper = tmp_path / "FRICHES.csv"
    raw.rename(columns=lambda c: f" {c.upper()}").to_csv(upper, sep=";", index=False)
    result = invoke("import", "friches", upper, "--dry-run", "--store", store62)
    assert result.exit_code == 0, result.output
    lower = invoke("import", "friches", shared_data / CARTOFRICHES, "--dry-run", "--store", store62)
    assert result.stdout == lower.stdout and "would change 45 added" in result.stderr
    assert "conservées telles quelles" not in result.stderr
    assert invoke("import", "friches", upper, "--store", store62).exit_code == 0
    lens = _friches(store62).set_index("site_id").loc["62498_5371"]
    assert (lens.site_nom, lens.comm_insee, lens.unite_fonciere_refcad) == ("Chaudronnerie Bracq", "62498",
                                                                            "62498000BI0122")
    twins = tmp_path / "twins.csv"
    raw.assign(SITE_ID=raw.site_id).to_csv(twins, sep=";", index=False)
    bad = invoke("import", "friches", twins, "--store", store62)
    assert bad.exit_code == 1 and "are the same CNIG column 'site_id'" in bad.output


def test_an_empty_wkt_point_is_no_geometry(store62, invoke, shared_data, tmp_path):
    raw = _raw(shared_data / CARTOFRICHES).head(2).copy()
    raw.loc[1, "geompoint"] = "POINT EMPTY"
    src = tmp_path / "vide.csv"
    raw.to_csv(src, sep=";", index=False)
    before = snapshot(store62)
    result = invoke("import", "friches", src, "--store", store62)
    assert result.exit_code == 1
    assert f"{src}, row 3, field 'geompoint': no geometry: geompoint is required" in result.output
    assert "not a readable WKT" not in result.output
    assert snapshot(store62) == before
    raw.loc[1, "geomsurf"] = "POLYGON ((2.833 50.4347, 2.8338 50.4347, 2.8338 50.4352, 2.833 50.4347))"
    raw.loc[0, "geomsurf"] = "POLYGON EMPTY"
    raw.to_csv(src, sep=";", index=False)
    result = invoke("import", "friches", src, "--store", store62)
    assert result.exit_code == 0, result.output
    assert "1 with a surface (geomsurf), 1 with a point only" in result.stderr

"""Real reference data in: communes, figures, targets, QPV, sectors, CNIG PLU, Etalab cadastre."""
from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from conftest import snapshot
from plhgis import sources
from plhgis.store import GeoPackageStore

pytestmark = [pytest.mark.shared, pytest.mark.usefixtures("english")]  # messages read in English
CALL, CAPSO = "246200364", "200069037"


def _store(tmp_path, invoke):
    path = tmp_path / "plh.gpkg"
    assert invoke("init", "--store", path).exit_code == 0
    return path


def _read(path, layer):
    with GeoPackageStore(path) as st:
        return st.read(layer)


@pytest.fixture
def territory(tmp_path, invoke, shared_data):
    """A store with the 89 communes of CALL and CAPSO (2018 outlines, 2025 populations)."""
    path = _store(tmp_path, invoke)
    result = invoke("import", "communes", shared_data / "territoire/communes_call_capso.geojson", "--store", path)
    assert result.exit_code == 0, result.output
    return path


def test_the_communes_of_call_and_capso_load_with_their_populations(tmp_path, invoke, shared_data):
    path = _store(tmp_path, invoke)
    epcis = {e["code"]: e for e in json.loads((shared_data / "territoire/epci_call_capso.json").read_text())}
    src = shared_data / "territoire/communes_call_capso.geojson"
    for siren, count in ((CALL, 36), (CAPSO, 53)):
        result = invoke("import", "communes", src, "--epci", siren, "--store", path)
        assert result.exit_code == 0, result.output
        assert f"kept {count} of 89 communes (EPCI {siren})" in result.stderr
        assert f"communes: changed {count} added, 0 updated" in result.stderr
        communes = _read(path, "communes")
        mine = communes[communes.epci_siren == siren]
        assert len(mine) == count == len(epcis[siren]["membres"])
        assert mine.population.sum() == epcis[siren]["populationMunicipale"]  # 242 587 and 104 937
    lens = _read(path, "communes").set_index("insee").loc["62498"]
    assert (lens["name"], lens["population"], lens["epci_name"]) == ("Lens", 32618, "CA de Lens - Liévin")
    assert lens.geometry.geom_type == "Polygon" and 11e6 < lens.geometry.area < 13e6  # m², Lambert-93


def test_the_same_file_twice_changes_nothing(territory, invoke, shared_data):
    result = invoke("import", "communes", shared_data / "territoire/communes_call_capso.geojson", "--store", territory)
    assert "changed 0 added, 0 updated, 0 ended, 89 unchanged" in result.stderr


def test_another_vintage_updates_populations_keeps_outlines_and_the_history_shows_it(territory, invoke, shared_data):
    before = _read(territory, "communes").set_index("insee")
    result = invoke("import", "communes", shared_data / "reference/epci_communes_call_capso.csv", "--store", territory)
    assert result.exit_code == 0, result.output
    assert "columns kept as they are (extra): codes_postaux" in result.stderr
    assert "~ communes 62498 population: 32618 → 32920" in result.stdout
    after = _read(territory, "communes").set_index("insee")
    changed = (before.population != after.population.reindex(before.index)).sum()
    assert changed > 0 and len(after) == 89
    assert after.geometry.notna().all()
    assert all(after.geometry.loc[k].equals(before.geometry.loc[k]) for k in before.index)
    with GeoPackageStore(territory) as st:
        hist = st.history("communes", "62498")
    update = hist[hist.action == "update"].iloc[-1]
    assert json.loads(update.before) == {"population": 32618, "extra": None}
    after_values = json.loads(update.after)
    assert after_values["population"] == 32920
    assert set(json.loads(after_values["extra"])) == {"codes_postaux"}  # kept, not dropped
    assert update.source == "import epci_communes_call_capso.csv"
    assert (st_updates := len(_history_updates(territory))) == changed, st_updates


def _history_updates(path):
    with GeoPackageStore(path) as st:
        hist = st.history("communes")
    return hist[hist.action == "update"]


def test_a_figures_sheet_with_an_unknown_commune_is_refused_and_changes_nothing(territory, invoke, tmp_path):
    sheet = tmp_path / "chiffres.csv"
    sheet.write_bytes("insee;nom;population\n62498;Lens;33000\n62999;Nulle-Part;12\n".encode("cp1252"))
    before = snapshot(territory)
    result = invoke("import", "communes", sheet, "--store", territory)
    assert result.exit_code == 1
    assert f"{sheet}, row 3, field 'insee', value '62999': unknown commune INSEE code" in result.output
    assert snapshot(territory) == before


def test_targets_from_a_french_excel_sheet_with_a_column_mapping(territory, invoke, tmp_path):
    sheet = tmp_path / "objectifs.csv"
    sheet.write_bytes("Code commune;Début;Fin;Prod. totale;Objectif LLS\n62498;2023;2028;1 200;360\n"
                      "62510;2023;2028;900;270\n".encode("cp1252"))
    result = invoke("import", "targets", sheet, "--map", "Code commune=commune,Prod. totale=homes_target",
                    "--store", territory)
    assert result.exit_code == 0, result.output
    assert "column mapping: Code commune→commune, Prod. totale→homes_target" in result.stderr
    targets = _read(territory, "targets").set_index("id")
    assert targets.loc["62498-2023", ["homes_target", "lls_target", "period_end"]].tolist() == [1200, 360, 2028]
    bad = invoke("import", "targets", sheet, "--map", "Code INSEE=commune", "--store", territory)
    assert bad.exit_code == 1 and "--map names a column the file lacks: 'Code INSEE'" in bad.output


def test_qpv_2015_perimeters_load_with_code_name_and_commune(tmp_path, invoke, shared_data):
    path = _store(tmp_path, invoke)
    result = invoke("import", "qpv", shared_data / "qpv/qpv2015_occitanie_30_31_34.geojson", "--store", path)
    assert result.exit_code == 0, result.output
    assert "(qpv2015)" in result.stderr and "mapped nom_qp→lib_qp, code_commune→commune" in result.stderr
    qpv = _read(path, "qpv").set_index("code_qp")
    assert len(qpv) == 59 and qpv.index.str.fullmatch(r"QP0(30|31|34)\d{3}").all()
    assert qpv.loc["QP030016", ["lib_qp", "commune"]].tolist() == ["Centre Ville - Arboux", "30132"]


def test_qpv_2024_field_names_are_mapped(tmp_path, invoke):
    path = _store(tmp_path, invoke)
    src = tmp_path / "qp2024.geojson"
    ring = shapely.box(2.82, 50.42, 2.84, 50.44)
    gpd.GeoDataFrame({"code_qp": ["QN06210M"], "lib_qp": ["Grande Résidence"], "insee_com": ["62498, 62510"],
                      "lib_com": ["Lens, Liévin"], "insee_dep": ["62"], "insee_reg": ["32"]},
                     geometry=[ring], crs=4326).to_file(src)
    result = invoke("import", "qpv", src, "--store", path)
    assert result.exit_code == 0, result.output
    assert "ANCT QPV 2024 (qpv2024)" in result.stderr and "QN… ×1" in result.stderr
    row = _read(path, "qpv").iloc[0]
    assert (row.code_qp, row.lib_qp, row.commune, row.communes) == ("QN06210M", "Grande Résidence", "62498",
                                                                     "62498|62510")


def test_priority_sectors_take_a_kind_and_a_name_field(territory, invoke, shared_data):
    src = shared_data / "perimetres/acv_action_coeur_de_ville_62.geojson"
    missing = invoke("import", "sectors", src, "--epci", CALL, "--store", territory)
    assert missing.exit_code == 1 and "the file has no 'kind' column" in missing.output
    result = invoke("import", "sectors", src, "--kind", "ORT/ACV", "--name-field", "lib", "--epci", CALL,
                    "--store", territory)
    assert result.exit_code == 0, result.output
    assert "kept 2 of 8 sectors (EPCI 246200364)" in result.stderr  # Lens and Liévin
    sectors = _read(territory, "sectors")
    assert sectors[["name", "kind", "commune"]].values.tolist() == [["Lens - Liévin", "ORT/ACV", "62498"],
                                                                      ["Lens - Liévin", "ORT/ACV", "62510"]]
    again = invoke("import", "sectors", src, "--kind", "ort/acv", "--name-field", "lib", "--epci", CALL,
                   "--store", territory)
    assert "changed 0 added, 0 updated, 0 ended, 2 unchanged" in again.stderr, again.output


TYPEZONES_30014 = {"U": 16, "AUc": 2, "A": 50, "N": 22}


@pytest.mark.parametrize("name", ["30014_ZONE_URBA_20171013.geojson",
                                  "shapefile_original_L93/30014_ZONE_URBA_20171013.shp"])
def test_a_commune_plu_loads_with_its_typezones(tmp_path, invoke, shared_data, name):
    path = _store(tmp_path, invoke)
    result = invoke("import", "zoning", shared_data / "plu" / name, "--store", path)
    assert result.exit_code == 0, result.output
    assert "source: CNIG PLU ZONE_URBA" in result.stderr and "insee taken from IDURBA" in result.stderr
    zoning = _read(path, "zoning")
    assert zoning.typezone.value_counts().to_dict() == TYPEZONES_30014
    assert set(zoning.insee) == {"30014"} and set(zoning.idurba) == {"30014_PLU_20171013"}
    ucp = zoning[zoning.libelle == "Ucp"].iloc[0]
    assert ucp.libelong == "Zone urbaine soumise à des prescriptions architecturales particulières"  # cp1252
    again = invoke("import", "zoning", shared_data / "plu" / name, "--store", path)
    assert "changed 0 added, 0 updated, 0 ended, 90 unchanged" in again.stderr


def test_a_plui_loads_and_a_schemes_zone_can_be_read_back(tmp_path, invoke, shared_data):
    path = _store(tmp_path, invoke)
    src = shared_data / "plu/200011781_ZONE_URBA_20180101.geojson"
    assert invoke("import", "zoning", src, "--store", path).exit_code == 0
    zoning = _read(path, "zoning")
    assert len(zoning) == 222 and set(zoning.insee) == {"18007"}  # the file puts every zone in 18007
    assert zoning.typezone.value_counts().to_dict() == {"A": 63, "N": 63, "U": 57, "AUc": 30, "AUs": 9}
    zone = zoning[(zoning.typezone == "AUc")].iloc[0]
    commune = tmp_path / "commune.geojson"
    outline = gpd.GeoSeries([zoning[zoning.insee == zone.insee].union_all()], crs=2154).to_crs(4326)
    gpd.GeoDataFrame({"code": [zone.insee], "nom": ["Commune du PLUi"]}, geometry=outline).to_file(commune)
    assert invoke("import", "communes", commune, "--store", path).exit_code == 0
    spot = zone.geometry.representative_point()
    new = invoke("project", "add", "--name", "Lotissement", "--commune", zone.insee, "--homes-total", 12,
                 "--status", "études", "--wkt", spot.wkt, "--store", path)
    assert new.exit_code == 0, new.output
    joined = gpd.sjoin(_read(path, "projects"), zoning[["libelle", "typezone", "geometry"]], predicate="within")
    assert joined[["libelle", "typezone"]].iloc[0].tolist() == [zone.libelle, "AUc"]


def test_a_non_standard_typezone_is_read_as_its_family_and_reported(tmp_path, invoke, shared_data):
    path = _store(tmp_path, invoke)
    zones = gpd.read_file(shared_data / "plu/30014_ZONE_URBA_20171013.geojson").head(3)
    zones.loc[1, "TYPEZONE"] = "Nh"
    src = tmp_path / "30014_ZONE_URBA_modifie.geojson"
    zones.to_file(src)
    result = invoke("import", "zoning", src, "--store", path)
    assert result.exit_code == 0, result.output
    assert (f"warning: {src}, field 'typezone', value 'Nh': TYPEZONE 'Nh' is not a CNIG value: read as its "
            "family N (1 zone(s))" in result.stderr)
    stored = _read(path, "zoning")
    assert "Nh" not in set(stored.typezone) and stored.set_index("libelle").typezone.get("Nh", "N") == "N"
    strict = invoke("import", "zoning", src, "--strict", "--store", tmp_path / "other.gpkg")
    assert strict.exit_code == 1


def test_plu_surface_prescriptions_load_with_social_mix_shares(tmp_path, invoke, shared_data):
    path = _store(tmp_path, invoke)
    result = invoke("import", "prescriptions", shared_data / "plu/30014_PRESCRIPTION_SURF_20171013.geojson",
                    "--store", path)
    assert result.exit_code == 0, result.output
    assert len(_read(path, "prescriptions")) == 77
    src = tmp_path / "PRESCRIPTION_SURF.geojson"
    gpd.GeoDataFrame({"LIBELLE": ["Secteur de mixité sociale : 30 % de LLS", "OAP habitat"],
                      "TYPEPSC": ["17-00", "18"], "STYPEPSC": [None, "6"], "IDURBA": ["62498_PLU_20240101"] * 2},
                     geometry=[shapely.box(2.82, 50.42, 2.83, 50.43), shapely.box(2.83, 50.42, 2.84, 50.43)],
                     crs=4326).to_file(src)
    result = invoke("import", "prescriptions", src, "--store", path)
    assert "housing-relevant: 17-00, 18-06" in result.stderr
    stored = _read(path, "prescriptions")
    rows = stored[stored.idurba == "62498_PLU_20240101"].set_index("typepsc").loc[["17", "18"]]
    assert rows.stypepsc.tolist() == ["00", "06"] and rows.lls_share.iloc[0] == pytest.approx(0.30)
    assert set(rows.insee) == {"62498"}


@pytest.fixture
def cadastre(tmp_path, invoke, shared_data):
    path = _store(tmp_path, invoke)
    src = shared_data / "cadastre/cadastre-91216-parcelles.json"
    result = invoke("import", "parcels", src, "--store", path)
    assert result.exit_code == 0, result.output
    assert "columns kept as they are (extra): arpente, created, updated" in result.stderr
    parcels = gpd.read_file(src).to_crs(2154)
    commune = tmp_path / "91216.geojson"
    gpd.GeoDataFrame({"code": ["91216"], "nom": ["Épinay-sur-Orge"]},
                     geometry=[parcels.union_all().convex_hull], crs=2154).to_crs(4326).to_file(commune)
    assert invoke("import", "communes", commune, "--store", path).exit_code == 0
    return path, parcels


def test_the_etalab_cadastre_loads_and_a_scheme_located_by_parcels_gets_their_area(cadastre, invoke):
    path, parcels = cadastre
    stored = _read(path, "parcels").set_index("id")
    assert len(stored) == 4241 and stored.loc["91216000AB0037", "contenance"] == 254881
    refs = ["91216000AB0026", "91216000AB0037"]
    result = invoke("project", "add", "--name", "Les Prés", "--commune", "91216", "--homes-total", 40,
                    "--status", "études", "--parcels", ",".join(refs), "--store", path)
    assert result.exit_code == 0, result.output
    project = _read(path, "projects").iloc[0]
    expected = parcels[parcels["id"].isin(refs)].union_all()
    assert project.geometry.geom_type in ("Polygon", "MultiPolygon")
    assert project.site_area_m2 == pytest.approx(expected.area, abs=0.1)
    assert shapely.equals_exact(project.geometry.normalize(), expected.normalize(), tolerance=0.01)


def test_an_unknown_parcel_is_a_clear_error_and_changes_nothing(cadastre, invoke):
    path, _ = cadastre
    before = snapshot(path)
    result = invoke("project", "add", "--name", "Les Prés", "--commune", "91216", "--homes-total", 40,
                    "--status", "études", "--parcels", "91216000AB0026,91216000ZZ9999", "--store", path)
    assert result.exit_code == 1
    assert "field '--parcels', value '91216000ZZ9999': unknown parcel 91216000ZZ9999" in result.output
    bad = invoke("project", "add", "--name", "X", "--commune", "91216", "--homes-total", 40,
                 "--status", "études", "--parcels", "AB0026", "--store", path)
    assert bad.exit_code == 1 and "badly formed parcel reference" in bad.output
    assert snapshot(path) == before


def test_bad_communes_name_file_row_field_value_and_change_nothing(territory, invoke, tmp_path):
    src = tmp_path / "communes.geojson"
    gpd.GeoDataFrame({"INSEE_COM": ["62498", "6251O"], "NOM": ["Lens", "Liévin"], "POPULATION": ["32000", "beaucoup"],
                      "SIREN_EPCI": [CALL, CALL]},
                     geometry=[shapely.box(2.80, 50.41, 2.85, 50.45), shapely.box(2.74, 50.40, 2.80, 50.44)],
                     crs=4326).to_file(src)
    before = snapshot(territory)
    result = invoke("import", "communes", src, "--store", territory)
    assert result.exit_code == 1
    assert f"{src}, row 2, field 'insee', value '6251O': badly formed value" in result.output
    assert f"{src}, row 2, field 'population', value 'beaucoup': not a whole number" in result.output
    assert snapshot(territory) == before
    wrong = invoke("import", "communes", src, "--epci", "123456789", "--store", territory)
    assert wrong.exit_code == 1 and "no communes of EPCI 123456789 in the file" in wrong.output
    mismatch = invoke("import", "communes", src, "--source", "qpv2015", "--store", territory)
    assert mismatch.exit_code == 1 and "source 'qpv2015' loads the qpv layer, not communes" in mismatch.output
    assert snapshot(territory) == before


def test_admin_express_and_geo_api_headers_are_recognised():
    frame = gpd.GeoDataFrame({"INSEE_COM": ["62498"], "NOM": ["Lens"], "POPULATION": [1], "SIREN_EPCI": [CALL],
                              "INSEE_DEP": ["62"]}, geometry=[shapely.Point(2.8, 50.4)], crs=4326)
    mapped = sources.map_source(frame, "communes")
    assert mapped.source == "admin-express"
    assert list(mapped.frame.columns) == ["insee", "name", "population", "epci_siren", "geometry", "extra"]
    assert mapped.frame["extra"].iloc[0] == '{"INSEE_DEP": "62"}'  # kept, not dropped
    assert "colonnes conservées telles quelles (extra) : INSEE_DEP" in [n.text("fr") for n in mapped.notes]
    geo = frame.rename(columns={"INSEE_COM": "code", "NOM": "nom", "SIREN_EPCI": "codeEpci",
                                "POPULATION": "population"})
    assert sources.map_source(geo, "communes").source == "geo-api"


def test_a_zone_with_a_missing_label_gets_a_stable_id(tmp_path, invoke, shared_data):
    path = _store(tmp_path, invoke)
    zones = gpd.read_file(shared_data / "plu/30014_ZONE_URBA_20171013.geojson").head(3)
    zones["LIBELLE"] = zones["LIBELLE"].astype(object)
    zones["LIBELONG"] = zones["LIBELONG"].astype(object)
    zones.loc[1, ["LIBELLE", "LIBELONG"]] = None
    src = tmp_path / "30014_ZONE_URBA_sans_libelle.geojson"
    zones.to_file(src)
    result = invoke("import", "zoning", src, "--dry-run", "--store", path)
    assert result.exit_code == 1  # a clear problem, not a TypeError
    assert f"{src}, row 2, field 'libelle': required value is empty" in result.output
    zones.loc[1, "LIBELLE"] = "Ua"  # LIBELONG alone may be empty
    zones.to_file(src)
    result = invoke("import", "zoning", src, "--dry-run", "--store", path)
    assert result.exit_code == 0, result.output
    assert "zoning: would change 3 added" in result.stderr
    zones.loc[1, "LIBELLE"] = None
    zones.to_file(src)
    frame = gpd.read_file(src)
    ids = sources.map_source(frame, "zoning").frame["id"]
    assert ids.str.fullmatch(r"Z-30014-[0-9a-f]{10}").all() and ids.is_unique
    # the ids of rows without a missing value are those of the untouched file
    full = sources.map_source(gpd.read_file(shared_data / "plu/30014_ZONE_URBA_20171013.geojson").head(3),
                              "zoning").frame["id"]
    assert ids[[0, 2]].tolist() == full[[0, 2]].tolist() and ids[1] != full[1]
    again = sources.map_source(gpd.read_file(src), "zoning").frame["id"]
    assert again.tolist() == ids.tolist()


def test_stable_ids_of_full_rows_are_unchanged():
    frame = gpd.GeoDataFrame({"idurba": ["62498_PLU_20240101"], "libelle": ["Ua"], "typezone": ["U"]},
                             geometry=[shapely.box(0, 0, 1, 1)], crs=2154)
    ids = sources._stable_ids(frame, "Z", pd.Series(["62498"]), ["idurba", "libelle", "typezone"])
    import hashlib
    key = "62498_PLU_20240101|Ua|U|" + shapely.to_wkt(shapely.box(0, 0, 1, 1), rounding_precision=6)
    assert ids.tolist() == [f"Z-62498-{hashlib.sha1(key.encode()).hexdigest()[:10]}"]


def test_a_17_00_prescription_without_a_stypepsc_column_loads(tmp_path, invoke):
    path = _store(tmp_path, invoke)
    src = tmp_path / "PRESCRIPTION_SURF.geojson"
    gpd.GeoDataFrame({"LIBELLE": ["Secteur de mixité sociale : 25 % de LLS", "OAP"], "TYPEPSC": ["17-00", "18"],
                      "IDURBA": ["62498_PLU_20240101"] * 2},
                     geometry=[shapely.box(2.82, 50.42, 2.83, 50.43), shapely.box(2.83, 50.42, 2.84, 50.43)],
                     crs=4326).to_file(src)
    result = invoke("import", "prescriptions", src, "--store", path)
    assert result.exit_code == 0, result.output
    assert "prescriptions by code: 17-00 ×1, 18-00 ×1" in result.stderr
    stored = _read(path, "prescriptions").set_index("typepsc")
    assert stored.loc["17", "stypepsc"] == "00" and stored.loc["17", "lls_share"] == pytest.approx(0.25)
    assert stored.loc["18", "stypepsc"] is None and stored.id.is_unique


@pytest.mark.parametrize("refs", [",", "  ", " , ;"])
def test_parcels_that_name_no_parcel_are_a_clear_error(cadastre, invoke, refs):
    path, _ = cadastre
    before = snapshot(path)
    result = invoke("project", "add", "--name", "Les Prés", "--commune", "91216", "--homes-total", 40,
                    "--status", "études", "--parcels", refs, "--store", path)
    assert result.exit_code == 1
    assert "field '--parcels'" in result.output and "no parcel reference" in result.output
    assert "hint: " in result.output
    assert snapshot(path) == before


def test_parcels_footprint_without_a_reference_on_an_empty_parcels_layer(empty_store):
    from plhgis.errors import PlhgisError

    for refs in (",", " ", []):
        with pytest.raises(PlhgisError, match="no parcel reference") as info:
            sources.parcels_footprint(empty_store, refs)
        assert info.value.problem.field == "--parcels" and info.value.problem.hint


def test_an_epci_the_store_lacks_is_named_the_same_way_on_both_paths(territory, invoke, shared_data, tmp_path):
    src = shared_data / "perimetres/acv_action_coeur_de_ville_62.geojson"  # a commune code per sector
    by_code = invoke("import", "sectors", src, "--kind", "ORT/ACV", "--epci", "123456789", "--store", territory)
    zones = shared_data / "plu/30014_ZONE_URBA_20171013.geojson"  # zoning: kept by geometry
    by_geometry = invoke("import", "zoning", zones, "--epci", "123456789", "--store", territory)
    for result in (by_code, by_geometry):
        assert result.exit_code == 1
        assert ("field '--epci', value '123456789': the store has no commune of EPCI 123456789 "
                "(hint: load them first: plhgis import communes FILE --epci 123456789)") in result.output
        assert "Lens" not in result.output
    kept = invoke("import", "sectors", src, "--kind", "ORT/ACV", "--epci", CALL, "--dry-run", "--store", territory)
    assert kept.exit_code == 0 and "kept 2 of 8 sectors (EPCI 246200364)" in kept.stderr


def test_the_label_twins_are_gone_and_rows_stay_plain_ints():
    import numpy as np

    from plhgis import cnig

    assert not hasattr(sources, "_label") and not hasattr(cnig, "_label")
    frame = pd.DataFrame({"site_id": ["a"], "geompoint": ["POINT (1 2 3"]})
    *_, errors = cnig.from_cnig(frame, rows=pd.Series([np.int64(7)]))
    assert errors[0].row == 7 and type(errors[0].row) is int

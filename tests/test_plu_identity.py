"""One plan is one set of zones whatever the file; local TYPEZONE codes read as their CNIG family;
zones whose destination is not housing hold no capacity; OAP coverage is an area share."""
from __future__ import annotations

import math

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from plhgis import checks, edits, review
from plhgis.settings import Settings
from plhgis.store import GeoPackageStore
from plhgis.territory import covered

SETTINGS = Settings(plh_start=2023, plh_end=2028, reference_year=2025)
ZONE_URBA = "plu/30014_ZONE_URBA_20171013.geojson"
SHAPEFILE = "plu/shapefile_original_L93/30014_ZONE_URBA_20171013.shp"
PLUI = "plu/200011781_ZONE_URBA_20180101.geojson"


def _store(tmp_path, zones, insee="30014"):
    """A store with one commune (the plan's outline), a target and nothing else."""
    store = GeoPackageStore.create(tmp_path / "s.gpkg")
    commune = gpd.GeoDataFrame({"insee": [insee], "name": ["Commune"], "population": [1000],
                                "polarity": ["commune rurale"], "density_min": [18]},
                               geometry=[zones.union_all()], crs=2154)
    edits.apply(store, edits.plan_rows(store, "communes", commune, mode="append"))
    edits.apply(store, edits.plan_rows(store, "targets", pd.DataFrame(
        [{"commune": insee, "period_start": 2023, "period_end": 2028, "homes_target": 60}]), mode="append"))
    return store


def test_the_same_plan_from_geojson_then_shapefile_is_one_set_of_zones(tmp_path, invoke, shared_data):
    path = tmp_path / "plh.gpkg"
    invoke("init", "--store", path)
    first = invoke("import", "zoning", shared_data / ZONE_URBA, "--store", path)
    assert first.exit_code == 0, first.output
    again = invoke("import", "zoning", shared_data / SHAPEFILE, "--store", path)
    assert again.exit_code == 0, again.output
    n = len(gpd.read_file(shared_data / SHAPEFILE))
    assert "zoning : ajouts : 0, modifications : 0, fins : 0, inchangés : 90" in again.stderr
    with GeoPackageStore(path) as st:
        assert st.count("zoning") == n == 90
    back = invoke("import", "zoning", shared_data / ZONE_URBA, "--store", path)
    assert "zoning : ajouts : 0, modifications : 0, fins : 0, inchangés : 90" in back.stderr


def test_a_local_typezone_is_read_as_its_cnig_family_everywhere(tmp_path, invoke, shared_data):
    zones = gpd.read_file(shared_data / ZONE_URBA).to_crs(2154)
    local = zones.assign(TYPEZONE=zones.TYPEZONE.map({"N": "Nh", "AUc": "1AUh"}).fillna(zones.TYPEZONE))
    src = tmp_path / "zone_urba_locale.geojson"
    local.to_crs(4326).to_file(src)
    store = _store(tmp_path, zones)
    natural = zones[zones.TYPEZONE == "N"].geometry.iloc[0].representative_point()
    edits.apply(store, edits.plan_rows(store, "projects", gpd.GeoDataFrame(
        [{"name": "Mas du Bois", "commune": "30014", "homes_total": 8, "status": "études", "delivery_year": 2027}],
        geometry=[natural], crs=2154), mode="append"))
    report = review.review_plu(store, "30014", src, settings=SETTINGS)
    assert [s["name"] for s in report["schemes_on_a_n"]] == ["Mas du Bois"]
    by_type = zones.area.groupby(zones.TYPEZONE).sum() / 10000
    assert report["zones_ha"]["N"] == pytest.approx(by_type["N"], abs=0.01)
    assert report["capacity"]["auc_ha"] == pytest.approx(by_type["AUc"], abs=0.01)
    assert any("TYPEZONE 'Nh' n'est pas une valeur CNIG : lue comme sa famille N (22 zone(s))" in n for n in report["notes"])
    store.close()
    result = invoke("import", "zoning", src, "--store", tmp_path / "s.gpkg")
    assert result.exit_code == 0, result.output
    assert "TYPEZONE 'Nh' n'est pas une valeur CNIG : lue comme sa famille N (22 zone(s))" in result.stderr
    with GeoPackageStore(tmp_path / "s.gpkg") as st:
        stored = st.read("zoning")
        assert stored.typezone.value_counts().to_dict() == zones.TYPEZONE.value_counts().to_dict()
        found = checks.run_checks(st, rules=["PLU-AN"], settings=SETTINGS)
    assert ["Mas du Bois" in str(f) for f in found] == [True]


def test_an_economic_au_zone_holds_no_housing_capacity(tmp_path, shared_data):
    zones = gpd.read_file(shared_data / PLUI).to_crs(2154)
    zones = zones[zones.INSEE == "18007"]
    store = _store(tmp_path, zones, "18007")
    report = review.review_plu(store, "18007", shared_data / PLUI, settings=SETTINGS)
    auc = zones[zones.TYPEZONE == "AUc"]
    housing = auc[auc.DESTDOMI.isin(["01", "03"])]
    assert len(auc) == 30 and len(housing) == 27  # 3 AUc zones of DESTDOMI 02 (économique)
    assert report["capacity"]["auc_ha"] == pytest.approx(housing.area.sum() / 10000, abs=0.01)
    assert report["capacity"]["auc_homes"] == math.floor(housing.area.sum() / 10000 * 0.75 * 18)
    economic = {z["zone"] for z in report["capacity"]["zones_not_housing"] if z["typezone"] == "AUc"}
    assert economic == set(auc[auc.DESTDOMI == "02"].LIBELLE)
    assert "sans capacité comptée" in review.render_text(report)


def test_an_au_zone_touched_by_an_oap_is_not_covered(tmp_path, shared_data):
    zones = gpd.read_file(shared_data / ZONE_URBA).to_crs(2154)
    store = _store(tmp_path, zones)
    iau = zones[zones.LIBELLE == "IAU"].geometry.iloc[0]
    corner = shapely.Point(iau.exterior.coords[0] if iau.geom_type == "Polygon" else iau.geoms[0].exterior.coords[0])
    sliver = corner.buffer(1.0)  # an OAP next door, overlapping the zone by about 1.5 m²
    assert 0 < sliver.intersection(iau).area < 3
    whole = zones[zones.LIBELLE == "IIAU"].geometry.iloc[0]
    oap = gpd.GeoDataFrame({"TYPEPSC": ["18", "18"], "STYPEPSC": ["00", "00"], "LIBELLE": ["OAP voisine", "OAP"],
                            "IDURBA": ["30014_PLU_20171013"] * 2}, geometry=[sliver, whole], crs=2154)
    src = tmp_path / "oap.geojson"
    oap.to_crs(4326).to_file(src)
    report = review.review_plu(store, "30014", shared_data / ZONE_URBA, src, settings=SETTINGS)
    assert [z["zone"] for z in report["au_zones_without_oap"]] == ["IAU"]
    share = SETTINGS.oap_min_cover
    assert covered([iau, whole], oap, share).tolist() == [False, True]

"""The PLU review: the demo commune with its zoning exported as a CNIG file, and a real CNIG PLU."""
from __future__ import annotations

import json
import math

import geopandas as gpd
import pandas as pd
import pytest

from plhgis import edits, review
from plhgis.errors import PlhgisError
from plhgis.settings import Settings
from plhgis.store import GeoPackageStore

pytestmark = pytest.mark.usefixtures("english")  # these tests read the messages' content, in English

SETTINGS = Settings(plh_start=2023, plh_end=2028, reference_year=2025)


def cnig_file(store, layer, insee, path):
    """The store's zoning/prescriptions of one commune as a CNIG-like file with upper-case fields."""
    frame = store.read(layer, commune=insee)
    frame = frame[[c for c in frame.columns if c not in ("id", "created_at", "updated_at", "end_date")]]
    frame = frame.rename(columns={c: c.upper() for c in frame.columns if c != "geometry"})
    frame.to_crs(4326).to_file(path, driver="GeoJSON")
    return path


def test_review_of_a_demo_commune(demo_store, tmp_path):
    centre = demo_store.read("communes", commune="62952").geometry.iloc[0].representative_point()
    big = edits.add(demo_store, "plots", {"commune": "62952", "capacity": 20, "status": "identifié"},
                    centre.buffer(45, cap_style="square")).id  # 8,100 m², outside the OAP
    zoning = cnig_file(demo_store, "zoning", "62952", tmp_path / "62952_ZONE_URBA.geojson")
    oap = cnig_file(demo_store, "prescriptions", "62952", tmp_path / "62952_PRESCRIPTION_SURF.geojson")
    report = review.review_plu(demo_store, "62952", zoning, oap, settings=SETTINGS)
    zones = demo_store.read("zoning", commune="62952")
    auc_ha = zones[zones.typezone == "AUc"].area.sum() / 10000
    assert report["capacity"]["auc_ha"] == pytest.approx(auc_ha, abs=0.05)
    assert report["capacity"]["auc_homes"] == math.floor(auc_ha * 0.75 * 30)  # pôle relais: 30 logements/ha
    assert report["target"]["homes_target"] == 420 and report["target"]["remaining_need"] == 382
    assert [a["zone"] for a in report["au_zones_without_oap"]] == ["1AUh"]  # the demo's OAP lies in zone U
    large = {b["id"]: b for b in report["large_sites_without_oap"]}
    assert big in large and large[big]["layer"] == "plots" and large[big]["area_m2"] == pytest.approx(8100)
    assert all(b["area_m2"] >= 5000 for b in large.values())
    text = review.render_text(report)
    assert "Avis sur le PLU de Haillicourt-sur-Deûle (62952)" in text and "Objectif PLH 2023–2028: 420" in text


def test_review_finds_schemes_on_farmland_and_sms(demo_store, tmp_path):
    zoning = cnig_file(demo_store, "zoning", "62954", tmp_path / "z.geojson")
    report = review.review_plu(demo_store, "62954", zoning, settings=SETTINGS)
    assert "Lotissement du Champ Bleu" in {s["name"] for s in report["schemes_on_a_n"]}
    assert report["large_sites_without_oap"] is None  # no prescriptions for this commune: not checked
    zoning0 = cnig_file(demo_store, "zoning", "62950", tmp_path / "z0.geojson")
    sms = review.review_plu(demo_store, "62950", zoning0, settings=SETTINGS)["social_mix_sectors"]
    (sector,) = sms
    assert sector["required_share"] == 0.3
    assert {s["name"]: s["meets"] for s in sector["schemes"]}["Îlot Pasteur (SMS)"] is False


def test_review_refuses_an_unknown_commune(demo_store, tmp_path):
    zoning = cnig_file(demo_store, "zoning", "62952", tmp_path / "z.geojson")
    with pytest.raises(PlhgisError, match="no commune '99999' in the store"):
        review.review_plu(demo_store, "99999", zoning)


@pytest.mark.shared
def test_review_refuses_another_communes_plan(demo_store, tmp_path, invoke):
    zoning = cnig_file(demo_store, "zoning", "62952", tmp_path / "z.geojson")
    frame = gpd.read_file(zoning).drop(columns=["INSEE"])  # no INSEE field to tell them apart
    frame.to_file(tmp_path / "62954_ZONE_URBA.geojson")
    result = invoke("review-plu", "62954", "--zoning", tmp_path / "62954_ZONE_URBA.geojson",
                    "--store", demo_store.path)
    assert result.exit_code == 1
    assert "62954_ZONE_URBA.geojson, value '62954': the zoning file has no zone for this commune" in result.output


def test_a_plui_naming_no_commune_is_clipped_to_the_commune(demo_store, tmp_path):
    """A 2017 CNIG PLUi: no INSEE field, IDURBA starts with the EPCI's SIREN."""
    zones = demo_store.read("zoning")
    zones = zones[zones.insee.isin(["62950", "62951", "62952"])].drop(columns=["insee", "id", "created_at",
                                                                            "updated_at", "end_date"])
    zones = zones.assign(idurba="200099999_PLUI_20220101").rename(columns=str.upper).rename(
        columns={"GEOMETRY": "geometry"}).set_geometry("geometry")
    path = tmp_path / "200099999_ZONE_URBA_20220101.geojson"
    zones.to_crs(4326).to_file(path, driver="GeoJSON")
    own = demo_store.read("zoning", commune="62952")
    report = review.review_plu(demo_store, "62952", path, settings=SETTINGS)
    expected = own[own.typezone == "AUc"].area.sum() / 10000
    assert report["capacity"]["auc_ha"] == pytest.approx(expected, abs=0.05)
    assert any("découpées selon le contour de la commune" in n for n in report["notes"])


def test_review_of_a_real_cnig_plu(shared_data, tmp_path, invoke):
    """Arpaillargues-et-Aureillac (30014): its real ZONE_URBA and PRESCRIPTION_SURF files."""
    plu = shared_data / "plu"
    zoning_path = plu / "30014_ZONE_URBA_20171013.geojson"
    zones = gpd.read_file(zoning_path).to_crs(2154)
    store = GeoPackageStore.create(tmp_path / "s.gpkg")
    commune = gpd.GeoDataFrame({"insee": ["30014"], "name": ["Arpaillargues-et-Aureillac"], "population": [1000],
                                "polarity": ["commune rurale"], "density_min": [18]},
                               geometry=[zones.union_all()], crs=2154)
    edits.apply(store, edits.plan_rows(store, "communes", commune, mode="append"))
    edits.apply(store, edits.plan_rows(store, "targets", pd.DataFrame(
        [{"commune": "30014", "period_start": 2023, "period_end": 2028, "homes_target": 60}]), mode="append"))
    farm = zones[zones.TYPEZONE == "A"].geometry.iloc[0].representative_point()
    edits.apply(store, edits.plan_rows(store, "projects", gpd.GeoDataFrame(
        [{"name": "Mas des Oliviers", "commune": "30014", "homes_total": 8, "status": "études",
          "delivery_year": 2027}], geometry=[farm], crs=2154), mode="append"))
    report = review.review_plu(store, "30014", zoning_path, plu / "30014_PRESCRIPTION_SURF_20171013.geojson",
                               settings=SETTINGS)
    by_type = zones.area.groupby(zones.TYPEZONE).sum() / 10000
    assert report["zones_ha"]["U"] == pytest.approx(by_type["U"], abs=0.01)  # 78 ha
    assert report["capacity"]["auc_ha"] == pytest.approx(by_type["AUc"], abs=0.01)  # 7.3 ha
    assert report["capacity"]["auc_homes"] == math.floor(by_type["AUc"] * 0.75 * 18)  # 98 homes
    assert report["target"]["remaining_need"] == 52  # 60 − the 8 of the scheme
    assert [s["name"] for s in report["schemes_on_a_n"]] == ["Mas des Oliviers"]
    assert report["zoning"]["idurba"] == ["30014_PLU_20171013"] and report["zoning"]["zones"] == 90
    # 2 AUc zones and 2 OAP: do the OAP cover them?
    oap = gpd.read_file(plu / "30014_PRESCRIPTION_SURF_20171013.geojson").to_crs(2154)
    oap = oap[oap.TYPEPSC == "18"]
    au = zones[zones.TYPEZONE == "AUc"]
    uncovered = au[~au.intersects(oap.union_all())]
    assert len(report["au_zones_without_oap"]) == len(uncovered)
    assert report["extension"]["au_needed_ha"] == pytest.approx(52 / (18 * 0.75), abs=0.01)  # 3.85 ha
    assert report["extension"]["oversized"] is True  # 7.3 ha of AUc for 3.85 ha of need
    result = invoke("review-plu", "30014", "--zoning", zoning_path, "--store", tmp_path / "s.gpkg")
    assert result.exit_code == 0 and "Opérations en zone A ou N: " in result.output and "Mas des Oliviers" in result.output
    data = json.loads(invoke("review-plu", "30014", "--zoning", zoning_path, "--store", tmp_path / "s.gpkg",
                             "--format", "json").stdout)
    assert data["capacity"]["auc_homes"] == report["capacity"]["auc_homes"]


@pytest.mark.shared
def test_review_of_a_plui_file_names_the_commune(shared_data, tmp_path):
    """The CC Portes du Berry PLUi (2014 standard, an INSEE field): a commune it lacks is refused."""
    path = shared_data / "plu" / "200011781_ZONE_URBA_20180101.geojson"
    zones = gpd.read_file(path).to_crs(2154)
    store = GeoPackageStore.create(tmp_path / "s.gpkg")
    commune = gpd.GeoDataFrame({"insee": ["18007", "18008"], "name": ["Apremont-sur-Allier", "Voisine"],
                                "polarity": ["commune rurale"] * 2},
                               geometry=[zones.union_all(), zones.union_all().buffer(-10)], crs=2154)
    edits.apply(store, edits.plan_rows(store, "communes", commune, mode="append"))
    report = review.review_plu(store, "18007", path, settings=SETTINGS)
    assert report["zoning"]["zones"] == len(zones) == 222
    assert report["zones_ha"]["AUs"] == pytest.approx(zones[zones.TYPEZONE == "AUs"].area.sum() / 10000, abs=0.01)
    assert report["target"]["homes_target"] is None
    assert "aucun objectif" in review.render_text(report)
    with pytest.raises(PlhgisError, match="the file has no feature for this commune"):
        review.review_plu(store, "18008", path, settings=SETTINGS)

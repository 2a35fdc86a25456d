"""The store on real open data from ../shared/data (skipped when absent)."""
from __future__ import annotations

import geopandas as gpd
import pytest
from conftest import snapshot

from plhgis import edits
from plhgis.store import GeoPackageStore

pytestmark = pytest.mark.usefixtures("english")  # these tests read the messages' content, in English


@pytest.fixture
def real_communes(shared_data, tmp_path):
    """The 89 real communes of CALL and CAPSO, with plhgis field names, as a GeoJSON file."""
    frame = gpd.read_file(shared_data / "territoire" / "communes_call_capso.geojson")
    frame = frame.rename(columns={"code": "insee", "nom": "name", "siren_epci": "epci_siren",
                                  "nom_epci": "epci_name", "population_municipale": "population"})
    path = tmp_path / "communes.geojson"
    frame.to_file(path, engine="pyogrio")
    return path, frame


def test_the_89_real_communes_load_in_lambert93(invoke, empty_store, real_communes):
    path, source = real_communes
    result = invoke("import", "communes", path, "--store", empty_store.path)
    assert result.exit_code == 0, result.output
    assert "89 added" in result.output
    stored = empty_store.read("communes")
    assert len(stored) == 89 and stored.crs.to_epsg() == 2154
    by_epci = stored.groupby("epci_siren").population.agg(["count", "sum"])
    expected = source.groupby("epci_siren").population.agg(["count", "sum"])
    assert by_epci.loc["246200364", "count"] == 36 and by_epci.loc["200069037", "count"] == 53
    assert (by_epci["sum"].to_numpy() == expected["sum"].to_numpy()).all()
    lens = stored.set_index("insee").loc["62498"]
    assert lens["name"] == "Lens"
    assert 10e6 < lens.geometry.area < 13e6  # Lens covers about 11.7 km²
    assert stored.geometry.is_valid.all()


def test_a_scheme_in_lens_is_checked_against_the_real_commune_list(invoke, empty_store, real_communes, tmp_path):
    invoke("import", "communes", real_communes[0], "--store", empty_store.path)
    ok = invoke("project", "add", "--name", "Chaudronnerie Bracq", "--commune", "62498", "--homes-total", "30",
                "--status", "études", "--lon", "2.83344", "--lat", "50.43495", "--store", empty_store.path)
    assert ok.exit_code == 0 and ok.stdout.startswith("P-62498-")
    before = snapshot(empty_store.path)
    arras = invoke("project", "add", "--name", "Hors EPCI", "--commune", "62041", "--homes-total", "30",
                   "--status", "études", "--store", empty_store.path)
    assert arras.exit_code == 1
    assert "field 'commune', value '62041': unknown commune INSEE code" in arras.output
    assert snapshot(empty_store.path) == before


def test_other_population_vintage_updates_and_history_shows_it(empty_store, real_communes, shared_data):
    edits.import_file(empty_store, "communes", real_communes[0])
    other = gpd.pd.read_csv(shared_data / "reference" / "epci_communes_call_capso.csv", dtype=str)
    update = other.rename(columns={"insee": "insee", "population": "population"})[["insee", "population"]]
    plan = edits.apply(empty_store, edits.plan_rows(empty_store, "communes", update, source="vintage"))
    changed = [c for c in plan.changes if c.action == "update"]
    assert changed and all(set(c.after) == {"population"} for c in changed)
    lens = empty_store.get("communes", "62498")
    assert lens["population"] == 32920 and lens["geometry"] is not None
    history = GeoPackageStore(empty_store.path).history("communes", "62498")
    assert list(history.action) == ["insert", "update"]
    assert '"population": 32618' in history.before.iloc[-1] and '"population": 32920' in history.after.iloc[-1]

"""Real files of the territory: Cartofriches points, figures of two EPCIs, sectors and communes
elsewhere, warnings a person can read, and one footprint code path for --parcels."""
from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from plhgis.labels import number
from plhgis.store import GeoPackageStore

CALL = "246200364"


@pytest.fixture
def call_store(tmp_path, invoke, shared_data):
    path = tmp_path / "plh.gpkg"
    assert invoke("init", "--store", path).exit_code == 0
    result = invoke("import", "communes", shared_data / "territoire/communes_call_capso.geojson", "--epci", CALL,
                    "--store", path)
    assert result.exit_code == 0, result.output
    return path


def _read(path, layer):
    with GeoPackageStore(path) as st:
        return st.read(layer)


def test_the_cartofriches_points_geojson_imports_every_point(call_store, invoke, shared_data):
    src = shared_data / "friches/cartofriches_points_call.geojson"
    features = json.loads(src.read_text())["features"]
    result = invoke("import", "friches", src, "--store", call_store)
    assert result.exit_code == 0, result.output
    friches = _read(call_store, "friches").set_index("site_id")
    assert len(friches) == len(features) == 95
    first = features[0]["properties"]
    row = friches.loc[first["site_id"]]
    assert (row.site_nom, row.comm_insee, row.site_statut) == (f"Friche {first['site_id']}", first["comm_insee"],
                                                               first["site_statut"])
    assert json.loads(row.extra) == {"nature": first["nature"]}  # no column lost
    assert row.source_nom == first["source"]


def test_figures_of_two_epcis_are_refused_with_an_epci_hint_and_load_with_it(call_store, invoke, shared_data):
    src = shared_data / "reference/epci_communes_call_capso.csv"
    figures = pd.read_csv(src, dtype=str)
    refused = invoke("import", "communes", src, "--store", call_store)
    assert refused.exit_code != 0
    assert f"--epci {CALL}" in refused.stderr
    result = invoke("import", "communes", src, "--epci", CALL, "--store", call_store)
    assert result.exit_code == 0, result.output
    assert f"sélection : {(figures.epci_siren == CALL).sum()} communes sur {number(len(figures))}" in result.stderr
    assert "avertissement" not in result.stderr  # nothing said about the rows --epci leaves out


def test_a_commune_with_no_epci_is_a_warning(tmp_path, invoke):
    path = tmp_path / "plh.gpkg"
    invoke("init", "--store", path)
    src = tmp_path / "communes.geojson"
    gpd.GeoDataFrame({"code": ["62498", "62510"], "nom": ["Lens", "Liévin"], "siren_epci": [CALL, None]},
                     geometry=[shapely.box(2.8, 50.4, 2.83, 50.44), shapely.box(2.77, 50.4, 2.8, 50.44)],
                     crs=4326).to_file(src)
    result = invoke("import", "communes", src, "--store", path)
    assert result.exit_code == 0, result.output
    assert "commune sans EPCI (epci_siren vide)" in result.stderr and "'62510'" in result.stderr


def test_sectors_of_another_department_are_a_warning_and_the_hint_names_the_store(call_store, invoke, tmp_path):
    src = tmp_path / "secteurs.geojson"
    gpd.GeoDataFrame({"nom": ["Centre de Lens", "Centre de Nîmes"]},
                     geometry=[shapely.box(2.82, 50.42, 2.84, 50.44), shapely.box(4.35, 43.83, 4.37, 43.85)],
                     crs=4326).to_file(src)
    result = invoke("import", "sectors", src, "--kind", "centralité", "--store", call_store)
    assert result.exit_code == 0, result.output
    assert "secteur hors des communes de la base" in result.stderr and "Centre de Nîmes" in result.stderr
    assert "Centre de Lens'" not in result.stderr
    wrong = invoke("import", "communes", tmp_path / "secteurs.geojson", "--epci", "200069037", "--store",
                   tmp_path / "other.gpkg")
    assert "Lens-Liévin est 246200364" not in wrong.output


def test_no_epci_in_the_file_gets_a_hint_from_the_file_not_lens(tmp_path, invoke, shared_data):
    path = tmp_path / "plh.gpkg"
    invoke("init", "--store", path)
    result = invoke("import", "communes", shared_data / "territoire/communes_call_capso.geojson", "--epci",
                    "200000000", "--store", path)
    assert result.exit_code != 0
    assert "Lens-Liévin est 246200364" not in result.stderr
    assert f"EPCI du fichier : 200069037 (CA du Pays de Saint-Omer) ×53, {CALL} (CA de Lens - Liévin) ×36" \
        in result.stderr


def test_warnings_are_grouped_by_field_and_kind_and_listed_with_verbose(call_store, invoke, tmp_path):
    rows = "\n".join(f"62498;{5 + i};{'Uh' if i % 2 else 'Ub'};2,8{i:02d};50,43" for i in range(30))
    src = tmp_path / "gisements.csv"
    src.write_text("Code INSEE;Capacité;Zone PLU;lon;lat\n" + rows + "\n", encoding="utf-8")
    result = invoke("import", "plots", src, "--dry-run", "--store", call_store)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("avertissement :")]
    assert len(lines) == 1, lines
    assert "champ 'zone_type' : valeur hors de la liste du standard (gardée) ×30" in lines[0]
    assert "'Uh' ×15" in lines[0] and "'Ub' ×15" in lines[0]
    verbose = invoke("import", "plots", src, "--dry-run", "--verbose", "--store", call_store)
    assert sum(line.startswith("avertissement :") for line in verbose.stderr.splitlines()) == 30


def store_91216(tmp_path, invoke, shared_data):
    """A store holding commune 91216 (a box around its cadastre: the only cadastre in the shared data)
    and the path of that cadastre file."""
    path = tmp_path / "plh.gpkg"
    invoke("init", "--store", path)
    parcels = shared_data / "cadastre/cadastre-91216-parcelles.json"
    ring = gpd.read_file(parcels).to_crs(4326).union_all().envelope.buffer(0.01)
    commune = tmp_path / "91216.geojson"
    gpd.GeoDataFrame({"code": ["91216"], "nom": ["Épinay-sous-Sénart"]}, geometry=[ring], crs=4326).to_file(commune)
    assert invoke("import", "communes", commune, "--store", path).exit_code == 0
    return path, parcels


def test_plot_add_parcels_stores_the_footprint_like_project_add(tmp_path, invoke, shared_data):
    path, parcels = store_91216(tmp_path, invoke, shared_data)
    assert invoke("import", "parcels", parcels, "--store", path).exit_code == 0
    ids = _read(path, "parcels").sort_values("id")["id"].head(2).tolist()
    plot = invoke("plot", "add", "--commune", "91216", "--parcels", ",".join(ids), "--capacity", "8",
                  "--store", path)
    assert plot.exit_code == 0, plot.output
    project = invoke("project", "add", "--name", "Les Sablons", "--commune", "91216", "--homes-total", "12",
                     "--status", "études", "--parcels", ",".join(ids), "--store", path)
    assert project.exit_code == 0, project.output
    footprint = _read(path, "parcels").set_index("id").loc[ids].geometry.union_all()
    stored = _read(path, "plots").iloc[0]
    assert stored.geometry is not None and stored.geometry.equals_exact(footprint, 0.01)
    assert stored.parcels == "|".join(ids)
    assert _read(path, "projects").iloc[0].geometry.equals_exact(footprint, 0.01)
    assert stored.area_m2 == pytest.approx(footprint.area, abs=0.1)


def test_a_file_of_another_region_with_epci_says_so(call_store, invoke, shared_data):
    result = invoke("import", "qpv", shared_data / "qpv/qpv2015_occitanie_30_31_34.geojson", "--epci", CALL,
                    "--store", call_store)
    assert result.exit_code != 0
    assert f"le fichier ne dit rien des communes de l'EPCI {CALL} : vérifiez qu'il couvre votre territoire" in result.stderr
    assert "Lens-Liévin est 246200364" not in result.stderr

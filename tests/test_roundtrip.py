"""Property tests: values survive store write → read and file export → import."""
from __future__ import annotations

import string

import geopandas as gpd
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plhgis import edits, io
from plhgis.schema import BLANKS
from plhgis.store import from_gpkg_blobs, to_gpkg_blobs

FRENCH = string.ascii_letters + string.digits + " -'’àâäçéèêëîïôöùûüÿœæÀÂÇÉÈÊËÎÏÔÖÙÛÜŸŒÆ«»°&<>\"/"
# NA, NULL, None… are read as empty cells (what R and spreadsheets write for them): not names
names = st.text(alphabet=FRENCH, min_size=1, max_size=60).map(str.strip).filter(lambda s: s not in BLANKS)
insee = st.one_of(st.integers(1001, 9999).map(lambda n: f"{n:05d}"),  # leading zero: Ain, Aisne…
                  st.sampled_from(["2A004", "2B033", "62498", "97411"]))
coords = st.tuples(st.floats(200_000, 1_100_000), st.floats(6_200_000, 7_100_000))
SLOW = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SLOW
@given(code=insee, name=names, commune_name=names, total=st.integers(5, 10_000), xy=coords,
       comment=st.one_of(st.none(), names))
def test_project_values_survive_the_store(empty_store, code, name, commune_name, total, xy, comment):
    commune = gpd.GeoDataFrame({"insee": [code], "name": [commune_name]},
                               geometry=[shapely.Point(xy).buffer(5000)], crs="EPSG:2154")
    edits.apply(empty_store, edits.plan_rows(empty_store, "communes", commune))
    change = edits.add(empty_store, "projects", {"name": name, "commune": code, "homes_total": total,
                                                 "status": "études", "comment": comment},
                       shapely.Point(xy), crs="EPSG:2154")
    back = empty_store.get("projects", change.id)
    assert (back["name"], back["commune"], back["homes_total"], back["comment"]) == (name, code, total, comment)
    assert back["geometry"].equals_exact(shapely.Point(xy), 1e-6)
    assert empty_store.get("communes", code)["name"] == commune_name


@SLOW
@given(name=names, code=insee, total=st.integers(5, 500), xy=coords)
def test_french_excel_csv_round_trip(tmp_path, name, code, total, xy):
    frame = gpd.GeoDataFrame({"name": [name], "commune": [code], "homes_total": [total], "area": [total / 3]},
                             geometry=[shapely.Point(xy)], crs="EPSG:2154")
    path = tmp_path / "t.csv"
    io.export_frame(frame, path, overwrite=True)
    back, rows = io.read_geodata(path)
    assert back.crs.to_epsg() == 2154 and list(rows) == [2]
    assert back.loc[0, "name"] == name and back.loc[0, "commune"] == code
    assert int(back.loc[0, "homes_total"]) == total
    assert float(back.loc[0, "area"].replace(",", ".")) == total / 3
    assert back.geometry.iloc[0].equals_exact(shapely.Point(xy), 1e-6)


@given(st.lists(st.one_of(coords.map(shapely.Point),
                          coords.map(lambda xy: shapely.Point(xy).buffer(50, quad_segs=2))), max_size=5))
def test_geopackage_blobs_round_trip(geoms):
    back = from_gpkg_blobs(to_gpkg_blobs(geoms, 2154))
    assert all(a.equals_exact(b, 0) for a, b in zip(geoms, back))

"""Files read through Arrow give the columns the row reader gave: the rest of plhgis sees the same
text, numbers, dates and blanks, and a file Arrow cannot take (Latin-1 text) is still read or refused
as before."""
from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from plhgis import io
from plhgis.store import GeoPackageStore

FEATURES = [  # accents, whole numbers and blanks, decimals, dates, yes/no with a blank, an empty column, JSON
    ({"name": "École « Les Prés »", "homes": 12, "share": 0.25, "day": "2024-03-01", "at": "2024-03-01T10:00:00",
      "social": True, "note": None, "meta": {"k": 1}}, [2.79, 50.40]),
    ({"name": None, "homes": None, "share": None, "day": None, "at": None, "social": None, "note": None,
      "meta": {"k": 2}}, None),
    ({"name": "", "homes": 7, "share": 2, "day": "2023-12-31", "at": "2023-12-31T23:59:00", "social": False,
      "note": None, "meta": None}, [2.80, 50.41]),
]


def _same_columns(frame, expected):
    """The same column types and the same values, a blank being None or NaN alike (both are blank to plhgis)."""
    left, right = (pd.DataFrame(f.drop(columns="geometry")) for f in (frame, expected))
    assert left.dtypes.astype(str).to_dict() == right.dtypes.astype(str).to_dict()
    pd.testing.assert_frame_equal(left.astype(object).where(left.notna(), None),
                                  right.astype(object).where(right.notna(), None))
    assert list(shapely.to_wkt(frame.geometry.to_numpy())) == list(shapely.to_wkt(expected.geometry.to_numpy()))


def _geojson(path):
    feats = [{"type": "Feature", "properties": props,
              "geometry": {"type": "Point", "coordinates": xy} if xy else None} for props, xy in FEATURES]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False), "utf-8")
    return path


def _frame():
    return gpd.GeoDataFrame({"name": ["Évry-Courcouronnes", None, "Saint-Éloi"],
                             "homes": pd.array([12, None, 7], dtype="Int64"), "share": [0.25, None, 2.0],
                             "day": pd.to_datetime(["2024-03-01", None, "2023-12-31"]), "code": ["01001", "", None]},
                            geometry=[shapely.Point(650_000, 7_000_000), shapely.Point(651_000, 7_001_000),
                                      shapely.Point(652_000, 7_002_000)], crs=2154)


def _gpkg(path):
    pyogrio.write_dataframe(_frame(), path, layer="projects")
    return path


def _shapefile_without_cpg(path):
    """A Shapefile as older tools write it: Windows-1252 text and no .cpg saying so."""
    pyogrio.write_dataframe(_frame().drop(columns="day"), path, encoding="cp1252")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    assert "É".encode("cp1252") in path.with_suffix(".dbf").read_bytes()
    return path


@pytest.mark.parametrize("write", [_geojson, _gpkg, _shapefile_without_cpg], ids=["geojson", "gpkg", "shp-latin1"])
def test_columns_as_the_row_reader_gave_them(tmp_path, write):
    path = write(tmp_path / {"_geojson": "a.geojson", "_gpkg": "a.gpkg"}.get(write.__name__, "a.shp"))
    frame, rows = io.read_geodata(path)
    _same_columns(frame, pyogrio.read_dataframe(path))  # the row reader plhgis used before
    assert rows.tolist() == [1, 2, 3]
    if write is _geojson:
        assert frame["note"].tolist() == [None, None, None]  # an empty column holds None, not NaN text
        assert frame["social"].tolist()[::2] == [1.0, 0.0]  # yes/no with a blank: 1.0, NaN, 0.0
        assert str(frame["day"].dtype).startswith("datetime64")


def test_real_parcels_read_alike(shared_data):
    """The cadastre's GeoJSON (dates, text, numbers) as the row reader gave it."""
    path = shared_data / "cadastre" / "cadastre-91216-parcelles.json"
    _same_columns(io.read_geodata(path)[0], pyogrio.read_dataframe(path))


def test_latin1_shapefile_imports_with_its_accents(invoke, demo_path, tmp_path):
    store = GeoPackageStore(demo_path)
    commune = sorted(store.communes())[0]
    point = store.read("communes", commune=commune).geometry.iloc[0].representative_point()
    store.close()
    frame = gpd.GeoDataFrame({"name": ["Résidence Éloi"], "commune": [commune], "homes_tota": [12],
                              "status": ["études"]}, geometry=[point], crs=2154)
    path = tmp_path / "operations.shp"
    pyogrio.write_dataframe(frame, path, encoding="cp1252")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    result = invoke("import", "projects", path, "--store", demo_path)
    assert result.exit_code == 0, result.output
    with GeoPackageStore(demo_path) as store:
        assert "Résidence Éloi" in set(store.read("projects", commune=commune).name)


def test_geojson_not_in_utf8_is_refused_clearly(invoke, demo_path, tmp_path):
    path = tmp_path / "latin1.geojson"
    path.write_bytes('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": '
                     '"R\xe9sidence"}, "geometry": {"type": "Point", "coordinates": [2.79, 50.4]}}]}'.encode("cp1252"))
    result = invoke("import", "projects", path, "--store", demo_path)
    assert result.exit_code == 1
    assert "latin1.geojson" in result.output and "Traceback" not in result.output

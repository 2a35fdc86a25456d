"""A bulk import (issue 14: 100,000 schemes within 2× ogr2ogr) writes exactly what one-row-at-a-time
writing does: the same rows, the same history, the same R-tree entries; only the tree is packed."""
from __future__ import annotations

import math
import shutil
import sqlite3

import shapely
from conftest import snapshot

from plhgis import edits, store as store_mod
from plhgis.store import GeoPackageStore

STAMP = "2026-01-05T10:00:00+00:00"


def _both_ways(base, tmp_path, monkeypatch, write):
    """`write(store)` on two copies of `base`: row by row (GDAL's R-tree triggers), then in bulk."""
    paths = []
    for name, bulk_rows in (("one.gpkg", 10**9), ("bulk.gpkg", store_mod.BULK_ROWS)):
        path = tmp_path / name
        shutil.copy(base, path)
        monkeypatch.setattr(store_mod, "BULK_ROWS", bulk_rows)
        store = GeoPackageStore(path, user="test")
        store.clock = lambda: STAMP
        write(store)
        store.close()
        paths.append(path)
    return paths


def _tree(path, layer):
    con = sqlite3.connect(path)
    try:
        entries = con.execute(f'SELECT * FROM "rtree_{layer}_geom" ORDER BY id').fetchall()
        check = con.execute(f"SELECT rtreecheck('rtree_{layer}_geom')").fetchone()[0]
        leaves = con.execute(f'SELECT count(DISTINCT nodeno) FROM "rtree_{layer}_geom_rowid"').fetchone()[0]
        node_size = con.execute(f'SELECT length(data) FROM "rtree_{layer}_geom_node" WHERE nodeno = 1').fetchone()[0]
    finally:
        con.close()
    return entries, check, leaves, (node_size - 4) // 24


def _same_store(one, bulk, layer):
    tables, bulk_tables = snapshot(one), snapshot(bulk)
    counts = dict(bulk_tables.pop("gpkg_ogr_contents"))  # a bulk insert counts the layer; row by row keeps
    tables.pop("gpkg_ogr_contents")                       # GDAL's NULL ('unknown') when the count was so
    assert counts[layer] == len(tables[layer])
    assert bulk_tables == tables  # every other table: rows, history, settings, gpkg metadata
    entries, check, leaves, fanout = _tree(bulk, layer)
    assert check == "ok"
    assert entries == _tree(one, layer)[0]  # the same ids and the same 32-bit bounds
    assert leaves == math.ceil(len(entries) / fanout)  # packed: full leaves (row by row leaves them ~2/3 full)
    return entries


def test_bulk_import_into_the_demo_writes_what_row_by_row_writing_does(demo_path, tmp_path, monkeypatch):
    demo = GeoPackageStore(demo_path).read("projects")
    frame = demo.sample(1500, replace=True, random_state=1).reset_index(drop=True)
    frame = frame.drop(columns=["id", "created_at", "updated_at", "end_date"])
    frame["name"] = [f"Opération {i}" for i in range(len(frame))]
    geoms = shapely.transform(frame.geometry.to_numpy(), lambda xy: xy + [7.3, -2.1])
    geoms[5], geoms[6] = None, shapely.Point()  # no place yet, and an empty point: neither is in the R-tree
    frame = frame.set_geometry(list(geoms), crs=demo.crs)

    def write(store):
        edits.apply(store, edits.plan_rows(store, "projects", frame, mode="append", source="test"))
    one, bulk = _both_ways(demo_path, tmp_path, monkeypatch, write)
    entries = _same_store(one, bulk, "projects")
    placed = GeoPackageStore(bulk).read("projects", include_ended=True).geometry
    assert len(entries) == (~(placed.isna() | placed.is_empty)).sum() > len(frame)
    moved = GeoPackageStore(bulk)  # the packed tree takes later edits through GDAL's triggers
    edits.edit(moved, "projects", "P-62950-0001", {"status": "travaux"}, shapely.Point(690000, 7030000))
    assert _tree(bulk, "projects")[1] == "ok"


def test_bulk_import_of_a_real_cadastre_writes_what_row_by_row_writing_does(shared_data, tmp_path, monkeypatch):
    source = shared_data / "cadastre" / "cadastre-91216-parcelles.json"
    base = tmp_path / "base.gpkg"
    GeoPackageStore.create(base).close()
    one, bulk = _both_ways(base, tmp_path, monkeypatch,
                           lambda store: edits.import_file(store, "parcels", source))
    entries = _same_store(one, bulk, "parcels")
    assert len(entries) > store_mod.BULK_ROWS
    store = GeoPackageStore(bulk)
    some = store.read("parcels").geometry.iloc[10]
    x, y = some.centroid.x, some.centroid.y
    con = sqlite3.connect(bulk)
    near = {r[0] for r in con.execute('SELECT id FROM "rtree_parcels_geom" WHERE maxx >= ? AND minx <= ? '
                                      "AND maxy >= ? AND miny <= ?", (x, x, y, y))}
    con.close()
    assert near and len(near) < 10


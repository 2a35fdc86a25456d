"""PostGIS bulk writes (bulk.py, PostGISStore.insert_features): COPY streamed in chunks, a first
import rebuilding the layer's indexes once, and a failed COPY leaving the store as it was.

The PostGIS tests skip with the reason when no PostgreSQL + PostGIS server can be started (tests/pg.py).
"""
from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import geopandas as gpd
import pytest
import shapely

from plhgis import bulk, edits
from plhgis.errors import PlhgisError, StoreError
from plhgis.store import Change, history_json
from plhgis.store_copy import copy_store
from plhgis.stores import create_store, open_store
import test_postgis
from test_postgis import content, same_content, state

shared = test_postgis.shared  # the demo on PostGIS with its logins (a fixture)


def indexes(url, table="projects") -> dict:
    """Each index of `table`: its definition and oid (a rebuilt index has a new oid)."""
    import psycopg

    with psycopg.connect(url) as con:
        return {name: (definition, oid) for name, definition, oid in con.execute(
            "SELECT indexname, indexdef, (quote_ident(schemaname) || '.' || quote_ident(indexname))::regclass::oid "
            "FROM pg_indexes WHERE tablename = %s", [table])}


def schemes(n, commune="62952", x0=690000):
    return gpd.GeoDataFrame({"name": [f"Lot {i}" for i in range(n)], "commune": commune, "homes_total": 10,
                             "status": "repérage"},
                            geometry=shapely.points([x0 + i for i in range(n)], [7035000] * n), crs=2154)


def new_store(url):
    """A new PostGIS store holding one commune, 62952."""
    store = create_store(url)
    edits.add(store, "communes", {"insee": "62952", "name": "Commune", "geometry": shapely.box(0, 0, 1, 1)})
    return store


@pytest.fixture
def small_chunks(monkeypatch):
    """Several COPY chunks from a test-sized import."""
    monkeypatch.setattr(bulk, "CHUNK_ROWS", 400)


def test_a_first_import_rebuilds_the_indexes_once_and_lands_whole(pg_url, small_chunks):
    store = new_store(pg_url)
    before = indexes(pg_url)
    plan = edits.apply(store, edits.plan_rows(store, "projects", schemes(1500), mode="append", source="bulk"))
    after = indexes(pg_url)
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}
    rebuilt = {k for k in after if after[k][1] != before[k][1]}
    assert rebuilt == {"ix_projects_geom", "ix_projects_id", "ix_projects_commune"}  # the primary key stays
    got = store.read("projects")
    assert list(got.id) == [c.id for c in plan.changes] and list(got.name) == [f"Lot {i}" for i in range(1500)]
    assert got.geometry.equals(schemes(1500).geometry)
    assert store.con.execute("SELECT DISTINCT ST_SRID(geom) FROM projects").fetchall() == [(2154,)]  # the column's
    assert (store.history("projects").source == "bulk").sum() == 1500
    assert len(store.read("projects", ids=["P-62952-0750"])) == 1  # the rebuilt id index answers
    # a second import into a layer holding more rows than it adds goes through the indexes
    edits.apply(store, edits.plan_rows(store, "projects", schemes(1200, x0=700000), mode="append"))
    assert indexes(pg_url) == after and store.count("projects") == 2700


def test_a_failed_bulk_import_leaves_the_store_and_its_indexes_untouched(pg_url, small_chunks, monkeypatch):
    """The index rebuild's unique check refuses a repeated id; a value the server refuses in the
    last chunk, or the client failing mid-stream, aborts the COPY: either way nothing lands and the
    indexes are the same ones."""
    import psycopg

    store = create_store(pg_url)
    before, idx = state(pg_url), indexes(pg_url)

    def changes(n):
        return [Change("insert", f"P-62952-{i:04d}", {"id": f"P-62952-{i:04d}", "name": f"Lot {i}", "commune": "62952",
                                                     "homes_total": 10, "status": "repérage",
                                                     "geometry": shapely.Point(690000 + i, 7035000)})
                for i in range(n)]
    twice = changes(1500)
    twice[-1] = Change("insert", "P-62952-0007", dict(twice[-1].after, id="P-62952-0007"))
    with pytest.raises(PlhgisError, match="an id of this change is already in the store"):
        store.apply("projects", twice, "bulk")
    assert state(pg_url) == before and indexes(pg_url) == idx
    wrong = changes(1500)
    wrong[-1].after["homes_total"] = "douze"
    with pytest.raises(psycopg.errors.InvalidTextRepresentation):
        store.apply("projects", wrong, "bulk")
    assert state(pg_url) == before and indexes(pg_url) == idx

    def failing(records):  # the client fails while encoding the history of the second chunk
        if any(r.get("id") == "P-62952-0500" for r in records):
            raise RuntimeError("encoding failed")
        return history_json(records)
    with monkeypatch.context() as m:
        m.setattr("plhgis.store_pg.history_json", failing)
        with pytest.raises(RuntimeError, match="encoding failed"):
            store.apply("projects", changes(1500), "bulk")
    assert state(pg_url) == before and indexes(pg_url) == idx
    assert len(store.apply("projects", changes(1500), "bulk")) == 1500  # the connection is usable again


def test_a_layer_in_use_keeps_its_indexes_and_the_import_does_not_wait(pg_url):
    """Another session reading the layer (QGIS with a transaction open): the import does not wait for
    it to rebuild the indexes, it inserts through them."""
    import psycopg

    store = new_store(pg_url)
    plan = edits.plan_rows(store, "projects", schemes(1500), mode="append")
    idx = indexes(pg_url)
    with psycopg.connect(pg_url) as reader, ThreadPoolExecutor(1) as pool:
        reader.execute("SELECT count(*) FROM projects").fetchone()  # holds its lock until the transaction ends
        pool.submit(edits.apply, store, plan).result(timeout=60)
        reader.rollback()
    assert indexes(pg_url) == idx and store.count("projects") == 1500


def test_a_commune_login_imports_in_bulk_only_its_own_schemes(shared, small_chunks):
    """Row-level security refuses COPY: the rows go through a temporary table and one INSERT it checks."""
    mairie = open_store(shared["mairie_62950"], user="mairie")
    plan = edits.apply(mairie, edits.plan_rows(mairie, "projects", schemes(1200, commune="62950"), mode="append"))
    assert len(open_store(shared["admin"]).read("projects", ids=[c.id for c in plan.changes])) == 1200
    before = state(shared["admin"])
    mixed = schemes(1200, commune="62950", x0=700000)
    mixed.loc[1100, "commune"] = "62952"
    with pytest.raises(StoreError, match="may not do this .*row-level security policy"):
        edits.apply(mairie, edits.plan_rows(mairie, "projects", mixed, mode="append"))
    assert state(shared["admin"]) == before


def test_copy_text_reads_back_as_the_values_it_was_given(pg_url):
    """Awkward text, nulls and empty text, numbers at their limits, dates, a column of mixed kinds."""
    import psycopg

    texts = ["Tab\there", "back\\slash", "new\nline", "cr\rhere", "\\N", "", None, "ALLÉE ✓ « »", '"quoted"']
    ints = [0, -1, 2**62, None, 7, 8, 9, 10, 11]
    floats = [0.1, 1e20, -2.5e-12, math.inf, -math.inf, None, 1 / 3, 12.0, 7]
    days = [date(2024, 2, 29), None] + [date(2000 + i, 1, 1) for i in range(7)]
    mixed = [1, "deux", 3.5, None, True, "x", "y", "z", "w"]
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("CREATE TEMP TABLE t (a text, b bigint, c double precision, d date, e text)")
        bulk.copy_in(con, "COPY t FROM STDIN", list(range(9)), lambda part: [
            [texts[i] for i in part], [ints[i] for i in part], [floats[i] for i in part], [days[i] for i in part],
            [mixed[i] for i in part]])
        rows = con.execute("SELECT * FROM t").fetchall()
        nan = bulk.copy_text([[math.nan]])
        assert con.execute("SELECT %s::double precision = 'NaN'", [bytes(nan).decode().strip()]).fetchone()[0]
    assert [r[0] for r in rows] == texts and [r[1] for r in rows] == ints and [r[2] for r in rows] == floats
    assert [r[3] for r in rows] == days
    assert [r[4] for r in rows] == ["1", "deux", "3.5", None, "True", "x", "y", "z", "w"]


def test_store_copy_in_bulk_changes_nothing(demo_path, pg_url, pg_cluster, monkeypatch):
    """`store copy` into a new PostGIS store in bulk (every layer over the bulk threshold here):
    the same content, and each layer ends with the indexes a new store has."""
    fresh = pg_cluster.url(pg_cluster.new_database())
    create_store(fresh).close()
    monkeypatch.setattr("plhgis.store_pg.BULK_ROWS", 5)
    copy_store(demo_path, pg_url)
    same_content(content(demo_path), content(pg_url))
    for table in ("projects", "plots", "friches", "communes"):
        assert {k: v[0] for k, v in indexes(pg_url, table).items()} == \
            {k: v[0] for k, v in indexes(fresh, table).items()}, table

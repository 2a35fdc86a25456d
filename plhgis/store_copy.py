"""`plhgis store copy`: a whole store, history included, from GeoPackage to PostGIS or back.

Every feature keeps its id, fields, dates of creation and change, and geometry; every
history row is copied as it is (who, when, before, after), so a round trip changes nothing.
Logins and proposals live only in PostGIS and are not copied.
"""
from __future__ import annotations

from . import schema
from .store import Change, plain_value, is_url, store_path
from .stores import create_store, open_store

COPIED_SETTINGS = ("created", "schema_version", "demo")


def copy_store(src, dest, overwrite: bool = False, progress=None) -> dict[str, int]:
    """Copy every layer and the history of `src` into a new store at `dest`; returns the counts."""
    source = open_store(src)
    try:
        target = create_store(dest, source.crs, overwrite)
    except BaseException:
        source.close()
        raise
    counts = {}
    with source, target:
        with target.transaction() as con:
            for lay in schema.LAYERS.values():
                frame = source.read(lay.name, include_ended=True)
                counts[lay.name] = len(frame)
                if len(frame):
                    target.insert_features(con, lay, [Change("insert", None, rec) for rec in _records(lay, frame)])
                if progress:
                    progress(lay.name)
            history = source.history()
            mark = "%s" if is_url(store_path(dest)) else "?"
            con.cursor().executemany(
                'INSERT INTO history (ts, "user", layer, feature_id, action, before, after, source) VALUES ('
                + ", ".join([mark] * len(schema.HISTORY_COLUMNS)) + ")",
                [tuple(plain_value(v) for v in row) for row in history.itertuples(index=False)])
            counts["history"] = len(history)
        for key in COPIED_SETTINGS:
            value = source.setting(key)
            if value is not None:
                target.set_setting(key, value)
    return counts


def _records(lay, frame) -> list[dict]:
    """Each row as plain values (empty fields left out), its geometry included."""
    cols = list(lay.columns)
    values = {c: frame[c].tolist() for c in cols}
    geoms = frame.geometry.tolist() if lay.geometry else None
    out = []
    for i in range(len(frame)):
        rec = {c: plain_value(values[c][i]) for c in cols}
        rec = {k: v for k, v in rec.items() if v is not None}
        if geoms is not None:
            rec["geometry"] = geoms[i]
        out.append(rec)
    return out

"""Edits made outside plhgis (QGIS, GDAL, sqlite3) journaled in the history by SQLite triggers.

Each layer table carries three triggers (insert, update, delete) that write a history row, with
the user `outside plhgis` and the source `edited outside plhgis`, and stamp `updated_at`, so the
version check of `store.apply` also sees those edits.

plhgis journals its own writes itself (with the user and the reason), so the triggers must stay
silent for them. The mark is a row (`key = 'plhgis_write'`) that plhgis inserts into
`plhgis_settings` at the start of each of its write transactions and deletes before committing:
SQLite has one writer at a time and no other connection sees an uncommitted row, so the mark is
visible to plhgis's own statements only, for exactly as long as its transaction lasts; a crash
rolls it back with the rest. (A connection-local temp table or SQL function cannot be used: a
trigger of the main schema may not read temp tables, and QGIS would fail on an unknown function.)
Only built-in SQLite functions (json_object, strftime, hex) are used, so any GeoPackage client
can fire them.

Geometries are journaled as the hex of their GeoPackage blob (SQL has no WKT); `store` turns
them into WKT when it reads the history back.
"""
from __future__ import annotations

from . import schema

MARK = "plhgis_write"
USER, SOURCE = "outside plhgis", "edited outside plhgis"
STAMPS = ("created_at", "updated_at")
_NOW = "strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')"
_NOT_PLHGIS = f"NOT EXISTS (SELECT 1 FROM plhgis_settings WHERE key = '{MARK}')"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _row_json(lay: schema.Layer, row: str, columns) -> str:
    """json_object(...) of `row` (NEW or OLD) for `columns`, the geometry as hex of its blob."""
    parts = [f"'{c}', {row}.{_q(c)}" for c in columns]
    if lay.geometry:
        parts.append(f"'geometry', hex({row}.geom)")
    return f"json_object({', '.join(parts)})"


def _wkb(blob: str) -> str:
    """SQL for the ISO WKB inside a GeoPackage blob, past its header and envelope: tools write the
    same geometry with or without an envelope, so only the WKB tells whether it changed."""
    envelope = f"(instr('0123456789ABCDEF', substr(hex(substr({blob}, 4, 1)), 2, 1)) - 1) >> 1"
    return f"substr({blob}, 9 + CASE {envelope} WHEN 1 THEN 32 WHEN 2 THEN 48 WHEN 3 THEN 48 " \
           "WHEN 4 THEN 64 ELSE 0 END)"


_GEOM_CHANGED = f"{_wkb('NEW.geom')} IS NOT {_wkb('OLD.geom')}"


def _changed_json(lay: schema.Layer, row: str, columns) -> str:
    """The fields an update changed, as JSON (the others removed from the full row)."""
    paths = [f"CASE WHEN NEW.{_q(c)} IS OLD.{_q(c)} THEN '$.{c}' ELSE '$.~' END" for c in columns]
    if lay.geometry:
        paths.append(f"CASE WHEN {_GEOM_CHANGED} THEN '$.~' ELSE '$.geometry' END")
    return f"json_remove({_row_json(lay, row, columns)}, {', '.join(paths)})"


def trigger_sql(lay: schema.Layer) -> dict[str, str]:
    """The CREATE TRIGGER statements of one layer, by trigger name."""
    t, key = _q(lay.name), _q(lay.key)
    cols = [c for c in lay.columns if c not in STAMPS]

    def insert(row, action, before, after):
        return ("INSERT INTO history (ts, user, layer, feature_id, action, before, after, source) "
                f"VALUES ({_NOW}, '{USER}', '{lay.name}', coalesce({row}.{key}, 'fid ' || {row}.fid), "
                f"'{action}', {before}, {after}, '{SOURCE}');")
    changed_any = " OR ".join([f"NEW.{_q(c)} IS NOT OLD.{_q(c)}" for c in cols]
                              + ([_GEOM_CHANGED] if lay.geometry else []))
    name = f"plhgis_journal_{lay.name}"
    return {
        f"{name}_insert": (
            f"CREATE TRIGGER {_q(name + '_insert')} AFTER INSERT ON {t} WHEN {_NOT_PLHGIS} BEGIN "
            + insert("NEW", "insert", "NULL", _row_json(lay, "NEW", cols))
            + f" UPDATE {t} SET created_at = coalesce(created_at, {_NOW}), updated_at = {_NOW} "
              "WHERE fid = NEW.fid; END"),
        f"{name}_update": (
            f"CREATE TRIGGER {_q(name + '_update')} AFTER UPDATE ON {t} WHEN {_NOT_PLHGIS} "
            f"AND ({changed_any}) BEGIN "
            + insert("NEW", "update", _changed_json(lay, "OLD", cols), _changed_json(lay, "NEW", cols))
            + f" UPDATE {t} SET updated_at = {_NOW} WHERE fid = NEW.fid; END"),
        f"{name}_delete": (
            f"CREATE TRIGGER {_q(name + '_delete')} AFTER DELETE ON {t} WHEN {_NOT_PLHGIS} BEGIN "
            + insert("OLD", "delete", _row_json(lay, "OLD", cols), "json_object('end_date', date('now'))")
            + " END"),
    }


def install(con, layers) -> bool:
    """Create (or bring up to date) the triggers of `layers`; True when anything changed."""
    have = dict(con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                            "AND name LIKE 'plhgis_journal_%'").fetchall())
    changed = False
    for lay in layers:
        for name, sql in trigger_sql(lay).items():
            if have.get(name) == sql:
                continue
            con.execute(f"DROP TRIGGER IF EXISTS {_q(name)}")
            con.execute(sql)
            changed = True
    return changed


def up_to_date(con, layers) -> bool:
    have = dict(con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                            "AND name LIKE 'plhgis_journal_%'").fetchall())
    return all(have.get(n) == s for lay in layers for n, s in trigger_sql(lay).items())

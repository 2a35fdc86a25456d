"""The store: the only code that reads and writes plhgis data.

A GeoPackage (what QGIS opens directly) holding every layer of `schema.LAYERS` in the
storage CRS, plus the `history` attribute table. Layers are created through OGR (fiona) so
that they carry the standard GeoPackage metadata, R-tree index and triggers; rows are then
written with plain SQLite, one transaction per change, with the functions the R-tree
triggers call registered on the connection. An edit touches one row and one history row,
never the layer. Edits made by other tools (QGIS, GDAL) are journaled by triggers (journal.py),
which plhgis's own transactions silence with a mark, since plhgis journals its writes itself.

The public surface (`read`, `get`, `apply`, `history`, `layer_info`) is what a PostGIS
backend will implement too; commands never see SQL.
"""
from __future__ import annotations

import getpass
import json
import os
import re
import sqlite3
import struct
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from . import lazy
from . import journal, outputs, rtree, schema, styles
from .labels import Join, Msg
from .errors import NotFoundError, PlhgisError, StoreError

gpd = lazy.module("geopandas")
np = lazy.module("numpy")
pd = lazy.module("pandas")
pyproj = lazy.module("pyproj")
shapely = lazy.module("shapely")

DEFAULT_STORE = Path("layers") / "plh.gpkg"
BUSY_TIMEOUT_S = 60
BULK_ROWS = 1000  # above this, an insert fills the R-tree in one pass
SCHEMA_VERSION = 2  # 2: edits made outside plhgis are journaled (journal.py)
_FIONA_TYPES = {"str": "str", "int": "int", "float": "float", "date": "date"}
_SQL_TYPES = {"str": "TEXT", "int": "INTEGER", "float": "REAL", "date": "DATE"}


@dataclass
class Change:
    """One feature's change: what `apply` writes and what the history records."""

    action: str  # insert | update | end
    id: str | None
    after: dict  # insert: every field; update/end: the changed fields only
    before: dict = field(default_factory=dict)
    updated_at: str | None = None  # the version the change was computed against ("": none); None: unchecked


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def store_path(path=None) -> Path | str:
    """The store to use: the argument, else $PLHGIS_STORE, else layers/plh.gpkg
    (a postgresql:// connection string stays a string)."""
    target = path or os.environ.get("PLHGIS_STORE") or DEFAULT_STORE
    return str(target) if is_url(target) else Path(target)


def is_url(target) -> bool:
    """True for a PostgreSQL connection string (postgresql://… or postgres://…)."""
    return str(target).startswith(("postgresql:", "postgres:"))


def mask(target) -> str:
    """The store as messages show it: a connection string's password (in the URL or a
    password= parameter) replaced by ***."""
    text = re.sub(r"(://[^:/@?]*:)[^@/]*@", r"\1***@", str(target))
    return re.sub(r"(password=)[^&\s]*", r"\1***", text, flags=re.I)


# -- GeoPackage geometry blobs (GeoPackage spec §2.1.3: header + ISO WKB) -------------------
def to_gpkg_blobs(geoms, srs_id: int) -> list:
    """GeoPackage blobs (little-endian, with an XY envelope) for an array of geometries."""
    geoms = np.asarray(geoms, dtype=object)
    out = [None] * len(geoms)
    present = ~shapely.is_missing(geoms)
    if not present.any():
        return out
    idx = np.flatnonzero(present)
    wkbs = shapely.to_wkb(geoms[idx], byte_order=1, flavor="iso")
    bounds = shapely.bounds(geoms[idx])
    empty = shapely.is_empty(geoms[idx])
    for j, i in enumerate(idx):
        if empty[j]:
            out[i] = b"GP\x00\x11" + struct.pack("<i", srs_id) + wkbs[j]
        else:
            b = bounds[j]
            out[i] = (b"GP\x00\x03" + struct.pack("<i4d", srs_id, b[0], b[2], b[1], b[3])
                      + wkbs[j])
    return out


_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def _wkb(blob: bytes) -> bytes:
    return blob[8 + _ENVELOPE_BYTES[(blob[3] >> 1) & 7]:]


def from_gpkg_blobs(blobs) -> np.ndarray:
    """Shapely geometries from GeoPackage blobs (None stays None)."""
    wkbs = [None if b is None else _wkb(b) for b in blobs]
    return shapely.from_wkb(wkbs)


def _envelope(blob):
    if blob is None:
        return None
    kind = (blob[3] >> 1) & 7
    if kind:
        minx, maxx, miny, maxy = struct.unpack_from("<4d", blob, 8) if blob[3] & 1 else \
            struct.unpack_from(">4d", blob, 8)
        return minx, maxx, miny, maxy
    b = shapely.bounds(shapely.from_wkb(_wkb(blob)))
    return b[0], b[2], b[1], b[3]


def _register_gpkg_functions(con: sqlite3.Connection) -> None:
    """The SQL functions GDAL's R-tree triggers call, so plain SQLite writes keep the index."""
    con.create_function("ST_IsEmpty", 1, lambda b: None if b is None else int(bool(b[3] & 0x10)),
                        deterministic=True)
    for i, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
        con.create_function(name, 1, lambda b, i=i: None if b is None else _envelope(b)[i],
                            deterministic=True)


# -- the store --------------------------------------------------------------------------------
class GeoPackageStore:
    """A plhgis store in one GeoPackage file."""

    def __init__(self, path, user: str | None = None):
        self.path = Path(path)
        if not self.path.exists():
            raise StoreError(Msg("err.no_store", path=self.path), hint=Msg("hint.create_store"))
        self.user = user or os.environ.get("PLHGIS_USER") or _login()
        self.clock = None  # a function giving the time stamped on each change (the demo back-dates)
        self._con = None
        self.notes: list[str] = []  # what the user should know: upgrades, unreadable history rows
        try:
            crs = self.setting("crs")
            version = self.setting("schema_version")
        except sqlite3.DatabaseError as exc:
            raise StoreError(Msg("err.not_a_store", path=self.path, why=exc), hint=Msg("hint.init_store")) from None
        self._crs_setting, self._crs_value = crs, None
        self.srs_id, geographic = self._srs(crs)
        if geographic:
            self.notes.append(Msg("note.crs_degrees", crs=self.crs.to_string()))
        self.version = int(version) if str(version).isdigit() else 1
        if self.version <= SCHEMA_VERSION:
            self._upgrade()

    @property
    def crs(self) -> pyproj.CRS:
        """The storage CRS, parsed by pyproj on first use (a one-row edit never needs it)."""
        if self._crs_value is None:
            self._crs_value = self._crs(self._crs_setting)
        return self._crs_value

    def _srs(self, setting) -> tuple[int, bool]:
        """(GeoPackage srs_id, is it geographic) of the CRS setting: read from the file's own
        gpkg_spatial_ref_sys for an EPSG code it lists, else from pyproj."""
        code = re.fullmatch(r"EPSG:(\d+)", str(setting or ""))
        row = code and self.con.execute("SELECT definition FROM gpkg_spatial_ref_sys WHERE organization = 'EPSG' "
                                        "AND srs_id = ?", [int(code[1])]).fetchone()
        if row and str(row[0]).lstrip().startswith(("PROJCS[", "PROJCRS[", "GEOGCS[", "GEOGCRS[")):
            return int(code[1]), str(row[0]).lstrip().startswith("GEOG")
        return self.crs.to_epsg() or 0, self.crs.is_geographic

    def _crs(self, setting) -> pyproj.CRS:
        """The storage CRS: the setting, else (missing or unreadable) the CRS of the projects layer."""
        try:
            return pyproj.CRS.from_user_input(setting)
        except (pyproj.exceptions.CRSError, TypeError):
            pass
        row = self.con.execute("SELECT s.organization, s.organization_coordsys_id, s.definition "
                               "FROM gpkg_geometry_columns g JOIN gpkg_spatial_ref_sys s USING (srs_id) "
                               "WHERE g.table_name = 'projects'").fetchone()
        try:
            crs = pyproj.CRS.from_user_input(f"{row[0]}:{row[1]}" if row[0] else row[2])
        except (pyproj.exceptions.CRSError, TypeError):
            raise StoreError(Msg("err.crs_setting", setting=repr(setting)), file=str(self.path),
                             hint=Msg("hint.crs_setting")) from None
        self.notes.append(Msg("note.crs_setting", setting=repr(setting), crs=crs.to_string()))
        return crs

    def _upgrade(self):
        """Bring a store made by an older plhgis up to the schema: new layers, new fields, the
        journal triggers; says so in `notes` (even a read-only command upgrades, once)."""
        tables = {r[0] for r in self.con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        missing = [lay for lay in schema.LAYERS.values() if lay.name not in tables]
        done = []
        if "layer_styles" not in tables:  # stores made before plhgis wrote QGIS styles
            with self.transaction() as con:
                styles.install(con, [lay.name for lay in schema.LAYERS.values()
                                     if lay.geometry and lay not in missing])
            done.append(Msg("note.upgrade_styles"))
        if missing:
            self.close()
            _create_layers(self.path, self.crs, missing)
            done.append(Msg("note.upgrade_layers", names=", ".join(lay.name for lay in missing)))
        for lay in schema.LAYERS.values():
            have = {r[1] for r in self.con.execute(f'PRAGMA table_info("{lay.name}")')}
            for col in (c for c in lay.columns if c not in have):
                self.con.execute(f'ALTER TABLE "{lay.name}" ADD COLUMN "{col}" {_SQL_TYPES[lay.field(col).type]}')
                done.append(Msg("note.upgrade_field", name=f"{lay.name}.{col}"))
        if self.version < SCHEMA_VERSION or not journal.up_to_date(self.con, schema.LAYERS.values()):
            with self.transaction() as con:
                journal.install(con, schema.LAYERS.values())
                con.execute("INSERT OR REPLACE INTO plhgis_settings (key, value) VALUES ('schema_version', ?)",
                            [str(SCHEMA_VERSION)])
            done.append(Msg("note.upgrade_journal"))
            self.version = SCHEMA_VERSION
        if done:
            self.notes.append(Msg("note.upgraded", path=self.path, done=Join("; ", done)))

    def setting(self, key: str) -> str | None:
        """A value of the store's own settings table (crs, schema_version, demo…)."""
        row = self.con.execute("SELECT value FROM plhgis_settings WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def set_setting(self, key: str, value: str) -> None:
        with self.transaction() as con:
            con.execute("DELETE FROM plhgis_settings WHERE key = ?", [key])
            con.execute("INSERT INTO plhgis_settings (key, value) VALUES (?, ?)", [key, value])

    # connection and transactions
    @property
    def con(self) -> sqlite3.Connection:
        if self._con is None:
            con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
            _register_gpkg_functions(con)
            self._con = con
        return self._con

    def close(self):
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @contextmanager
    def transaction(self):
        """One write transaction: all of it lands, or none of it.

        It carries the mark that keeps the journal triggers silent (plhgis writes its own
        history rows; see journal.py)."""
        if self.version > SCHEMA_VERSION:
            raise StoreError(Msg("err.newer_store", path=self.path, version=self.version, known=SCHEMA_VERSION),
                             hint=Msg("hint.upgrade_plhgis"))
        try:
            self.con.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(Msg("err.store_busy", path=self.path, why=exc), hint=Msg("hint.store_busy")) from None
        try:
            self.con.execute("INSERT OR REPLACE INTO plhgis_settings (key, value) VALUES (?, ?)",
                             [journal.MARK, str(os.getpid())])
            yield self.con
            self.con.execute("DELETE FROM plhgis_settings WHERE key = ?", [journal.MARK])
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    # creation
    @classmethod
    def create(cls, path, crs=schema.STORE_CRS, overwrite=False) -> "GeoPackageStore":
        """Create an empty store with every layer, the history and the settings tables."""
        path = Path(path)
        outputs.check_free([path], overwrite, hint=Msg("hint.overwrite_store"))
        crs = pyproj.CRS.from_user_input(crs)
        if crs.is_geographic:
            raise StoreError(Msg("err.store_crs_degrees", crs=crs.to_string()), hint=Msg("hint.projected_crs"))
        with outputs.atomic_output(path, overwrite=True) as tmp:  # the old store stays until the new one is whole
            _create_layers(tmp, crs, schema.LAYERS.values())
            con = sqlite3.connect(tmp, isolation_level=None)
            try:
                con.execute("BEGIN")
                _attribute_table(con, schema.HISTORY_TABLE,
                                 "ts TEXT NOT NULL, user TEXT, layer TEXT NOT NULL, feature_id TEXT NOT NULL, "
                                 "action TEXT NOT NULL, before TEXT, after TEXT, source TEXT")
                con.execute("CREATE INDEX ix_history_feature ON history (layer, feature_id, ts)")
                _attribute_table(con, "plhgis_settings", "key TEXT UNIQUE NOT NULL, value TEXT")
                con.executemany("INSERT INTO plhgis_settings (key, value) VALUES (?, ?)",
                                [("crs", crs.to_string()), ("schema_version", str(SCHEMA_VERSION)),
                                 ("created", now_iso())])
                journal.install(con, schema.LAYERS.values())
                con.execute("COMMIT")
            finally:
                con.close()
        return cls(path)

    # reading
    def _columns(self, lay: schema.Layer) -> list[str]:
        return lay.columns + (["geom"] if lay.geometry else [])

    def _frame(self, lay: schema.Layer, rows) -> gpd.GeoDataFrame | pd.DataFrame:
        cols = self._columns(lay)
        df = pd.DataFrame.from_records(rows, columns=cols)
        df = typed_frame(lay, df)
        if not lay.geometry:
            return df
        geoms = from_gpkg_blobs(df.pop("geom").tolist())
        return gpd.GeoDataFrame(df, geometry=geoms, crs=self.crs)

    def read(self, layer: str, *, commune: str | None = None, ids=None, as_of=None,
             include_ended: bool = False):
        """The layer as a (Geo)DataFrame: features in force today, or on `as_of` (a date)."""
        lay = schema.get_layer(layer)
        if as_of is not None:
            return self._read_as_of(lay, as_date(as_of), commune, ids)
        where, params = [], []
        if commune and lay.commune_field:
            where.append(f'"{lay.commune_field}" = ?')
            params.append(commune)
        if not include_ended:
            where.append("(end_date IS NULL OR end_date > ?)")
            params.append(date.today().isoformat())
        sql = "SELECT " + ", ".join(f'"{c}"' for c in self._columns(lay)) + f' FROM "{lay.name}"'
        ids = None if ids is None else list(ids)
        if ids is not None and len(ids) <= 500:  # a few features: ask the index, not the layer
            where.append(f'"{lay.key}" IN (' + ",".join("?" * len(ids)) + ")")
            params.extend(ids)
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self.con.execute(sql + ' ORDER BY fid', params).fetchall()
        frame = self._frame(lay, rows)
        if ids is not None and len(ids) > 500:
            frame = frame[frame[lay.key].isin(ids)]
        return frame.reset_index(drop=True)

    def get(self, layer: str, feature_id: str, *, geometry: bool = True) -> dict:
        """One feature (ended ones too) as a dict of plain values, with a `geometry` entry unless
        `geometry` is False (then neither pandas nor shapely is loaded: a one-row edit)."""
        lay = schema.get_layer(layer)
        cols = self._columns(lay) if geometry else lay.columns
        sql = "SELECT " + ", ".join(f'"{c}"' for c in cols) + f' FROM "{lay.name}" WHERE "{lay.key}" = ?'
        row = self.con.execute(sql, [feature_id]).fetchone()
        if row is None:
            raise NotFoundError(Msg("err.no_feature", layer=lay.name, id=repr(feature_id)), row=feature_id,
                                hint=Msg("hint.list_ids", noun=lay.name.rstrip("s")))
        out = {c: _typed_value(lay.field(c).type, v) for c, v in zip(lay.columns, row)}
        if geometry and lay.geometry:
            out["geometry"] = from_gpkg_blobs([row[-1]])[0]
        return out

    def current_versions(self, layer: str, ids) -> dict[str, str]:
        """updated_at of each existing id (ended ones too)."""
        lay = schema.get_layer(layer)
        out = {}
        ids = list(ids)
        for start in range(0, len(ids), 900):
            chunk = ids[start:start + 900]
            sql = (f'SELECT "{lay.key}", updated_at FROM "{lay.name}" WHERE "{lay.key}" IN ('
                   + ",".join("?" * len(chunk)) + ")")
            out.update(dict(self.con.execute(sql, chunk).fetchall()))
        return out

    def _read_as_of(self, lay, day: date, commune, ids):
        """Rebuild the layer as it stood at the end of `day`, by replaying the history."""
        limit = (day + timedelta(days=1)).isoformat()
        rows = self.con.execute(
            "SELECT fid, feature_id, after FROM history WHERE layer = ? AND ts < ? ORDER BY fid",
            [lay.name, limit]).fetchall()
        return replay(lay, [(fid, self._history_values(hid, "after", after) or {}) for hid, fid, after in rows],
                      day, commune, ids, self.crs)

    def communes(self) -> set[str]:
        """INSEE codes of the communes in the store (ended ones excluded)."""
        rows = self.con.execute("SELECT insee FROM communes WHERE end_date IS NULL OR end_date > ?",
                                [date.today().isoformat()])
        return {r[0] for r in rows}

    def count(self, layer: str) -> int:
        lay = schema.get_layer(layer)
        return self.con.execute(f'SELECT count(*) FROM "{lay.name}"').fetchone()[0]

    # writing
    def apply(self, layer: str, changes: list[Change], source: str) -> list[Change]:
        """Write `changes` and their history rows in one transaction; returns them with ids set.

        Raises StoreError when a feature changed since the change was computed (another user
        edited it), so no update is ever lost.
        """
        lay = schema.get_layer(layer)
        if not changes:
            return []
        stamp = self.clock() if self.clock else now_iso()
        with self.transaction() as con:
            self._check_versions(lay, [c for c in changes if c.action != "insert"])
            self.assign_ids(lay, [c for c in changes if c.action == "insert" and not c.id])
            inserts = [c for c in changes if c.action == "insert"]
            for c in inserts:
                c.after.update(created_at=stamp, updated_at=stamp)
            if inserts:
                self.insert_features(con, lay, inserts)
            self._update(con, lay, [c for c in changes if c.action != "insert"], stamp)
            # encoded here, not on a thread beside the inserts: sqlite3 takes the GIL back for every
            # row it binds, so the two ran one after the other anyway, and slower (bench_permits.py)
            befores, afters = history_json([c.before for c in changes]), history_json([c.after for c in changes])
            with _indexes_rebuilt(con, schema.HISTORY_TABLE, len(changes)):
                con.executemany("INSERT INTO history (ts, user, layer, feature_id, action, before, after, source) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                [(stamp, self.user, lay.name, c.id, c.action, before, after, source)
                                 for c, before, after in zip(changes, befores, afters)])
            con.execute("UPDATE gpkg_contents SET last_change = ? WHERE table_name IN (?, 'history')",
                        [stamp.replace("+00:00", "Z"), lay.name])
        return changes

    def _check_versions(self, lay, changes):
        if not changes:
            return
        current = self.current_versions(lay.name, [c.id for c in changes])
        for c in changes:
            if c.id not in current:
                raise NotFoundError(Msg("err.no_feature", layer=lay.name, id=repr(c.id)), row=c.id)
            if c.updated_at is not None and (current[c.id] or "") != c.updated_at:
                raise StoreError(Msg("err.changed_meanwhile", layer=lay.name, id=c.id),
                                 row=c.id, hint=Msg("hint.run_again"))

    def assign_ids(self, lay, changes):
        """Stable, never reused ids: <prefix>-<insee>-<seq> after the highest ever given."""
        if not changes:
            return
        next_seq: dict[str, int] = {}
        for c in changes:
            if lay.id_fields:
                c.id = "-".join(str(c.after.get(f) or "") for f in lay.id_fields)
            elif not lay.id_prefix:
                raise PlhgisError(Msg("err.row_needs_key", layer=lay.name, key=lay.key), field=lay.key,
                                  hint=Msg("hint.fill_column", key=lay.key))
            else:
                scope = c.after.get(lay.commune_field) or "00000" if lay.commune_field else "00000"
                if scope not in next_seq:
                    next_seq[scope] = self._last_seq(lay, f"{lay.id_prefix}-{scope}-") + 1
                c.id = f"{lay.id_prefix}-{scope}-{next_seq[scope]:04d}"
                next_seq[scope] += 1
            c.after[lay.key] = c.id

    def _last_seq(self, lay, prefix) -> int:
        rows = self.con.execute(
            f'SELECT "{lay.key}" FROM "{lay.name}" WHERE "{lay.key}" LIKE ? '
            "UNION SELECT feature_id FROM history WHERE layer = ? AND feature_id LIKE ?",
            [prefix + "%", lay.name, prefix + "%"]).fetchall()
        seqs = [int(r[0].rsplit("-", 1)[1]) for r in rows if r[0].rsplit("-", 1)[1].isdigit()]
        return max(seqs, default=0)

    def insert_features(self, con, lay, changes):
        """Insert `changes` as rows of `lay` in the open transaction `con`, no history (`apply` and `store copy` add it)."""
        afters = [ch.after for ch in changes]
        given = set().union(*afters)
        cols = [c for c in lay.columns if c in given]  # columns no row fills stay NULL
        names = [f'"{c}"' for c in cols]
        geoms = [after.get("geometry") for after in afters]
        if lay.geometry:
            names.append('"geom"')
            values = [(*map(after.get, cols), blob) for after, blob in zip(afters, to_gpkg_blobs(geoms, self.srs_id))]
        else:
            values = [tuple(map(after.get, cols)) for after in afters]  # plain values (edits._records)
        sql = f'INSERT INTO "{lay.name}" ({", ".join(names)}) VALUES ({", ".join("?" * len(names))})'
        bulk = lay.geometry and len(changes) > BULK_ROWS
        try:
            with self._deferred_rtree(con, lay, geoms) if bulk else _nothing(), _indexes_rebuilt(con, lay.name, len(values)):
                con.executemany(sql, values)
        except sqlite3.IntegrityError as exc:
            raise PlhgisError(Msg("err.id_taken", layer=lay.name, why=exc), field=lay.key,
                              hint=Msg("hint.upsert")) from None

    @contextmanager
    def _deferred_rtree(self, con, lay, geoms):
        """Bulk inserts: fill the R-tree (packed, rtree.py) and the feature count in one pass each,
        instead of trigger calls on every row (as GDAL does for its own bulk writes).

        The triggers are dropped and recreated inside the caller's transaction, so a failure
        rolls everything back, the triggers included.
        """
        names = (f"rtree_{lay.name}_geom_insert", f"trigger_insert_feature_count_{lay.name}",
                 f"plhgis_journal_{lay.name}_insert")  # silent in plhgis's transactions anyway (journal.py)
        triggers = con.execute("SELECT sql FROM sqlite_master WHERE type='trigger' AND name IN (?, ?, ?)",
                               names).fetchall()
        start = con.execute(f'SELECT coalesce(max(fid), 0) FROM "{lay.name}"').fetchone()[0]
        for name in names:
            con.execute(f'DROP TRIGGER IF EXISTS "{name}"')
        yield
        for (sql,) in triggers:
            con.execute(sql)
        fids = [r[0] for r in con.execute(f'SELECT fid FROM "{lay.name}" WHERE fid > ? ORDER BY fid', [start])]
        arr = np.asarray(geoms, dtype=object)
        keep = ~(shapely.is_missing(arr) | shapely.is_empty(arr))
        rtree.fill(con, f"rtree_{lay.name}_geom", np.asarray(fids)[keep], shapely.bounds(arr[keep]))
        con.execute(f'UPDATE gpkg_ogr_contents SET feature_count = (SELECT count(*) FROM "{lay.name}") '
                    "WHERE table_name = ?", [lay.name])

    def _update(self, con, lay, changes, stamp):
        """UPDATE the changed fields, one statement per set of fields (executemany)."""
        groups: dict[tuple, list[Change]] = {}
        for c in changes:
            groups.setdefault(tuple(c.after), []).append(c)
        for fields, group in groups.items():
            sets = ['"geom" = ?' if f == "geometry" else f'"{lay.field(f).name}" = ?' for f in fields]
            columns = [to_gpkg_blobs([c.after[f] for c in group], self.srs_id) if f == "geometry"
                       else [_sql_value(c.after[f]) for c in group] for f in fields]
            con.executemany(f'UPDATE "{lay.name}" SET {", ".join(sets)}, updated_at = ? WHERE "{lay.key}" = ?',
                            [(*row, stamp, c.id) for c, row in zip(group, zip(*columns))])

    # history and metadata
    def history(self, layer=None, feature_id=None, since=None) -> pd.DataFrame:
        """History rows, oldest first, filtered by layer, feature id and start date."""
        rows = history_rows(self.con, "?", layer, feature_id, since)
        cols = list(schema.HISTORY_COLUMNS)
        before, after = cols.index("before") + 1, cols.index("after") + 1
        rows = [(*r[1:before], self._history_json(r[0], "before", r[before]),
                 self._history_json(r[0], "after", r[after]), *r[after + 1:]) for r in rows]
        return pd.DataFrame.from_records(rows, columns=cols)

    def _history_values(self, hid, column, text) -> dict | None:
        """A history JSON column as values, the geometry as WKT (the journal triggers write the hex
        of its GeoPackage blob); None, with a note, for a row that is not JSON."""
        if text is None:
            return None
        try:
            values = json.loads(text)
            if not isinstance(values, dict):
                raise ValueError("not an object")
            geom = values.get("geometry")
            if isinstance(geom, str) and geom.startswith("4750"):  # 'GP': a GeoPackage blob
                values["geometry"] = shapely.to_wkt(from_gpkg_blobs([bytes.fromhex(geom)])[0],
                                                    rounding_precision=-1, trim=True)
            return values
        except (ValueError, TypeError, shapely.errors.GEOSException) as exc:
            note = Msg("note.history_json", id=hid, column=column, why=str(exc))
            if note not in self.notes:
                self.notes.append(note)
            return None

    def _history_json(self, hid, column, text) -> str | None:
        """The column's JSON as plhgis writes it (the same text unless it needed normalising)."""
        values = self._history_values(hid, column, text)
        if values is None:
            return None
        return text if '"geometry": "4750' not in text and '"geometry":"4750' not in text else \
            json.dumps(values, ensure_ascii=False)

    def layer_info(self) -> pd.DataFrame:
        """Each layer: features in force, ended ones, CRS and last change."""
        return layer_info_frame(self.con, "?", self.crs)


def history_rows(con, mark: str, layer=None, feature_id=None, since=None) -> list[tuple]:
    """History rows of either store (`mark`: its parameter placeholder, ? or %s), oldest first:
    fid, then the HISTORY_COLUMNS."""
    where, params = [], []
    if layer:
        where.append(f"layer = {mark}")
        params.append(schema.get_layer(layer).name)
    if feature_id:
        where.append(f"feature_id = {mark}")
        params.append(feature_id)
    if since:
        where.append(f"ts >= {mark}")
        params.append(as_date(since).isoformat())
    sql = "SELECT fid, " + ", ".join(f'"{c}"' for c in schema.HISTORY_COLUMNS) + " FROM history"
    if where:
        sql += " WHERE " + " AND ".join(where)
    return con.execute(sql + " ORDER BY fid", params).fetchall()


def layer_info_frame(con, mark: str, crs) -> pd.DataFrame:
    """Each layer of either store: features in force, ended ones, CRS and last change."""
    today = date.today().isoformat()
    last = dict(con.execute("SELECT layer, max(ts) FROM history GROUP BY layer").fetchall())
    rows = []
    for lay in schema.LAYERS.values():
        total, ended = con.execute(
            f'SELECT count(*), count(CASE WHEN end_date <= {mark} THEN 1 END) FROM "{lay.name}"',
            [today]).fetchone()
        rows.append({"layer": lay.name, "features": total - ended, "ended": ended,
                     "crs": crs.to_string() if lay.geometry else "",
                     "last_change": (last.get(lay.name) or "")[:19].replace("T", " "),
                     "description": lay.label})
    return pd.DataFrame(rows)


# -- helpers ----------------------------------------------------------------------------------
@contextmanager
def _nothing():
    yield


@contextmanager
def _indexes_rebuilt(con, table: str, adding: int):
    """Adding more rows than `table` holds (a first national import): its indexes are dropped, then
    created again once the rows are in, in the same transaction (SQLite sorts the keys once instead of
    placing each in the B-tree: a fifth less write time at 300,000 permits). A key given twice fails the
    CREATE UNIQUE INDEX as it would have failed the insert."""
    if adding <= BULK_ROWS or adding <= con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]:
        yield
        return
    indexes = con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                          "AND sql IS NOT NULL", [table]).fetchall()  # not those of a UNIQUE or PRIMARY KEY column
    for name, _ in indexes:
        con.execute(f'DROP INDEX "{name}"')
    yield
    for _, sql in indexes:
        con.execute(sql)


def _create_layers(path, crs, layers):
    """Create layers (OGR for the spatial ones, so they carry GeoPackage metadata and R-tree)."""
    import fiona

    layers = list(layers)
    for lay in layers:
        if lay.geometry is None:
            continue
        props = {f: _FIONA_TYPES[lay.field(f).type] for f in lay.columns}
        with fiona.open(path, "w", driver="GPKG", layer=lay.name, crs=crs.to_wkt(),
                        schema={"geometry": "Unknown", "properties": props}):
            pass
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("BEGIN")
        for lay in layers:
            if lay.geometry is None:
                cols = ", ".join(f'"{c}" {_SQL_TYPES[lay.field(c).type]}' for c in lay.columns)
                _attribute_table(con, lay.name, cols)
            con.execute(f'CREATE UNIQUE INDEX "ix_{lay.name}_{lay.key}" ON "{lay.name}" ("{lay.key}")')
        styles.install(con, [lay.name for lay in layers if lay.geometry])
        con.execute("COMMIT")
    finally:
        con.close()


def _attribute_table(con, name, columns):
    """A GeoPackage attribute table (registered in gpkg_contents so QGIS lists it)."""
    con.execute(f'CREATE TABLE "{name}" (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, {columns})')
    con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier) VALUES (?, 'attributes', ?)",
                [name, name])


def replay(lay, rows, day: date, commune, ids, crs):
    """The layer at the end of `day` from its history rows (feature_id, after values), oldest first."""
    state: dict[str, dict] = {}
    for fid, after in rows:
        state.setdefault(fid, {}).update(after)
    records = [r for r in state.values()
               if not r.get("end_date") or r["end_date"] > day.isoformat()]
    df = pd.DataFrame.from_records(records, columns=lay.columns + ["geometry"])
    if commune and lay.commune_field:
        df = df[df[lay.commune_field] == commune]
    if ids is not None:
        df = df[df[lay.key].isin(list(ids))]
    wkts = df.pop("geometry")
    geoms = shapely.from_wkt([w if isinstance(w, str) else None for w in wkts]) if lay.geometry else None
    df = typed_frame(lay, df)
    if not lay.geometry:
        return df.reset_index(drop=True)
    return gpd.GeoDataFrame(df, geometry=geoms, crs=crs).reset_index(drop=True)


def typed_frame(lay: schema.Layer, df: pd.DataFrame) -> pd.DataFrame:
    """The rows a backend read, each column in its schema type."""
    for c in lay.columns:
        t = lay.field(c).type
        if t == "int":
            df[c] = pd.to_numeric(df[c], errors="coerce").astype("Int64")
        elif t == "float":
            df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64")
        else:
            df[c] = df[c].astype(object).where(df[c].notna(), None)
    return df


def _typed_value(kind: str, value):
    """One stored value as `_typed` gives it: int and float fields as numbers (None when not one)."""
    if kind not in ("int", "float") or value is None:
        return value
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        return None
    if number != number:  # NaN
        return None
    return int(number) if kind == "int" and number.is_integer() else number


def is_geometry(value) -> bool:
    """A shapely geometry (asked without importing shapely, which only a geometry would have done)."""
    return type(value).__module__.startswith("shapely.")


def plain_value(value):
    """A Python scalar for JSON and SQLite (pandas NA → None, numpy → int/float)."""
    if value is None or isinstance(value, (str, int)) and type(value).__module__ == "builtins":
        return value
    if type(value) is float:
        return None if value != value else value
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    return value


def _sql_value(value):
    value = plain_value(value)
    return value.wkt if is_geometry(value) else value


def loads(text) -> dict:
    """A history/proposal JSON back to values (the geometry, WKT there, as shapely)."""
    values = json.loads(text) if text else {}
    if isinstance(values.get("geometry"), str):
        values["geometry"] = shapely.from_wkt(values["geometry"])
    return values


def history_json(records: list[dict]) -> list[str | None]:
    """The history's JSON of each record (None for an empty one), geometries as WKT."""
    if not any(records):  # the `before` of inserts
        return [None] * len(records)
    placed = [is_geometry(r.get("geometry")) for r in records]
    geoms = [r["geometry"] for r, g in zip(records, placed) if g]
    wkts = iter(shapely.to_wkt(np.asarray(geoms, dtype=object), rounding_precision=-1, trim=True)
                if geoms else [])
    encode = _JSON.encode
    return [(encode(dict(r, geometry=next(wkts)) if g else r) if r else None) for r, g in zip(records, placed)]


def _json_value(value):
    """JSON for numpy and pandas scalars (plain Python values are written as they are)."""
    plain = plain_value(value)
    return str(plain) if plain is value else plain


_JSON = json.JSONEncoder(ensure_ascii=False, default=_json_value)  # one for all rows: json.dumps makes one a call


def as_date(value) -> date:
    """A day from a date, a datetime or ISO text (the --as-of and --since of every backend)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise PlhgisError(Msg("err.not_date"), value=value, hint=Msg("hint.date_iso")) from None


def _login() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in some containers: history still needs one
        return "unknown"

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
from . import journal, outputs, schema, styles
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
            raise StoreError(f"no store at {self.path}", hint="create it with: plhgis init "
                             "(or plhgis init --demo), or point --store / PLHGIS_STORE at it")
        self.user = user or os.environ.get("PLHGIS_USER") or _login()
        self.clock = None  # a function giving the time stamped on each change (the demo back-dates)
        self._con = None
        self.notes: list[str] = []  # what the user should know: upgrades, unreadable history rows
        try:
            crs = self.setting("crs")
            version = self.setting("schema_version")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path} is not a plhgis store ({exc})",
                             hint="create one with plhgis init --store PATH") from None
        self.crs = self._crs(crs)
        self.srs_id = self.crs.to_epsg() or 0
        if self.crs.is_geographic:
            self.notes.append(f"the store's CRS {self.crs.to_string()} is in degrees: distances and areas "
                              "(checks, targets, site areas) are wrong; stores should use a projected CRS "
                              "such as EPSG:2154")
        self.version = int(version) if str(version).isdigit() else 1
        if self.version <= SCHEMA_VERSION:
            self._upgrade()

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
            raise StoreError(f"the store's CRS setting {setting!r} is not a coordinate reference system, "
                             "and its layers declare none", file=str(self.path),
                             hint="set it back, e.g. in sqlite3: UPDATE plhgis_settings SET value = "
                                  "'EPSG:2154' WHERE key = 'crs'") from None
        self.notes.append(f"the store's CRS setting {setting!r} is not a CRS: using its layers' "
                          f"{crs.to_string()}")
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
            done.append("QGIS styles")
        if missing:
            self.close()
            _create_layers(self.path, self.crs, missing)
            done.append("layers " + ", ".join(lay.name for lay in missing))
        for lay in schema.LAYERS.values():
            have = {r[1] for r in self.con.execute(f'PRAGMA table_info("{lay.name}")')}
            for col in (c for c in lay.columns if c not in have):
                self.con.execute(f'ALTER TABLE "{lay.name}" ADD COLUMN "{col}" {_SQL_TYPES[lay.field(col).type]}')
                done.append(f"field {lay.name}.{col}")
        if self.version < SCHEMA_VERSION or not journal.up_to_date(self.con, schema.LAYERS.values()):
            with self.transaction() as con:
                journal.install(con, schema.LAYERS.values())
                con.execute("INSERT OR REPLACE INTO plhgis_settings (key, value) VALUES ('schema_version', ?)",
                            [str(SCHEMA_VERSION)])
            done.append("journal of edits made outside plhgis")
            self.version = SCHEMA_VERSION
        if done:
            self.notes.append(f"upgraded the store {self.path} to this plhgis: " + "; ".join(done))

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
            raise StoreError(f"the store {self.path} was written by a newer plhgis (store schema "
                             f"{self.version}, this plhgis knows {SCHEMA_VERSION}): not writing to it",
                             hint="upgrade plhgis (pip install -U plhgis); reading still works")
        try:
            self.con.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(f"the store {self.path} is busy ({exc})",
                             hint="another plhgis command is writing; try again") from None
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
        if path.exists() and not overwrite:
            raise StoreError(f"{path} already exists", hint="use --overwrite to start again")
        crs = pyproj.CRS.from_user_input(crs)
        if crs.is_geographic:
            raise StoreError(f"the store needs a projected CRS in metres; {crs.to_string()} is in degrees",
                             hint="use --crs 2154 (Lambert-93), or your territory's projected CRS "
                                  "(e.g. 2975 for La Réunion)")
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
        df = _typed(lay, df)
        if not lay.geometry:
            return df
        geoms = from_gpkg_blobs(df.pop("geom").tolist())
        return gpd.GeoDataFrame(df, geometry=geoms, crs=self.crs)

    def read(self, layer: str, *, commune: str | None = None, ids=None, as_of=None,
             include_ended: bool = False):
        """The layer as a (Geo)DataFrame: features in force today, or on `as_of` (a date)."""
        lay = schema.get_layer(layer)
        if as_of is not None:
            return self._read_as_of(lay, _as_date(as_of), commune, ids)
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

    def get(self, layer: str, feature_id: str) -> dict:
        """One feature (ended ones too) as a dict with a `geometry` entry."""
        lay = schema.get_layer(layer)
        sql = ("SELECT " + ", ".join(f'"{c}"' for c in self._columns(lay))
               + f' FROM "{lay.name}" WHERE "{lay.key}" = ?')
        row = self.con.execute(sql, [feature_id]).fetchone()
        if row is None:
            raise NotFoundError(f"no {lay.name} feature with id {feature_id!r}", row=feature_id,
                                hint=f"list the ids with: plhgis {lay.name.rstrip('s')} list")
        frame = self._frame(lay, [row])
        rec = frame.iloc[0].to_dict()
        return {k: _plain(v) for k, v in rec.items()}

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
            self._assign_ids(lay, [c for c in changes if c.action == "insert" and not c.id])
            inserts = [c for c in changes if c.action == "insert"]
            for c in inserts:
                c.after.update(created_at=stamp, updated_at=stamp)
            if inserts:
                self._insert(con, lay, inserts)
            self._update(con, lay, [c for c in changes if c.action != "insert"], stamp)
            con.executemany(
                "INSERT INTO history (ts, user, layer, feature_id, action, before, after, source) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(stamp, self.user, lay.name, c.id, c.action, before, after, source)
                 for c, before, after in zip(changes, _history_json([c.before for c in changes]),
                                             _history_json([c.after for c in changes]))])
            con.execute("UPDATE gpkg_contents SET last_change = ? WHERE table_name IN (?, 'history')",
                        [stamp.replace("+00:00", "Z"), lay.name])
        return changes

    def _check_versions(self, lay, changes):
        if not changes:
            return
        current = self.current_versions(lay.name, [c.id for c in changes])
        for c in changes:
            if c.id not in current:
                raise NotFoundError(f"no {lay.name} feature with id {c.id!r}", row=c.id)
            if c.updated_at is not None and (current[c.id] or "") != c.updated_at:
                raise StoreError(f"{lay.name} {c.id} was changed by someone else meanwhile",
                                 row=c.id, hint="run the command again to apply it on the new version")

    def _assign_ids(self, lay, changes):
        """Stable, never reused ids: <prefix>-<insee>-<seq> after the highest ever given."""
        if not changes:
            return
        next_seq: dict[str, int] = {}
        for c in changes:
            if lay.id_fields:
                c.id = "-".join(str(c.after.get(f) or "") for f in lay.id_fields)
            elif not lay.id_prefix:
                raise PlhgisError(f"every {lay.name} row needs its '{lay.key}'", field=lay.key,
                                  hint=f"fill in the {lay.key} column")
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

    def _insert(self, con, lay, changes):
        given = set().union(*(ch.after for ch in changes))
        cols = [c for c in lay.columns if c in given]  # columns no row fills stay NULL
        names = [f'"{c}"' for c in cols]
        values = [[ch.after.get(c) for c in cols] for ch in changes]  # plain values (edits._records)
        geoms = [ch.after.get("geometry") for ch in changes]
        if lay.geometry:
            names.append('"geom"')
            for row, blob in zip(values, to_gpkg_blobs(geoms, self.srs_id)):
                row.append(blob)
        sql = f'INSERT INTO "{lay.name}" ({", ".join(names)}) VALUES ({", ".join("?" * len(names))})'
        bulk = lay.geometry and len(changes) > BULK_ROWS
        try:
            with self._deferred_rtree(con, lay, geoms) if bulk else _nothing():
                con.executemany(sql, values)
        except sqlite3.IntegrityError as exc:
            raise PlhgisError(f"an id of this import is already in {lay.name} ({exc})", field=lay.key,
                              hint="use --mode upsert to update existing features") from None

    @contextmanager
    def _deferred_rtree(self, con, lay, geoms):
        """Bulk inserts: fill the R-tree and the feature count in one pass each, instead of
        trigger calls on every row (as GDAL does for its own bulk writes).

        The triggers are dropped and recreated inside the caller's transaction, so a failure
        rolls everything back, the triggers included.
        """
        names = (f"rtree_{lay.name}_geom_insert", f"trigger_insert_feature_count_{lay.name}")
        triggers = con.execute("SELECT sql FROM sqlite_master WHERE type='trigger' AND name IN (?, ?)",
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
        bounds = shapely.bounds(arr[keep])
        con.executemany(f'INSERT INTO "rtree_{lay.name}_geom" VALUES (?, ?, ?, ?, ?)',
                        zip(np.asarray(fids)[keep].tolist(), bounds[:, 0].tolist(), bounds[:, 2].tolist(),
                            bounds[:, 1].tolist(), bounds[:, 3].tolist()))
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
            note = (f"history row {hid}: its '{column}' is not valid JSON ({exc}); ignored "
                    "(fix or delete that row in QGIS or sqlite3)")
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
        params.append(_as_date(since).isoformat())
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


def open_store(path=None, user=None) -> GeoPackageStore:
    """Open the store at `path` (or $PLHGIS_STORE, or layers/plh.gpkg): a GeoPackage file, or a
    PostGIS database given as a postgresql:// connection string."""
    target = store_path(path)
    if is_url(target):
        from .store_pg import PostGISStore

        return PostGISStore(target, user=user)
    return GeoPackageStore(target, user=user)


def create_store(path=None, crs=schema.STORE_CRS, overwrite=False):
    """Create an empty store: a GeoPackage file, or the tables of a PostGIS database."""
    target = store_path(path)
    if is_url(target):
        from .store_pg import PostGISStore

        return PostGISStore.create(target, crs, overwrite)
    return GeoPackageStore.create(target, crs, overwrite)


# -- helpers ----------------------------------------------------------------------------------
@contextmanager
def _nothing():
    yield


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
    df = _typed(lay, df)
    if not lay.geometry:
        return df.reset_index(drop=True)
    return gpd.GeoDataFrame(df, geometry=geoms, crs=crs).reset_index(drop=True)


def _typed(lay: schema.Layer, df: pd.DataFrame) -> pd.DataFrame:
    for c in lay.columns:
        t = lay.field(c).type
        if t == "int":
            df[c] = pd.to_numeric(df[c], errors="coerce").astype("Int64")
        elif t == "float":
            df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64")
        else:
            df[c] = df[c].astype(object).where(df[c].notna(), None)
    return df


def _plain(value):
    """A Python scalar for JSON and SQLite (pandas NA → None, numpy → int/float)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    return value


def _sql_value(value):
    value = _plain(value)
    return value.wkt if isinstance(value, shapely.Geometry) else value


def _history_json(records: list[dict]) -> list[str | None]:
    """The history's JSON of each record (None for an empty one), geometries as WKT."""
    geoms = [r["geometry"] for r in records if isinstance(r.get("geometry"), shapely.Geometry)]
    wkts = iter(shapely.to_wkt(np.asarray(geoms, dtype=object), rounding_precision=-1, trim=True)
                if geoms else [])
    out = []
    for r in records:
        if isinstance(r.get("geometry"), shapely.Geometry):
            r = dict(r, geometry=next(wkts))
        out.append(json.dumps(r, ensure_ascii=False, default=_json_value) if r else None)
    return out


def _json_value(value):
    """JSON for numpy and pandas scalars (plain Python values are written as they are)."""
    plain = _plain(value)
    return str(plain) if plain is value else plain


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise PlhgisError("not a date", value=value, hint="write it as 2025-01-31") from None


def _login() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in some containers: history still needs one
        return "unknown"

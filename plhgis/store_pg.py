"""The PostGIS store: the GeoPackage store's surface on a shared PostgreSQL database.

Same layers (one table per `schema.LAYERS` entry, geometry in the storage CRS with a GiST
index), same `history` and `plhgis_settings` tables, same public methods, so commands never
see which store they use. What PostgreSQL adds is rights (see `rights.py`): roles and
row-level security decide who may write what, for plhgis and for QGIS alike.

Every statement is built from schema names (`psycopg.sql.Identifier`) and takes values as
parameters. A change is one transaction; an update carries the version it was computed from
(`updated_at`) in its WHERE clause, so a concurrent edit makes it touch no row and it is
refused, never lost. Edits made outside plhgis (QGIS, SQL) go into the history too, and bump
`updated_at`, through a trigger on each layer.
"""
from __future__ import annotations

import json
import os
from contextlib import contextmanager
from datetime import date, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from . import bulk, schema, styles
from .labels import Msg
from .errors import NotFoundError, PlhgisError, StoreError
from .store import BULK_ROWS, Change, GeoPackageStore, as_date, history_json, plain_value, typed_frame, history_rows, \
    layer_info_frame, mask, now_iso, replay

try:
    import psycopg
    from psycopg import sql
    from psycopg.types.string import TextLoader
except ImportError:  # the optional extra: plhgis[postgis]
    psycopg = None

_PG_TYPES = {"str": "text", "int": "bigint", "float": "double precision", "date": "date"}
SETTINGS_TABLE = "plhgis_settings"
PROPOSALS_TABLE = "proposals"
HISTORY_DDL = ("fid bigserial PRIMARY KEY, ts text NOT NULL, \"user\" text, layer text NOT NULL, "
               "feature_id text COLLATE \"C\" NOT NULL, action text NOT NULL, before text, after text, source text")
PROPOSALS_DDL = ("id bigserial PRIMARY KEY, ts text NOT NULL, login text NOT NULL DEFAULT current_user, "
                 "layer text NOT NULL, action text NOT NULL, feature_id text, before text, after text, "
                 "updated_at text, source text, status text NOT NULL DEFAULT 'pending', decided_by text, "
                 "decided_at text")
LAYER_STYLES_DDL = ("id serial PRIMARY KEY, f_table_catalog varchar, f_table_schema varchar, "
                    "f_table_name varchar, f_geometry_column varchar, stylename text, styleqml xml, "
                    "stylesld xml, useasdefault boolean, description text, owner varchar(63) DEFAULT current_user, "
                    "ui xml, update_time timestamp DEFAULT current_timestamp, type varchar")


def _password(url: str) -> str | None:
    try:
        return psycopg.conninfo.conninfo_to_dict(url).get("password")
    except psycopg.ProgrammingError:
        return None


def ident(*names) -> "sql.Composed":
    """Quoted identifiers (schema names only, never user input)."""
    return sql.SQL(", ").join(sql.Identifier(n) for n in names)


class PostGISStore:
    """A plhgis store in a PostgreSQL database with PostGIS (the tables of its search_path)."""

    assign_ids = GeoPackageStore.assign_ids  # the same id rule: <prefix>-<insee>-<seq>
    __enter__ = GeoPackageStore.__enter__
    __exit__ = GeoPackageStore.__exit__

    def __init__(self, url: str, user: str | None = None):
        self.url = url
        self.path = mask(url)  # what messages show
        self._con = None
        self.notes: list[str] = []  # what the user should know (the CLI prints them)
        if not self._exists(SETTINGS_TABLE):
            raise StoreError(Msg("err.no_pg_store", path=self.path), hint=Msg("hint.init_url"))
        self.login = self.con.execute("SELECT current_user").fetchone()[0]
        named = user or os.environ.get("PLHGIS_USER")  # the history names the login too: it is what has rights
        self.user = f"{named} ({self.login})" if named and named != self.login else self.login
        self.crs = pyproj.CRS.from_user_input(self.setting("crs"))
        self.srs_id = self.crs.to_epsg() or 0
        self.me = self._whoami()
        self._upgrade()

    # connection and transactions
    @property
    def con(self):
        if self._con is None:
            if psycopg is None:
                raise StoreError(Msg("err.psycopg"), hint=Msg("hint.psycopg"))
            try:
                con = psycopg.connect(self.url, autocommit=True, application_name="plhgis")
            except psycopg.Error as exc:
                raise StoreError(Msg("err.pg_connect", path=self.path, why=self._safe(exc)),
                                 hint=Msg("hint.pg_connect")) from None
            con.adapters.register_loader("date", TextLoader)  # dates as 'YYYY-MM-DD', as in a GeoPackage
            self._con = con
        return self._con

    def _safe(self, exc) -> str:
        """An error text without the password, whatever libpq put in it."""
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        secret = _password(self.url)
        return mask(text.replace(secret, "***") if secret else text)

    def close(self):
        if self._con is not None:
            self._con.close()
            self._con = None

    def __del__(self):  # commands open a store and leave it: the connection goes with it
        if getattr(self, "_con", None) is not None:
            self.close()

    @contextmanager
    def transaction(self):
        """One transaction: all of it lands, or none of it; refusals become clear errors."""
        try:
            with self.con.transaction():
                # plhgis writes its own history rows; the layers' triggers log every other client's
                self.con.execute("SELECT set_config('plhgis.writing', 'on', true)")
                yield self.con
        except psycopg.errors.InsufficientPrivilege as exc:
            raise StoreError(Msg("err.pg_denied", login=self.login, path=self.path, why=self._safe(exc)),
                             hint=Msg("hint.pg_denied")) from None
        except psycopg.errors.UniqueViolation as exc:
            raise PlhgisError(Msg("err.pg_id_taken", why=self._safe(exc)), hint=Msg("hint.upsert")) from None
        except psycopg.OperationalError as exc:
            raise StoreError(Msg("err.pg_failed", path=self.path, why=self._safe(exc)), hint=Msg("hint.try_again")) from None

    def _exists(self, table: str) -> bool:
        return self.con.execute("SELECT to_regclass(%s) IS NOT NULL", [table]).fetchone()[0]

    def _whoami(self) -> dict | None:
        """This login's row of plhgis_users (None for the owner and unlisted logins)."""
        if not self._exists("plhgis_users"):
            return None
        row = self.con.execute("SELECT role, commune, proposals FROM plhgis_users WHERE login = current_user"
                               ).fetchone()
        return dict(zip(("role", "commune", "proposals"), row)) if row else None

    # creation
    @classmethod
    def create(cls, url, crs=schema.STORE_CRS, overwrite=False) -> "PostGISStore":
        """Create every layer, the history, settings, proposals and QGIS styles tables."""
        crs = pyproj.CRS.from_user_input(crs)
        if crs.is_geographic:
            raise StoreError(Msg("err.store_crs_degrees", crs=crs.to_string()), hint=Msg("hint.projected_crs"))
        probe = cls.__new__(cls)
        probe.url, probe.path, probe._con = url, mask(url), None
        try:
            probe.login = probe.con.execute("SELECT current_user").fetchone()[0]
            with probe.transaction() as con:
                if probe._exists(SETTINGS_TABLE):
                    if not overwrite:
                        raise StoreError(Msg("err.pg_exists", path=probe.path), hint=Msg("hint.overwrite_store"))
                    drop = [lay.name for lay in schema.LAYERS.values()] + [
                        schema.HISTORY_TABLE, SETTINGS_TABLE, PROPOSALS_TABLE, "layer_styles"]
                    con.execute(sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(ident(*drop)))
                try:
                    con.execute("CREATE EXTENSION IF NOT EXISTS postgis")
                except psycopg.Error as exc:
                    raise StoreError(Msg("err.no_postgis", path=probe.path, why=probe._safe(exc)),
                                     hint=Msg("hint.no_postgis")) from None
                srid = crs.to_epsg() or 0
                con.execute(HISTORY_TRIGGER_SQL)
                _create_layers(con, schema.LAYERS.values(), srid)
                con.execute(sql.SQL("CREATE TABLE {} ({})").format(sql.Identifier(schema.HISTORY_TABLE),
                                                                   sql.SQL(HISTORY_DDL)))
                con.execute("CREATE INDEX ix_history_feature ON history (layer, feature_id, ts)")
                con.execute(f"CREATE TABLE {PROPOSALS_TABLE} ({PROPOSALS_DDL})")
                con.execute(f"CREATE TABLE {SETTINGS_TABLE} (key text PRIMARY KEY, value text)")
                con.cursor().executemany(f"INSERT INTO {SETTINGS_TABLE} (key, value) VALUES (%s, %s)",
                                         [("crs", crs.to_string()), ("schema_version", "1"),
                                          ("created", now_iso())])
                _install_styles(con, [lay.name for lay in schema.LAYERS.values() if lay.geometry])
                from . import rights

                rights.install(con)
        finally:
            probe.close()
        return cls(url)

    def _upgrade(self):
        """Layers and fields added to the schema since the store was made."""
        missing = [lay for lay in schema.LAYERS.values() if not self._exists(lay.name)]
        have = {}
        for table, column in self.con.execute(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema()"):
            have.setdefault(table, set()).add(column)
        added = [(lay, c) for lay in schema.LAYERS.values() if lay not in missing
                 for c in lay.columns if c not in have.get(lay.name, ())]
        if not missing and not added:
            return
        with self.transaction() as con:
            con.execute(HISTORY_TRIGGER_SQL)
            _create_layers(con, missing, self.srs_id)
            _install_styles(con, [lay.name for lay in missing if lay.geometry])
            for lay, c in added:
                con.execute(sql.SQL("ALTER TABLE {} ADD COLUMN {} " + _PG_TYPES[lay.field(c).type]).format(
                    sql.Identifier(lay.name), sql.Identifier(c)))
            from . import rights

            rights.install(con)

    def setting(self, key: str) -> str | None:
        row = self.con.execute(f"SELECT value FROM {SETTINGS_TABLE} WHERE key = %s", [key]).fetchone()
        return row[0] if row else None

    def set_setting(self, key: str, value: str) -> None:
        with self.transaction() as con:
            con.execute(f"INSERT INTO {SETTINGS_TABLE} (key, value) VALUES (%s, %s) "
                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, value])

    # reading
    def _select(self, lay) -> sql.Composed:
        cols = [sql.Identifier(c) for c in lay.columns]
        if lay.geometry:
            cols.append(sql.SQL("ST_AsBinary(geom)"))
        return sql.SQL("SELECT {} FROM {}").format(sql.SQL(", ").join(cols), sql.Identifier(lay.name))

    def _frame(self, lay, rows):
        df = pd.DataFrame.from_records(rows, columns=lay.columns + (["geom"] if lay.geometry else []))
        df = typed_frame(lay, df)
        if not lay.geometry:
            return df
        geoms = shapely.from_wkb([None if b is None else bytes(b) for b in df.pop("geom")])
        return gpd.GeoDataFrame(df, geometry=geoms, crs=self.crs)

    def read(self, layer: str, *, commune: str | None = None, ids=None, as_of=None,
             include_ended: bool = False):
        """The layer as a (Geo)DataFrame: features in force today, or on `as_of` (a date)."""
        lay = schema.get_layer(layer)
        if as_of is not None:
            day = as_date(as_of)
            rows = self.con.execute(
                "SELECT feature_id, after FROM history WHERE layer = %s AND ts < %s AND after IS NOT NULL "
                "ORDER BY fid", [lay.name, (day + timedelta(days=1)).isoformat()]).fetchall()
            return replay(lay, [(fid, json.loads(after)) for fid, after in rows], day, commune, ids, self.crs)
        where, params = [], []
        if commune and lay.commune_field:
            where.append(sql.SQL("{} = %s").format(sql.Identifier(lay.commune_field)))
            params.append(commune)
        if not include_ended:
            where.append(sql.SQL("(end_date IS NULL OR end_date > %s)"))
            params.append(date.today().isoformat())
        if ids is not None:
            where.append(sql.SQL("{} = ANY(%s)").format(sql.Identifier(lay.key)))
            params.append([str(i) for i in ids])
        query = self._select(lay)
        if where:
            query += sql.SQL(" WHERE ") + sql.SQL(" AND ").join(where)
        rows = self.con.execute(query + sql.SQL(" ORDER BY fid"), params).fetchall()
        return self._frame(lay, rows).reset_index(drop=True)

    def get(self, layer: str, feature_id: str, *, geometry: bool = True) -> dict:
        """One feature (ended ones too) as a dict, with a `geometry` entry unless `geometry` is False."""
        lay = schema.get_layer(layer)
        row = self.con.execute(self._select(lay) + sql.SQL(" WHERE {} = %s").format(sql.Identifier(lay.key)),
                               [feature_id]).fetchone()
        if row is None:
            raise NotFoundError(Msg("err.no_feature", layer=lay.name, id=repr(feature_id)), row=feature_id,
                                hint=Msg("hint.list_ids", noun=lay.name.rstrip("s")))
        rec = self._frame(lay, [row]).iloc[0].to_dict()
        return {k: plain_value(v) for k, v in rec.items() if geometry or k != "geometry"}

    def current_versions(self, layer: str, ids) -> dict[str, str]:
        """updated_at of each existing id (ended ones too)."""
        lay = schema.get_layer(layer)
        query = sql.SQL("SELECT {}, updated_at FROM {} WHERE {} = ANY(%s)").format(
            sql.Identifier(lay.key), sql.Identifier(lay.name), sql.Identifier(lay.key))
        return dict(self.con.execute(query, [list(ids)]).fetchall())

    def communes(self) -> set[str]:
        rows = self.con.execute("SELECT insee FROM communes WHERE end_date IS NULL OR end_date > %s",
                                [date.today().isoformat()])
        return {r[0] for r in rows}

    def count(self, layer: str) -> int:
        lay = schema.get_layer(layer)
        return self.con.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(lay.name))).fetchone()[0]

    # writing
    def apply(self, layer: str, changes: list[Change], source: str) -> list[Change]:
        """Write `changes` and their history rows in one transaction; returns them with ids set.

        A login set to propose (plhgis users add --proposals) writes proposals instead, which an
        EPCI editor accepts or rejects (see `rights`). An update whose feature changed since the
        version it was computed from is refused: no update is ever lost.
        """
        lay = schema.get_layer(layer)
        if not changes:
            return []
        if self.me and self.me["proposals"]:
            from . import rights

            return rights.propose(self, lay, changes, source)
        stamp = now_iso()
        with self.transaction() as con:
            inserts = [c for c in changes if c.action == "insert"]
            if inserts:
                # one writer at a time gives new ids in a layer (ids are never reused)
                con.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"plhgis ids {lay.name}"])
                self.assign_ids(lay, [c for c in inserts if not c.id])
                for c in inserts:
                    c.after.update(created_at=stamp, updated_at=stamp)
                self.insert_features(con, lay, inserts)
            updates = [c for c in changes if c.action != "insert"]
            if updates:
                self._update(con, lay, updates, stamp)
            self._log(con, lay.name, changes, source, stamp)
        return changes

    def _log(self, con, layer, changes, source, stamp):
        if len(changes) > BULK_ROWS:  # COPY, streamed in chunks (bulk.py)
            def columns(part):
                n = len(part)
                return [[stamp] * n, [self.user] * n, [layer] * n, [c.id for c in part], [c.action for c in part],
                        history_json([c.before for c in part]), history_json([c.after for c in part]), [source] * n]
            bulk.copy_in(con, 'COPY history (ts, "user", layer, feature_id, action, before, after, source) FROM STDIN',
                         changes, columns)
            return
        befores, afters = history_json([c.before for c in changes]), history_json([c.after for c in changes])
        rows = [(stamp, self.user, layer, c.id, c.action, b, a, source) for c, b, a in zip(changes, befores, afters)]
        con.cursor().executemany(
            'INSERT INTO history (ts, "user", layer, feature_id, action, before, after, source) '
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", rows)

    def _last_seq(self, lay, prefix) -> int:
        query = sql.SQL("SELECT {key} FROM {table} WHERE {key} LIKE %s "
                        "UNION SELECT feature_id FROM history WHERE layer = %s AND feature_id LIKE %s").format(
            key=sql.Identifier(lay.key), table=sql.Identifier(lay.name))
        rows = self.con.execute(query, [prefix + "%", lay.name, prefix + "%"]).fetchall()
        seqs = [int(r[0].rsplit("-", 1)[1]) for r in rows if r[0].rsplit("-", 1)[1].isdigit()]
        return max(seqs, default=0)

    def insert_features(self, con, lay, changes):
        """Insert `changes` as rows of `lay` in the open transaction `con`, no history (`apply` and `store copy` add it)."""
        given = set().union(*(ch.after for ch in changes))
        cols = [c for c in lay.columns if c in given]
        names = cols + (["geom"] if lay.geometry else [])

        def columns(part, wkb=bulk.wkb_hex):  # plain values (edits._records), column by column
            afters = [ch.after for ch in part]
            values = [[a.get(c) for a in afters] for c in cols]
            return values + [wkb([a.get("geometry") for a in afters])] if lay.geometry else values
        if len(changes) <= BULK_ROWS:
            query = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
                sql.Identifier(lay.name), ident(*names), sql.SQL(", ").join(sql.Placeholder() * len(names)))
            con.cursor().executemany(query, list(zip(*columns(changes, _wkb))))
            return
        table = sql.Identifier(lay.name)
        if con.execute("SELECT row_security_active(%s::regclass)", [lay.name]).fetchone()[0]:
            # COPY refuses a table under row-level security: into a temporary table, then one INSERT, which it checks
            con.execute(sql.SQL("CREATE TEMP TABLE plhgis_load (LIKE {} INCLUDING DEFAULTS) ON COMMIT DROP").format(
                table))
            bulk.copy_in(con, sql.SQL("COPY plhgis_load ({}) FROM STDIN").format(ident(*names)), changes, columns)
            con.execute(sql.SQL("INSERT INTO {t} ({c}) SELECT {c} FROM plhgis_load ORDER BY fid").format(
                t=table, c=ident(*names)))
            con.execute("DROP TABLE plhgis_load")
            return
        with self._indexes_deferred(con, lay, len(changes)):
            bulk.copy_in(con, sql.SQL("COPY {} ({}) FROM STDIN").format(table, ident(*names)), changes, columns)

    @contextmanager
    def _indexes_deferred(self, con, lay, n: int):
        """A large insert into a layer holding fewer rows than it adds (a first import, `store copy`)
        drops the layer's own indexes and builds them again once the rows are in, in the same
        transaction: one sorted build costs a third of inserting each row into the GiST and
        B-tree indexes (ogr2ogr's deferred spatial index). Only for the layer's owner, and only if
        no other session is using the layer at that moment (the lock is not waited for): else the
        rows go in through the indexes as usual. A failure rolls the drop back with the rest."""
        table = sql.Identifier(lay.name)
        small = con.execute(sql.SQL("SELECT count(*) FROM (SELECT FROM {} LIMIT %s) s").format(table),
                            [n]).fetchone()[0] < n
        indexes = []
        if small and con.execute("SELECT pg_has_role(relowner, 'USAGE') FROM pg_class WHERE oid = %s::regclass",
                                 [lay.name]).fetchone()[0]:
            try:
                with con.transaction():  # a savepoint: a layer in use keeps its indexes
                    con.execute(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE NOWAIT").format(table))
                indexes = con.execute(
                    "SELECT n.nspname, c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                    "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE i.indrelid = %s::regclass "
                    "AND NOT EXISTS (SELECT FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
                    [lay.name]).fetchall()
            except psycopg.errors.LockNotAvailable:
                pass
            for space, name, _ in indexes:
                con.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(space, name)))
        yield
        for *_, definition in indexes:
            con.execute(definition)

    def _update(self, con, lay, changes, stamp):
        """Compare-and-set updates: a row whose version moved on is not touched, then explained."""
        failed = []
        cur = con.cursor()
        for c in changes:
            after = dict(c.after, updated_at=stamp)
            sets, params = [], []
            for key, value in after.items():
                if key == "geometry":
                    sets.append(sql.SQL("geom = %s::geometry"))
                    params.append(_wkb([value])[0])
                else:
                    sets.append(sql.SQL("{} = %s").format(sql.Identifier(lay.field(key).name)))
                    params.append(plain_value(value))
            query = sql.SQL("UPDATE {} SET {} WHERE {} = %s").format(
                sql.Identifier(lay.name), sql.SQL(", ").join(sets), sql.Identifier(lay.key))
            params.append(c.id)
            if c.updated_at is not None:  # a row without updated_at has the empty version
                query += sql.SQL(" AND coalesce(updated_at, '') = %s")
                params.append(c.updated_at)
            cur.execute(query, params)
            if cur.rowcount != 1:
                failed.append(c)
        if failed:
            self._refuse(lay, failed)

    def _refuse(self, lay, failed):
        """Why an update touched no row: gone, changed meanwhile, or outside this login's rights."""
        commune = sql.Identifier(lay.commune_field) if lay.commune_field else sql.SQL("NULL")
        query = sql.SQL("SELECT {key}, updated_at, {commune} FROM {table} WHERE {key} = ANY(%s)").format(
            key=sql.Identifier(lay.key), commune=commune, table=sql.Identifier(lay.name))
        found = {r[0]: r[1:] for r in self.con.execute(query, [[c.id for c in failed]])}
        c = failed[0]
        if c.id not in found:
            raise NotFoundError(Msg("err.no_feature", layer=lay.name, id=repr(c.id)), row=c.id)
        version, code = found[c.id]
        if c.updated_at is not None and (version or "") != c.updated_at:
            raise StoreError(Msg("err.changed_meanwhile", layer=lay.name, id=c.id), row=c.id, hint=Msg("hint.run_again"))
        mine = (self.me or {}).get("commune")
        raise StoreError(Msg("err.may_not_edit_own" if mine else "err.may_not_edit", login=self.login, layer=lay.name,
                             id=c.id, code=code, mine=mine), row=c.id, hint=Msg("hint.ask_editor"))

    # history and metadata
    def history(self, layer=None, feature_id=None, since=None) -> pd.DataFrame:
        """History rows, oldest first, filtered by layer, feature id and start date."""
        rows = history_rows(self.con, "%s", layer, feature_id, since)
        return pd.DataFrame.from_records([r[1:] for r in rows], columns=list(schema.HISTORY_COLUMNS))

    def layer_info(self) -> pd.DataFrame:
        """Each layer: features in force, ended ones, CRS and last change."""
        return layer_info_frame(self.con, "%s", self.crs)


# -- helpers ----------------------------------------------------------------------------------
def _wkb(geoms) -> list:
    """Hex WKB of each geometry, None for none: PostGIS reads it into a geometry column, giving it
    the column's SRID (a few rows; `bulk.wkb_hex` for many)."""
    arr = np.array([g if isinstance(g, shapely.Geometry) else None for g in geoms], dtype=object)
    return shapely.to_wkb(arr, hex=True).tolist()


def _create_layers(con, layers, srid: int):
    for lay in layers:
        cols = [sql.SQL("fid bigserial PRIMARY KEY")]
        # the key in the C collation: its unique index also serves the id prefix searches (P-62950-%)
        cols += [sql.SQL("{} " + _PG_TYPES[lay.field(c).type] + (' COLLATE "C"' if c == lay.key else "")).format(
            sql.Identifier(c)) for c in lay.columns]
        if lay.geometry:
            cols.append(sql.SQL(f"geom geometry(Geometry, {int(srid)})"))
        name = sql.Identifier(lay.name)
        con.execute(sql.SQL("CREATE TABLE {} ({})").format(name, sql.SQL(", ").join(cols)))
        key = sql.Identifier(lay.key)
        con.execute(sql.SQL("CREATE UNIQUE INDEX {} ON {} ({})").format(
            sql.Identifier(f"ix_{lay.name}_{lay.key}"), name, key))
        if lay.commune_field and lay.commune_field != lay.key:
            con.execute(sql.SQL("CREATE INDEX {} ON {} ({})").format(
                sql.Identifier(f"ix_{lay.name}_{lay.commune_field}"), name, sql.Identifier(lay.commune_field)))
        if lay.geometry:
            con.execute(sql.SQL("CREATE INDEX {} ON {} USING gist (geom)").format(
                sql.Identifier(f"ix_{lay.name}_geom"), name))
        con.execute(sql.SQL("CREATE TRIGGER plhgis_history BEFORE INSERT OR UPDATE ON {} FOR EACH ROW "
                            "WHEN (current_setting('plhgis.writing', true) IS DISTINCT FROM 'on') "
                            "EXECUTE FUNCTION plhgis_history({})").format(name, sql.Literal(lay.key)))


HISTORY_TRIGGER_SQL = """
CREATE OR REPLACE FUNCTION plhgis_history() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  stamp text := to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"');
  new_j jsonb; old_j jsonb; after jsonb; before jsonb; act text := lower(TG_OP);
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.created_at := coalesce(NEW.created_at, stamp);
  END IF;
  NEW.updated_at := stamp;
  new_j := to_jsonb(NEW) - 'fid';
  IF new_j ? 'geom' THEN
    new_j := new_j - 'geom' || jsonb_build_object('geometry', ST_AsText(NEW.geom));
  END IF;
  IF new_j ->> TG_ARGV[0] IS NULL THEN
    RAISE EXCEPTION 'plhgis: every % row needs its %', TG_TABLE_NAME, TG_ARGV[0]
      USING HINT = 'fill in the ' || TG_ARGV[0] || ' field';
  END IF;
  IF TG_OP = 'INSERT' THEN
    after := jsonb_strip_nulls(new_j);
  ELSE
    old_j := to_jsonb(OLD) - 'fid';
    IF old_j ? 'geom' THEN
      old_j := old_j - 'geom' || jsonb_build_object('geometry', ST_AsText(OLD.geom));
    END IF;
    SELECT jsonb_object_agg(n.key, n.value), jsonb_object_agg(n.key, old_j -> n.key) INTO after, before
      FROM jsonb_each(new_j) n WHERE n.key <> 'updated_at' AND n.value IS DISTINCT FROM old_j -> n.key;
    IF after IS NULL THEN
      RETURN NEW;
    END IF;
    IF after ? 'end_date' AND after ->> 'end_date' IS NOT NULL AND before ->> 'end_date' IS NULL THEN
      act := 'end';
    END IF;
  END IF;
  INSERT INTO history (ts, "user", layer, feature_id, action, before, after, source)
    VALUES (stamp, current_user, TG_TABLE_NAME, new_j ->> TG_ARGV[0], act, before::text, after::text,
            'edited outside plhgis (' || coalesce(nullif(current_setting('application_name', true), ''), 'SQL') || ')');
  RETURN NEW;
END $$
"""


def _install_styles(con, layers):
    """plhgis's QGIS styles in `layer_styles`, the table QGIS reads a PostGIS layer's style from
    (`type` left NULL: the style serves the point and the polygon sublayers alike)."""
    if not layers:
        return
    con.execute(f"CREATE TABLE IF NOT EXISTS layer_styles ({LAYER_STYLES_DDL})")
    qml = styles.qml_styles()
    con.cursor().executemany(
        "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, stylename, "
        "styleqml, stylesld, useasdefault, description, type) VALUES (current_database(), current_schema(), %s, "
        "'geom', %s, XMLPARSE(DOCUMENT %s), NULL, true, 'plhgis default style', NULL)",
        [(name, qml[name][0], qml[name][1]) for name in layers if name in qml])

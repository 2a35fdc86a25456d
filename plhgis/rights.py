"""Rights on a PostGIS store, enforced by PostgreSQL itself (so QGIS obeys them too).

Three group roles: `plhgis_read` (maps, packs, exports), `plhgis_edit` (the EPCI staff: every
layer) and `plhgis_commune` (a commune's login: its own commune's schemes, plots and friches,
by row-level security). `plhgis_users` says which commune each login is, and whether its
changes wait as proposals for an EPCI editor to accept or reject; both steps are in the history.
"""
from __future__ import annotations

import importlib.util
import re

from . import lazy, schema
from .labels import Msg
from .errors import NotFoundError, PlhgisError, StoreError
from .store import Change, history_json, loads, now_iso

pd = lazy.module("pandas")

# the optional extra plhgis[postgis], loaded by the commands that use it
psycopg = lazy.module("psycopg") if importlib.util.find_spec("psycopg") else None

ROLES = {"read": "plhgis_read", "edit": "plhgis_edit", "commune": "plhgis_commune"}
COMMUNE_LAYERS = ("projects", "plots", "friches")  # what a commune login may edit
USERS_DDL = ("login text PRIMARY KEY, role text NOT NULL, commune text, proposals boolean NOT NULL DEFAULT false, "
             "added text, added_by text DEFAULT current_user")
MINE = "(SELECT u.commune FROM plhgis_users u WHERE u.login = current_user)"
LOGIN_RE = r"^[a-z_][a-z0-9_.-]{0,62}$"


def install(con) -> None:
    """Create the group roles (once per cluster), grants and row-level security of this store."""
    con.execute(f"CREATE TABLE IF NOT EXISTS plhgis_users ({USERS_DDL})")
    have = {r[0] for r in con.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", [list(ROLES.values())])}
    try:
        with con.transaction():
            for role in ROLES.values():
                if role not in have:
                    con.execute(psycopg.sql.SQL("CREATE ROLE {} NOLOGIN").format(psycopg.sql.Identifier(role)))
    except psycopg.errors.InsufficientPrivilege:
        return  # a login without CREATEROLE makes a store without logins (users add then says why)
    everyone = psycopg.sql.SQL(", ").join(psycopg.sql.Identifier(r) for r in ROLES.values())
    editors = psycopg.sql.SQL(", ").join(psycopg.sql.Identifier(r) for r in (ROLES["edit"], ROLES["commune"]))
    schema_name = con.execute("SELECT current_schema()").fetchone()[0]
    con.execute(psycopg.sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(psycopg.sql.Identifier(schema_name), everyone))
    con.execute(psycopg.sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(psycopg.sql.Identifier(schema_name),
                                                                                everyone))
    con.execute(psycopg.sql.SQL("GRANT USAGE ON ALL SEQUENCES IN SCHEMA {} TO {}").format(psycopg.sql.Identifier(schema_name),
                                                                                  editors))
    layers = [lay.name for lay in schema.LAYERS.values()]
    communal = [name for name in COMMUNE_LAYERS if name in schema.LAYERS]
    con.execute(psycopg.sql.SQL("GRANT INSERT, UPDATE ON {} TO plhgis_edit").format(_names(layers)))
    con.execute(psycopg.sql.SQL("GRANT INSERT, UPDATE ON {} TO plhgis_commune").format(_names(communal)))
    con.execute(psycopg.sql.SQL("GRANT INSERT ON history, proposals TO {}").format(editors))
    con.execute("GRANT UPDATE ON proposals TO plhgis_edit")
    for name in communal:
        table = psycopg.sql.Identifier(name)
        field = psycopg.sql.Identifier(schema.LAYERS[name].commune_field)
        con.execute(psycopg.sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(table))
        for policy in ("plhgis_read", "plhgis_edit", "plhgis_commune"):
            con.execute(psycopg.sql.SQL("DROP POLICY IF EXISTS {} ON {}").format(psycopg.sql.Identifier(policy), table))
        con.execute(psycopg.sql.SQL("CREATE POLICY plhgis_read ON {} FOR SELECT USING (true)").format(table))
        con.execute(psycopg.sql.SQL("CREATE POLICY plhgis_edit ON {} FOR ALL TO plhgis_edit USING (true) "
                            "WITH CHECK (true)").format(table))
        con.execute(psycopg.sql.SQL("CREATE POLICY plhgis_commune ON {t} FOR ALL TO plhgis_commune "
                            "USING ({f} = " + MINE + ") WITH CHECK ({f} = " + MINE + ")").format(t=table, f=field))
    con.execute("ALTER TABLE proposals ENABLE ROW LEVEL SECURITY")
    for policy in ("plhgis_read", "plhgis_edit", "plhgis_commune"):
        con.execute(psycopg.sql.SQL("DROP POLICY IF EXISTS {} ON proposals").format(psycopg.sql.Identifier(policy)))
    con.execute("CREATE POLICY plhgis_read ON proposals FOR SELECT USING (true)")
    con.execute("CREATE POLICY plhgis_edit ON proposals FOR ALL TO plhgis_edit USING (true) WITH CHECK (true)")
    con.execute("CREATE POLICY plhgis_commune ON proposals FOR INSERT TO plhgis_commune "
                "WITH CHECK (login = current_user)")


def _names(names) -> "psycopg.sql.Composed":
    return psycopg.sql.SQL(", ").join(psycopg.sql.Identifier(n) for n in names)


# -- users ------------------------------------------------------------------------------------
def add_user(store, login: str, role: str, commune: str | None = None, proposals: bool = False,
             password: str | None = None) -> None:
    """Create (or enrol) a login: read, edit, or commune (its own commune's features only)."""
    _need_postgis(store)
    if not re.fullmatch(LOGIN_RE, login or ""):
        raise PlhgisError(Msg("err.login_name"), field="login", value=login, hint=Msg("hint.login_name"))
    if role not in ROLES:
        raise PlhgisError(Msg("err.unknown_role"), field="role", value=role,
                          hint=Msg("hint.one_of", values=", ".join(ROLES)))
    if role == "commune":
        if not commune:
            raise PlhgisError(Msg("err.login_commune"), field="commune", hint=Msg("hint.login_commune"))
        if commune not in store.communes():
            from .errors import unknown_commune

            raise unknown_commune(commune)
    elif commune or proposals:
        raise PlhgisError(Msg("err.commune_options"), field="role", value=role, hint=Msg("hint.role_commune"))
    with store.transaction() as con:
        exists = con.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [login]).fetchone()
        name = psycopg.sql.Identifier(login)
        if not exists:
            con.execute(psycopg.sql.SQL("CREATE ROLE {} LOGIN").format(name))
        if password:  # sent hashed (SCRAM): the clear password reaches no server log
            hashed = con.pgconn.encrypt_password(password.encode(), login.encode(), b"scram-sha-256").decode()
            con.execute(psycopg.sql.SQL("ALTER ROLE {} PASSWORD {}").format(name, psycopg.sql.Literal(hashed)))
        for other in ROLES.values():
            con.execute(psycopg.sql.SQL("REVOKE {} FROM {}").format(psycopg.sql.Identifier(other), name))
        con.execute(psycopg.sql.SQL("GRANT {} TO {}").format(psycopg.sql.Identifier(ROLES[role]), name))
        con.execute("INSERT INTO plhgis_users (login, role, commune, proposals, added) VALUES (%s, %s, %s, %s, %s) "
                    "ON CONFLICT (login) DO UPDATE SET role = excluded.role, commune = excluded.commune, "
                    "proposals = excluded.proposals", [login, role, commune, proposals, now_iso()])


def list_users(store) -> pd.DataFrame:
    _need_postgis(store)
    rows = store.con.execute(
        "SELECT u.login, u.role, coalesce(u.commune, ''), u.proposals, coalesce(r.rolcanlogin, false), "
        "u.added_by, left(u.added, 19) FROM plhgis_users u LEFT JOIN pg_roles r ON r.rolname = u.login "
        "ORDER BY u.role, u.commune, u.login").fetchall()
    return pd.DataFrame.from_records(rows, columns=["login", "role", "commune", "proposals", "can_login",
                                                    "added_by", "added"])


def remove_user(store, login: str) -> None:
    """Take a login's plhgis rights away (and drop the login when nothing else holds it)."""
    _need_postgis(store)
    with store.transaction() as con:
        if con.execute("DELETE FROM plhgis_users WHERE login = %s", [login]).rowcount == 0:
            raise NotFoundError(Msg("err.no_user", login=repr(login)), field="login", value=login,
                                hint=Msg("hint.users_list"))
        name = psycopg.sql.Identifier(login)
        for role in ROLES.values():
            con.execute(psycopg.sql.SQL("REVOKE {} FROM {}").format(psycopg.sql.Identifier(role), name))
        try:
            with con.transaction():
                con.execute(psycopg.sql.SQL("DROP ROLE {}").format(name))
        except (psycopg.errors.DependentObjectsStillReferenced, psycopg.errors.InsufficientPrivilege):
            pass  # the login owns or holds something else (another database): it stays, without plhgis rights


# -- proposals --------------------------------------------------------------------------------
def propose(store, lay, changes: list[Change], source: str) -> list[Change]:
    """Record changes as proposals (one history row each), not in the layer."""
    stamp = now_iso()
    befores, afters = history_json([c.before for c in changes]), history_json([c.after for c in changes])
    with store.transaction() as con:
        for c, before, after in zip(changes, befores, afters):
            pid = con.execute(
                "INSERT INTO proposals (ts, layer, action, feature_id, before, after, updated_at, source) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
                [stamp, lay.name, c.action, c.id, before, after, c.updated_at, source]).fetchone()[0]
            c.proposal = pid
            con.execute('INSERT INTO history (ts, "user", layer, feature_id, action, before, after, source) '
                        "VALUES (%s, %s, 'proposals', %s, 'propose', %s, %s, %s)",
                        [stamp, store.user, str(pid), before, after,
                         f"{source}: {lay.name} {c.id or '(new)'} {c.action}, waiting for an EPCI editor"])
    return changes


def list_proposals(store, status: str | None = "pending") -> pd.DataFrame:
    _need_postgis(store)
    query = ("SELECT id, left(ts, 19), login, layer, action, coalesce(feature_id, ''), after, source, status, "
             "coalesce(decided_by, '') FROM proposals")
    rows = store.con.execute(query + (" WHERE status = %s" if status else "") + " ORDER BY id",
                             [status] if status else []).fetchall()
    return pd.DataFrame.from_records(rows, columns=["id", "ts", "login", "layer", "action", "feature_id", "after",
                                                    "source", "status", "decided_by"])


def decide(store, proposal_id: int, accept: bool, reason: str | None = None) -> Change | None:
    """Accept (the change is applied, in the history with the proposal's number) or reject a proposal."""
    _need_postgis(store)
    if store.me and store.me["role"] != "edit":
        raise StoreError(Msg("err.may_not_decide", login=store.login), hint=Msg("hint.editor_decides"))
    with store.transaction() as con:
        row = con.execute("SELECT layer, action, feature_id, before, after, updated_at, source, login, status "
                          "FROM proposals WHERE id = %s FOR UPDATE", [proposal_id]).fetchone()
        if row is None:
            raise NotFoundError(Msg("err.no_proposal", id=proposal_id), value=proposal_id,
                                hint=Msg("hint.proposals_list"))
        layer, action, feature_id, before, after, version, source, login, status = row
        if status != "pending":
            raise PlhgisError(Msg("err.proposal_decided", id=proposal_id, status=Msg("proposal." + status)),
                              value=proposal_id, hint=Msg("hint.nothing_to_do"))
        stamp = now_iso()
        change = None
        if accept:
            change = Change(action, feature_id, loads(after), loads(before), updated_at=version)
            store.apply(layer, [change], f"proposal {proposal_id} by {login}, accepted: {source}")
        else:
            con.execute('INSERT INTO history (ts, "user", layer, feature_id, action, before, after, source) '
                        "VALUES (%s, %s, 'proposals', %s, 'reject', NULL, NULL, %s)",
                        [stamp, store.user, str(proposal_id),
                         f"proposal by {login} rejected" + (f": {reason}" if reason else "")])
        con.execute("UPDATE proposals SET status = %s, decided_by = current_user, decided_at = %s WHERE id = %s",
                    ["accepted" if accept else "rejected", stamp, proposal_id])
    return change


def _need_postgis(store) -> None:
    if not hasattr(store, "login"):
        raise StoreError(Msg("err.need_postgis"), hint=Msg("hint.need_postgis"))

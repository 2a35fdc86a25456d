"""The PostGIS store: the same commands with the same results as on a GeoPackage, store copy
both ways, rights by row-level security, proposals, and 20 writers at once.

`backend` runs a test on both stores; the PostGIS leg skips with the reason when no
PostgreSQL + PostGIS server can be started (tests/pg.py).
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import snapshot

from plhgis import edits
from plhgis.errors import StoreError
from plhgis.store import Change, GeoPackageStore, is_url
from plhgis.stores import open_store
from plhgis.store_copy import copy_store

ROOT = Path(__file__).resolve().parents[1]


def state(target) -> dict:
    """Every table of a store, either back end, to assert that a refused command changed nothing."""
    if not is_url(target):
        return snapshot(target)
    import psycopg

    with psycopg.connect(target) as con:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
            "AND table_name NOT IN ('spatial_ref_sys', 'geography_columns', 'geometry_columns')")]
        return {t: con.execute(f'SELECT * FROM "{t}" ORDER BY 1').fetchall() for t in tables}


def content(target) -> dict:
    """What a store holds, as plhgis reads it: every layer (ended features too) and the history."""
    with open_store(target) as store:
        out = {name: store.read(name, include_ended=True) for name in store.layer_info().layer}
        out["history"] = store.history()
        return out


def same_content(a: dict, b: dict):
    assert a.keys() == b.keys()
    for name in a:
        assert a[name].equals(b[name]), name


def add_project(invoke, store, *extra, commune="62950"):
    return invoke("project", "add", "--store", store, "--name", "Résidence Jean-Moulin", "--commune", commune,
                  "--homes-total", "24", "--lls-plus", "8", "--status", "études", "--lon", "2.80",
                  "--lat", "50.40", *extra)


# -- the same commands, the same results ----------------------------------------------------------
def test_init_creates_every_layer_and_refuses_to_clobber(invoke, backend):
    result = invoke("init", "--store", backend)
    assert result.exit_code == 0, result.output
    listing = invoke("layers", "--store", backend, "--format", "json")
    rows = json.loads(listing.stdout)
    assert {r["layer"] for r in rows} >= {"projects", "friches", "plots", "communes", "parcels"}
    assert all(r["features"] == 0 for r in rows)
    assert [r["crs"] for r in rows if r["layer"] == "projects"] == ["EPSG:2154"]
    again = invoke("init", "--store", backend)
    assert again.exit_code == 1 and "déjà" in again.output and "--overwrite" in again.output
    assert invoke("init", "--store", backend, "--overwrite").exit_code == 0


def test_init_refuses_a_crs_in_degrees(invoke, backend):
    result = invoke("init", "--store", backend, "--crs", "EPSG:4326")
    assert result.exit_code == 1 and "demande un système projeté en mètres" in result.output
    assert invoke("layers", "--store", backend).exit_code == 1  # nothing was created


def test_add_edit_end_history_and_as_of(invoke, demo_target):
    new_id = add_project(invoke, demo_target, "--user", "claire").stdout.strip()
    assert new_id.startswith("P-62950-")
    edited = invoke("project", "edit", new_id, "--status", "PC accordé", "--store", demo_target)
    assert "status: 'études' → 'PC accordé'" in edited.output
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    assert invoke("project", "end", new_id, "--date", tomorrow, "--store", demo_target).exit_code == 0
    history = invoke("history", "projects", new_id, "--store", demo_target, "--format", "json")
    assert [r["action"] for r in json.loads(history.stdout)] == ["insert", "update", "end"]
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    past = invoke("project", "list", "--store", demo_target, "--as-of", yesterday, "--format", "csv").stdout
    now = invoke("project", "list", "--store", demo_target, "--format", "csv").stdout
    later = invoke("project", "list", "--store", demo_target, "--as-of", tomorrow, "--format", "csv").stdout
    assert new_id not in past and new_id in now and new_id not in later
    shown = invoke("project", "show", new_id, "--store", demo_target)
    assert "PC accordé" in shown.output and "claire" in shown.output
    if is_url(demo_target):  # on a shared store the history names the login as well
        assert open_store(demo_target).history("projects", new_id).user.iloc[0] == "claire (postgres)"


def test_every_output_is_the_same_on_both_back_ends(invoke, demo_path, pg_url, tmp_path):
    copy_store(demo_path, pg_url)
    for args in (("check", "--format", "json"), ("project", "list", "--format", "csv"),
                 ("targets", "--format", "csv"), ("layers", "--format", "csv"),
                 ("history", "projects", "--format", "csv"),
                 ("plot", "list", "--as-of", date.today().isoformat(), "--format", "csv")):
        on_gpkg = invoke(*args, "--store", demo_path)
        on_pg = invoke(*args, "--store", pg_url)
        assert on_pg.exit_code == on_gpkg.exit_code, args
        assert on_pg.stdout == on_gpkg.stdout, args
    for name in ("gpkg", "pg"):
        target = demo_path if name == "gpkg" else pg_url
        assert invoke("export", "projects", tmp_path / f"{name}.csv", "--store", target).exit_code == 0
        assert invoke("map", "--store", target, "-o", tmp_path / f"{name}.html").exit_code == 0
        assert invoke("pack", "62950", "--store", target, "-o", tmp_path / name).exit_code == 0
    assert (tmp_path / "gpkg.csv").read_bytes() == (tmp_path / "pg.csv").read_bytes()
    assert sorted(p.name for p in (tmp_path / "pg").iterdir()) == sorted(p.name for p in (tmp_path / "gpkg").iterdir())


def test_import_then_a_bad_file_changes_nothing(invoke, demo_target, tmp_path):
    good = tmp_path / "retour.csv"
    good.write_text("name,commune,homes_total,status,x,y\nLes Aulnes,62951,12,études,685000,7035000\n"
                    "Le Verger,62951,30,repérage,685200,7035300\n", encoding="utf-8")
    result = invoke("import", "projects", good, "--crs", "2154", "--store", demo_target)
    assert result.exit_code == 0, result.output
    names = set(open_store(demo_target).read("projects", commune="62951").name)
    assert {"Les Aulnes", "Le Verger"} <= names
    bad = tmp_path / "bad.csv"
    bad.write_text("name,commune,homes_total,status,x,y\nLes Saules,62951,12,études,685000,7035000\n"
                   "Le Bosquet,62951,3,repérage,685200,7035300\n", encoding="utf-8")
    before = state(demo_target)
    refused = invoke("import", "projects", bad, "--crs", "2154", "--store", demo_target)
    assert refused.exit_code == 1
    assert "bad.csv, ligne 3, champ 'homes_total', valeur '3' : hors limites" in refused.output
    assert state(demo_target) == before


def test_an_update_computed_on_a_stale_version_is_refused(demo_target):
    store = open_store(demo_target, user="test")
    current = store.get("projects", "P-62950-0001")
    other = open_store(demo_target, user="other")
    edits.edit(other, "projects", "P-62950-0001", {"comment": "by the other one"})
    stale = Change("update", "P-62950-0001", {"comment": "mine"}, {"comment": current["comment"]},
                   updated_at=current["updated_at"])
    with pytest.raises(StoreError, match="P-62950-0001 was changed by someone else meanwhile"):
        store.apply("projects", [stale], "test")
    assert store.get("projects", "P-62950-0001")["comment"] == "by the other one"
    assert list(store.history("projects", "P-62950-0001").user)[-1].startswith("other")


def test_a_bulk_import_lands_whole_with_its_history(demo_target):
    """More rows than one statement's batch: the bulk path (COPY on PostGIS, deferred R-tree on GeoPackage)."""
    import geopandas as gpd
    import shapely

    store = open_store(demo_target, user="test")
    n = 1500
    frame = gpd.GeoDataFrame({"name": [f"Lot {i}" for i in range(n)], "commune": "62952", "homes_total": 10,
                              "status": "repérage"},
                             geometry=shapely.points([690000 + i for i in range(n)], [7035000] * n), crs=2154)
    plan = edits.apply(store, edits.plan_rows(store, "projects", frame, mode="append", source="bulk"))
    assert len(plan.changes) == n
    got = store.read("projects", ids=[c.id for c in plan.changes])
    assert list(got.name) == list(frame.name) and got.geometry.equals(frame.geometry)
    assert (store.history("projects").source == "bulk").sum() == n
    assert store.read("projects", ids=[plan.changes[-1].id]).name.tolist() == [f"Lot {n - 1}"]


def test_a_bulk_import_writes_the_same_rows_and_history_as_row_by_row(demo_path, pg_url):
    """PostGIS's COPY buffers are built column by column (bulk.py): the stored rows and history text
    equal those of the row-by-row path on a GeoPackage, awkward text included."""
    import re

    import geopandas as gpd
    import shapely

    copy_store(demo_path, pg_url)
    n = 1500
    names = ["Tab\there", "back\\slash", "new\nline", 'quote " é', "ALLÉE ✓", "\\N", "plain"]
    frame = gpd.GeoDataFrame({"name": [f"{names[i % len(names)]} {i}" for i in range(n)], "commune": "62952",
                              "homes_total": [10 + i % 7 for i in range(n)], "status": "repérage",
                              "operator": [None if i % 3 else "Pas-de-Calais Habitat" for i in range(n)],
                              "site_area_m2": [None if i % 2 else i / 3 for i in range(n)]},
                             geometry=shapely.points([690000.123456789 + i for i in range(n)], [7035000] * n),
                             crs=2154)
    stores = {"postgis": open_store(pg_url, user="test"), "gpkg": open_store(demo_path, user="test")}
    for store in stores.values():
        edits.apply(store, edits.plan_rows(store, "projects", frame, mode="append", source="bulk"))
    stamp = re.compile(r'"(created_at|updated_at)": "[^"]*"')
    rows, history = {}, {}
    for name, store in stores.items():
        rows[name] = store.read("projects").drop(columns=["created_at", "updated_at"])
        hist = store.history("projects")
        hist = hist[hist.source == "bulk"].drop(columns=["ts", "user"]).reset_index(drop=True)
        history[name] = hist.assign(after=hist.after.str.replace(stamp, "", regex=True))
        store.close()
    assert len(history["gpkg"]) == n and (history["gpkg"].before.isna()).all()
    assert history["postgis"].equals(history["gpkg"])
    assert rows["postgis"].equals(rows["gpkg"])
    assert "Tab\\there" in history["postgis"].after.iloc[0] and rows["postgis"].name.str.contains("\t").any()


# -- store copy ---------------------------------------------------------------------------------
def test_store_copy_round_trip_changes_nothing(invoke, demo_path, pg_url, tmp_path):
    edits.edit(GeoPackageStore(demo_path, user="claire"), "projects", "P-62950-0001", {"status": "livré"})
    result = invoke("store", "copy", demo_path, pg_url)
    assert result.exit_code == 0, result.output
    assert "pg-test-secret" not in result.output and "postgres:***@" in result.output
    back = tmp_path / "back" / "plh.gpkg"
    assert invoke("store", "copy", pg_url, back).exit_code == 0
    same_content(content(demo_path), content(back))
    same_content(content(demo_path), content(pg_url))
    assert open_store(back).setting("demo") == open_store(demo_path).setting("demo")
    again = invoke("store", "copy", demo_path, pg_url)
    assert again.exit_code == 1 and "contient déjà une base plhgis" in again.output
    assert invoke("store", "copy", demo_path, pg_url, "--overwrite").exit_code == 0


def test_a_missing_store_is_a_clear_error(invoke, pg_url):
    result = invoke("project", "list", "--store", pg_url)
    assert result.exit_code == 1
    assert "pas de base plhgis dans postgresql://postgres:***@" in result.output and "plhgis init" in result.output
    wrong = pg_url.replace("pg-test-secret", "not-the-password")
    result = invoke("project", "list", "--store", wrong)
    assert result.exit_code == 1 and "impossible de se connecter" in result.output
    assert "not-the-password" not in result.output and "pg-test-secret" not in result.output


def test_pgpass_and_pgservice_supply_the_connection(invoke, demo_path, pg_url, tmp_path, monkeypatch):
    import psycopg

    copy_store(demo_path, pg_url)
    info = psycopg.conninfo.conninfo_to_dict(pg_url)
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"127.0.0.1:{info['port']}:{info['dbname']}:postgres:{info['password']}\n")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    no_password = f"postgresql://postgres@127.0.0.1:{info['port']}/{info['dbname']}"
    assert invoke("layers", "--store", no_password).exit_code == 0
    services = tmp_path / "pg_service.conf"
    services.write_text(f"[plh]\nhost=127.0.0.1\nport={info['port']}\ndbname={info['dbname']}\nuser=postgres\n")
    monkeypatch.setenv("PGSERVICEFILE", str(services))
    monkeypatch.setenv("PGSERVICE", "plh")
    monkeypatch.setenv("PLHGIS_STORE", "postgresql://")
    result = invoke("project", "list", "--commune", "62950", "--format", "csv")
    assert result.exit_code == 0 and "P-62950-0001" in result.stdout


# -- rights ------------------------------------------------------------------------------------
@pytest.fixture
def shared(demo_path, pg_url, pg_cluster, invoke):
    """The demo on PostGIS with a commune login (62950), a proposing one (62951), an editor, a reader."""
    import psycopg

    copy_store(demo_path, pg_url)
    db = psycopg.conninfo.conninfo_to_dict(pg_url)["dbname"]
    logins = {}
    for login, args in (("mairie_62950", ("--role", "commune", "--commune", "62950")),
                        ("mairie_62951", ("--role", "commune", "--commune", "62951", "--proposals")),
                        ("charge_plh", ("--role", "edit")), ("lecteur", ("--role", "read"))):
        name = f"{login}_{db}"  # roles are per cluster: one set per test database
        result = invoke("users", "add", name, *args, "--password", "--store", pg_url,
                        input="Secret-42\nSecret-42\n")
        assert result.exit_code == 0, result.output
        logins[login] = pg_cluster.url(db, user=name, password="Secret-42")
    logins["admin"] = pg_url
    return logins


def test_a_commune_edits_only_its_own_schemes(invoke, shared):
    own = invoke("project", "edit", "P-62950-0001", "--status", "travaux", "--store", shared["mairie_62950"])
    assert own.exit_code == 0, own.output
    before = state(shared["admin"])
    other = invoke("project", "edit", "P-62952-0001", "--comment", "vu", "--store", shared["mairie_62950"])
    assert other.exit_code == 1
    assert ("ne peut pas modifier projects P-62952-0001 (commune 62952) : cette connexion ne modifie que les "
            "entités de la commune 62950") in other.output
    moved = invoke("project", "edit", "P-62950-0001", "--commune", "62952", "--store", shared["mairie_62950"])
    assert moved.exit_code == 1 and "row-level security" in moved.output
    added = add_project(invoke, shared["mairie_62950"], commune="62952")
    assert added.exit_code == 1 and "n'a pas le droit de faire cela" in added.output
    reader = invoke("project", "edit", "P-62950-0002", "--comment", "vu", "--store", shared["lecteur"])
    assert reader.exit_code == 1 and "permission denied for table projects" in reader.output
    assert state(shared["admin"]) == before
    for bad in (other, moved, added, reader):
        assert "Secret-42" not in bad.output and "Traceback" not in bad.output
    assert "Secret-42" not in json.dumps(open_store(shared["admin"]).history().to_dict("records"))


def test_row_level_security_binds_any_client(shared):
    """The rule is in the database: plain SQL as the commune's login (as QGIS would send) obeys it too."""
    import psycopg

    with psycopg.connect(shared["mairie_62950"], autocommit=True) as con:
        assert con.execute("UPDATE projects SET status = 'livré' WHERE commune = '62952'").rowcount == 0
        assert con.execute("UPDATE projects SET comment = 'vu' WHERE id = 'P-62950-0001'").rowcount == 1
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            con.execute("UPDATE communes SET name = 'x'")
        assert con.execute("SELECT count(*) FROM projects").fetchone()[0] > \
            con.execute("SELECT count(*) FROM projects WHERE commune = '62950'").fetchone()[0]


def test_edits_made_outside_plhgis_are_in_the_history(shared):
    """QGIS writes with plain SQL: a trigger records it, and plhgis's version check sees it."""
    import psycopg

    store = open_store(shared["admin"], user="test")
    current = store.get("projects", "P-62950-0001")
    with psycopg.connect(shared["mairie_62950"], autocommit=True, application_name="QGIS") as con:
        con.execute("UPDATE projects SET status = 'livré', geom = ST_SetSRID(ST_MakePoint(681000, 7031000), 2154) "
                    "WHERE id = 'P-62950-0001'")
        con.execute("INSERT INTO projects (id, name, commune, homes_total, status) "
                    "VALUES ('P-62950-0900', 'Saisie QGIS', '62950', 12, 'études')")
    rows = store.history("projects").tail(2)
    assert list(rows.action) == ["update", "insert"] and set(rows.source) == {"edited outside plhgis (QGIS)"}
    assert rows.user.iloc[0].startswith("mairie_62950")
    assert json.loads(rows.after.iloc[0]) == {"status": "livré", "geometry": "POINT(681000 7031000)"}
    assert json.loads(rows.before.iloc[0])["status"] == current["status"]
    assert store.get("projects", "P-62950-0900")["created_at"]
    stale = Change("update", "P-62950-0001", {"comment": "x"}, {}, updated_at=current["updated_at"])
    with pytest.raises(StoreError, match="changed by someone else meanwhile"):
        store.apply("projects", [stale], "test")
    today = store.read("projects", as_of=date.today()).set_index("id")
    assert today.loc["P-62950-0001", "status"] == "livré" and today.loc["P-62950-0900", "homes_total"] == 12


def test_an_editor_edits_every_commune_and_layer(invoke, shared, tmp_path):
    result = invoke("project", "edit", "P-62952-0001", "--comment", "vu", "--store", shared["charge_plh"])
    assert result.exit_code == 0, result.output
    user = open_store(shared["admin"]).history("projects", "P-62952-0001").user.iloc[-1]
    assert user.startswith("charge_plh")


def test_proposals_wait_for_an_editor(invoke, shared):
    admin = shared["admin"]
    before = open_store(admin).get("projects", "P-62951-0001")
    sent = invoke("project", "edit", "P-62951-0001", "--comment", "vu", "--store", shared["mairie_62951"])
    assert sent.exit_code == 0, sent.output
    assert open_store(admin).get("projects", "P-62951-0001")["comment"] == before["comment"]
    assert "envoyé comme proposition 1 : elle attend un agent de l'EPCI" in sent.stderr
    added = add_project(invoke, shared["mairie_62951"], commune="62951")
    assert added.exit_code == 0, added.output
    assert added.stdout == "" and "envoyé comme proposition 2" in added.stderr
    listed = json.loads(invoke("proposals", "list", "--store", admin, "--format", "json").stdout)
    assert [(p["id"], p["action"], p["feature_id"]) for p in listed] == [(1, "update", "P-62951-0001"),
                                                                         (2, "insert", "")]
    refused = invoke("proposals", "accept", "1", "--store", shared["mairie_62951"])
    assert refused.exit_code == 1 and "ne peut pas statuer sur les propositions" in refused.output
    accepted = invoke("proposals", "accept", "1", "--store", shared["charge_plh"])
    assert accepted.exit_code == 0, accepted.output
    assert open_store(admin).get("projects", "P-62951-0001")["comment"] == "vu"
    assert invoke("proposals", "reject", "2", "--reason", "doublon", "--store", shared["charge_plh"]).exit_code == 0
    history = open_store(admin).history()
    steps = history[history.layer.isin(["proposals"]) | (history.feature_id == "P-62951-0001")]
    assert list(steps.action)[-4:] == ["propose", "propose", "update", "reject"]
    assert "proposal 1 by mairie_62951" in steps.source.iloc[-2] and "doublon" in steps.source.iloc[-1]
    again = invoke("proposals", "accept", "1", "--store", shared["charge_plh"])
    assert again.exit_code == 1 and "est déjà acceptée" in again.output
    assert json.loads(invoke("proposals", "list", "--store", admin, "--format", "json").stdout) == []


def test_users_list_and_remove(invoke, shared):
    listing = invoke("users", "list", "--store", shared["admin"], "--format", "json")
    rows = json.loads(listing.stdout)
    assert sorted(r["role"] for r in rows) == ["commune", "commune", "edit", "read"]
    assert "Secret-42" not in listing.output
    login = next(r["login"] for r in rows if r["role"] == "read")
    assert invoke("users", "remove", login, "--store", shared["admin"]).exit_code == 0
    gone = invoke("layers", "--store", shared["lecteur"])
    assert gone.exit_code == 1 and "Secret-42" not in gone.output
    unknown = invoke("users", "remove", "nobody", "--store", shared["admin"])
    assert unknown.exit_code == 1 and "pas d'utilisateur plhgis 'nobody'" in unknown.output
    bad = invoke("users", "add", "x", "--role", "commune", "--store", shared["admin"])
    assert bad.exit_code == 1 and "demande sa commune" in bad.output


def test_init_demo_on_postgis(invoke, pg_url, tmp_path):
    result = invoke("init", "--demo", "--store", pg_url)
    assert result.exit_code == 0, result.output
    assert "base créée : postgresql://postgres:***@" in result.output and "pg-test-secret" not in result.output
    assert open_store(pg_url).setting("demo")
    assert invoke("demo", "--store", pg_url, "-o", tmp_path / "maps").exit_code == 0  # a demo store is rebuilt
    assert (tmp_path / "maps" / "index.html").exists() or any((tmp_path / "maps").iterdir())


@pytest.mark.parametrize("given, shown", [
    ("postgresql://plh:s3cr%40t@sig.example.fr:5432/plh", "postgresql://plh:***@sig.example.fr:5432/plh"),
    ("postgresql://sig.example.fr/plh?password=s3cret&sslmode=require",
     "postgresql://sig.example.fr/plh?password=***&sslmode=require"),
    ("postgresql://plh@sig.example.fr/plh", "postgresql://plh@sig.example.fr/plh"),
    ("layers/plh.gpkg", "layers/plh.gpkg"),
])
def test_printed_stores_never_show_a_password(given, shown):
    from plhgis.store import mask

    assert mask(given) == shown


def test_users_need_a_postgis_store(invoke, demo_path):
    result = invoke("users", "list", "--store", demo_path)
    assert result.exit_code == 1 and "les utilisateurs et les propositions vivent dans une base PostGIS" in result.output


# -- 20 writers at once -------------------------------------------------------------------------
WRITER = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from plhgis import edits
    from plhgis.errors import PlhgisError
    from plhgis.store import Change
    from plhgis.stores import open_store

    target, n, go = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    store = open_store(target, user=f"writer{n}")
    done, refused = [], []
    while not go.exists():
        time.sleep(0.01)
    for step in range(3):
        try:
            if n % 2 == 0:  # half of them: the same scheme, a tag appended to what they read
                cur = store.get("projects", "P-62950-0001")
                tag = f"w{n}s{step}"
                after = {"comment": ((cur["comment"] or "") + " " + tag).strip()}
                store.apply("projects", [Change("update", cur["id"], after, {"comment": cur["comment"]},
                                                updated_at=cur["updated_at"])], "concurrency")
                done.append(tag)
            elif step == 0:  # the others: each its own scheme
                edits.edit(store, "projects", f"P-{62951 + n % 10}-0001", {"comment": f"w{n}"})
                done.append(f"own{n}")
            else:  # and new schemes, two writers per commune
                done.append(edits.add(store, "projects", {"name": f"w{n}s{step}", "commune": f"{62951 + n % 10}",
                                                          "homes_total": 10, "status": "repérage"}).id)
        except PlhgisError as exc:
            refused.append(str(exc))
    print(json.dumps({"done": done, "refused": refused}))
""")


def test_twenty_writers_lose_nothing(demo_target, tmp_path):
    go = tmp_path / "go"
    start = len(open_store(demo_target).history())
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, demo_target, str(n), str(go)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n in range(20)]
    go.touch()
    results = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        results.append(json.loads(out))
    done = [d for r in results for d in r["done"]]
    refused = [m for r in results for m in r["refused"]]
    assert len(done) + len(refused) == 60 and done
    assert all("was changed by someone else meanwhile" in m and "run the command again" in m for m in refused)
    store = open_store(demo_target)
    history = store.history()
    assert len(history) - start == len(done)  # every change in the history, nothing more
    tags = [d for d in done if d.startswith("w")]
    assert sorted((store.get("projects", "P-62950-0001")["comment"] or "").split()[-len(tags):]) == sorted(tags)
    new_ids = [d for d in done if d.startswith("P-")]
    assert len(set(new_ids)) == len(new_ids) == 20
    assert set(store.read("projects", ids=new_ids).id) == set(new_ids)

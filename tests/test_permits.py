"""Building permits (Sitadel): the real Toulouse file, re-imports, bad input, matching to schemes."""
from __future__ import annotations

import json
import re
import sqlite3

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import snapshot
from test_bulk_import import _both_ways, _same_store

from plhgis import edits, permits, reconcile
from plhgis import store as store_mod
from plhgis.errors import PlhgisError
from plhgis.store import Change, GeoPackageStore

SITADEL = "sitadel/Liste-des-autorisations-durbanisme-creant-des-logements.2026-01_Toulouse-31555.csv"
TOULOUSE_EPCI = "243100518"


@pytest.fixture
def sitadel(shared_data):
    return shared_data / SITADEL


@pytest.fixture
def toulouse(shared_data, tmp_path):
    """An empty store holding the real outline of Toulouse (31555)."""
    com = gpd.read_file(shared_data / "qpv" / "communes_occitanie_avec_qpv.geojson")
    com = com[com["code_commune"] == "31555"].rename(columns={"code_commune": "insee", "nom_commune": "name"})
    com = com[["insee", "name", "geometry"]].assign(epci_siren=TOULOUSE_EPCI).to_crs(2154)
    store = GeoPackageStore.create(tmp_path / "plh.gpkg")
    store.user = "test"
    edits.apply(store, edits.plan_rows(store, "communes", com, source="test"))
    yield store
    store.close()


def _raw(path) -> pd.DataFrame:
    """The file as plain pandas reads it (codes on line 2), one row per permit (latest update)."""
    raw = pd.read_csv(path, sep=";", skiprows=1, dtype=str)
    return raw.sort_values("DPC_DERN", kind="stable").drop_duplicates("NUM_DAU", keep="last")


def _write(frame, path, labels=True):
    """An SDES-like file: `;`, text quoted, the labels line first (as published) when `labels`."""
    text = frame.to_csv(sep=";", index=False, quoting=1)
    path.write_text(("\"libellés\";" * (frame.shape[1] - 1) + "\"libellés\"\n" if labels else "") + text,
                    encoding="utf-8")
    return path


# -- the real file ---------------------------------------------------------------------------------
def test_real_toulouse_counts_per_year_and_type_equal_plain_pandas(invoke, toulouse, sitadel):
    result = invoke("import", "permits", sitadel, "--store", toulouse.path, "--epci", TOULOUSE_EPCI)
    assert result.exit_code == 0, result.output
    assert "3\u202f710 permis, deux lignes d'en-tête, nouveaux codes SDES" in result.output
    assert "ajouts : 3709," in result.output  # one number is listed twice: the later row kept, said so
    assert "numéro de permis aux lignes 3234, 3682 : ligne 3682 gardée (dernière mise à jour)" in result.output
    raw = _raw(sitadel)
    raw = raw[raw["ETAT_DAU"] != "4"]  # cancelled permits are left out of the figures
    homes = pd.to_numeric(raw["NB_LGT_TOT_CREES"])
    expected = (raw.assign(year=raw["DATE_REELLE_AUTORISATION"].str[:4].astype(int), homes=homes,
                           lls=pd.to_numeric(raw["NB_LGT_PRET_LOC_SOCIAL"]))
                .groupby(["year", "TYPE_DAU"]).agg(permits=("NUM_DAU", "count"), homes=("homes", "sum"),
                                                   lls=("lls", "sum")))
    got = permits.permits_by_year(toulouse, by_type=True).set_index(["year", "type_dau"])
    got = got[got["permits_authorised"] > 0]
    assert list(got.index) == list(expected.index)
    assert (got["permits_authorised"].to_numpy() == expected["permits"].to_numpy()).all()
    assert (got["homes_authorised"].to_numpy() == expected["homes"].to_numpy()).all()
    assert (got["social_rent_authorised"].to_numpy() == expected["lls"].to_numpy()).all()
    started = raw.dropna(subset=["DATE_REELLE_DOC"]).assign(homes=homes).groupby(
        raw["DATE_REELLE_DOC"].str[:4].astype(float))["homes"].sum()
    yearly = permits.permits_by_year(toulouse).set_index("year")
    assert (yearly.loc[started.index.astype(int), "homes_started"].to_numpy() == started.to_numpy()).all()
    assert yearly["homes_completed"].sum() == homes[raw["DATE_REELLE_DAACT"].notna()].sum()
    summary = invoke("permits", "summary", "--store", toulouse.path, "--format", "csv")
    assert summary.exit_code == 0 and "homes_authorised" in summary.output


def test_real_file_values_accents_and_a_second_import_that_changes_nothing(invoke, toulouse, sitadel):
    permits.import_permits(toulouse, sitadel)
    p = toulouse.get("permits", "03155513C0478")
    assert p["applicant_siren"] == "690802053" and p["homes_total"] == 50 and p["homes_social_rent"] == 28
    assert p["located"] == "commune" and p["geometry"].within(toulouse.read("communes").geometry.iloc[0])
    first = toulouse.get("permits", "03155513C0302")
    assert (first["date_authorised"], first["date_started"], first["homes_total"]) == ("2013-08-20", "2013-10-07", 148)
    addresses = toulouse.read("permits")["address"].dropna()
    assert addresses.str.contains("ALLÉE MAURICE SARRAUT").any() and not addresses.str.contains("Ã").any()
    again = invoke("import", "permits", sitadel, "--store", toulouse.path)
    assert "ajouts : 0, modifications : 0, fins : 0, inchangés : 3709" in again.output


def test_next_month_file_updates_started_completed_cancelled_and_adds_new(invoke, toulouse, sitadel, tmp_path):
    permits.import_permits(toulouse, sitadel)
    raw = pd.read_csv(sitadel, sep=";", skiprows=1, dtype=str, keep_default_na=False)
    nums = raw[(raw["ETAT_DAU"] == "2") & (raw["NB_LGT_TOT_CREES"].astype(int) >= 5)]["NUM_DAU"].head(2).tolist()
    nxt = raw.copy()
    nxt.loc[nxt["NUM_DAU"] == nums[0], ["ETAT_DAU", "DATE_REELLE_DOC"]] = ["5", "2026-01-15"]
    nxt.loc[nxt["NUM_DAU"] == nums[1], "ETAT_DAU"] = "4"
    new = nxt.iloc[[0]].assign(NUM_DAU="03155526C0001", DATE_REELLE_AUTORISATION="2026-01-20")
    path = _write(pd.concat([nxt, new]), tmp_path / "sitadel-2026-02.csv")
    result = invoke("import", "permits", path, "--store", toulouse.path, "--commune", "31555")
    assert result.exit_code == 0, result.output
    assert "ajouts : 1, modifications : 2, fins : 0, inchangés : 3707" in result.output
    assert f"~ permits {nums[0]} status: 'autorisé' → 'commencé'; date_started: ∅ → '2026-01-15'" in result.output
    assert toulouse.get("permits", nums[1])["status"] == "annulé"
    hist = toulouse.history("permits", nums[0])
    assert list(hist["source"]) == [f"import {sitadel.name}", "import sitadel-2026-02.csv"]


def _indexes(path) -> list:
    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return con.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name").fetchall()
    finally:
        con.close()


def test_a_first_import_in_bulk_writes_what_row_by_row_writing_does_and_a_reimport_updates_it(
        toulouse, sitadel, tmp_path, monkeypatch):
    """3,709 permits into an empty layer: the bulk write (keys indexed once all rows are in, the R-tree
    packed) stores the same rows, history and indexes as one row at a time; next month's file then
    updates the changed permits the same way on both."""
    raw = pd.read_csv(sitadel, sep=";", skiprows=1, dtype=str, keep_default_na=False)
    nums = raw[(raw["ETAT_DAU"] == "2") & (raw["NB_LGT_TOT_CREES"].astype(int) >= 5)]["NUM_DAU"].head(2).tolist()
    nxt = raw.copy()
    nxt.loc[nxt["NUM_DAU"] == nums[0], ["ETAT_DAU", "DATE_REELLE_DOC"]] = ["5", "2026-01-15"]
    nxt.loc[nxt["NUM_DAU"] == nums[1], "ETAT_DAU"] = "6"
    later = _write(nxt, tmp_path / "sitadel-2026-02.csv")
    toulouse.close()
    plans = []

    def write(store):
        plans.append(permits.import_permits(store, sitadel).counts())
        plans.append(permits.import_permits(store, later).counts())
    one, bulk = _both_ways(toulouse.path, tmp_path, monkeypatch, write)
    assert plans[0] == plans[2] == {"insert": 3709, "update": 0, "end": 0, "unchanged": 0}
    assert plans[1] == plans[3] == {"insert": 0, "update": 2, "end": 0, "unchanged": 3707}
    _same_store(one, bulk, "permits")
    assert _indexes(bulk) == _indexes(one) and ("ix_permits_num_dau", "permits") in [i[:2] for i in _indexes(bulk)]
    store = GeoPackageStore(bulk)
    hist = store.history("permits", nums[0])
    assert list(hist["action"]) == ["insert", "update"]
    assert json.loads(hist["after"].iloc[1]) == {"status": "commencé", "date_started": "2026-01-15"}
    assert json.loads(hist["after"].iloc[0])["geometry"].startswith("POINT (")
    assert store.get("permits", nums[1])["status"] == "terminé"
    store.close()


def test_a_bulk_insert_of_an_id_already_stored_is_refused_and_the_store_untouched(toulouse):
    """More rows than the layer holds: its key index is rebuilt after the inserts, and a key already
    stored fails that rebuild as it fails a row-by-row insert; the transaction leaves nothing behind."""
    point = shapely.Point(574000, 6280000)
    toulouse.apply("permits", [Change("insert", "P1", {"num_dau": "P1", "commune": "31555", "geometry": point})], "t")
    before, indexes = snapshot(toulouse.path), _indexes(toulouse.path)
    many = [Change("insert", f"N{i}", {"num_dau": f"N{i}", "commune": "31555", "geometry": point})
            for i in range(store_mod.BULK_ROWS + 5)]
    many[700] = Change("insert", "P1", {"num_dau": "P1", "commune": "31555", "geometry": point})
    with pytest.raises(PlhgisError, match="UNIQUE"):
        toulouse.apply("permits", many, "t")
    assert snapshot(toulouse.path) == before and _indexes(toulouse.path) == indexes


def test_older_edition_names_read_the_same(invoke, toulouse, sitadel, tmp_path):
    permits.import_permits(toulouse, sitadel)
    raw = pd.read_csv(sitadel, sep=";", skiprows=1, dtype=str, keep_default_na=False)
    old = raw.rename(columns={"REG_CODE": "REG", "DEP_CODE": "DEP", "TYPE_DAU": "Type_DAU", "NUM_DAU": "Num_DAU",
                              "ETAT_DAU": "Etat_DAU", **{c: c.lower() for c in raw.columns if "CADASTRE" in c}})
    path = _write(old, tmp_path / "old.csv", labels=False)
    result = invoke("import", "permits", path, "--store", toulouse.path, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "une ligne d'en-tête, anciens noms SDES" in result.output
    assert "ajouts : 0, modifications : 0, fins : 0, inchangés : 3709" in result.output


def test_permits_are_placed_on_their_parcels_when_loaded(toulouse, sitadel):
    _fictional_parcels(toulouse, sitadel)
    plan = permits.import_permits(toulouse, sitadel)
    placed = toulouse.read("permits")
    on = placed[placed["located"] == "parcelles"]
    assert len(on) > 3000 and any(str(n).startswith(f"placed {len(on):,} permit(s) on their parcels") for n in plan.notes)
    parcels = toulouse.read("parcels").set_index("id")
    row = on.iloc[0]
    assert row.geometry.within(parcels.loc[row["parcels"].split("|")[0]].geometry)


def test_parcels_and_addresses_built_column_by_column_equal_a_row_by_row_reading(sitadel, tmp_path):
    """The column-wise parcel ids, addresses and accent repair give, on the real file (with a few awkward
    cells added), what reading each row in plain Python gives."""
    import re

    from plhgis.permits import _unmangle

    raw = pd.read_csv(sitadel, sep=";", skiprows=1, dtype=str)
    raw.loc[:4, "SEC_CADASTRE1"] = [" ab", "1", "ABC", None, "é"]
    raw.loc[:4, "NUM_CADASTRE1"] = ["12 ", "x", "1", "3", "4"]
    raw.loc[:2, "ADR_LIBVOIE_TER"] = ["  RUE\tDU  PONT ", "", "ALLAÃ\x82Â\x89E DES PINS"]
    frame, rows, _ = permits.read_sdes(_write(raw, tmp_path / "permits.csv"))
    layer = permits.to_layer(frame, rows)[0]

    def idu(row):
        out = []
        for i in (1, 2, 3):
            sec, num = row[f"SEC_CADASTRE{i}"], row[f"NUM_CADASTRE{i}"]
            if isinstance(sec, str) and isinstance(num, str):
                sec, num = sec.strip().upper(), num.strip()
                if re.fullmatch(r"[0-9A-Z]{1,2}", sec) and re.fullmatch(r"\d{1,4}", num):
                    out.append(f"{row['COMM'].strip()}000{sec.rjust(2, '0')}{num.zfill(4)}")
        return "|".join(out) or None

    def address(row):
        parts = [row[c].strip() if isinstance(row[c], str) else "" for c in permits.ADDRESS]
        text = re.sub(r"\s+", " ", " ".join(parts)).strip() or None
        return _unmangle(text) if text and re.search("[ÃÂ][\u0080-\u00bf]", text) else text

    records = [row for _, row in raw.iterrows()]
    assert [None if pd.isna(p) else p for p in layer["parcels"]] == [idu(row) for row in records]
    assert layer["parcels"].iloc[0].startswith("31555000AB0012")
    assert [None if pd.isna(a) else a for a in layer["address"]] == [address(row) for row in records]
    assert layer["address"].iloc[0].endswith("RUE DU PONT") and "ALLÉE DES PINS" in layer["address"].iloc[2]


# -- bad input ------------------------------------------------------------------------------------
def test_bad_files_are_refused_clearly_and_the_store_is_untouched(invoke, toulouse, sitadel, shared_data, tmp_path):
    before = snapshot(toulouse.path)
    other = invoke("import", "permits", shared_data / "sru" / "donnees-sru-2025.csv", "--store", toulouse.path)
    assert other.exit_code == 1
    assert "pas une liste de permis du SDES : pas de colonnes NUM_DAU/Num_DAU et COMM dans les deux premières lignes" in other.output
    cut = tmp_path / "cut.csv"
    data = sitadel.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    truncated = invoke("import", "permits", cut, "--store", toulouse.path)
    assert truncated.exit_code == 1 and "le fichier est tronqué : sa dernière ligne a" in truncated.output
    assert "téléchargez à nouveau le fichier" in truncated.output
    raw = pd.read_csv(sitadel, sep=";", skiprows=1, dtype=str, keep_default_na=False)
    raw.loc[5, "DATE_REELLE_DOC"] = "2014-13-45"
    bad_date = invoke("import", "permits", _write(raw, tmp_path / "d.csv"), "--store", toulouse.path)
    assert bad_date.exit_code == 1
    assert "d.csv, ligne 8, champ 'date_started', valeur '2014-13-45' : pas une date" in bad_date.output
    assert snapshot(toulouse.path) == before
    unknown = invoke("import", "permits", sitadel, "--store", toulouse.path, "--commune", "31069")
    assert unknown.exit_code == 1 and "aucune commune '31069' dans la base" in unknown.output
    other_epci = invoke("import", "permits", sitadel, "--store", toulouse.path, "--epci", "246200364")
    assert other_epci.exit_code == 1 and "la base n'a aucune commune de l'EPCI 246200364" in other_epci.output
    assert snapshot(toulouse.path) == before


def test_odd_commune_codes_and_french_dates_are_reported_and_nothing_else_lost(invoke, toulouse, sitadel, tmp_path):
    raw = pd.read_csv(sitadel, sep=";", skiprows=1, dtype=str, keep_default_na=False)
    raw.loc[[0, 1], "COMM"] = ["3I555", ""]
    raw.loc[2, "DATE_REELLE_AUTORISATION"] = "20/08/2013"
    raw.loc[3, "DATE_REELLE_AUTORISATION"] = "20130821"
    result = invoke("import", "permits", _write(raw, tmp_path / "odd.csv"), "--store", toulouse.path)
    assert result.exit_code == 0, result.output
    assert "2 ligne(s) dont le code commune n'est pas un code INSEE, écartée(s) : '3I555' ×1, '∅' ×1" in result.output
    assert "date_authorised : 2 date(s) dans un autre format convertie(s) en AAAA-MM-JJ" in result.output
    assert "ajouts : 3707," in result.output
    assert toulouse.get("permits", raw.loc[2, "NUM_DAU"])["date_authorised"] == "2013-08-20"
    assert toulouse.get("permits", raw.loc[3, "NUM_DAU"])["date_authorised"] == "2013-08-21"


def test_rows_the_fast_reader_refuses_are_read_as_before(sitadel, tmp_path):
    """Arrow's CSV reader refuses a row of another width and bytes outside the encoding; pandas'
    reader then reads the file as it always did (a short row padded) or names the fault."""
    lines = sitadel.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[7] = ";".join(lines[7].split(";")[:60]) + "\n"  # line 8 cut after its 60th field
    short = tmp_path / "short.csv"
    short.write_text("".join(lines), encoding="utf-8")
    frame, rows, _ = permits.read_sdes(short)
    plain = pd.read_csv(short, sep=";", skiprows=1, dtype=str)
    assert len(frame) == len(plain) == 3710 and int(rows.iloc[5]) == 8
    assert frame["NUM_DAU"].tolist() == plain["NUM_DAU"].tolist() and pd.isna(frame["NB_LGT_PTZ"].iloc[5])
    data = bytearray(sitadel.read_bytes())
    data[data.index(b"ALL", 5000)] = 0xFF
    (tmp_path / "bytes.csv").write_bytes(bytes(data))
    with pytest.raises(permits.PermitsFileError, match="can't decode byte 0xff"):
        permits.read_sdes(tmp_path / "bytes.csv")


def test_accent_repair():
    values = pd.Series(["73  ALLAÃ\x82Â\x89E MAURICE SARRAUT", "41  CH LINIAÃ\x82Â\x88RES", "RUE BEL AIR", None])
    fixed, repaired, left = permits.repair_accents(values)
    assert fixed.tolist()[:3] == ["73  ALLÉE MAURICE SARRAUT", "41  CH LINIÈRES", "RUE BEL AIR"]
    assert repaired == 2 and left == []


# -- matching ---------------------------------------------------------------------------------------
def _fictional_parcels(store, sitadel):
    """A fictional 35 m square for every parcel the real file names, on a grid inside Toulouse."""
    frame, rows, _ = permits.read_sdes(sitadel)
    ids = permits.to_layer(frame, rows)[0]["parcels"].dropna().str.split("|").explode().drop_duplicates()
    ids = ids[ids.str.fullmatch(r"31555000[0-9A-Z]{2}\d{4}")].sort_values().to_numpy()
    k = np.arange(len(ids))
    x, y = 568000 + (k % 80) * 45.0, 6275000 + (k // 80) * 45.0
    geoms = shapely.box(x, y, x + 35, y + 35)
    parcels = gpd.GeoDataFrame({"id": ids, "commune": "31555", "section": [i[8:10] for i in ids],
                                "numero": [i[10:] for i in ids]}, geometry=geoms, crs=2154)
    edits.apply(store, edits.plan_rows(store, "parcels", parcels, source="fictional parcels"))


def _fictional_schemes(store, seed=12):
    """Schemes built from a sample of the permits: some numbers removed, some homes changed, decoys added."""
    rng = np.random.default_rng(seed)
    p = store.read("permits")
    p = p[(p["homes_total"] >= 5) & (p["status"] != "annulé")].sample(150, random_state=seed)
    parcels = store.read("parcels").set_index("id")
    rows, truth = [], {}
    for i, r in enumerate(p.itertuples()):
        kind = rng.random()
        homes = int(r.homes_total)
        if rng.random() < 0.3:
            homes = max(5, homes + int(rng.integers(-2, 3)))
        number = None
        if kind < 0.35:
            number = r.num_dau if rng.random() < 0.5 else f"PC 031 555 {r.num_dau[5:7]} {r.num_dau[7:]}"
        ids = [x for x in (r.parcels or "").split("|") if x in parcels.index]
        if kind >= 0.35 and kind < 0.7 and ids:
            geom = shapely.union_all(parcels.loc[ids].geometry.to_numpy())
        else:
            geom = shapely.Point(r.geometry.x + rng.uniform(-25, 25), r.geometry.y + rng.uniform(-25, 25))
        rows.append({"name": f"Opération {i}", "commune": "31555", "homes_total": homes, "status": "études",
                     "permit_number": number, "operator": r.applicant if rng.random() < 0.5 else None,
                     "permit_year": int(r.date_authorised[:4]) if rng.random() < 0.6 else None, "geometry": geom})
        truth[f"Opération {i}"] = r.num_dau
    for j in range(40):  # decoys: schemes no permit stands for, some of a permit's size
        rows.append({"name": f"Leurre {j}", "commune": "31555", "homes_total": int(rng.integers(5, 80)),
                     "status": "études", "geometry": shapely.Point(560000 + j * 97.0, 6270000 - j * 53.0)})
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=2154)
    plan = edits.apply(store, edits.plan_rows(store, "projects", frame, mode="append", source="fictional"))
    ids = {c.after["name"]: c.id for c in plan.changes}
    return {ids[name]: num for name, num in truth.items()}, set(ids[n] for n in ids if n.startswith("Leurre"))


def test_matching_precision_and_recall_on_fictional_toulouse_schemes(invoke, toulouse, sitadel):
    _fictional_parcels(toulouse, sitadel)
    permits.import_permits(toulouse, sitadel)
    truth, decoys = _fictional_schemes(toulouse)
    result = reconcile.reconcile(toulouse)
    links = result.matches[result.matches["confident"]]
    right = (links["project_id"].map(truth) == links["num_dau"]).sum()
    precision, recall = right / len(links), right / len(truth)
    queued = result.matches[~result.matches["confident"]]
    right_q = (queued["project_id"].map(truth) == queued["num_dau"]).sum()
    print(f"\nlinks {len(links)}, right {right}: precision {precision:.3f}, recall {recall:.3f}; "
          f"review queue {len(queued)} ({right_q} right); by pass {links['pass'].value_counts().to_dict()}")
    assert precision >= 0.95 and recall >= 0.7
    assert not links["project_id"].isin(decoys).any()
    assert (recall + right_q / len(truth)) >= 0.85  # what the queue adds once reviewed
    assert links["reason"].str.len().gt(0).all() and links["score"].between(0, 1).all()


def test_links_move_schemes_and_every_change_is_in_the_history(invoke, toulouse, sitadel):
    _fictional_parcels(toulouse, sitadel)
    permits.import_permits(toulouse, sitadel)
    truth, _ = _fictional_schemes(toulouse)
    dry = invoke("reconcile", "--dry-run", "--store", toulouse.path)
    assert dry.exit_code == 0, dry.output
    assert "projects (simulation, rien n'est écrit) : ajouts : 0," in dry.output and "permits_linked_share" in dry.output
    assert toulouse.history("projects").query("source.str.startswith('reconcile')", engine="python").empty
    done = invoke("reconcile", "--store", toulouse.path)
    assert done.exit_code == 0, done.output
    links = toulouse.read("permit_matches")
    linked = links[links["state"] == "lié"]
    hist = toulouse.history("projects")
    moved = hist[hist["source"] == f"reconcile: permits of {sitadel.name}"]
    assert set(moved["feature_id"]) == set(linked["project_id"])
    scheme = toulouse.get("projects", linked["project_id"].iloc[0])
    permit = toulouse.get("permits", scheme["permit_number"])
    assert scheme["permit_year"] == int(permit["date_authorised"][:4])
    expected = "livré" if permit["date_completed"] else "travaux" if permit["date_started"] else "PC accordé"
    assert scheme["status"] == expected
    if permit["date_completed"]:
        assert scheme["delivery_year"] == int(permit["date_completed"][:4])
    review = invoke("reconcile", "--review", "--store", toulouse.path)
    assert review.exit_code == 0
    queue = reconcile.review_queue(toulouse)
    assert len(queue)
    first, second = queue["id"].iloc[0], queue["id"].iloc[1]
    accepted = invoke("reconcile", "accept", first, "--store", toulouse.path)
    assert accepted.exit_code == 0, accepted.output
    project = first.split(":", 1)[1]
    assert toulouse.get("projects", project)["permit_number"] == first.split(":")[0]
    assert toulouse.history("projects", project)["source"].iloc[-1] == f"reconcile accept: permits of {sitadel.name}"
    rejected = invoke("reconcile", "reject", second, "--store", toulouse.path)
    assert rejected.exit_code == 0
    again = reconcile.reconcile(toulouse)
    assert second not in set(again.matches["id"])
    twice = invoke("reconcile", "reject", second, "--store", toulouse.path)
    assert twice.exit_code == 1 and "est déjà rejeté" in twice.output
    assert invoke("reconcile", "--store", toulouse.path).exit_code == 0  # a second run moves nothing back
    assert toulouse.get("projects", project)["permit_number"] == first.split(":")[0]


def test_reconcile_on_a_store_with_no_permits_or_schemes(invoke, empty_store):
    result = invoke("reconcile", "--dry-run", "--store", empty_store.path)
    assert result.exit_code == 0, result.output
    assert "liens : 0, à examiner : 0, permis de 5 logements et plus sans opération : 0" in result.output
    assert permits.permits_by_year(empty_store).empty


def test_map_has_a_permits_layer_off_by_default_and_the_scheme_permit_in_its_popup(demo_store):
    from plhgis import maps

    drawn = maps.drawn_features(maps.load(demo_store))
    assert len(drawn["permits"]) == demo_store.count("permits")
    assert drawn["permits"][0]["properties"]["t"].startswith("Permis 0")
    glycines = next(f for f in drawn["projects"] if f["properties"]["t"].endswith("Glycines"))
    assert ["Permis", "06295324C0042"] in glycines["properties"]["p"]
    html = maps.to_html(maps.build(maps.load(demo_store)))
    assert "Permis de construire (Sitadel)" in html
    shown = json.loads(re.search(r'id="plh-data">(.*?)</script>', html, re.S).group(1))
    assert shown["options"]["permits"]["lazy"] is True  # off until the reader asks


def test_a_commune_pack_map_carries_its_own_permits(demo_store):
    from plhgis import maps

    data = maps.focus(maps.load(demo_store), "62953")
    assert len(data.layers["permits"]) and set(data.layers["permits"]["commune"]) == {"62953"}


def test_real_unmatched_permits_become_schemes_as_plain_pandas_counts_them(invoke, toulouse, sitadel):
    """On the real Toulouse list and no scheme: every permit of 5+ homes not cancelled becomes a scheme, its
    status from its dates (DAACT → livré, DOC → travaux, else PC accordé), homes as the file says."""
    assert invoke("import", "permits", sitadel, "--store", toulouse.path).exit_code == 0
    raw = _raw(sitadel)
    raw = raw[(raw["ETAT_DAU"] != "4") & (pd.to_numeric(raw["NB_LGT_TOT_CREES"]) >= 5)]
    status = np.where(raw["DATE_REELLE_DAACT"].notna(), "livré",
                      np.where(raw["DATE_REELLE_DOC"].notna(), "travaux", "PC accordé"))
    r = invoke("reconcile", "--create", "--store", toulouse.path, "--user", "anne")
    assert r.exit_code == 0, r.output
    assert f"projects : ajouts : {len(raw)}, modifications : 0" in r.output
    assert "+ projects P-31555-0001 34 Rue du Capitaine Escudie (permis 03155511C1330)" in r.output
    schemes = toulouse.read("projects").set_index("permit_number")
    assert sorted(schemes.index) == sorted(raw["NUM_DAU"])
    mine = schemes.loc[raw["NUM_DAU"]]
    assert (mine["homes_total"].to_numpy() == pd.to_numeric(raw["NB_LGT_TOT_CREES"]).to_numpy()).all()
    assert (mine["status"].to_numpy() == status).all()
    assert (mine["permit_date"].to_numpy() == raw["DATE_REELLE_AUTORISATION"].to_numpy()).all()
    hist = toulouse.history("projects")
    assert len(hist) == len(raw) and set(hist["user"]) == {"anne"}
    assert set(hist["source"]) == {f"reconcile --create: permits of {sitadel.name}"}
    again = invoke("reconcile", "--create", "--dry-run", "--store", toulouse.path)
    assert "projects (simulation, rien n'est écrit) : ajouts : 0," in again.output  # linked by number now
    assert f"liens : {len(raw)}, à examiner : 0, permis de 5 logements et plus sans opération : 0" in again.output

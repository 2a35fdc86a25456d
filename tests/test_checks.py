"""The rules: one hand-built case per rule (what must fire, what must not), the demo, the CLI, real data."""
from __future__ import annotations

import json
import re
import shutil

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from plhgis import checks, edits
from plhgis.labels import percent
from plhgis.settings import Settings
from plhgis.store import GeoPackageStore
from plhgis.territory import commune_point

X0, Y0 = 700000.0, 7000000.0
SETTINGS = Settings(plh_start=2023, plh_end=2028, reference_year=2025)
N = (1000, 950)  # a neutral spot of commune A: zone U, outside QPV bands, sectors and prescriptions


def at(x, y):
    return Point(X0 + x, Y0 + y)


def rect(x0, y0, x1, y1):
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def put(store, layer, rows):
    """Insert rows (dicts with a 'geometry' entry, or plain dicts for targets) and return their ids."""
    if layer == "targets":
        frame = pd.DataFrame(rows)
    else:
        geoms = [r.pop("geometry", None) for r in rows]
        frame = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geoms, crs="EPSG:2154")
    plan = edits.apply(store, edits.plan_rows(store, layer, frame, mode="append", source="test"))
    return [c.id for c in plan.changes]


def scheme(name, commune="62001", where=N, homes=10, **values):
    geom = where if not isinstance(where, tuple) else at(*where)
    return {"name": name, "commune": commune, "homes_total": homes, "status": "PC accordé",
            "delivery_year": 2026, "land_origin": "renouvellement urbain", "geometry": geom, **values}


@pytest.fixture(scope="module")
def _base(tmp_path_factory):
    """Three communes: A (SRU 25 %, 10 % LLS, pôle urbain), B (45 % LLS, rural), C (SRU 20 %)."""
    path = tmp_path_factory.mktemp("territory") / "t.gpkg"
    store = GeoPackageStore.create(path)
    put(store, "communes", [
        {"insee": "62001", "name": "Alpha", "population": 9000, "main_residences": 4000, "lls_stock": 400,
         "sru_rate_required": 0.25, "sru_status": "soumise", "polarity": "pôle urbain", "density_min": 40,
         "geometry": rect(0, 0, 2000, 2000)},
        {"insee": "62002", "name": "Bêta", "population": 2000, "main_residences": 1000, "lls_stock": 450,
         "sru_rate_required": 0.0, "sru_status": "non soumise", "polarity": "commune rurale",
         "geometry": rect(2000, 0, 4000, 2000)},
        {"insee": "62003", "name": "Gamma", "population": 2500, "main_residences": 1000, "lls_stock": 180,
         "sru_rate_required": 0.20, "sru_status": "soumise", "polarity": "pôle relais", "density_min": 30,
         "geometry": rect(0, 2000, 2000, 4000)}])
    put(store, "targets", [{"commune": c, "period_start": 2023, "period_end": 2028, "homes_target": h,
                            "lls_target": lls} for c, h, lls in (("62001", 100, 30), ("62002", 20, 2),
                                                                 ("62003", 30, 10))])
    put(store, "qpv", [
        {"code_qp": "QN062001M", "lib_qp": "Les Oiseaux", "commune": "62001", "npnru": 0,
         "geometry": rect(200, 200, 600, 600)},
        {"code_qp": "QN062002M", "lib_qp": "La Fosse", "commune": "62001", "npnru": 1,
         "geometry": rect(1600, 1600, 1800, 1800)}])
    put(store, "sectors", [{"name": "Centre Alpha", "kind": "centralité", "priority": 1, "commune": "62001",
                            "geometry": rect(1000, 0, 2000, 900)}])
    put(store, "zoning", [
        {"libelle": "UA", "typezone": "U", "insee": "62001", "geometry": rect(0, 0, 2000, 1000)},
        {"libelle": "A", "typezone": "A", "insee": "62001", "geometry": rect(0, 1000, 2000, 2000)},
        {"libelle": "UB", "typezone": "U", "insee": "62002", "geometry": rect(2000, 0, 4000, 2000)}])
    put(store, "prescriptions", [
        {"libelle": "OAP des Prés", "typepsc": "18", "stypepsc": "06", "insee": "62001",
         "geometry": rect(100, 700, 400, 950)},
        {"libelle": "SMS gare", "typepsc": "17", "stypepsc": "00", "insee": "62001", "lls_share": 0.3,
         "geometry": rect(1500, 100, 1900, 400)}])
    store.close()
    return path


@pytest.fixture
def territory(_base, tmp_path):
    path = tmp_path / "t.gpkg"
    shutil.copy(_base, path)
    store = GeoPackageStore(path, user="test")
    yield store
    store.close()


def fired(store, code):
    """{feature id or commune: finding} of one rule."""
    found = checks.run_checks(store, rules=[code], settings=SETTINGS)
    assert all(f.rule == code for f in found)
    return {f.feature_id: f for f in found}


# -- one case per rule: (setup(store) -> (ids that must fire, ids that must not)) ------------------------
def case_data_geom(s):
    bad, good = put(s, "projects", [scheme("Sans lieu", where=None), scheme("Placée")])
    return {bad}, {good}


def case_locate(s):
    centre = commune_point(rect(0, 2000, 2000, 4000))
    bad, good = put(s, "projects", [scheme("À localiser", commune="62003", where=centre),
                                    scheme("Placée à côté", commune="62003", where=(centre.x + 50, centre.y))])
    return {bad}, {good}


def case_outside_commune(s):
    bad, good = put(s, "projects", [scheme("Déclarée en B", commune="62002"), scheme("Bien placée")])
    return {bad}, {good}


def case_outside_epci(s):
    bad, good = put(s, "projects", [scheme("Hors EPCI", where=(-500, 500)), scheme("Dedans")])
    return {bad}, {good}


def case_mix(s):
    bad, good = put(s, "projects", [scheme("Mix partiel", lls_plus=6),
                                    scheme("Mix complet", lls_plus=4, accession_libre=6)])
    return {bad}, {good}


def case_years(s):
    before, late, good = put(s, "projects", [
        scheme("Livrée avant permis", permit_year=2025, delivery_year=2024),
        scheme("Trop tard", where=(1000, 800), delivery_year=2090),
        scheme("Dans l'ordre", where=(1100, 950), permit_year=2024, start_year=2025, delivery_year=2026)])
    return {before, late}, {good}


def case_delivered_future(s):
    # SETTINGS: this is 2025
    future, done, planned = put(s, "projects", [
        scheme("Livrée en avance", status="livré", delivery_year=2027),
        scheme("Livrée", where=(1000, 800), status="livré", delivery_year=2025),
        scheme("À venir", where=(1100, 950), status="travaux", delivery_year=2027)])
    return {future}, {done, planned}


def case_stale_status(s):
    stale, studies, filed, works, ahead, gone = put(s, "projects", [
        scheme("Repérée, livraison passée", status="repérage", delivery_year=2023),
        scheme("Études, livraison passée", where=(1000, 800), status="études", delivery_year=2024),
        scheme("PC déposé cette année", where=(1100, 950), status="PC déposé", delivery_year=2025),
        scheme("En travaux, en retard", where=(1200, 950), status="travaux", delivery_year=2023),
        scheme("Repérée, à venir", where=(1300, 950), status="repérage", delivery_year=2028),
        scheme("Abandonnée", where=(1400, 950), status="abandonné", delivery_year=2022)])
    return {stale, studies}, {filed, works, ahead, gone}


def case_duplicate(s):
    first, twin, far = put(s, "projects", [scheme("Les Tilleuls"), scheme("Tilleuls bis", where=(1005, 950)),
                                           scheme("Loin", where=(1100, 950))])
    return {twin}, {first, far}


def case_friche_enum(s):
    bad, good = put(s, "friches", [
        {"site_id": "62001_0001", "site_nom": "Filature", "comm_insee": "62001", "bati_etat": "en ruine",
         "geometry": rect(100, 100, 150, 150)},
        {"site_id": "62001_0002", "site_nom": "Garage", "comm_insee": "62001", "bati_etat": "dégradation moyenne",
         "site_statut": "friche sans projet", "geometry": rect(200, 100, 250, 150)}])
    return {bad}, {good}


def case_qpv_lls(s):
    bad, rebuild, outside = put(s, "projects", [
        scheme("LLS en QPV", where=(400, 400), lls_plus=10),
        scheme("Reconstitution", where=(450, 450), lls_plus=10, comment="reconstitution de l'offre NPNRU"),
        scheme("LLS hors QPV", lls_plus=10)])
    return {bad}, {rebuild, outside}


def case_qpv_tva(s):
    """CGI 278 sexies III 2°: a QPV's 300 m band; an NPNRU quarter's 500 m band when partly within 300 m."""
    near, npnru, far, band_edge, npnru_far = put(s, "projects", [
        scheme("200 m du QPV", where=(800, 400), accession_libre=10),
        scheme("Îlot de 200 à 450 m d'un QPV NPNRU", where=rect(1150, 1650, 1400, 1700), accession_libre=10),
        scheme("Loin des QPV", accession_libre=10),
        scheme("350 m d'un QPV simple", where=(950, 400), accession_libre=10),
        scheme("450 m d'un QPV NPNRU, rien à moins de 300 m", where=(1150, 1700), accession_libre=10)])
    psla = put(s, "projects", [scheme("PSLA à 200 m: à 5,5 % partout", where=(800, 350), psla=10)])
    return {near, npnru}, {far, band_edge, npnru_far, *psla}


def case_qpv_share(s):
    put(s, "projects", [scheme("En QPV", where=(400, 400), homes=30), scheme("Hors QPV", homes=20),
                        scheme("Bêta", commune="62002", where=(3000, 500), homes=20)])
    return {"62001"}, {"62002"}


def case_sector_out(s):
    out, inside, other = put(s, "projects", [scheme("Hors secteur"), scheme("Au centre", where=(1500, 500)),
                                             scheme("Commune sans secteur", commune="62002", where=(3000, 500))])
    return {out}, {inside, other}


def case_sector_share(s):
    put(s, "projects", [scheme("Au centre", where=(1500, 500), homes=10), scheme("Hors", homes=30),
                        scheme("Bêta", commune="62002", where=(3000, 500), homes=10)])
    return {"62001", None}, {"62002"}


def case_sector_opportunity(s):
    free, used, outside = put(s, "plots", [
        {"commune": "62001", "capacity": 6, "status": "identifié", "geometry": rect(1500, 600, 1540, 640)},
        {"commune": "62001", "capacity": 6, "status": "identifié", "geometry": rect(1600, 600, 1640, 640)},
        {"commune": "62001", "capacity": 6, "status": "identifié", "geometry": rect(100, 1100, 140, 1140)}])
    put(s, "projects", [scheme("Sur le gisement", where=(1700, 500), plot_id=used)])
    return {free}, {used, outside}


def case_target_under(s):
    put(s, "projects", [scheme("A", homes=50), scheme("B", commune="62002", where=(3000, 500), homes=20)])
    return {"62001"}, {"62002"}


def case_target_over(s):
    put(s, "projects", [scheme("A", homes=100), scheme("B", commune="62002", where=(3000, 500), homes=30)])
    return {"62002"}, {"62001"}


def case_target_midterm(s):
    put(s, "projects", [scheme("A tardive", homes=100, delivery_year=2028),
                        scheme("B tôt", commune="62002", where=(3000, 500), homes=20, delivery_year=2024)])
    return {"62001"}, {"62002"}


def case_lls_under(s):
    put(s, "projects", [scheme("A", lls_plus=10, homes=20),
                        scheme("B", commune="62002", where=(3000, 500), lls_plus=5)])
    return {"62001"}, {"62002"}


def case_lls_high_share(s):
    put(s, "projects", [scheme("LLS en B", commune="62002", where=(3000, 500), lls_plus=5),
                        scheme("Libre en B", commune="62002", where=(3200, 500), accession_libre=10),
                        scheme("LLS en A", lls_plus=5)])
    return {"62002"}, {"62001"}


def test_a_commune_level_rule_gives_one_finding_per_commune(territory):
    """Three social schemes in B (45 % LLS): one finding for B listing them, not three sentences."""
    ids = put(territory, "projects", [scheme(f"LLS {i} en B", commune="62002", where=(3000 + 100 * i, 500),
                                             lls_plus=5) for i in range(3)])
    put(territory, "projects", [scheme("Libre en B", commune="62002", where=(3500, 500), accession_libre=10)])
    (found,) = checks.run_checks(territory, rules=["LLS-HIGH-SHARE"], settings=SETTINGS)
    assert (found.layer, found.feature_id, found.commune) == ("communes", "62002", "62002")
    assert found.figures["schemes"] == sorted(ids) and found.figures["schemes_count"] == 3
    assert found.figures["lls"] == 15 and found.figures["commune_lls_rate"] == 0.45
    assert found.message.startswith("Bêta : 15 LLS neufs dans 3 opérations alors que la commune compte déjà 45 %")
    assert "in 3 schemes where social housing is already 45%" in found.message_en


def case_sru_catchup(s):
    # A misses 0.25 × 4000 − 400 = 600 LLS: catch-up 33 % → 198 over 2023–2025; C misses 20, within
    # 2 points of its 20 %: the whole gap (CCH L302-8 VII, a setting) → 20, which C finances
    put(s, "projects", [scheme("A", homes=50, lls_plus=50, permit_year=2024),
                        scheme("C", commune="62003", where=(500, 2500), homes=20, lls_plus=20, permit_year=2024)])
    return {"62001"}, {"62003", "62002"}


def case_sru_mix(s):
    put(s, "projects", [scheme("A", homes=100, lls_plai=10, lls_plus=50, lls_pls=40, permit_year=2024),
                        scheme("C", commune="62003", where=(500, 2500), lls_plai=4, lls_plus=4, lls_pls=2,
                               permit_year=2024)])
    return {"62001"}, {"62003"}


def case_density_low(s):
    loose, dense, rural_ok, rural_loose = put(s, "projects", [
        scheme("1 ha, 10 logts", where=rect(1000, 800, 1100, 900)),
        scheme("1 ha, 50 logts", where=rect(100, 100, 200, 200), homes=50),
        scheme("Bêta 1 ha, 20 logts", commune="62002", where=rect(3000, 500, 3100, 600), homes=20),
        scheme("Bêta 1 ha, 10 logts", commune="62002", where=rect(3200, 500, 3300, 600))])
    return {loose, rural_loose}, {dense, rural_ok}


def case_zan(s):
    ext, on_a, renewal = put(s, "projects", [scheme("Extension", land_origin="extension"),
                                             scheme("Sur zone A", where=(500, 1500), land_origin="dent creuse"),
                                             scheme("Renouvellement")])
    return {ext, on_a}, {renewal}


def case_plu_an(s):
    bad, good = put(s, "projects", [scheme("En zone A", where=(500, 1500)), scheme("En zone U")])
    return {bad}, {good}


def case_plu_oap(s):
    bad, covered, small = put(s, "projects", [
        scheme("6 000 m² sans OAP", where=rect(1100, 600, 1200, 660)),
        scheme("6 000 m² dans l'OAP", where=rect(150, 750, 250, 810)),
        scheme("4 000 m²", where=rect(1300, 600, 1400, 640))])
    plot, unknown = put(s, "plots", [
        {"commune": "62001", "capacity": 10, "status": "identifié", "geometry": rect(1300, 700, 1380, 780)},
        # Bêta's PLU prescriptions are not in the store: whether it has an OAP is unknown, so no finding
        {"commune": "62002", "capacity": 10, "status": "identifié", "geometry": rect(3000, 1000, 3080, 1080)}])
    return {bad, plot}, {covered, small, unknown}


def case_plu_sms(s):
    bad, ok, small = put(s, "projects", [
        scheme("20 logts, 10 % LLS", where=(1600, 200), homes=20, lls_plus=2),
        scheme("20 logts, 40 % LLS", where=(1650, 250), homes=20, lls_plus=8),
        scheme("10 logts, sans LLS", where=(1700, 300), homes=10)])
    return {bad}, {ok, small}


def case_capacity(s):
    put(s, "projects", [scheme("A", homes=20)])
    put(s, "plots", [{"commune": "62001", "capacity": 10, "status": "identifié", "geometry": rect(100, 100, 140, 140)},
                     {"commune": "62003", "capacity": 40, "status": "identifié",
                      "geometry": rect(100, 2100, 140, 2140)}])
    return {"62001"}, {"62003"}


def _permit(num, homes=10, day="2020-05-01"):
    return {"num_dau": num, "commune": "62001", "homes_total": homes, "status": "autorisé", "date_authorised": day,
            "geometry": at(100, 1900)}


def case_permit_missing(s):
    put(s, "permits", [_permit("06200120C0001")])
    old, linked, recent, elsewhere = put(s, "projects", [
        scheme("PC 2021 sans permis", permit_year=2021),
        scheme("PC 2021 lié", where=(1100, 950), permit_year=2021, permit_number="06200120C0001"),
        scheme("PC 2025", where=(1200, 950), permit_year=2025),
        scheme("Gamma, pas de permis chargé", commune="62003", where=(500, 2500), permit_year=2021)])
    return {old}, {linked, recent, elsewhere}


def case_permit_homes(s):
    put(s, "permits", [_permit("06200124C0002", homes=40), _permit("06200124C0003", homes=11)])
    off, close = put(s, "projects", [scheme("10 logts, permis de 40", permit_number="06200124C0002"),
                                     scheme("10 logts, permis de 11", where=(1100, 950), permit_number="06200124C0003")])
    return {off}, {close}
def case_sru_rate(s):
    edits.edit(s, "communes", "62003", {"sru_rate_required": None})  # liable, no rate
    return {"62003"}, {"62001", "62002"}


def case_sru_carence(s):
    edits.edit(s, "communes", "62001", {"sru_status": "carencée"})
    bad, ok, small, houses = put(s, "projects", [
        scheme("PLS seulement", homes=20, lls_pls=10),
        scheme("30 % PLAI/PLUS", where=(600, 100), homes=20, lls_plai=2, lls_plus=4, lls_pls=4),
        scheme("12 logements", where=(700, 100), homes=12),
        scheme("Maisons", where=(800, 100), homes=20, collective=0)])
    return {bad}, {ok, small, houses}


def case_anru_reconstitution(s):
    inside, outside_low, outside_ok = put(s, "projects", [
        scheme("Reconstitution A", where=(300, 300), lls_plai=6, lls_plus=4, reconstitution=1),
        scheme("Reconstitution B", where=(1000, 100), lls_plai=2, lls_plus=8, reconstitution=1),
        scheme("Reconstitution C", where=(1100, 100), lls_plai=6, lls_plus=4, reconstitution=1)])
    return {inside, outside_low}, {outside_ok}


CASES = {
    "DATA-GEOM": case_data_geom, "DATA-OUTSIDE-COMMUNE": case_outside_commune,
    "DATA-OUTSIDE-EPCI": case_outside_epci, "DATA-MIX": case_mix, "DATA-YEARS": case_years,
    "DATA-DUPLICATE": case_duplicate, "DATA-LOCATE": case_locate, "FRICHE-ENUM": case_friche_enum, "QPV-LLS": case_qpv_lls,
    "QPV-TVA": case_qpv_tva, "QPV-SHARE": case_qpv_share, "SECTOR-OUT": case_sector_out,
    "SECTOR-SHARE": case_sector_share, "SECTOR-OPPORTUNITY": case_sector_opportunity,
    "TARGET-UNDER": case_target_under, "TARGET-OVER": case_target_over, "TARGET-MIDTERM": case_target_midterm,
    "LLS-UNDER": case_lls_under, "LLS-HIGH-SHARE": case_lls_high_share, "SRU-CATCHUP": case_sru_catchup,
    "SRU-MIX": case_sru_mix, "DENSITY-LOW": case_density_low, "ZAN-EXTENSION": case_zan, "PLU-AN": case_plu_an,
    "PLU-OAP": case_plu_oap, "PLU-SMS": case_plu_sms, "CAPACITY-SHORT": case_capacity,
    "PERMIT-MISSING": case_permit_missing, "PERMIT-HOMES": case_permit_homes,
    "SRU-RATE": case_sru_rate, "SRU-CARENCE": case_sru_carence, "ANRU-RECONSTITUTION": case_anru_reconstitution,
}
CASES.update({"DATA-DELIVERED-FUTURE": case_delivered_future, "DATA-STALE-STATUS": case_stale_status})


def test_every_rule_has_a_case():
    assert set(CASES) == set(checks.RULES)


@pytest.mark.parametrize("code", list(CASES))
def test_rule_fires_where_it_should_and_only_there(territory, code):
    must, must_not = CASES[code](territory)
    found = fired(territory, code)
    assert must <= set(found), f"{code} missed {must - set(found)}"
    assert not (must_not & set(found)), f"{code} fired on {must_not & set(found)}"
    for f in found.values():
        assert f.severity == checks.RULES[code].severity and f.message and isinstance(f.figures, dict)


def _numbers(text, lang):
    """The numbers of a message, written the same way whatever the language (1 400 / 1,400 → 1400)."""
    text = text.replace("\u202f", "").replace(",", ".") if lang == "fr" else re.sub(r"(?<=\d),(?=\d{3})", "", text)
    return re.findall(r"\d+(?:\.\d+)?", text)


@pytest.mark.parametrize("code", list(CASES))
def test_every_finding_has_its_english_message(territory, code):
    CASES[code](territory)
    found = fired(territory, code).values()
    assert found
    for f in found:
        assert f.message_en and f.message_en != f.message and f.text("en") == f.message_en
        assert f.text() == f.text("fr") == f.message
        for french in ("logements", "commune à", "«", " pour ", "hors d"):
            assert french not in f.message_en, (french, f.message_en)
        assert _numbers(f.message_en, "en") == _numbers(f.message, "fr"), (f.message, f.message_en)
        assert "message_en" not in f.to_dict()  # JSON, CSV and GeoJSON keep the French message


def test_english_messages_carry_the_figures(territory):
    case_target_under(territory)
    under = fired(territory, "TARGET-UNDER")["62001"]
    for case in (case_qpv_lls, case_plu_an, case_years):
        case(territory)
    (lls,) = [f for f in fired(territory, "QPV-LLS").values() if f.figures["lls"] == 10]
    assert lls.message_en.endswith("10 social rented homes in the QPV QN062001M, against the social mix "
                                   "policy (unless they replace demolished social housing, to be said in the "
                                   "comment)") and "« LLS en QPV »" in lls.message and "“LLS en QPV”" in lls.message_en
    assert under.message == "Alpha : 50 logements attendus sur la période pour un objectif de 100 (50 % ; dont 50 certains)"
    assert under.message_en == "Alpha: 50 homes expected within the period for a target of 100 (50%; 50 of them committed)"
    assert (under.figures["expected"], under.figures["homes_target"]) == (50, 100)
    (an,) = fired(territory, "PLU-AN").values()
    assert an.message_en.endswith("is in the A (A) zone of the local plan") and an.figures["zone_type"] == "A"
    years = sorted(f.message_en for f in fired(territory, "DATA-YEARS").values())
    assert years[0].endswith(": delivery before the permit")
    assert years[1].endswith(": delivery_year outside 2000–2045") and "2090" not in years[1]


def test_english_numbers_are_written_the_english_way():
    assert (checks._fmt(1400), checks._fmt(1400, lang="en")) == ("1\u202f400", "1,400")
    assert (checks._fmt(2.5, 1), checks._fmt(2.5, 1, "en")) == ("2,5", "2.5")
    assert (percent(0.25), percent(0.25, "en"), percent(None, "en")) == ("25 %", "25%", "?")


def test_figures_behind_the_findings(territory):
    case_sru_catchup(territory)
    (f,) = fired(territory, "SRU-CATCHUP").values()
    assert f.figures["missing"] == 600 and f.figures["catchup_target"] == 198  # ceil(0.33 × 600)
    assert f.figures["catchup_programmed"] == 50
    case_qpv_tva(territory)
    tva = {f.figures["code_qp"]: f.figures for f in fired(territory, "QPV-TVA").values()}
    assert tva["QN062001M"]["band_m"] == 300 and tva["QN062001M"]["distance_m"] == pytest.approx(200)
    assert tva["QN062002M"]["band_m"] == 500 and tva["QN062002M"]["distance_m"] == pytest.approx(200)


def test_settings_move_the_thresholds(territory):
    case_qpv_tva(territory)
    wide = Settings(plh_start=2023, plh_end=2028, reference_year=2025, vat_band_m=400)
    assert len(checks.run_checks(territory, rules=["QPV-TVA"], settings=wide)) == 3
    assert len(checks.run_checks(territory, rules=["QPV-TVA"], settings=SETTINGS)) == 2


def test_rule_families_and_unknown_rules(territory):
    assert {r.code for r in checks.select_rules(["qpv"])} == {"QPV-LLS", "QPV-TVA", "QPV-SHARE"}
    with pytest.raises(checks.RuleError, match="unknown rule"):
        checks.select_rules(["QPV-NOPE"])


def test_an_empty_store_has_nothing_to_say(empty_store):
    assert checks.run_checks(empty_store, settings=SETTINGS) == []


# -- the demo ------------------------------------------------------------------------------------------
def test_every_rule_fires_on_the_demo(demo_store):
    found = checks.run_checks(demo_store, settings=SETTINGS)
    assert {f.rule for f in found} == set(checks.RULES)
    assert {f.severity for f in found} == {"error", "warning", "info"}


def test_demo_one_commune_only(demo_store):
    found = checks.run_checks(demo_store, commune="62951", settings=SETTINGS)
    assert found and {f.commune for f in found} == {"62951"}
    assert "QPV-SHARE" in {f.rule for f in found}
    assert "QPV-LLS" not in {f.rule for f in found}  # the Cité 4 scheme rebuilds demolished stock


def test_check_cli_table_exit_code_and_strict(invoke, demo_path):
    result = invoke("check", "--store", demo_path)
    assert result.exit_code == 1  # the demo holds error-level findings (DATA-GEOM, DATA-YEARS)
    assert "== 62950 Souchez-la-Grande ==" in result.output and "erreurs (" in result.output
    ok = invoke("check", "--store", demo_path, "--rule", "DENSITY-LOW")
    assert ok.exit_code == 0 and "DENSITY-LOW" in ok.output
    strict = invoke("check", "--store", demo_path, "--rule", "DENSITY-LOW", "--strict")
    assert strict.exit_code == 1


def test_check_cli_json_csv_and_geojson(invoke, demo_path):
    data = json.loads(invoke("check", "--store", demo_path, "--format", "json", "--rule", "QPV").stdout)
    assert {d["rule"] for d in data} == {"QPV-LLS", "QPV-TVA", "QPV-SHARE"}
    assert all(isinstance(d["figures"], dict) for d in data)
    csv = invoke("check", "--store", demo_path, "--format", "csv", "--rule", "PLU-SMS").stdout
    assert csv.splitlines()[0].startswith("rule;severity;layer;feature_id;commune;message;figures")
    geo = json.loads(invoke("check", "--store", demo_path, "--format", "geojson", "--rule", "PLU-AN").stdout)
    assert geo["type"] == "FeatureCollection" and geo["features"]
    lon, lat = geo["features"][0]["geometry"]["coordinates"]
    assert 1 < lon < 4 and 49 < lat < 52  # WGS84 for QGIS and the web


def test_check_cli_bad_input(invoke, demo_path):
    bad_rule = invoke("check", "--store", demo_path, "--rule", "NOPE")
    assert bad_rule.exit_code == 2 and "règle inconnue" in bad_rule.output
    bad_commune = invoke("check", "--store", demo_path, "--commune", "99999")
    assert bad_commune.exit_code == 1 and "champ 'commune', valeur '99999' : aucune commune '99999' dans la base" in bad_commune.output


def test_list_rules(invoke, demo_path):
    result = invoke("check", "--list-rules", "--store", demo_path)
    assert result.exit_code == 0
    assert all(code in result.output for code in checks.RULES)


# -- real data -------------------------------------------------------------------------------------------
def real_territory(shared_data, path):
    """CALL + CAPSO communes and the Cartofriches CNIG extract (friches of those communes)."""
    store = GeoPackageStore.create(path)
    com = gpd.read_file(shared_data / "territoire" / "communes_call_capso.geojson").to_crs(2154)
    com = com.rename(columns={"code": "insee", "nom": "name", "population_municipale": "population"})
    put(store, "communes", [dict(r, geometry=g) for r, g in
                            zip(com[["insee", "name", "population"]].to_dict("records"), com.geometry)])
    raw = pd.read_csv(shared_data / "friches" / "cartofriches_standard_cnig_62.csv", sep=";", dtype=str,
                      keep_default_na=False)
    raw = raw[raw["comm_insee"].isin(set(com["insee"]))]
    pts = gpd.GeoSeries.from_wkt(raw.pop("geompoint"), crs=4326).to_crs(2154)
    raw = raw.drop(columns=["geomsurf"])
    frame = gpd.GeoDataFrame(raw.reset_index(drop=True), geometry=pts.to_numpy(), crs="EPSG:2154")
    edits.apply(store, edits.plan_rows(store, "friches", frame, mode="append", source="test"))
    return store, com, raw


@pytest.mark.shared
def test_check_runs_on_real_communes_and_friches(shared_data, tmp_path, invoke):
    store, com, raw = real_territory(shared_data, tmp_path / "real.gpkg")
    found = checks.run_checks(store, settings=SETTINGS)
    by_rule = {}
    for f in found:
        by_rule.setdefault(f.rule, []).append(f)
    # by hand: friches whose point lies outside their declared commune (simplified boundaries)
    pts = gpd.GeoDataFrame(raw[["site_id", "comm_insee"]].reset_index(drop=True),
                           geometry=store.read("friches").set_index("site_id").loc[raw.site_id].geometry.to_numpy(),
                           crs=2154)
    joined = gpd.sjoin(pts, com[["insee", "geometry"]], predicate="within", how="left")
    elsewhere = set(joined.loc[joined.insee.notna() & (joined.insee != joined.comm_insee), "site_id"])
    assert {f.feature_id for f in by_rule.get("DATA-OUTSIDE-COMMUNE", [])} == elsewhere
    assert not by_rule.get("DATA-GEOM")
    assert len(raw) == 6 and len(store.read("friches")) == 6  # the six CALL rows of the extract
    # the extract's CNIG v1.0.3 values: every FRICHE-ENUM finding names a value really outside the lists
    for f in by_rule.get("FRICHE-ENUM", []):
        assert raw.set_index("site_id").loc[f.feature_id, f.figures["field"]] == f.figures["value"]
    result = invoke("check", "--store", tmp_path / "real.gpkg", "--format", "json")
    assert result.exit_code == 0 and len(json.loads(result.stdout)) == len(found)


def test_status_year_messages(territory):
    case_delivered_future(territory)
    case_stale_status(territory)
    (future,) = fired(territory, "DATA-DELIVERED-FUTURE").values()
    assert future.message.endswith("Livrée en avance » : « livré » mais livraison prévue en 2027 (nous sommes en 2025)")
    assert future.message_en.endswith("“delivered” but delivery planned in 2027 (this is 2025)")
    stale = {f.figures["status"] for f in fired(territory, "DATA-STALE-STATUS").values()}
    assert stale == {"repérage", "études"}


def test_a_store_with_clean_years_is_checked_mapped_and_packed(invoke, demo_path, tmp_path):
    """Issue 9 §1: once the one bad-years scheme is fixed, DATA-YEARS has nothing to say (it used to
    print one empty finding per scheme, and the findings sort then crashed check, map and pack)."""
    assert invoke("project", "edit", "P-62950-0021", "--delivery-year", "2027", "--store", demo_path).exit_code == 0
    years = invoke("check", "--rule", "DATA-YEARS", "--format", "json", "--store", demo_path)
    assert years.exit_code == 0 and json.loads(years.stdout) == []
    found = json.loads(invoke("check", "--format", "json", "--store", demo_path).stdout)
    assert found and all(f["commune"] is None or isinstance(f["commune"], str) for f in found)
    assert "DATA-YEARS" not in {f["rule"] for f in found}
    assert invoke("map", "-o", tmp_path / "t.html", "--store", demo_path).exit_code == 0
    assert invoke("pack", "--all", "-o", tmp_path / "packs", "--store", demo_path).exit_code == 0
    assert (tmp_path / "packs" / "62950-dossier.html").exists()

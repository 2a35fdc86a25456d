"""The yearly PLH review: its totals are the sums of the schemes read; HTML escaped; XLSX; browser."""
from __future__ import annotations

import pandas as pd
import pytest

from plhgis import bilan, edits
from plhgis.settings import Settings

S = Settings(reference_year=2026)


def _by_hand(store, year):
    """Homes authorised, started, delivered in `year`, straight from the projects layer."""
    p = store.read("projects")
    p = p[p["status"] != "abandonné"]
    homes = pd.to_numeric(p["homes_total"])
    return {"authorised": homes[(p["permit_year"] == year) & p["status"].isin(bilan.GRANTED)].sum(),
            "started": homes[(p["start_year"] == year) & p["status"].isin(bilan.STARTED)].sum(),
            "delivered": homes[(p["delivery_year"] == year) & (p["status"] == "livré")].sum()}


def test_totals_are_the_sums_of_the_schemes(demo_store):
    report = bilan.review(demo_store, 2025, compare=2024, settings=S)
    y = report.yearly
    for year in (2023, 2024, 2025):
        rows = y[y["year"] == year]
        epci = rows[rows["scope"] == bilan.EPCI].iloc[0]
        hand = _by_hand(demo_store, year)
        assert {k: epci[k] for k in bilan.FLOWS} == hand, year
        assert sum(hand.values()) > 0
        for flow in bilan.FLOWS:  # communes and polarities add up to the EPCI
            assert rows.loc[rows["scope"] == "commune", flow].sum() == epci[flow]
            assert rows.loc[rows["scope"] == "polarité", flow].sum() == epci[flow]
    # the yearly target is the PLH target spread over its 6 years (no yearly split in the demo)
    targets = demo_store.read("targets")
    assert y.loc[(y["scope"] == bilan.EPCI) & (y["year"] == 2025), "target"].iloc[0] == pytest.approx(
        targets["homes_target"].sum() / 6)
    summ = report.summary
    epci = summ[(summ["scope"] == bilan.EPCI) & (summ["review_year"] == 2024)].iloc[0]
    p = demo_store.read("projects")
    auth = p[(p["permit_year"] == 2024) & p["status"].isin(bilan.GRANTED)]
    assert epci["plai"] == auth["lls_plai"].fillna(0).sum() and epci["pls"] == auth["lls_pls"].fillna(0).sum()
    assert epci["accession_aidee"] == (auth["psla"].fillna(0) + auth["brs"].fillna(0)).sum()
    assert epci["accession_aidee_target_share"] == round(targets["accession_aidee_target"].sum()
                                                        / targets["homes_target"].sum(), 3)


def test_yearly_split_demolitions_and_net_output(demo_store):
    t = demo_store.read("targets").iloc[0]
    edits.edit(demo_store, "targets", t["id"], {"yearly_split": "10|20|30|40|50|60", "net_homes_target": 120})
    p = demo_store.read("projects", commune=t["commune"])
    scheme = p[p["status"] == "livré"].iloc[0]
    edits.edit(demo_store, "projects", scheme["id"], {"demolished": 7, "start_year": int(scheme["delivery_year"])})
    year = int(scheme["delivery_year"])
    report = bilan.review(demo_store, year, settings=S)
    y = report.yearly
    row = y[(y["code"] == t["commune"]) & (y["year"] == year)].iloc[0]
    assert row["target"] == [10, 20, 30, 40, 50, 60][year - 2023]
    s = report.summary
    row = s[s["code"] == t["commune"]].iloc[0]
    assert row["demolished"] == 7 and row["net"] == row["delivered"] - 7 and row["net_target_yearly"] == 20


def test_a_bad_yearly_split_is_an_error_naming_the_commune(demo_store, invoke):
    t = demo_store.read("targets").iloc[0]
    edits.edit(demo_store, "targets", t["id"], {"yearly_split": "40|40"})
    r = invoke("bilan", "--year", "2025", "--store", demo_store.path, "-o", demo_store.path.parent / "b.html")
    assert r.exit_code == 1 and t["commune"] in r.output and "yearly_split compte 2 années, le PLH 6" in r.output
    assert not (demo_store.path.parent / "b.html").exists()


def test_a_year_outside_the_plh_and_an_empty_store_are_errors(demo_path, empty_store, invoke, tmp_path):
    r = invoke("bilan", "--year", "2031", "--store", demo_path, "-o", tmp_path / "b.html")
    assert r.exit_code == 1 and "2031 est hors de la période du PLH 2023–2028" in r.output
    r = invoke("bilan", "--year", "2025", "--store", empty_store.path, "-o", tmp_path / "b.html")
    assert r.exit_code == 1 and "aucune commune" in r.output


def test_bilan_writes_escaped_html_and_xlsx_and_never_overwrites(demo_store, invoke, tmp_path):
    edits.edit(demo_store, "communes", "62950", {"name": "<script>alert(1)</script>{{ x }}"})
    out = tmp_path / "bilan" / "bilan-2025.html"
    r = invoke("bilan", "--year", "2025", "--compare", "2024", "--store", demo_store.path, "-o", out)
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;{{ x }}" in text
    assert "2025 / 2024" in text and "<svg" in text and "estimation" in text
    assert not list(out.parent.glob("*.tmp-*"))
    import openpyxl
    book = openpyxl.load_workbook(out.with_suffix(".xlsx"))
    assert book.sheetnames == ["annuel", "synthèse", "SRU", "comparaison annuel", "comparaison synthèse"]
    head = [c.value for c in book["annuel"][1]]
    assert head[:5] == ["scope", "level", "code", "name", "year"]
    r = invoke("bilan", "--year", "2025", "--store", demo_store.path, "-o", out)
    assert r.exit_code == 1 and "existe déjà" in r.output


def test_permits_replace_the_schemes_counts(demo_store):
    permits = pd.DataFrame({"commune": ["62950", "62950"], "year": [2025, 2025], "authorised": [40, 2],
                            "started": [5, 0]})
    report = bilan.review(demo_store, 2025, settings=S, permits=permits)
    y = report.yearly
    row = y[(y["code"] == "62950") & (y["year"] == 2025)].iloc[0]
    assert (row["authorised"], row["started"]) == (42, 5) and "Sitadel" in " ".join(report.notes)


def test_bilan_renders_in_a_browser(demo_path, invoke, tmp_path):
    from browser import Browser, available, painted_share

    if available():
        pytest.skip(available())
    out = tmp_path / "bilan-2025.html"
    assert invoke("bilan", "--year", "2025", "--compare", "2024", "--store", demo_path, "-o", out).exit_code == 0
    for width, height in ((1366, 768), (390, 844)):
        with Browser(max(width, 500), height) as b:
            b.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 500})
            b.open(out, ready="document.readyState === 'complete'")
            assert b.js_errors() == []
            assert b.js("return document.documentElement.scrollWidth") <= width  # tables scroll inside
            assert b.js("return document.querySelectorAll('svg.chart').length") >= 2
            png = b.screenshot(tmp_path / f"bilan-{width}.png")
            assert painted_share(png, background=((250, 250, 250), (255, 255, 255))) > 0.05


def test_polarity_levels_are_the_territory_s_own(demo_store):
    levels = {"cœur d'agglomération": 1.0, "pôle d'appui": 2.0}
    for code, level in (("62950", "cœur d'agglomération"), ("62951", "pôle d'appui"), ("62952", "bourg")):
        edits.edit(demo_store, "communes", code, {"polarity": level})  # no fixed list refuses them
    report = bilan.review(demo_store, 2025, settings=Settings(reference_year=2026, polarity_levels=levels))
    pols = report.yearly[(report.yearly["scope"] == "polarité") & (report.yearly["year"] == 2025)]
    assert list(pols.sort_values("level")["code"])[:2] == ["cœur d'agglomération", "pôle d'appui"]
    assert "bourg" in set(pols["code"]) and any("bourg" in n for n in report.notes)


def test_a_store_with_communes_only_reviews_to_zeros(tmp_path, invoke, shared_data):
    """The shape a real store has on day one: communes and the SRU inventory, no target, no scheme."""
    path = tmp_path / "plh.gpkg"
    invoke("init", "--store", path)
    invoke("import", "communes", shared_data / "territoire/communes_call_capso.geojson", "--epci", "246200364",
           "--store", path)
    invoke("import", "sru", shared_data / "sru/donnees-sru-2025.csv", "--epci", "246200364", "--store", path)
    r = invoke("bilan", "--year", "2025", "--store", path, "-o", tmp_path / "bilan.html")
    assert r.exit_code == 0, r.output
    text = (tmp_path / "bilan.html").read_text(encoding="utf-8")
    assert "CA de Lens - Liévin" in text and "Trajectoire SRU" in text and "Annay" in text


def _sheet(path, title) -> pd.DataFrame:
    import openpyxl

    rows = list(openpyxl.load_workbook(path)[title].values)
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_the_cli_reads_authorised_and_started_homes_from_the_permits(demo_store, invoke, tmp_path):
    out = tmp_path / "bilan-2025.html"
    r = invoke("bilan", "--year", "2025", "--store", demo_store.path, "-o", out)
    assert r.exit_code == 0, r.output
    p = demo_store.read("permits")
    p = p[p["status"] != "annulé"]
    yearly = _sheet(out.with_suffix(".xlsx"), "annuel")
    for year in (2024, 2025):
        epci = yearly[(yearly["scope"] == bilan.EPCI) & (yearly["year"] == year)].iloc[0]
        assert epci["authorised"] == p.loc[p["date_authorised"].str[:4] == str(year), "homes_total"].sum()
        assert epci["started"] == p.loc[p["date_started"].fillna("").str[:4] == str(year), "homes_total"].sum()
        assert epci["delivered"] == _by_hand(demo_store, year)["delivered"]  # deliveries stay the schemes'
    assert yearly.loc[(yearly["scope"] == bilan.EPCI) & (yearly["year"] == 2025), "authorised"].iloc[0] != \
        _by_hand(demo_store, 2025)["authorised"]  # the permits say otherwise than the schemes here
    assert "les permis de construire (Sitadel)" in out.read_text(encoding="utf-8")
    start, _, mid = bilan.review(demo_store, 2025).period  # the mid-term review reads the permits too
    summary = _sheet(out.with_suffix(".xlsx"), "synthèse")
    epci = summary[summary["scope"] == bilan.EPCI].iloc[0]
    years = p["date_authorised"].str[:4].astype(int)
    assert epci["authorised_to_midterm"] == p.loc[years.between(start, min(2025, mid)), "homes_total"].sum()


def test_compare_sets_the_two_years_side_by_side(demo_store, invoke, tmp_path):
    out = tmp_path / "bilan-2025.html"
    r = invoke("bilan", "--year", "2025", "--compare", "2024", "--store", demo_store.path, "-o", out)
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    head = text[text.index("Par commune, polarité et EPCI — 2025 / 2024"):]
    head = head[:head.index("</tr>")]
    assert head.index(">Autorisés 2025<") < head.index(">Autorisés 2024<") < head.index(">Commencés 2025<")
    assert ">PLAI 2025<" in text and ">PLAI 2024<" in text
    book = out.with_suffix(".xlsx")
    wide, long = _sheet(book, "comparaison annuel"), _sheet(book, "annuel")
    assert list(wide.columns[:6]) == ["scope", "level", "code", "name", "authorised_2025", "authorised_2024"]
    for year in (2024, 2025):
        for flow in bilan.FLOWS:
            by_code = long[long["year"] == year].set_index("code")[flow]
            assert (wide.set_index("code")[f"{flow}_{year}"] == by_code.reindex(wide["code"])).all()
    summary = _sheet(book, "comparaison synthèse")
    assert {"plai_2025", "plai_2024", "net_2025", "net_2024"} <= set(summary.columns)


def test_compare_with_the_same_year_is_the_single_year_review(demo_store, invoke, tmp_path):
    out = tmp_path / "bilan-2025.html"
    r = invoke("bilan", "--year", "2025", "--compare", "2025", "--store", demo_store.path, "-o", out)
    assert r.exit_code == 0, r.output
    assert ">Autorisés 2025<" not in out.read_text(encoding="utf-8")
    import openpyxl
    assert openpyxl.load_workbook(out.with_suffix(".xlsx")).sheetnames == ["annuel", "synthèse", "SRU"]

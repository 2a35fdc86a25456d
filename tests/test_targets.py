"""Pipeline vs targets: totals, no scheme counted twice or lost, settings from plhgis.toml."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from plhgis import checks, targets
from plhgis.settings import Settings, SettingsError, describe, load_settings
from plhgis.territory import Territory

pytestmark = pytest.mark.usefixtures("english")  # these tests read the messages' content, in English

SETTINGS = Settings(plh_start=2023, plh_end=2028, reference_year=2025)


def test_epci_totals_are_the_sum_of_the_schemes(demo_store):
    table = targets.progress(demo_store, settings=SETTINGS)
    projects = demo_store.read("projects")
    live = projects[projects.status != "abandonné"]
    epci = table.set_index("commune").loc[targets.EPCI]
    communes = table[table.commune != targets.EPCI]
    assert epci.homes_pipeline == live.homes_total.sum() == communes.homes_pipeline.sum()
    in_period = live[live.delivery_year.isna() | live.delivery_year.between(2023, 2028)]
    assert epci.expected == in_period.homes_total.sum()
    assert (communes.certain + communes.probable + communes.possible == communes.expected).all()
    assert epci.homes_target == demo_store.read("targets").homes_target.sum()
    assert epci.coverage == pytest.approx(epci.expected / epci.homes_target, abs=1e-3)


def test_the_declared_commune_decides_for_a_straddling_scheme(demo_store):
    """Les Terrasses du Bois: declared in 62959, its point lies in 62952; it counts once, for 62959."""
    table = targets.progress(demo_store, settings=SETTINGS).set_index("commune")
    projects = demo_store.read("projects")
    for insee in ("62952", "62959"):
        live = projects[(projects.commune == insee) & (projects.status != "abandonné")]
        assert table.loc[insee, "homes_pipeline"] == live.homes_total.sum()
    found = checks.run_checks(demo_store, rules=["DATA-OUTSIDE-COMMUNE"], settings=SETTINGS)
    assert [(f.commune, f.figures["found"]) for f in found] == [("62959", "62952")]


def test_one_commune_and_hand_figures(demo_store):
    (row,) = targets.progress(demo_store, commune="62952", settings=SETTINGS).to_dict("records")
    com = demo_store.read("communes", commune="62952").iloc[0]
    assert row["sru_rate_now"] == pytest.approx(com.lls_stock / com.main_residences, abs=1e-3)
    missing = -(-(0.25 * com.main_residences - com.lls_stock) // 1)
    assert row["sru_missing"] == missing and row["sru_catchup_target"] == -(-(missing * 0.33) // 1)
    assert row["midterm_target"] == round(row["homes_target"] / 2)
    assert row["remaining_need"] == row["homes_target"] - row["expected"]


def test_a_liable_commune_with_no_rate_is_never_given_one(demo_store):
    from plhgis import edits
    edits.edit(demo_store, "communes", "62952", {"sru_rate_required": None})
    com = demo_store.read("communes", commune="62952").iloc[0]
    assert com.sru_status == "carencée" and com.sru_rate_required != com.sru_rate_required  # blank (NaN)
    (row,) = targets.progress(demo_store, commune="62952", settings=SETTINGS).to_dict("records")
    assert row["sru_rate_required"] == 0.25  # the demo's SRU inventory gives it
    edits.end(demo_store, "sru", "62952-2024")
    (row,) = targets.progress(demo_store, commune="62952", settings=SETTINGS).to_dict("records")
    assert row["sru_rate_required"] != row["sru_rate_required"]  # blank, not a silent 25 %
    assert row["sru_missing"] != row["sru_missing"]


def test_settings_from_plhgis_toml(demo_store):
    path = demo_store.path.parent / "plhgis.toml"
    path.write_text('[checks]\ntarget_under = 0.1\nvat_band_m = 250\n\n[checks.density_min]\n"pôle urbain" = 45\n'
                    '\n[maps]\nzoom = 12\n', encoding="utf-8")
    s = load_settings(demo_store)
    assert (s.target_under, s.vat_band_m, s.density_min["pôle urbain"], s.density_min["commune rurale"]) == \
        (0.1, 250, 45.0, 18.0)
    assert s.sru_rate_high == 0.25
    under = {f.commune for f in checks.run_checks(demo_store, rules=["TARGET-UNDER"])}
    assert under == {"62952", "62955", "62957"}  # coverage 9 %, 4 % and 6 %: the only ones below 10 %
    path.write_text("[checks]\ntarget_undr = 0.5\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="unknown setting"):
        load_settings(demo_store)


def test_every_setting_has_a_source():
    table = describe(Settings())
    assert table.source.str.len().gt(5).all() and table.meaning.str.len().gt(5).all()
    legal = table.set_index("setting").source
    assert "L302-8" in legal.sru_catchup_rate and "278 sexies" in legal.vat_band_npnru_m


def test_targets_cli(invoke, demo_path):
    table = invoke("targets", "--store", demo_path)
    assert table.exit_code == 0 and "Souchez-la-Grande" in table.output and "EPCI" in table.output
    rows = json.loads(invoke("targets", "--store", demo_path, "--commune", "62950", "--format", "json").stdout)
    assert [r["commune"] for r in rows] == ["62950"] and rows[0]["homes_target"] == 1400


def test_targets_of_an_unknown_commune(invoke, demo_path):
    result = invoke("targets", "--store", demo_path, "--commune", "62498")
    assert result.exit_code == 1
    assert "field 'commune', value '62498': no commune '62498' in the store" in result.output


def test_settings_cli(invoke, demo_path):
    result = invoke("settings", "--store", demo_path, "--format", "csv")
    assert result.exit_code == 0 and "sru_catchup_rate;0.33;0.33" in result.output


def test_demo_prints_the_check_summary(invoke, tmp_path):
    result = invoke("demo", "--store", tmp_path / "plh.gpkg", "-o", tmp_path / "maps")
    assert result.exit_code == 0
    assert "findings:" in result.stdout and "DATA-GEOM 1" in result.stdout


@pytest.mark.parametrize("line,message", [("sru_rate_high = 25", "is a share, between 0 and 1"),
                                          ("target_under = -1", "must not be negative"),
                                          ("plh_start = 2023.7", "must be a whole number")])
def test_impossible_settings_are_refused(demo_store, line, message):
    (demo_store.path.parent / "plhgis.toml").write_text(f"[checks]\n{line}\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=message):
        load_settings(demo_store)


def test_targets_of_another_period_are_an_error_not_a_silence(invoke, demo_path):
    (demo_path.parent / "plhgis.toml").write_text("[checks]\nplh_start = 2024\nplh_end = 2029\n", encoding="utf-8")
    result = invoke("targets", "--store", demo_path)
    assert result.exit_code == 1
    assert "no PLH target for the period 2024–2029: the targets start in 2023" in result.output


def test_a_friche_on_an_a_zone_is_renewal_not_zan(demo_store):
    from plhgis import edits
    a_zone = demo_store.read("zoning").query("typezone == 'A' and insee == '62954'").geometry.iloc[0]
    spot = a_zone.representative_point()
    ids = [edits.add(demo_store, "projects", {"name": f"Sur zone A ({origin})", "commune": "62954",
                                              "homes_total": 10, "status": "études", "land_origin": origin},
                     spot.buffer(40, cap_style="square")).id for origin in ("friche", "dent creuse")]
    placed = Territory(demo_store, SETTINGS).projects.set_index("id")
    assert not placed.loc[ids[0], "consumes"] and placed.loc[ids[0], "zan_ha"] == 0
    assert placed.loc[ids[1], "consumes"] and placed.loc[ids[1], "zan_ha"] == pytest.approx(0.64)


def test_the_settings_template_is_the_committed_plhgis_toml_and_loads_back(tmp_path):
    from pathlib import Path

    from plhgis.settings import toml_template
    committed = Path(__file__).parents[1] / "layers" / "plhgis.toml"
    assert committed.read_text(encoding="utf-8") == toml_template(Settings())  # regenerate: plhgis settings --format toml
    changed = Settings(target_under=0.7, density_min={"pôle urbain": 45.0})
    (tmp_path / "plhgis.toml").write_text(toml_template(changed), encoding="utf-8")
    loaded = load_settings(tmp_path / "plh.gpkg")
    assert loaded.target_under == 0.7 and loaded.density_min["pôle urbain"] == 45.0
    assert loaded.vat_band_m == Settings().vat_band_m


def test_targets_cli_speaks_french_numbers(invoke, demo_path):
    table = invoke("targets", "--store", demo_path, "--commune", "62950")
    assert table.exit_code == 0, table.output
    head, _, row = table.stdout.splitlines()[:3]
    cells = dict(zip(head.split(), re.split(r"\s{2,}", row)))
    assert cells["coverage"] == "60 %" and cells["homes_target"] == "1400" and cells["sru_rate_now"] == "46 %"
    assert ".0 " not in table.stdout and "0.604" not in table.stdout
    assert "3,12" in table.stdout  # hectares keep their decimals, with a comma
    lines = invoke("targets", "--store", demo_path, "--commune", "62950", "--format", "csv").stdout.splitlines()
    csv = dict(zip(lines[0].split(";"), lines[1].split(";")))
    assert (csv["homes_target"], csv["coverage"], csv["zan_ha"]) == ("1400", "0,604", "3,12")  # Excel-fr reads these
    data = json.loads(invoke("targets", "--store", demo_path, "--commune", "62950", "--format", "json").stdout)
    assert data[0]["homes_target"] == 1400 and isinstance(data[0]["homes_target"], int) and data[0]["coverage"] == 0.604


def test_settings_cite_the_law_or_the_plh():
    from dataclasses import fields

    for f in fields(Settings):
        source = f.metadata["source"]
        assert "DESIGN" not in source and "§" not in source, (f.name, source)
        assert re.search(r"\bart\. [LR]?\d|PLH|SCoT|\(RGA\)", source), (f.name, source)  # RGA: the ANRU's rules
    committed = (Path(__file__).parents[1] / "layers" / "plhgis.toml").read_text(encoding="utf-8")
    assert "DESIGN" not in committed and "CCH art. L302-1 III" in committed


def test_the_rules_quote_the_workspace_thresholds(invoke, demo_path):
    """The rule list reads its figures from plhgis.toml, as the rules do: no threshold written twice."""
    (demo_path.parent / "plhgis.toml").write_text("[checks]\nvat_band_m = 400\nvat_band_npnru_m = 600\n"
                                                  "target_under = 0.7\nlls_high_share = 0.35\n"
                                                  "oap_min_area_m2 = 8000\n", encoding="utf-8")
    rules = invoke("check", "--list-rules", "--format", "csv", "--store", demo_path)
    assert rules.exit_code == 0
    lines = {line.split(";")[0]: line for line in rules.stdout.splitlines()}
    assert "bande de 400 m (600 m NPNRU)" in lines["QPV-TVA"]
    assert "sous 70 % de l'objectif" in lines["TARGET-UNDER"] and "sous 70 % du prorata" in lines["TARGET-MIDTERM"]
    assert "au-dessus de 35 % de LLS" in lines["LLS-HIGH-SHARE"]
    assert "plus de 8\u202f000 m² sans OAP" in lines["PLU-OAP"]
    default = {r.rule: r.description for r in checks.catalogue().itertuples()}
    assert "bande de 300 m (500 m NPNRU)" in default["QPV-TVA"] and "(CCH L302-5: 20 % ou 25 %)" in default["SRU-RATE"]


def test_the_sru_rate_finding_quotes_the_legal_rates_of_the_settings(demo_store):
    s = Settings(sru_rate_low=0.18)
    found = [f for f in checks.run_checks(demo_store, rules=["SRU-RATE"], settings=s)]
    assert found and all("(CCH L302-5: 18% or 25%)" in f.message_en for f in found)
    assert ("Vimy-le-Haut: commune liable to the SRU law whose legal rate is 20% (CCH L302-5: 18% or 25%)"
            in [f.message_en for f in found])  # 20 % is no legal rate under these settings


def test_a_legal_rate_the_settings_raise_is_stored_and_judged_by_the_settings(demo_store):
    """The law moving the SRU rate to 30 % is one line of plhgis.toml: the store takes 0.30, SRU-RATE judges it."""
    from plhgis import edits

    edits.edit(demo_store, "communes", "62957", {"sru_status": "soumise", "sru_rate_required": 0.30})
    flagged = {f.commune for f in checks.run_checks(demo_store, rules=["SRU-RATE"])}
    assert "62957" in flagged  # 30 % is no legal rate today
    raised = checks.run_checks(demo_store, rules=["SRU-RATE"], settings=Settings(sru_rate_high=0.30))
    assert "62957" not in {f.commune for f in raised}

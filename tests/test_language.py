"""The command line speaks French by default, English with --lang en or PLHGIS_LANG=en, from labels.py."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from plhgis import checks
from plhgis.cli import cli
from plhgis.errors import Problem, ValidationError

ROOT = Path(__file__).resolve().parent.parent


def run(runner, *args, env=None):
    return runner.invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)


def test_map_message_french_by_default_english_on_request(runner, demo_path, tmp_path):
    fr = run(runner, "map", "-o", tmp_path / "a.html", "--store", demo_path)
    assert fr.exit_code == 0 and fr.stderr == f"carte écrite : {tmp_path / 'a.html'}\n"
    en = run(runner, "--lang", "en", "map", "-o", tmp_path / "b.html", "--store", demo_path)
    assert en.stderr == f"map written to {tmp_path / 'b.html'}\n"
    env = run(runner, "map", "-o", tmp_path / "c.html", "--store", demo_path, env={"PLHGIS_LANG": "en"})
    assert env.stderr == f"map written to {tmp_path / 'c.html'}\n"
    assert "Housing schemes (status)" in (tmp_path / "c.html").read_text(encoding="utf-8")  # the page follows


def test_dry_run_summary_in_french(runner, demo_path, tmp_path):
    out = tmp_path / "projets.geojson"
    assert run(runner, "export", "projects", out, "--store", demo_path).exit_code == 0
    result = run(runner, "import", "projects", out, "--dry-run", "--store", demo_path)
    assert result.exit_code == 0, result.output
    assert "projects (simulation, rien n'est écrit) : ajouts : 0, modifications : 0, fins : 0, inchangés : " \
           in result.stderr
    assert "would change" not in result.stderr


def test_errors_name_file_row_field_value_and_hint_in_french(runner, demo_path):
    result = run(runner, "map", "--commune", "99999", "--store", demo_path)
    assert result.exit_code == 1
    assert result.stderr.startswith("Erreur : champ 'commune', valeur '99999' : aucune commune '99999' dans la base "
                                    "(conseil : donnez le code INSEE")
    en = run(runner, "map", "--commune", "99999", "--store", demo_path, env={"PLHGIS_LANG": "en"})
    assert en.stderr.startswith("Error: field 'commune', value '99999': no commune '99999' in the store (hint: ")


def test_problem_keeps_its_attributes_only_the_rendering_changes():
    p = Problem("not a year", file="retour.xlsx", row=3, field="delivery_year", value="2O26", hint="write 2026")
    assert p.text() == ("fichier retour.xlsx, ligne 3, champ 'delivery_year', valeur '2O26' : not a year "
                        "(conseil : write 2026)")
    assert str(p) == p.text("en") == ("retour.xlsx, row 3, field 'delivery_year', value '2O26': not a year "
                                      "(hint: write 2026)")
    err = ValidationError([p, p])
    assert err.problems == [p, p] and err.problem is p and str(err).startswith("2 problems, nothing was written:")
    assert err.text().startswith("2 problèmes, rien n'a été écrit :\n  fichier retour.xlsx, ligne 3")


def test_french_counts_agree():
    one = checks.Finding("DATA-GEOM", "error", "projects", "P-1", "62001", "x", {})
    assert checks.summary([one]).startswith("1 constat : 1 erreur, 0 avertissement, 0 information")
    assert checks.summary([one, one]).startswith("2 constats : 2 erreurs, 0 avertissement")
    assert checks.summary([one, one], "en").startswith("2 findings: 2 errors, 0 warnings, 0 infos")


def test_help_lists_values_in_the_cli_language():
    def help_text(lang):
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PLHGIS_LANG": lang}
        return subprocess.run([sys.executable, "-m", "plhgis", "project", "edit", "--help"], env=env,
                              capture_output=True, text=True, check=True).stdout
    fr, en = help_text("fr"), help_text("en")
    assert "Valeurs possibles : repérage, études" in " ".join(fr.split()) and "One of:" not in fr
    assert "One of: repérage, études" in " ".join(en.split()) and "Valeurs possibles" not in en

"""The options every command shares, defined once: a validating --commune, --overwrite through one helper."""
from __future__ import annotations

import click
import pytest

from plhgis.cli import cli

# the arguments each command taking --commune needs besides it (a file that is never read: the
# commune is checked when the store opens, before anything else)
COMMANDS = {
    ("history",): [],
    ("import",): ["permits", "absent.csv"],
    ("export",): ["projects", "out.csv"],
    ("project", "list"): [],
    ("friche", "list"): [],
    ("plot", "list"): [],
    ("sru", "list"): [],
    ("sru", "figures"): [],
    ("map",): [],
    ("check",): [],
    ("targets",): [],
    ("reconcile",): ["--dry-run"],
    ("permits", "list"): [],
    ("permits", "summary"): [],
    ("users", "add"): ["mairie_99999", "--role", "commune"],
}


def _with_commune(group=cli, path=()):
    """Every command of the tree whose --commune names a commune to work on, as its path of names (in
    `add` and `edit`, --commune is the feature's own field, checked by the layer's rules)."""
    for name, command in group.commands.items():
        here = (*path, name)
        field = name in ("add", "edit") and path[:1] in (("project",), ("friche",), ("plot",), ("sru",))
        if not field and any("--commune" in getattr(p, "opts", ()) for p in command.params):
            yield here
        if isinstance(command, click.Group):
            yield from _with_commune(command, here)


def test_every_command_taking_commune_is_tested():
    assert sorted(_with_commune()) == sorted(COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMANDS), ids=" ".join)
def test_an_unknown_commune_is_refused_the_same_way_everywhere(invoke, demo_path, tmp_path, monkeypatch, command):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    result = invoke(*command, *COMMANDS[command], "--store", demo_path, "--commune", "99999")
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == (
        "Erreur : champ 'commune', valeur '99999' : aucune commune '99999' dans la base "
        "(conseil : donnez le code INSEE d'une commune de la base ; plhgis commune list les donne)")
    assert "Traceback" not in result.output and not list(work.iterdir())  # nothing written


def test_a_known_commune_still_works_and_commune_list_gives_the_codes(invoke, demo_path):
    listed = invoke("commune", "list", "--store", demo_path)
    assert listed.exit_code == 0 and "62950" in listed.stdout and "Souchez-la-Grande" in listed.stdout
    result = invoke("project", "list", "--store", demo_path, "--commune", "62950")
    assert result.exit_code == 0 and "P-62950-" in result.stdout


def test_the_error_speaks_english_when_asked(invoke, demo_path, monkeypatch):
    monkeypatch.setenv("PLHGIS_LANG", "en")
    result = invoke("project", "list", "--store", demo_path, "--commune", "99999")
    assert result.exit_code == 1
    assert result.stderr.strip() == ("Error: field 'commune', value '99999': no commune '99999' in the store "
                                     "(hint: give the INSEE code of a commune of the store; plhgis commune list "
                                     "shows them)")


def test_an_existing_output_is_refused_by_one_helper(invoke, demo_path, tmp_path):
    """init, export, map and fetch's --output say the same thing when the file exists."""
    taken = tmp_path / "taken.gpkg"
    taken.write_text("mine")
    for args in (("init", "--store", taken), ("export", "projects", taken, "--store", demo_path),
                 ("map", "-o", taken, "--store", demo_path)):
        result = invoke(*args)
        assert result.exit_code == 1, args
        assert result.stderr.startswith(f"Erreur : fichier {taken} : le fichier de sortie existe déjà (conseil : utilisez "
                                        "--overwrite"), args
    assert taken.read_text() == "mine"


@pytest.mark.parametrize("args", [("pack", "99999"), ("review-plu", "99999", "--zoning", __file__)], ids=lambda a: a[0])
def test_a_commune_given_as_argument_is_refused_the_same_way(invoke, demo_path, args):
    result = invoke(*args, "--store", demo_path)
    assert result.exit_code == 1
    assert result.stderr.startswith("Erreur : champ 'commune', valeur '99999' : aucune commune '99999' dans la base")

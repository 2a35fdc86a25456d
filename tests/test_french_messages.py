"""Everything the command line says when it refuses, warns or sums up is French by default and English
with --lang en: library errors with their reasons and hints, import warnings and notes, usage errors, and
the help of every command."""
from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from plhgis.cli import cli
from plhgis.cli_options import LANG
from plhgis.labels import LABELS, Msg, Num, t

# words a French message never holds, and words an English one always may
ENGLISH = re.compile(r"\b(the|of|is|not|no|out of range|check|kept|hint|row|field|value|file|found|written|"
                     r"error|warning|problem|should|give|use|must|cannot)\b", re.IGNORECASE)
FRENCH = re.compile(r"\b(le|la|les|du|des|pas|aucun|conseil|ligne|champ|valeur|fichier|écrit|erreur|"
                    r"avertissement|problème|donnez|utilisez|vérifiez)\b", re.IGNORECASE)
HEADER = "name;commune;homes_total;status;lon;lat"


def _files(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{HEADER}\nA;62950;1e30;études;2,79;50,40\nB;62950;3;foo;2,79;50,40\n", encoding="utf-8")
    nowhere = tmp_path / "nowhere.csv"
    nowhere.write_text("name;commune;homes_total;status\nC;62950;12;études\n", encoding="utf-8")
    sectors = tmp_path / "secteurs.csv"
    sectors.write_text("name;commune;kind;WKT\nS;62950;centralité;POINT (0 0)\n", encoding="utf-8")
    toml = tmp_path / "plhgis.toml"
    return {"bad": bad, "nowhere": nowhere, "sectors": sectors, "toml": toml}


CASES = {  # name → (arguments, exit code); {store}, {x} are filled in
    "values out of range and off the list": (["import", "projects", "{bad}"], 1),
    "no such file": (["import", "projects", "{tmp}/absent.csv"], 1),
    "a scheme with no location (warning, note)": (["import", "projects", "{nowhere}", "--dry-run"], 0),
    "unknown id": (["project", "show", "P-62950-9999"], 1),
    "unknown commune": (["map", "--commune", "99999", "-o", "{tmp}/m.html"], 1),
    "unknown rule (usage error)": (["check", "--rule", "NOPE"], 2),
    "not a number of degrees": (["project", "add", "--name", "A", "--commune", "62950", "--homes-total", "12",
                                 "--status", "études", "--lon", "nan", "--lat", "50.4"], 2),
    "unknown option": (["project", "list", "--bogus"], 2),
    "nothing to change": (["project", "edit", "P-62950-0001"], 2),
    "not a number": (["project", "list", "--as-of", "hier"], 2),
    "an output that exists": (["export", "projects", "{bad}"], 1),
    "a sector with no kind column": (["import", "sectors", "{nowhere}"], 1),
    "a layer that does not exist": (["import", "nothing", "{bad}"], 2),
    "a choice off the list": (["import", "projects", "{bad}", "--dry-run", "--mode", "bogus"], 2),
    "no such command": (["project", "bogus"], 2),
    "a language off the list, refused before any command": (["--lang", "de", "layers"], 2),
}


def _run(args, lang, demo_path, files, tmp_path):
    args = [a.format(tmp=tmp_path, **files) for a in args]
    env = {"PLHGIS_LANG": lang}
    return CliRunner().invoke(cli, [*args, "--store", str(demo_path)], env=env, catch_exceptions=False,
                            prog_name="plhgis")


def _said(result) -> list[str]:
    """What the command said on stderr, less the echo of the user's own input (paths, values, ids)."""
    lines = []
    for line in result.stderr.splitlines():
        line = re.sub(r"'[^']*'|/\S+|\b[A-Z]-\d{5}-\d{4}\b|--[\w-]+|\bplhgis\b[^:]*", " ", line)
        lines.append(line)
    return lines


@pytest.mark.parametrize("case", list(CASES))
def test_french_by_default_english_on_request(case, demo_path, tmp_path):
    args, code = CASES[case]
    files = {k: str(v) for k, v in _files(tmp_path).items()}
    french = _run(args, "fr", demo_path, files, tmp_path)
    english = _run(args, "en", demo_path, files, tmp_path)
    assert french.exit_code == english.exit_code == code, (french.output, english.output)
    said_fr, said_en = _said(french), _said(english)
    assert said_fr and said_en, (french.output, english.output)
    leaks = [line for line in said_fr if ENGLISH.search(line)]
    assert not leaks, leaks
    assert any(FRENCH.search(line) for line in said_fr), said_fr
    assert not [line for line in said_en if FRENCH.search(line)], said_en
    assert any(ENGLISH.search(line) for line in said_en), said_en


def test_the_example_of_the_issue_reads_french(demo_path, tmp_path):
    files = {k: str(v) for k, v in _files(tmp_path).items()}
    result = _run(["import", "projects", "{bad}"], "fr", demo_path, files, tmp_path)
    assert (f"fichier {files['bad']}, ligne 2, champ 'homes_total', valeur '1e30' : hors limites (plus de "
            "1\u202f000\u202f000\u202f000) (conseil : vérifiez la valeur : un nombre ou une année, par ex. 12)"
            ) in result.stderr
    result = _run(["import", "projects", "{bad}"], "en", demo_path, files, tmp_path)
    assert (f"{files['bad']}, row 2, field 'homes_total', value '1e30': out of range (more than 1,000,000,000) "
            "(hint: check the value: a count or a year, e.g. 12)") in result.stderr


def test_every_message_is_in_both_languages_and_formatted_only_when_shown():
    for key, texts in LABELS.items():
        assert len(texts) == 2 and all(isinstance(x, str) and x for x in texts), key
        fr, en = texts
        if not key.startswith("check."):  # a finding's message reads its own columns per language (status_fr…)
            assert set(re.findall(r"{(\w+)", fr)) == set(re.findall(r"{(\w+)", en)), key  # the same values
    said = Msg("err.too_large", limit=Num(10 ** 9))
    assert said.text("fr") == "hors limites (plus de 1\u202f000\u202f000\u202f000)"
    assert said.text("en") == str(said) == "out of range (more than 1,000,000,000)"
    assert t("err.out_of_range", "fr", range=Msg("err.at_least", lo=Num(5))) == "hors limites (doit être au moins 5)"
    with pytest.raises(KeyError):
        Msg("err.no_such_message")


# -- the help: `plhgis … --help` of every command, French by default, English on request -------------------
HELP_ENGLISH = re.compile(ENGLISH.pattern[:-3] + r"|and|with|from|each|every|only|when|this|that|to|in|by|exit|"
                          r"default|required|text|integer|float|path|layer|command|usage:)\b", re.IGNORECASE)
HELP_FRENCH = re.compile(FRENCH.pattern[:-3] + r"|et|avec|depuis|chaque|seulement|quand|cette|dans|par|une?|"
                         r"défaut|obligatoire|commandes?|texte|entier|nombre|chemin|couche|aide|affiche)\b",
                         re.IGNORECASE)


def _command_paths(group, path=()):
    """The path of every command and group under `group`, itself included."""
    yield path
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _command_paths(command, (*path, name))
        else:
            yield (*path, name)


def _context(path):
    ctx = click.Context(cli, info_name="plhgis")
    for name in path:
        ctx = click.Context(ctx.command.commands[name], info_name=name, parent=ctx)
    return ctx


NAMES = {name for path in _command_paths(cli) for name in path}


def _help_words(text: str) -> str:
    """What a help page says in its own words: less the examples, the values one types (quoted, listed, option
    and command names, paths, lists of values) that read the same in both languages."""
    text = " ".join(line for line in text.splitlines() if not line.strip().startswith("plhgis "))
    text = re.sub(r"\[(par défaut\s:|default:) [^;\]]*", " ", text)
    text = re.sub(r"(Valeurs possibles :|One of:).*?\.(?= -|$)", " ", " ".join(text.split()))  # also splits at NBSP
    text = re.sub(r"(?<!\w)'[^']*'(?!\w)|«[^»]*»|`[^`]*`|\"[^\"]*\"|\S*/\S*|--?[\w-]+|\[[\w|-]+\]|\$\w+", " ", text)
    return re.sub(r"\b(" + "|".join(sorted(NAMES, key=len, reverse=True)) + r")\b", " ", text)


@pytest.mark.parametrize("path", [" ".join(p) for p in _command_paths(cli)])
def test_help_is_french_by_default_english_on_request(path):
    args = [*path.split(), "--help"]
    runner = CliRunner()
    french = runner.invoke(cli, args, env={"PLHGIS_LANG": None}, prog_name="plhgis")
    english = runner.invoke(cli, args, env={"PLHGIS_LANG": "en"}, prog_name="plhgis")
    assert french.exit_code == english.exit_code == 0, (french.output, english.output)
    assert french.output.startswith(f"Usage : plhgis {path}".rstrip() + " ")
    assert english.output.startswith(f"Usage: plhgis {path}".rstrip() + " ")
    said_fr, said_en = _help_words(french.output), _help_words(english.output)
    assert not HELP_ENGLISH.findall(said_fr), (HELP_ENGLISH.findall(said_fr), french.output)
    assert not HELP_FRENCH.findall(said_en), (HELP_FRENCH.findall(said_en), english.output)
    assert "Options :" in french.output and "Options:" in english.output
    group = isinstance(_context(path.split()).command, click.Group)
    assert ("Commandes :" in french.output) == ("Commands:" in english.output) == group


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_command_and_option_has_help(lang, monkeypatch):
    monkeypatch.setitem(LANG, "value", lang)
    for path in _command_paths(cli):
        ctx = _context(path)
        assert ctx.command.help_text(ctx), path
        unread = [p.name for p in ctx.command.params if getattr(p, "help", None) and p.name != "version"  # click's
                  ] + [ctx.command.help] * bool(ctx.command.help)
        assert not unread, f"{path}: help= and docstrings are not shown; write them in cli_help.HELP: {unread}"
        rows = ctx.command.help_rows(ctx)
        assert rows and all(text for _, text in rows), (path, [spec for spec, text in rows if not text])


def test_the_language_is_read_before_the_help_is_shown():
    """--lang before or after --help, on the group; $PLHGIS_LANG for a command's help."""
    runner = CliRunner()
    for args in (["--lang", "en", "import", "--help"], ["--lang=en", "--help"], ["--help", "--lang", "en"]):
        result = runner.invoke(cli, args, env={"PLHGIS_LANG": "fr"}, prog_name="plhgis")
        assert result.output.startswith("Usage: plhgis") and "Show this message and exit." in result.output, args
    result = runner.invoke(cli, ["import", "--help"], env={"PLHGIS_LANG": "en"}, prog_name="plhgis")
    assert "Import a file into a layer" in result.output and "[OPTIONS] LAYER FILE" in result.output
    result = runner.invoke(cli, ["import", "--help"], prog_name="plhgis")
    assert "Importe un fichier dans une couche" in result.output and "[OPTIONS] COUCHE FICHIER" in result.output
    assert "Affiche cette aide et s'arrête." in result.output and "[par défaut\u00a0: upsert]" in result.output


def test_a_usage_error_shows_the_usage_in_the_cli_language():
    runner = CliRunner()
    french = runner.invoke(cli, ["import", "projects"], env={"PLHGIS_LANG": None}, prog_name="plhgis")
    assert french.exit_code == 2
    assert french.stderr.startswith("Usage : plhgis import [OPTIONS] COUCHE FICHIER\nAide : plhgis import --help\n")
    assert "Erreur : 'FICHIER' manque" in french.stderr
    english = runner.invoke(cli, ["import", "projects"], env={"PLHGIS_LANG": "en"}, prog_name="plhgis")
    assert english.stderr.startswith("Usage: plhgis import [OPTIONS] LAYER FILE\n")
    assert "Missing 'FILE'." in english.stderr


def test_a_group_alone_shows_its_help_not_an_error():
    result = CliRunner().invoke(cli, ["fetch"], env={"PLHGIS_LANG": None}, prog_name="plhgis")
    assert result.exit_code == 2
    assert result.stderr.startswith("Usage : plhgis fetch [OPTIONS] COMMANDE [ARGS]...\n\n  Charge les données")
    assert "Erreur" not in result.stderr and "Commandes :" in result.stderr


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_password_is_asked_in_the_cli_language(lang, demo_path):
    result = CliRunner().invoke(cli, ["users", "add", "mairie_62950", "--role", "read", "--password", "--store",
                                      str(demo_path)], input="a\nb\nSecret-42\nSecret-42\n",
                                env={"PLHGIS_LANG": lang}, prog_name="plhgis")
    ask, again, differ = {"fr": ("Mot de passe : ", "Le même mot de passe, à nouveau : ",
                                 "Les deux saisies diffèrent ; recommencez."),
                          "en": ("Password: ", "Repeat for confirmation: ", "The two entered values do not match.")}[lang]
    assert result.stderr.startswith(f"{ask}\n{again}\n{differ}\n{ask}\n{again}\n"), result.stderr
    assert result.exit_code == 1 and "PostGIS" in result.stderr  # asked first, then refused: a GeoPackage has no logins


@pytest.mark.parametrize("args, fr, en", [
    (["--lang", "{lang}"], "Erreur : donnez une commande", "Error: Missing command."),
    (["import", "projects", "a.csv", "extra"], "Erreur : argument en trop : extra",
     "Error: Got unexpected extra arguments: extra"),
    (["import", "projects", "a.csv", "--mode"], "Erreur : l'option --mode attend une valeur",
     "Error: Option '--mode' requires an argument."),
])
def test_clicks_own_refusals_in_the_cli_language(args, fr, en):
    for lang, said in (("fr", fr), ("en", en)):
        result = CliRunner().invoke(cli, [a.format(lang=lang) for a in args], env={"PLHGIS_LANG": lang},
                                    prog_name="plhgis")
        assert result.exit_code == 2 and said in result.stderr, result.stderr

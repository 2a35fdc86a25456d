"""Bad input, a corpus and a fuzz run: a clear message and a non-zero exit, never a traceback,
and the store byte-identical afterwards."""
from __future__ import annotations

import random
import zipfile
from pathlib import Path

import openpyxl
import pytest

from plhgis.cli import cli

HEADER = "name;commune;homes_total;status;lon;lat"
GOOD = "Résidence des Aulnes;62950;12;études;2,79;50,40"


def _csv(*lines, encoding="utf-8"):
    return ("\n".join(lines) + "\n").encode(encoding)


def _xlsx(rows, path):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


XLSX_HEADER = ["name", "commune", "homes_total", "status", "lon", "lat"]
XLSX_GOOD = ["Résidence des Aulnes", "62950", 12, "études", 2.79, 50.40]


def _xlsx_far_cell(tmp):
    path = tmp / "a.xlsx"
    book = openpyxl.Workbook()
    book.active.append(XLSX_HEADER)
    book.active.append(XLSX_GOOD)
    book.active["XFD1048576"] = "x"
    book.save(path)
    return path


def _xlsx_broken_xml(tmp):
    path = tmp / "a.xlsx"
    good = _xlsx([XLSX_HEADER, XLSX_GOOD], tmp / "good.xlsx")
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            dst.writestr(item, data)
    return path


def _xlsx_truncated(tmp):
    path = tmp / "a.xlsx"
    data = _xlsx([XLSX_HEADER, XLSX_GOOD], tmp / "good.xlsx").read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _write(name, content):
    def make(tmp):
        path = tmp / name
        path.write_bytes(content)
        return path
    return make


# case: (how to make the file, the fragments the message must hold)
IMPORTS = {
    "homes_total 1e30": (_write("a.csv", _csv(HEADER, GOOD.replace(";12;", ";1e30;"))),
                         ["a.csv", "ligne 2", "champ \'homes_total\'", "valeur \'1e30\'", "hors limites"]),
    "homes_total inf": (_write("a.csv", _csv(HEADER, GOOD.replace(";12;", ";inf;"))),
                        ["a.csv", "ligne 2", "champ \'homes_total\'", "valeur \'inf\'", "pas un nombre entier"]),
    "homes_total 1e309": (_write("a.csv", _csv(HEADER, GOOD.replace(";12;", ";1e309;"))),
                          ["a.csv", "ligne 2", "champ \'homes_total\'", "valeur \'1e309\'", "pas un nombre entier"]),
    "xlsx homes_total 1e30": (lambda tmp: _xlsx([XLSX_HEADER, XLSX_GOOD[:2] + [1e30] + XLSX_GOOD[3:]],
                                                tmp / "a.xlsx"),
                              ["a.xlsx", "ligne 2", "champ \'homes_total\'", "hors limites"]),
    "byte invalid in UTF-8 and cp1252": (_write("a.csv", _csv(HEADER, GOOD) + b"R\x81sidence;62950;12;\xe9tudes;2,79;50,40\n"),
                                         ["a.csv", "ligne 3", "octet 0x81", "ni de l'UTF-8 ni du Windows-1252"]),
    "one cp1252 byte in a UTF-8 file": (_write("a.csv", _csv(HEADER, GOOD) + "R\xe9sidence;62950;12;études;2,79;50,40\n"
                                               .encode("utf-8").replace(b"R\xc3\xa9", b"R\xe9")),
                                        ["a.csv", "ligne 3", "octet 0xe9", "pas de l'UTF-8", "enregistrez à nouveau le fichier en UTF-8"]),
    "xlsx bad zip": (_xlsx_truncated, ["a.xlsx", "pas un classeur XLSX"]),
    "xlsx broken sheet xml": (_xlsx_broken_xml, ["a.xlsx", "endommagé", "feuille"]),
    "unquoted separator in a value": (_write("a.csv", _csv(HEADER, "Résidence; les Aulnes;62950;12;études;2,79;50,40")),
                                      ["a.csv", "la ligne 2 a 7 champs, l'en-tête 6", "guillemets"]),
    "end_date 31/02/2025": (_write("a.csv", _csv(HEADER + ";end_date", GOOD + ";31/02/2025")),
                            ["a.csv", "ligne 2", "champ \'end_date\'", "valeur \'31/02/2025\'", "pas une date"]),
    "end_date demain": (_write("a.csv", _csv(HEADER + ";end_date", GOOD + ";demain")),
                        ["a.csv", "ligne 2", "champ \'end_date\'", "valeur \'demain\'", "pas une date"]),
}


def _invoke(runner, *args):
    result = runner.invoke(cli, [str(a) for a in args], catch_exceptions=True)
    assert not (result.exception and not isinstance(result.exception, SystemExit)), \
        f"uncaught {type(result.exception).__name__}: {result.exception}"
    return result


@pytest.mark.parametrize("case", IMPORTS)
def test_bad_import_is_refused_clearly(runner, demo_path, tmp_path, case):
    make, fragments = IMPORTS[case]
    path = make(tmp_path)
    before = demo_path.read_bytes()
    result = _invoke(runner, "import", "projects", path, "--store", demo_path)
    assert result.exit_code != 0, result.output
    for fragment in fragments:
        assert fragment in result.output, result.output
    assert demo_path.read_bytes() == before


ODD_BUT_FINE = {  # case: (file, a line the dry run must print)
    "a value in cell XFD1048576": (_xlsx_far_cell, "+ projects (nouvel id) Résidence des Aulnes"),
    "a separator ending every row but the header": (_write("a.csv", _csv(HEADER, GOOD + ";", GOOD + ";")),
                                                    "+ projects (nouvel id) Résidence des Aulnes"),
    "a WKT column empty in every row": (_write("a.csv", _csv("name;commune;homes_total;status;wkt_2154",
                                                             "A;62950;12;études;", "B;62950;14;études;")),
                                        "+ projects (nouvel id) B"),
}


@pytest.mark.parametrize("case", ODD_BUT_FINE)
def test_odd_but_valid_files_import(runner, demo_path, tmp_path, case):
    make, line = ODD_BUT_FINE[case]
    result = _invoke(runner, "import", "projects", make(tmp_path), "--store", demo_path, "--dry-run")
    assert result.exit_code == 0, result.output
    assert line in result.output, result.output


COMMANDS = {
    "--homes-total 1e30": (["project", "add", "--name", "A", "--commune", "62950", "--homes-total", "1e30",
                            "--status", "études", "--lon", "2.79", "--lat", "50.4"],
                           ["champ \'homes_total\'", "valeur \'1e30\'", "hors limites"]),
    "--homes-total inf": (["project", "add", "--name", "A", "--commune", "62950", "--homes-total", "inf",
                           "--status", "études", "--lon", "2.79", "--lat", "50.4"],
                          ["champ \'homes_total\'", "valeur \'inf\'", "pas un nombre entier"]),
    "--lon nan": (["project", "add", "--name", "A", "--commune", "62950", "--homes-total", "12",
                   "--status", "études", "--lon", "nan", "--lat", "50.4"],
                  ["--lon", "nan", "pas un nombre"]),
    "export to an unwritable path": (["export", "projects", "/proc/plhgis/projets.csv"],
                                     ["/proc/plhgis", "impossible d'écrire"]),
}


@pytest.mark.parametrize("case", COMMANDS)
def test_bad_command_input_is_refused_clearly(runner, demo_path, case):
    args, fragments = COMMANDS[case]
    before = demo_path.read_bytes()
    result = _invoke(runner, *args, "--store", demo_path)
    assert result.exit_code != 0, result.output
    for fragment in fragments:
        assert fragment in result.output, result.output
    assert demo_path.read_bytes() == before


# -- fuzz: files made from a valid one by byte flips, truncation and inserted separators -------
def _mutate(data: bytes, rng: random.Random) -> bytes:
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        kind = rng.choice(("flip", "truncate", "insert", "delete"))
        at = rng.randrange(len(data)) if data else 0
        if kind == "flip" and data:
            data[at] = rng.randrange(256)
        elif kind == "truncate":
            data = data[:at]
        elif kind == "insert":
            data[at:at] = rng.choice((b";", b",", b"\n", b'"', b"\r", b"\x00", b"\xe9", b"\xc3", b"\x81",
                                      b"1e309", b"e30", b"nan", b"<", b"&"))
        elif data:
            del data[at]
    return bytes(data)


FUZZ_SEED, FUZZ_CSV, FUZZ_XLSX = 8, 150, 50


def test_fuzzed_imports_never_crash_nor_write_on_refusal(runner, demo_path, tmp_path):
    csv_seed = _csv(HEADER + ";end_date", GOOD + ";", "Les Tilleuls;62950;24;PC accordé;2,80;50,41;31/12/2030")
    xlsx_seed = _xlsx([XLSX_HEADER, XLSX_GOOD], tmp_path / "seed.xlsx").read_bytes()
    rng = random.Random(FUZZ_SEED)
    outcomes = {"imported": 0, "refused": 0}
    for i in range(FUZZ_CSV + FUZZ_XLSX):
        suffix, seed = (".csv", csv_seed) if i < FUZZ_CSV else (".xlsx", xlsx_seed)
        path = Path(tmp_path / f"fuzz{i}{suffix}")
        path.write_bytes(_mutate(seed, rng))
        before = demo_path.read_bytes()
        result = _invoke(runner, "import", "projects", path, "--store", demo_path)
        assert result.exit_code in (0, 1), (path.read_bytes(), result.output)
        if result.exit_code:
            assert path.name in result.output, result.output
            assert demo_path.read_bytes() == before, "a refused import changed the store"
        outcomes["imported" if result.exit_code == 0 else "refused"] += 1
    print(f"fuzz: {FUZZ_CSV + FUZZ_XLSX} tried, {outcomes}, 0 tracebacks")

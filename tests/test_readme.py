"""The README is executed: every command of its ```sh / ```bash blocks runs, in order, as written,
on a fresh demo (`plhgis demo` in a new folder), and each is checked: exit code, no traceback, the
id it says it prints, the file it names, a dry run that leaves the store alone.

The block that reads `../shared/data` runs when the real data is there (beside a copy of it at the
same relative place), else it is skipped. `fetch` needs the official APIs: it is not run offline.
"""
from __future__ import annotations

import json
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

import pg
from conftest import SHARED, snapshot
from plhgis import demo
from plhgis.cli import cli
from plhgis.store import GeoPackageStore

README = Path(__file__).resolve().parents[1] / "README.md"
SKIPPED = {("pip", "install"): "the install itself", ("python", "-m", "pytest"): "the test command (this suite)"}
OFFLINE = {"fetch"}  # the official APIs are not reachable from the offline suite


# README sections whose examples do not yet run as written on the demo (the test checks they still
# fail, so that an entry goes once it is fixed); the SRU and permit sections run on the demo's own
# example files (examples/donnees-sru-2026.csv, the SDES lists of January and February 2026).
NEEDS_SERVER = "Shared store (PostGIS)"  # run by test_readme_postgis_section_on_a_real_server
NOT_YET_RUNNABLE: set[str] = set()


@dataclass
class Command:
    line: int
    text: str
    comment: str
    real_data: bool
    section: str = ""


def readme_commands(text=None) -> list[Command]:
    """The shell commands of the README's sh/bash blocks, continuation lines joined, in order."""
    text = README.read_text(encoding="utf-8") if text is None else text
    out = []
    for block in re.finditer(r"^```(?:sh|bash)\n(.*?)^```", text, re.S | re.M):
        first = text.count("\n", 0, block.start(1)) + 1
        body = block.group(1)
        real = "../shared/data" in body
        heading = re.findall(r"^## (.+)$", text[:block.start()], re.M)
        lines = body.splitlines()
        i = 0
        while i < len(lines):
            start, parts = i, [lines[i]]
            while parts[-1].rstrip().endswith("\\") and i + 1 < len(lines):
                parts[-1] = parts[-1].rstrip()[:-1]
                i += 1
                parts.append(lines[i])
            i += 1
            joined = " ".join(p.strip() for p in parts)
            code, _, comment = _split_comment(joined)
            if code.strip():
                out.append(Command(first + start, code.strip(), comment.strip(), real, heading[-1] if heading else ""))
    return out


def _split_comment(line):
    """Code and trailing `# comment`, quotes respected."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i], "#", line[i + 1:]
    return line, "", ""


class Shell:
    """Runs the README's commands the way a shell would, plhgis through click's runner."""

    def __init__(self, monkeypatch):
        self.mp, self.vars, self.rewrite = monkeypatch, {}, {}
        self.input = None  # what a prompt reads (the PostGIS section's --password)
        self.runner = CliRunner()

    def expand(self, token: str) -> str:
        for name, real in self.rewrite.items():
            token = token.replace(name, real)
        return re.sub(r"\$\{?(\w+)\}?", lambda m: self.vars.get(m.group(1), ""), token)

    def run(self, cmd: Command) -> list:
        results = []
        for part in _and_list(shlex.split(cmd.text)):
            part = [self.expand(t) for t in part]
            where = f"README line {cmd.line}: {cmd.text}"
            if part[0] == "export":
                part = part[1:]
            if len(part) == 1 and re.fullmatch(r"\w+=.*", part[0]):
                name, value = part[0].split("=", 1)
                self.vars[name] = value
                if cmd.text.startswith("export"):
                    self.mp.setenv(name, value)
                continue
            prefix = {}
            while len(part) > 1 and re.fullmatch(r"\w+=.*", part[0]):  # VAR=value plhgis …
                name, value = part.pop(0).split("=", 1)
                prefix[name] = value
            if any(tuple(part[:len(k)]) == k for k in SKIPPED):
                continue
            assert part[0] == "plhgis", f"{where}: the README test does not know how to run '{part[0]}'"
            if part[1] in OFFLINE:
                continue
            with pytest.MonkeyPatch.context() as mp:
                for name, value in prefix.items():
                    mp.setenv(name, value)
                results.append(self.plhgis(part[1:], cmd, where))
        return results

    def plhgis(self, args, cmd, where):
        redirect = None
        if ">" in args:
            at = args.index(">")
            args, redirect = args[:at], args[at + 1]
        store = Path(self._store(args))
        before = snapshot(store) if "--dry-run" in args and store.exists() else None
        result = self.runner.invoke(cli, args, input=self.input, catch_exceptions=True)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            import traceback
            trace = "".join(traceback.format_exception(result.exception))
            pytest.fail(f"{where}\ncrashed:\n{trace}")
        # check exits 1 on an error-level finding; a command the README says exits 1 must do so
        allowed = (1,) if "exits 1" in cmd.comment else (0, 1) if args[0] == "check" else (0,)
        assert result.exit_code in allowed, f"{where}\nexit {result.exit_code}:\n{result.output}"
        assert result.output.strip() or redirect, f"{where}: printed nothing"
        if redirect:
            Path(redirect).write_text(result.stdout, encoding="utf-8")
        _check_outputs(args, redirect, result, cmd, where)
        if before is not None:
            assert snapshot(store) == before, f"{where}: a dry run changed the store"
        return result

    def _store(self, args):
        if "--store" in args:
            return args[args.index("--store") + 1]
        return os.environ.get("PLHGIS_STORE") or "layers/plh.gpkg"


def _and_list(tokens):
    part = []
    for t in tokens:
        if t == "&&":
            yield part
            part = []
        else:
            part.append(t)
    if part:
        yield part


def _check_outputs(args, redirect, result, cmd, where):
    """The file a command names exists and holds something; the id its comment promises is printed."""
    named = []
    if "-o" in args:
        named.append(Path(args[args.index("-o") + 1]))
    if args[0] == "export":
        named.append(Path(args[2]))
    if redirect:
        named.append(Path(redirect))
        if redirect.endswith(".geojson"):
            assert json.loads(Path(redirect).read_text(encoding="utf-8"))["type"] == "FeatureCollection", where
    if args[0] == "pack" and "-o" not in args:
        named += [Path("maps") / f"{args[1]}-dossier.{ext}" for ext in ("html", "pdf") if ext == "html" or "--pdf" in args]
    for path in named:
        assert path.exists(), f"{where}: {path} was not written"
        assert path.is_dir() and any(path.iterdir()) or path.is_file() and path.stat().st_size, where
    promised = re.search(r"prints (?:the new id )?([A-Z]-\d{5}-\d{4})", cmd.comment)
    if promised:
        assert promised.group(1) in result.output, f"{where}: '{promised.group(1)}' not printed:\n{result.output}"
    if args[1:2] == ["list"] or args[0] == "history":
        assert result.stdout.strip(), f"{where}: listed nothing"
    if args[1:2] == ["show"]:
        assert args[2] in result.output, f"{where}: the feature shown is not named"


@pytest.fixture
def readme_dir(tmp_path, monkeypatch):
    """A fresh folder where `plhgis demo` already ran; `../shared/data` beside it when present."""
    root = tmp_path / "plhgis"
    root.mkdir()
    monkeypatch.chdir(root)
    monkeypatch.delenv("PLHGIS_STORE", raising=False)
    if SHARED.is_dir():
        (tmp_path / "shared").symlink_to(SHARED.parent, target_is_directory=True)
    return root


def test_readme_runs_as_written(readme_dir, monkeypatch):
    commands = readme_commands()
    assert commands[0].text.endswith("plhgis demo"), "the README starts with plhgis demo"
    shell = Shell(monkeypatch)
    ran, broken = [], set()
    for cmd in commands:
        if cmd.real_data or cmd.section == NEEDS_SERVER:
            continue
        if cmd.section in NOT_YET_RUNNABLE:
            try:
                shell.run(cmd)
            except (AssertionError, pytest.fail.Exception):
                broken.add(cmd.section)
            continue
        ran += shell.run(cmd)
    assert len(ran) >= 40
    assert broken == NOT_YET_RUNNABLE, "these sections run now: remove them from NOT_YET_RUNNABLE"
    for name in demo.EXAMPLES:
        assert (readme_dir / "examples" / name).is_file()


@pytest.mark.shared
def test_readme_real_data_block_runs_as_written(readme_dir, monkeypatch, shared_data):
    shell = Shell(monkeypatch)
    ran = []
    for cmd in readme_commands():
        if cmd.real_data or cmd.text.endswith("plhgis demo"):
            ran += shell.run(cmd)
    assert len(ran) >= 12


def test_readme_postgis_section_on_a_real_server(readme_dir, monkeypatch, pg_cluster):
    """The PostGIS section as written, its server name pointed at the throw-away cluster, passwords
    typed at the prompts and read back from a ~/.pgpass file as the README says."""
    db = pg_cluster.new_database()
    where = f"127.0.0.1:{pg_cluster.port}/{db}"
    password = "mot-de-passe-essai"
    pgpass = readme_dir / "pgpass"
    pgpass.write_text(f"127.0.0.1:{pg_cluster.port}:*:postgres:{pg.ADMIN_PASSWORD}\n"
                      f"127.0.0.1:{pg_cluster.port}:*:*:{password}\n", encoding="utf-8")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    shell = Shell(monkeypatch)
    shell.rewrite = {"plh_admin@sig.example.fr/plh": f"postgres@{where}", "@sig.example.fr/plh": f"@{where}"}
    shell.input = f"{password}\n{password}\n"
    commands = readme_commands()
    ran = shell.run(commands[0])  # plhgis demo
    for cmd in commands:
        if cmd.section == NEEDS_SERVER:
            ran += shell.run(cmd)
    assert len(ran) >= 13
    assert "mot-de-passe-essai" not in "".join(r.output for r in ran)


def test_the_parser_follows_the_shell():
    text = ("intro\n```sh\nplhgis a --x 'q # not a comment' \\\n   --y 2   # a comment\n\nD=../d\n```\n"
            "```python\nignored()\n```\n```bash\nexport S=x/y && plhgis b > out.txt\n```\n")
    cmds = readme_commands(text)
    assert [c.text for c in cmds] == ["plhgis a --x 'q # not a comment' --y 2", "D=../d",
                                      "export S=x/y && plhgis b > out.txt"]
    assert cmds[0].comment == "a comment" and cmds[0].line == 3


def test_demo_history_is_back_dated(invoke, demo_path, tmp_path):
    """The PLH started in 2023, updates each year, one meeting in late 2024: --as-of and --since
    show real differences."""
    out = tmp_path / "then.gpkg"
    assert invoke("export", "projects", out, "--as-of", "2024-12-31", "--store", demo_path).exit_code == 0
    import geopandas as gpd
    then = gpd.read_file(out)
    now = GeoPackageStore(demo_path).read("projects")
    assert 0 < len(then) < len(now)
    status_then = dict(zip(then["id"], then["status"]))
    assert sum(status_then[i] != s for i, s in zip(now["id"], now["status"]) if i in status_then) >= 10
    since = invoke("history", "--since", demo.LAST_MEETING, "--format", "csv", "--store", demo_path).stdout
    rows = since.strip().splitlines()[1:]
    assert rows and all(r[:10] >= demo.LAST_MEETING for r in rows)
    everything = invoke("history", "projects", "--format", "csv", "--store", demo_path).stdout
    assert len(everything.splitlines()) > len(rows) + 50 and "2023-02-06" in everything
    pack = invoke("pack", "62950", "--since", demo.LAST_MEETING, "-o", tmp_path / "p", "--store", demo_path)
    assert pack.exit_code == 0
    page = (tmp_path / "p" / "62950-dossier.html").read_text(encoding="utf-8")
    assert "→" in page and "2025-03-10" in page


def test_example_files_are_what_communes_send(tmp_path):
    """cp1252 `;` CSV from French Excel, decimal comma, WKT with no CRS named, CNIG upper-case names."""
    store = demo.build(tmp_path / "plh.gpkg")
    paths = dict(zip(demo.EXAMPLES, demo.write_examples(store, tmp_path / "examples")))
    raw = paths["retour-62950.csv"].read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert raw.decode("cp1252").splitlines()[0].startswith("id;name;commune;")
    partner = paths["operations.csv"].read_bytes().decode("cp1252").splitlines()
    assert partner[0].startswith("Nom de l'opération;Code INSEE;Nb logements;PLAI;PLUS;PLS;")
    assert re.search(r";\d{6},\d;\d{7},\d;", partner[1])  # X;Y in Lambert-93, decimal comma
    plots = paths["gisements.csv"].read_text(encoding="utf-8-sig").splitlines()
    assert plots[0].endswith(";wkt") and re.search(r";\d+,\d;", plots[1])
    import pyogrio
    assert {"LIBELLE", "TYPEZONE", "IDURBA", "INSEE"} <= set(pyogrio.read_info(paths["62952_ZONE_URBA.shp"])["fields"])
    store.close()


def test_demo_sru_inventory_and_permit_lists_are_in_the_published_layouts(demo_path, invoke, tmp_path):
    """The SRU file as the ministry writes it (cp1252, `;`, '26,10%'), the SDES lists with their two header
    lines; January's list is what the demo holds, February's starts, completes, cancels and adds one each."""
    with GeoPackageStore(demo_path) as store:
        paths = dict(zip(demo.EXAMPLES, demo.write_examples(store, tmp_path / "examples")))
    sru = paths["donnees-sru-2026.csv"].read_bytes()
    with pytest.raises(UnicodeDecodeError):
        sru.decode("utf-8")
    lines = sru.decode("cp1252").splitlines()
    assert lines[0].startswith("hexagone_drom;Region;") and re.search(r";\d+,\d\d%;", lines[1])
    r = invoke("import", "sru", paths["donnees-sru-2026.csv"], "--epci", demo.EPCI_SIREN, "--store", demo_path)
    assert r.exit_code == 0 and "sru : ajouts : 7," in r.output and "vintage 2025" in r.output
    january, february = (p for name, p in paths.items() if name.startswith("Liste-des-autorisations"))
    head = january.read_text(encoding="utf-8").splitlines()
    assert head[0].startswith('"Code de la région') and head[1].startswith('"REG_CODE";"REG_LIBELLE"')
    r = invoke("import", "permits", january, "--epci", demo.EPCI_SIREN, "--store", demo_path)
    assert r.exit_code == 0 and "ajouts : 0, modifications : 0, fins : 0, inchangés : 27" in r.output
    r = invoke("import", "permits", february, "--epci", demo.EPCI_SIREN, "--store", demo_path)
    assert r.exit_code == 0 and "ajouts : 1, modifications : 3, fins : 0, inchangés : 24" in r.output
    for change in ("'autorisé' → 'commencé'", "'commencé' → 'terminé'", "'autorisé' → 'annulé'",
                   "+ permits 06295426A0101"):
        assert change in r.output

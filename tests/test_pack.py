"""The commune pack (HTML + XLSX) and the spreadsheet round trip."""
from __future__ import annotations

import html
import json
import re

import openpyxl
import pytest
import shapely

from plhgis import edits, maps, reports, schema, sheets
from plhgis.store import GeoPackageStore

HOSTILE = ("<img src=x onerror=alert(1)>", "</script><script>alert(1)</script>")
COMMUNE = "62951"  # Méricourt-les-Fosses: 7 schemes in the demo


def add_hostile(store, commune="62950"):
    """Two schemes whose names and comments try to run script in a page."""
    c = store.read("communes", commune=commune).geometry.iloc[0].representative_point()
    ids = []
    for k, name in enumerate(HOSTILE):
        change = edits.add(store, "projects", {"name": name, "commune": commune, "homes_total": 12,
                                               "status": "études", "operator": HOSTILE[1 - k],
                                               "comment": f"<b onmouseover=alert({k})>x</b>"},
                           shapely.Point(c.x + 50 * k, c.y), source="test")
        ids.append(change.id)
    return ids


@pytest.fixture
def pack_dir(demo_path, tmp_path):
    store = GeoPackageStore(demo_path, user="test")
    reports.write_packs(store, [COMMUNE], tmp_path / "out")
    store.close()
    return tmp_path / "out"


# -- the workbook ---------------------------------------------------------------------------------------
def test_workbook_layout(pack_dir):
    book = openpyxl.load_workbook(pack_dir / f"{COMMUNE}-projets.xlsx")
    assert book.sheetnames[0] == "instructions"
    assert "renvoyer au service habitat" in " ".join(str(c.value) for c in book["instructions"]["A"] if c.value)
    ws = book["projets"]
    header = [c.value for c in ws[1]]
    assert header == list(sheets.COLUMNS)
    assert "Nom de l'opération" in ws.cell(1, 2).comment.text
    assert ws.protection.sheet
    assert ws.cell(2, 1).protection.locked and not ws.cell(2, 2).protection.locked
    assert ws.cell(ws.max_row, 1).protection.locked  # new rows get their id from plhgis
    lists = {dv.formula1: str(dv.sqref) for dv in ws.data_validations.dataValidation if dv.type == "list"}
    status_col = openpyxl.utils.get_column_letter(header.index("status") + 1)
    assert lists['"' + ','.join(schema.PROJECT_STATUS) + '"'].startswith(f"{status_col}2:")  # recours, suspendu too
    assert '"friche,dent creuse,renouvellement urbain,extension"' in lists
    ids = [ws.cell(r, 1).value for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value]
    assert len(ids) == 7 and ids == sorted(ids)
    assert ws.max_row == 1 + 7 + sheets.NEW_ROWS
    assert sheets.pack_commune(pack_dir / f"{COMMUNE}-projets.xlsx") == COMMUNE


def test_untouched_workbook_imports_as_no_change(invoke, demo_path, pack_dir):
    result = invoke("import", "projects", pack_dir / f"{COMMUNE}-projets.xlsx", "--dry-run", "--store", demo_path)
    assert result.exit_code == 0, result.output
    assert "projects (simulation, rien n'est écrit) : ajouts : 0, modifications : 0, fins : 0, inchangés : 7" \
        in result.output
    assert "left out" not in result.output


def _rewrite(path, edit):
    """Apply `edit(rows)` to the data rows of the projets sheet, as a commune would in Excel."""
    book = openpyxl.load_workbook(path)
    ws = book["projets"]
    header = [c.value for c in ws[1]]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2, max_row=ws.max_row)]
    rows = edit(header, [r for r in rows if any(v not in (None, "") for v in r)])
    ws.delete_rows(2, ws.max_row)
    for r in rows:
        ws.append(r)
    book.save(path)
    return header


def test_edited_sheet_shows_each_change_then_merges(invoke, demo_path, pack_dir):
    path = pack_dir / f"{COMMUNE}-projets.xlsx"
    col = {}

    def edit(header, rows):
        col.update({name: i for i, name in enumerate(header)})
        rows[2][col["status"]] = "PC accordé"                       # P-62951-0003: PC déposé → PC accordé
        rows[3][col["homes_total"]] = 30
        rows[3][col["delivery_year"]] = "2029"                      # a year typed as text
        rows[4][col["comment"]] = "  revu en réunion  "
        left = rows.pop(5)[0]                                       # a scheme the commune deleted
        new = [None] * len(header)
        new[col["name"]], new[col["commune"]], new[col["homes_total"]] = "Les Hauts du Terril", "62951", "14"
        new[col["status"]], new[col["address"]] = "repérage", "62951000AB0123"
        rows.sort(key=lambda r: r[col["name"]], reverse=True)      # the commune sorted its table
        blank = [None] * len(header)
        col["left"] = left
        return rows[:2] + [blank, blank] + rows[2:] + [blank, new, [" "] * len(header)]

    _rewrite(path, edit)
    before = GeoPackageStore(demo_path).get("projects", "P-62951-0003")
    assert before["status"] == "PC déposé"
    result = invoke("import", "projects", path, "--dry-run", "--store", demo_path)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "~ projects P-62951-0003 status: 'PC déposé' → 'PC accordé'" in out
    assert re.search(r"~ projects P-62951-0004 homes_total: \d+ → 30; delivery_year: \d+ → 2029", out), out
    assert re.search(r"~ projects P-62951-0005 comment: ∅ → 'revu en réunion'", out), out
    assert "+ projects (nouvel id) Les Hauts du Terril" in out
    assert f"? projects {col['left']} " in out and "absente du tableur, gardée telle quelle" in out
    assert "ajouts : 1, modifications : 3, fins : 0" in result.output
    assert GeoPackageStore(demo_path).get("projects", "P-62951-0003")["status"] == "PC déposé"  # dry run

    result = invoke("import", "projects", path, "--store", demo_path, "--user", "mairie")
    assert result.exit_code == 0, result.output
    store = GeoPackageStore(demo_path)
    assert store.get("projects", "P-62951-0003")["status"] == "PC accordé"
    assert store.get("projects", col["left"])["end_date"] is None  # left out is never ended silently
    hist = store.history("projects", "P-62951-0003")
    assert hist.iloc[-1]["source"].endswith(f"{COMMUNE}-projets.xlsx") and hist.iloc[-1]["user"] == "mairie"
    # and the next pack shows it under "what changed"
    changes = reports.changes_since(store, COMMUNE, "2000-01-01")
    assert {"kind": "status", "id": "P-62951-0003"}.items() <= next(
        c for c in changes if c["id"] == "P-62951-0003" and c["kind"] == "status").items()
    assert any(c["kind"] == "new" and c["name"] == "Les Hauts du Terril" for c in changes)


def test_bad_cell_names_row_and_column(invoke, demo_path, pack_dir):
    path = pack_dir / f"{COMMUNE}-projets.xlsx"

    def edit(header, rows):
        rows[1][header.index("delivery_year")] = "fin 2027"
        return rows

    _rewrite(path, edit)
    result = invoke("import", "projects", path, "--dry-run", "--store", demo_path)
    assert result.exit_code == 1
    assert "ligne 3" in result.output and "champ 'delivery_year'" in result.output and "fin 2027" in result.output


FORMULAS = {"name": '=HYPERLINK("http://evil.example","clic")', "comment": "=1+1", "operator": "+33 bailleur",
            "address": "-12 rue du Puits", "specifique_note": "@seniors"}


def test_formula_like_texts_stay_text_and_import_back(invoke, demo_path, tmp_path):
    """openpyxl would store '=…' as a formula: the cell must hold the text, and import back unchanged."""
    result = invoke("project", "add", "--store", demo_path, "--commune", "62950", "--homes-total", 12,
                    "--status", "études", *[a for k, v in FORMULAS.items() for a in (f"--{k.replace('_', '-')}", v)])
    assert result.exit_code == 0, result.output
    fid = result.stdout.strip().splitlines()[-1]
    out = tmp_path / "out"
    assert invoke("pack", "62950", "-o", out, "--store", demo_path).exit_code == 0
    path = out / "62950-projets.xlsx"
    ws = openpyxl.load_workbook(path)["projets"]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == fid)
    for key, text in FORMULAS.items():
        cell = row[header.index(key)]
        assert (cell.value, cell.data_type) == (text, "s"), key
        assert cell.quotePrefix  # Excel keeps it as text when the commune edits the cell
    texts = [c for r in ws.iter_rows(min_row=1) for c in r if isinstance(c.value, str)]
    assert texts and all(c.data_type == "s" for c in texts)
    result = invoke("import", "projects", path, "--dry-run", "--store", demo_path)
    assert result.exit_code == 0, result.output
    assert "ajouts : 0, modifications : 0, fins : 0" in result.output
    stored = GeoPackageStore(demo_path).get("projects", fid)
    assert {k: stored[k] for k in FORMULAS} == FORMULAS


def test_pack_all_on_an_empty_store_is_an_error(invoke, tmp_path):
    store = tmp_path / "e" / "s.gpkg"
    assert invoke("init", "--store", store).exit_code == 0
    result = invoke("pack", "--all", "-o", tmp_path / "out", "--store", store)
    assert result.exit_code == 1
    assert "aucune commune" in result.output and "plhgis import communes FICHIER" in result.output
    assert not (tmp_path / "out" / "index.html").exists()


# -- the page ------------------------------------------------------------------------------------------------
def test_pack_page_sections(demo_store, tmp_path):
    edits.edit(demo_store, "projects", "P-62951-0003", {"status": "PC accordé"}, source="test")
    page, facts = reports.pack_html(demo_store, COMMUNE, since="2000-01-01")
    assert facts["schemes"] == 7
    for text in ("Rencontre foncière annuelle — Méricourt-les-Fosses", "Où en est l&#x27;objectif PLH",
                 "Objectif PLH 2023–2028", "Opérations de logements", "Friches", "Dents creuses",
                 "Points à vérifier ensemble", "Ce qui a changé depuis la dernière rencontre (2000-01-01)",
                 "Changement d&#x27;état", "PC déposé → PC accordé", "données fictives", "class='gauge'",
                 "table class='schemes sortable'"):
        assert text in page, text
    assert '<html lang="fr">' in page
    en, _ = reports.pack_html(demo_store, COMMUNE, lang="en")
    assert "Annual land meeting" in en and "Where does the PLH target stand?" in en and '<html lang="en">' in en


def test_english_pack_has_no_french_generated_text(demo_store):
    commune = "62952"  # an SRU commune with a triennial catch-up target
    edits.edit(demo_store, "projects", "P-62952-0001", {"status": "livré"}, source="test")
    edits.edit(demo_store, "projects", "P-62952-0002", {"operator": "Nouveau bailleur"}, source="test")
    fr, _ = reports.pack_html(demo_store, commune, since="2000-01-01")
    en, _ = reports.pack_html(demo_store, commune, since="2000-01-01", lang="en")
    assert "rattrapage : " in fr and re.search(r"\d+ logements, ", fr) and "operator : " in fr
    assert "rattrapage : " not in en and re.search(r"catch-up: \d+ / \d+", en)
    assert not re.search(r"\d+ logements, ", en) and re.search(r"\d+ homes, (identified|studies|permit|works)", en)
    assert "operator : " not in en and "operator: " in en
    details = [c["detail"] for c in reports.changes_since(demo_store, commune, "2000-01-01", lang="en")]
    assert any(d.endswith("→ delivered") for d in details), details


def test_english_pack_and_findings_page_show_english_findings(demo_store, tmp_path):
    data = maps.load(demo_store)
    found = [f for f in data.findings if f.commune == COMMUNE]
    assert {"TARGET-UNDER", "PLU-AN"} <= {f.rule for f in found}
    fr, _ = reports.pack_html(demo_store, COMMUNE, data=data)
    en, _ = reports.pack_html(demo_store, COMMUNE, lang="en", data=data)
    checks_en = reports.write_check_report(data, tmp_path / "checks.html", lang="en").read_text(encoding="utf-8")
    for f in found:
        english, french = html.escape(f.message_en), html.escape(f.message)
        assert french in fr and english not in fr
        assert english in en and french not in en, f.rule
        assert english in checks_en and french not in checks_en, f.rule
    assert "logements attendus" not in en and "homes expected within the period for a target of" in en
    projects = [f for f in found if f.layer == "projects"]
    shown = json.loads(re.search(r'id="plh-data">(.*?)</script>', en, re.S).group(1))  # the map's data
    popups = {m for layer in shown["layers"].values()
              for feature in maps.layer_features(layer, shown["openings"]) for m in feature["properties"]["f"]}
    assert all(html.escape(f.message_en) in en and f.message_en in popups for f in projects)  # list and popup


def test_pack_page_escapes_every_text(demo_store):
    add_hostile(demo_store)
    page, _ = reports.pack_html(demo_store, "62950")
    for raw in HOSTILE + ("<b onmouseover",):
        assert raw not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("</script>") == page.count("<script")  # nothing closes a script early


def test_pack_cli_all(invoke, demo_path, tmp_path):
    out = tmp_path / "packs"
    result = invoke("pack", "--all", "-o", out, "--store", demo_path)
    assert result.exit_code == 0, result.output
    assert len(list(out.glob("*-dossier.html"))) == 12 and len(list(out.glob("*-projets.xlsx"))) == 12
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "href='62950-dossier.html'" in index and "href='62961-projets.xlsx'" in index
    coverage = re.findall(r"<td[^>]*>(\d+[^<]*%)</td>", index)
    assert coverage and all(re.fullmatch(r"\d+ %", c) for c in coverage), coverage  # French: 60 %
    for name in ("territoire.html", "controles.html"):  # the territory map and the findings page, in DIR too
        assert (out / name).is_file() and f"href='{name}'" in index and str(out / name) in result.stdout
    assert "Points à vérifier ensemble" in (out / "controles.html").read_text(encoding="utf-8")
    again = invoke("pack", "62950", "-o", out, "--store", demo_path)
    assert again.exit_code == 1 and "existe déjà" in again.output and "--overwrite" in again.output
    assert invoke("pack", "62950", "-o", out, "--overwrite", "--store", demo_path).exit_code == 0
    usage = invoke("pack", "--store", demo_path)
    assert usage.exit_code == 2 and "donnez un code INSEE ou --all" in usage.output


def test_demo_writes_map_checks_and_packs(invoke, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("demo", "--store", tmp_path / "plh.gpkg")
    assert result.exit_code == 0, result.output
    maps_dir = tmp_path / "maps" / "demo"  # maps/ itself is left to the README's commands
    for name in ("territoire.html", "controles.html", "index.html", "62950-dossier.html", "62961-projets.xlsx"):
        assert (maps_dir / name).is_file(), name
    assert "carte du territoire : maps/demo/territoire.html" in result.stderr
    assert "page des contrôles : maps/demo/controles.html" in result.stderr
    assert "href='territoire.html'" in (maps_dir / "index.html").read_text(encoding="utf-8")
    assert "fichiers d'exemple : examples" in result.stderr and (tmp_path / "examples" / "retour-62950.csv").is_file()
    # the packs say what changed since the demo's last meeting (its 2025 update), not since a year ago
    assert "2025-03-10" in (maps_dir / "62950-dossier.html").read_text(encoding="utf-8")
    for name in ("index.html", "controles.html", "62950-dossier.html", "territoire.html"):
        page = (maps_dir / name).read_text(encoding="utf-8")
        assert re.search(r"<meta name=.viewport. content=.width=device-width", page), name  # phones: not 980 px
        assert "@media (max-width:" in page, name


def test_changes_since_kinds(demo_store):
    edits.edit(demo_store, "projects", "P-62951-0003", {"status": "livré"}, source="test")
    edits.edit(demo_store, "projects", "P-62951-0004", {"operator": "Nouveau bailleur"}, source="test")
    edits.end(demo_store, "projects", "P-62951-0005", reason="abandon")
    kinds = {(c["id"], c["kind"]) for c in reports.changes_since(demo_store, COMMUNE, "2000-01-01")}
    assert {("P-62951-0003", "delivered"), ("P-62951-0004", "other"), ("P-62951-0005", "ended"),
            ("P-62951-0001", "new")} <= kinds
    assert not any(i.startswith("P-62950") for i, _ in kinds)
    detail = next(c["detail"] for c in reports.changes_since(demo_store, COMMUNE, "2000-01-01")
                  if c["kind"] == "other")
    assert "operator" in detail and "Nouveau bailleur" in detail
    assert json.dumps(detail)  # plain text


def test_sheet_saved_again_by_libreoffice_still_imports(invoke, demo_path, pack_dir, tmp_path):
    """The workbook as LibreOffice Calc writes it back (its own XLSX dialect), after a commune's edit."""
    import shutil
    import subprocess

    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed (Debian: libreoffice-calc-nogui)")
    path = pack_dir / f"{COMMUNE}-projets.xlsx"

    def edit(header, rows):
        rows[2][header.index("status")] = "PC accordé"
        rows[3][header.index("delivery_year")] = "2030"
        return rows

    _rewrite(path, edit)
    out = tmp_path / "libreoffice"
    profile = tmp_path / "lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                    "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(path)],
                   check=True, capture_output=True, timeout=120)
    saved = out / path.name
    assert saved.exists() and saved.read_bytes() != path.read_bytes()
    result = invoke("import", "projects", saved, "--dry-run", "--store", demo_path)
    assert result.exit_code == 0, result.output
    assert "~ projects P-62951-0003 status: 'PC déposé' → 'PC accordé'" in result.stdout
    assert re.search(r"~ projects P-62951-0004 delivery_year: \d+ → 2030", result.stdout), result.stdout
    assert "ajouts : 0, modifications : 2, fins : 0" in result.output


def test_findings_page_summary_filters_and_map_links(demo_store, tmp_path):
    data = maps.load(demo_store)
    page = reports.write_check_report(data, tmp_path / "controles.html").read_text(encoding="utf-8")
    summary = page[page.index("<table class='summary'>"):page.index("</table>")]
    mine = [f for f in data.findings if f.commune == "62950"]
    counts = [sum(f.severity == s for f in mine) for s in ("error", "warning", "info")]
    row = re.search(r"<a href='#c-62950'>Souchez-la-Grande \(62950\)</a></td>((?:<td>\d+</td>){4})", summary)
    assert [int(n) for n in re.findall(r"\d+", row.group(1))] == counts + [len(mine)]
    assert "<th data-num=1>à corriger</th>" in summary and f"<td>{len(data.findings)}</td></tr>" in summary
    for name in ("commune", "rule", "severity"):
        assert f"<select data-filter='{name}'>" in page
    assert "<option value='LLS-HIGH-SHARE'>LLS-HIGH-SHARE</option>" in page
    items = re.findall(r"<li class='[a-z ]+' data-commune='([^']*)' data-rule='([^']*)' data-severity='([a-z]+)'",
                       page)
    assert len(items) == len(data.findings) and items.count(("62950", "LLS-HIGH-SHARE", "warning")) == 1
    assert "href='territoire.html#feature=projects:P-62950-0018'" in page
    assert "href='territoire.html#feature=communes:62950'" in page  # a commune-level finding: its commune


def test_acknowledged_finding_is_closed_on_the_page_and_out_of_the_pack(demo_store, tmp_path):
    data = maps.load(demo_store)
    (high,) = [f for f in data.findings if f.rule == "LLS-HIGH-SHARE"]
    high.ground = "reconstitution de l'offre ANRU"
    page = reports.write_check_report(data, tmp_path / "controles.html").read_text(encoding="utf-8")
    assert f"<li class='warning closed' data-commune='62950' data-rule='LLS-HIGH-SHARE' data-severity='warning'>" \
           f"<b>classé</b> {html.escape(high.message)}" in page
    pack, facts = reports.pack_html(demo_store, "62950", data=data)
    todo = pack[pack.index("<ul class='findings'>"):]
    assert html.escape(high.message) not in todo and facts["findings"] == len(
        [f for f in data.findings if f.commune == "62950" and not f.acknowledged])


def test_findings_page_with_no_findings(demo_store, tmp_path):
    data = maps.load(demo_store)
    data.findings = []
    page = reports.write_check_report(data, tmp_path / "controles.html").read_text(encoding="utf-8")
    assert "Aucun point à signaler." in page and "<select" not in page and "<script" not in page

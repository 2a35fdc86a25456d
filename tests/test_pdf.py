"""`pack --pdf`: a commune's pack as a PDF with a static map, no browser; its pages and its text."""
from __future__ import annotations

import re
import unicodedata

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from plhgis import edits, pdf
from plhgis.store import GeoPackageStore

from test_pack import HOSTILE

pypdf = pytest.importorskip("pypdf")
# names a planner may type, or an attacker: markup, template syntax, PDF syntax, accents and ligatures
CORPUS = HOSTILE + ("{{ 7*7 }} {% raw %}", "**gras** _x_ [lien](http://x)", "Noulette-d'Œuf (ÉÈÀ ç ß)",
                    "%PDF-1.4 ) ( \\ endobj", "Tab\there &amp; <b>x</b>")


def _text(path) -> list[str]:
    reader = pypdf.PdfReader(path)
    return [" ".join(unicodedata.normalize("NFC", page.extract_text()).split()) for page in reader.pages]


def _sizes(path):
    return [tuple(round(float(v)) for v in page.mediabox[2:]) for page in pypdf.PdfReader(path).pages]


def test_pack_pdf_pages_and_text(demo_path, tmp_path):
    store = GeoPackageStore(demo_path, user="test")
    c = store.read("communes", commune="62950").geometry.iloc[0].representative_point()
    for k, name in enumerate(CORPUS):
        edits.add(store, "projects", {"name": name, "commune": "62950", "homes_total": 10 + k, "status": "études",
                                      "operator": CORPUS[-1 - k]}, shapely.Point(c.x + 40 * k, c.y), source="test")
    schemes = len(store.read("projects", commune="62950"))
    # the library, not `pack`: the HTML pack of the same names is issue 8's (Jinja2 reads "{%" in it)
    path = pdf.write_pdf(store, "62950", tmp_path / "out" / "62950-dossier.pdf")
    store.close()
    assert not list((tmp_path / "out").glob("*.tmp-*"))
    sizes = _sizes(path)
    # map and target; schemes, friches and plots on 2 landscape pages; findings and changes
    assert sizes == [(595, 842)] + [(842, 595)] * 2 + [(595, 842)] * (len(sizes) - 3) and len(sizes) in (5, 6)
    pages = _text(path)
    assert pages[0].startswith("Rencontre foncière annuelle — Souchez-la-Grande (62950)")
    for key in ("Carte de la commune", "Opérations de logements (état)", "PC accordé", "friche potentielle",
                "court terme", "Bande de 300 m autour du QPV", "Où en est l'objectif PLH ?", "Objectif PLH 2023–2028"):
        assert key in pages[0], key
    for name in ("Angres-Village", "Servins-Chapelle", "Vimy-le-Haut"):  # neighbours named on the map
        assert name in pages[0], name
    tables = " ".join(pages[1:3])
    assert len(re.findall(r"P-62950-\d{4}", tables)) >= schemes
    for page in pages[1:3]:  # a table's heading on every page it runs onto, above its first row
        assert 0 <= page.find("Identifiant") < re.search(r"[PG]-62950-\d{4}", page).start(), page[:80]
    squeezed = tables.replace(" ", "")
    for name in CORPUS:  # every name literally, whatever it looks like (cells may wrap: compare without spaces)
        assert " ".join(name.split()).replace(" ", "") in squeezed, name
    assert "Points à vérifier ensemble" in pages[3] and "DATA-YEARS" in pages[3]
    last = " ".join(pages[3:])  # the changes follow the findings, on the pages they need
    assert "Ce qui a changé depuis la dernière rencontre" in last and "Nouvelle opération" in pages[-1]
    changes = " ".join(pages[3:]).replace(" ", "")
    assert all(name.replace(" ", "").replace("\t", "") in changes for name in CORPUS)  # the new schemes, as changes


def test_pack_command_writes_pdfs(invoke, demo_path, tmp_path):
    out = tmp_path / "out"
    result = invoke("pack", "62950", "--pdf", "-o", out, "--store", demo_path)
    assert result.exit_code == 0, result.output
    assert f"{out / '62950-dossier.pdf'}" in result.stdout.splitlines()
    assert _text(out / "62950-dossier.pdf")[0].startswith("Rencontre foncière annuelle — Souchez-la-Grande")
    again = invoke("pack", "62950", "--pdf", "-o", out, "--store", demo_path)
    assert again.exit_code == 1 and "existe déjà" in again.output
    (out / "62950-dossier.html").unlink()
    (out / "62950-projets.xlsx").unlink()
    again = invoke("pack", "62950", "--pdf", "-o", out, "--store", demo_path)
    assert again.exit_code == 1 and "62950-dossier.pdf" in again.output  # the PDF is never clobbered either


def test_pack_pdf_of_a_lone_commune(tmp_path):
    store = GeoPackageStore.create(tmp_path / "s.gpkg")
    store.user = "test"
    frame = gpd.GeoDataFrame(pd.DataFrame([{"insee": "62001", "name": "Seule-sur-Mer", "epci_name": "CC Test"}]),
                             geometry=[shapely.box(0, 0, 2000, 1500).buffer(0).__class__(
                                 [(690000, 7040000), (692000, 7040000), (692000, 7041500), (690000, 7041500)])],
                             crs="EPSG:2154")
    edits.apply(store, edits.plan_rows(store, "communes", frame, mode="append", source="test"))
    path = pdf.write_pdf(store, "62001", tmp_path / "p.pdf")
    pages = _text(path)
    assert len(pages) == 3  # map; empty tables; no finding, no change
    assert "Seule-sur-Mer" in pages[0] and "Aucun objectif PLH" in pages[0]
    assert "Aucune opération enregistrée." in pages[1] and "Aucun point à signaler." in pages[2]
    store.close()


def test_no_font_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PLHGIS_FONT", str(tmp_path / "absent.ttf"))
    with pytest.raises(pdf.PlhgisError, match="the font file does not exist") as info:
        pdf.find_font()
    assert "TrueType" in str(info.value) and "PLHGIS_FONT" in str(info.value)

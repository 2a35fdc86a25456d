"""The pack and the workbook print on A4: checked by printing them (headless Chromium, LibreOffice)."""
from __future__ import annotations

import shutil
import subprocess
import unicodedata

import openpyxl
import pytest

from plhgis import reports, sheets

import browser as harness

pypdf = pytest.importorskip("pypdf")
A4 = (595, 842)  # points


def _sizes(reader):
    return [tuple(round(float(v)) for v in page.mediabox[2:]) for page in reader.pages]


@pytest.mark.skipif(harness.available() is not None, reason=str(harness.available()))
def test_pack_prints_on_a4(demo_store, tmp_path):
    reports.write_packs(demo_store, ["62950"], tmp_path)
    pdf = harness.print_to_pdf(tmp_path / "62950-dossier.html", tmp_path / "dossier.pdf")
    reader = pypdf.PdfReader(pdf)
    sizes = _sizes(reader)
    assert set(sizes) == {A4, A4[::-1]}, sizes  # A4 only: portrait for the map, landscape for tables
    texts = [" ".join(unicodedata.normalize("NFKC", page.extract_text()).split()) for page in reader.pages]
    assert sizes[0] == A4 and "Carte de la commune" in texts[0]
    assert "Opérations de logements (état)" in texts[0] and "friche potentielle" in texts[0]  # the legend prints
    wide = [t for t, s in zip(texts, sizes) if s == A4[::-1]]
    schemes = [t for t in wide if "P-62950-" in t and "Livraison" in t]
    assert len(schemes) >= 2  # the scheme table runs over pages ...
    assert all(t.count("Identifiant") >= 1 and "Bailleur" in t for t in schemes)  # ... its header on each
    assert "Points à vérifier ensemble" in " ".join(t for t, s in zip(texts, sizes) if s == A4)
    if shutil.which("pdftoppm"):
        import numpy as np
        from PIL import Image

        subprocess.run(["pdftoppm", "-r", "30", "-f", "1", "-l", "1", "-png", str(pdf), str(tmp_path / "p")],
                       check=True, timeout=60)
        img = np.asarray(Image.open(next(tmp_path.glob("p*.png"))).convert("L"))
        rows = np.flatnonzero((img < 250).mean(axis=1) > 0.2)  # the map and its legend: a fifth inked or more
        assert len(rows) > 0.55 * img.shape[0]  # the map fills the page, not a 460 px strip


def test_workbook_prints_on_a4_landscape(demo_store, tmp_path):
    path = sheets.write_workbook(demo_store, "62950", tmp_path / "62950-projets.xlsx")
    book = openpyxl.load_workbook(path)
    for ws in book.worksheets:
        assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage and int(ws.page_setup.fitToWidth) == 1
        assert int(ws.page_setup.fitToHeight) == 0
        assert ws.print_title_rows == "$1:$1"
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed (Debian: libreoffice-calc-nogui)")
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'lo'}", "--headless", "--convert-to",
                    "pdf", "--outdir", str(tmp_path), str(path)], check=True, capture_output=True, timeout=120)
    reader = pypdf.PdfReader(tmp_path / "62950-projets.pdf")
    visible = [ws for ws in book.worksheets if ws.sheet_state == "visible"]
    assert set(_sizes(reader)) == {A4[::-1]} and len(reader.pages) <= len(visible)  # one page each (was 9 portrait)
    sheet = [p.extract_text() for p in reader.pages if "P-62950-0001" in p.extract_text()]
    assert len(sheet) == 1  # every scheme on one page wide

"""Data is never code: template, HTML and script payloads in every text field of every layer.

A store is filled with the corpus below (through the library for the free-text fields, by raw
SQL for the coded fields, as another tool editing the GeoPackage would), then every page plhgis
writes is drawn: the territory map, a commune map, the packs with their index, the findings
page. Nothing may crash, nothing may be evaluated (no `x49y`, no file created by the payload),
and in headless Chromium the text shows literally, with no alert and no script error.
"""
from __future__ import annotations

import html
import shutil
import uuid
from pathlib import Path

import pytest

from plhgis import edits, maps, reports, schema
from plhgis.store import GeoPackageStore

import browser

SENTINEL = Path("/tmp") / f"plhgis-pwned-{uuid.uuid4().hex}"
CORPUS = (
    "x{{ 7*7 }}y",
    "{# x",
    "{% raw %}",
    "{{ cycler.__init__.__globals__.os.popen('touch " + str(SENTINEL) + "').read() }}",
    "<img src=x onerror=alert(1)>",
    "</script><script>alert(2)</script>",
    "<!--plh-slot:plh_data--> ]]> <![CDATA[",
    "Rue de l'\"Église\" `3` \\ \\u0041 \\n",
    "Ünïcødé ŒÆ 中文 \U0001F3E0 \u2028 \u2029 fin",
    "{%- endmacro %}{{ this }}",
    "=HYPERLINK(\"http://x\")",
    "long " + "abc{{1}}<b>" * 600 + " end",
)
LAYERS = ("communes", "zoning", "sectors", "qpv", "plots", "friches", "projects", "targets", "prescriptions")
EVALUATED = ("x49y", "TemplateSyntaxError", "Traceback")


def text_fields(lay):
    """(free text fields the library accepts anything in, coded fields only another tool can spoil)."""
    free, coded = [], []
    for f in lay.fields:
        if f.type != "str" or f.pattern or f.name == lay.key:
            continue
        (coded if f.enum and f.strict_enum else free).append(f.name)
    return free, coded


def hostile_store(path) -> None:
    """Every text field of every row of every layer holds a payload (row i: CORPUS[i % n])."""
    store = GeoPackageStore(path, user="test")
    try:
        for name in LAYERS:
            lay = schema.get_layer(name)
            frame = store.read(name)
            if not len(frame):
                continue
            free, coded = text_fields(lay)
            payloads = [CORPUS[i % len(CORPUS)] for i in range(len(frame))]
            for col in free:
                frame[col] = payloads
            frame = frame[[lay.key] + free + ([frame.geometry.name] if lay.geometry else [])]
            edits.apply(store, edits.plan_rows(store, name, frame, source="hostile"))
            with store.con as con:  # the coded fields, as another tool would write them
                for key, payload in zip(frame[lay.key], payloads):
                    if coded:
                        con.execute(f'UPDATE "{name}" SET ' + ", ".join(f'"{c}" = ?' for c in coded)
                                    + f' WHERE "{lay.key}" = ?', [payload] * len(coded) + [key])
    finally:
        store.close()


@pytest.fixture(scope="module")
def pages(_demo_master, tmp_path_factory):
    """The hostile store and every page drawn from it: {name: path}."""
    base = tmp_path_factory.mktemp("hostile")
    path = base / "plh.gpkg"
    shutil.copy(_demo_master, path)
    hostile_store(path)
    store = GeoPackageStore(path, user="test")
    out = base / "out"
    try:
        data = maps.load(store)
        commune = sorted(data.layers["communes"]["insee"])[0]
        written = {"commune": maps.write_map(store, out / "commune.html", commune=commune)}
        packs = reports.write_packs(store, None, out, index=True)  # with the territory map and findings page
    finally:
        store.close()
    pages = {"territory": reports.MAP_PAGE, "findings": reports.CHECKS_PAGE, "index": "index.html"}
    written.update({kind: out / name for kind, name in pages.items()})
    written.update({p.name: p for p in packs if p.suffix == ".html" and p.name not in pages.values()})
    return written


def shown_forms(payload):
    """How a payload may appear in a page's source: as HTML text or inside the escaped JSON."""
    return {html.escape(payload), html.escape(payload, quote=False), maps.js_json(payload)[1:-1]}


def test_corpus_drawn_literally_and_never_evaluated(pages):
    seen = set()
    for name, path in pages.items():
        page = path.read_text(encoding="utf-8")
        for bad in EVALUATED:
            assert bad not in page, (name, bad)
        assert page.count("</script>") == page.count("<script"), name  # nothing closes a script early
        assert "<img src=x" not in page and "<script>alert" not in page, name
        seen |= {p for p in CORPUS if any(form in page for form in shown_forms(p))}
    assert seen == set(CORPUS)
    assert not SENTINEL.exists()
    territory = pages["territory"].read_text(encoding="utf-8")
    assert all(any(form in territory for form in shown_forms(p)) for p in CORPUS)


def test_no_pack_names_a_file_from_a_payload(pages):
    assert {p.parent for p in pages.values()} == {pages["index"].parent}
    assert len([n for n in pages if n.endswith("-dossier.html")]) == 12


DOM_TEXT = """
var out=[document.title, document.body.textContent];
var layers=window.PLH_LAYERS||{};
Object.keys(layers).forEach(function(k){layers[k].geojson.eachLayer(function(l){
  out.push(plhPopup(l).textContent);});});
return out.join('\\n');
"""


@pytest.mark.skipif(browser.available() is not None, reason=str(browser.available()))
def test_corpus_shows_literally_in_the_browser(pages, tmp_path):
    with browser.Browser(1366, 768) as b:
        b.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": (
            "window.PLH_PWNED=[];['alert','confirm','prompt'].forEach(function(n){"
            "window[n]=function(m){window.PLH_PWNED.push(n+':'+m);};});")})
        seen = set()
        for name, path in pages.items():
            is_map = name in ("territory", "commune") or name.endswith("-dossier.html")
            b.open(path, ready="window.PLH_LAYERS && Object.keys(window.PLH_LAYERS).length" if is_map
                   else "document.readyState === 'complete'")
            text = b.js(DOM_TEXT)
            assert "x49y" not in text, name
            seen |= {p for p in CORPUS if p in text}
            assert b.js("return window.PLH_PWNED;") == [], name
            assert b.js("return document.querySelectorAll('img[src=x], script:not([type]):empty').length;") == 0
            assert b.js_errors() == [], name
        assert seen == set(CORPUS)
        assert not SENTINEL.exists()


@pytest.mark.skipif(browser.available() is not None, reason=str(browser.available()))
@pytest.mark.parametrize("size", [(1366, 768), (390, 844)])
def test_hostile_pages_screenshots(pages, size):
    """Screenshots for a person to look at (kept under maps/screenshots/ when PLHGIS_SHOTS is set)."""
    import os

    target = Path(os.environ.get("PLHGIS_SHOTS", pages["index"].parent / "shots"))
    with browser.Browser(*size) as b:
        b.open(pages["territory"])
        b.js("var g=PLH_LAYERS.projects.geojson, l=g.getLayers()[0]; l.openPopup();")
        b.wait("document.querySelector('.leaflet-popup') && "
               "getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'")
        shot = b.screenshot(target / f"hostile-territory-{size[0]}.png")
        assert browser.painted_share(shot) > 0.05
        pack = next(p for n, p in pages.items() if n.endswith("-dossier.html"))
        b.open(pack)
        b.screenshot(target / f"hostile-pack-{size[0]}.png")
        assert b.js_errors() == []


def test_frame_read_back_holds_the_corpus(pages):
    store = GeoPackageStore(pages["index"].parent.parent / "plh.gpkg")
    try:
        names = set(store.read("projects")["name"])
    finally:
        store.close()
    assert set(CORPUS) <= names  # stored as given, so the checks above look for the right text

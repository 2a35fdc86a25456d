"""The demo map and a commune pack in headless Chromium with no network: they draw and they work."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from plhgis import maps, reports
from plhgis.store import GeoPackageStore

import browser as harness
from test_pack import HOSTILE, add_hostile

pytestmark = pytest.mark.skipif(harness.available() is not None, reason=str(harness.available()))


@pytest.fixture(scope="module")
def pages(_demo_master, tmp_path_factory):
    """The territory map and the pack of 62950 (with two hostile scheme names), built once."""
    folder = tmp_path_factory.mktemp("pages")
    store_path = folder / "plh.gpkg"
    shutil.copy(_demo_master, store_path)
    store = GeoPackageStore(store_path, user="test")
    ids = add_hostile(store)
    territory = maps.write_map(store, folder / "territoire.html")
    reports.write_packs(store, ["62950"], folder)
    store.close()
    return {"map": territory, "pack": folder / "62950-dossier.html", "hostile": ids}


@pytest.fixture(scope="module")
def chromium():
    with harness.Browser() as b:
        yield b


def _shot(b, path, name):
    """Screenshot into the test folder (and $PLHGIS_SCREENSHOTS when set, to look at)."""
    png = b.screenshot(path / name)
    if os.environ.get("PLHGIS_SCREENSHOTS"):
        shutil.copy(png, Path(os.environ["PLHGIS_SCREENSHOTS"]) / name)
    return png


def test_territory_map_draws_offline(chromium, pages, tmp_path):
    chromium.open(pages["map"])
    assert chromium.js_errors() == []
    assert chromium.js("return document.querySelectorAll('.leaflet-container').length") == 1
    keys = chromium.js("return Object.keys(PLH_LAYERS).sort()")
    assert keys == sorted(["communes", "zoning", "sectors", "qpv", "plots", "friches", "permits", "projects",
                           "projects_abandoned"])
    drawn = chromium.js("return document.querySelectorAll('.leaflet-plh-projects-pane path, "
                        ".plh-projects path').length || document.querySelectorAll('path.leaflet-interactive').length")
    assert drawn > 50
    assert chromium.js("return document.querySelector('.plh-title').textContent").startswith(
        "Programme local de l'habitat")
    png = _shot(chromium, tmp_path, "territoire.png")
    assert harness.painted_share(png) > 0.03  # communes, schemes and friches drawn, not a blank page


def _overlay_checkbox(b, label):
    return b.js("""var labels = document.querySelectorAll('.leaflet-control-layers-overlays label');
        for (var l of labels) { if (l.textContent.trim() === arguments[0]) return l.querySelector('input'); }
        return null;""", label)


def test_layer_control_toggles_a_layer(chromium, pages):
    chromium.open(pages["map"])
    on = "return PLH_LAYERS.zoning.layer._map != null"
    assert chromium.js(on) is False  # zoning starts hidden
    box = _overlay_checkbox(chromium, "Zonage PLU (U / AU / A / N)")
    box.click()
    assert chromium.js(on) is True
    schemes = "return PLH_LAYERS.projects.layer._map != null"
    _overlay_checkbox(chromium, "Opérations de logements (état)").click()
    assert chromium.js(schemes) is False
    _overlay_checkbox(chromium, "Opérations de logements (état)").click()
    assert chromium.js(schemes) is True
    abandoned = "return PLH_LAYERS.projects_abandoned.layer._map != null"
    assert chromium.js(abandoned) is False  # abandoned schemes start hidden, behind their own toggle
    _overlay_checkbox(chromium, "Opérations abandonnées").click()
    assert chromium.js(abandoned) is True
    assert chromium.js_errors() == []


def test_point_layers_have_their_own_shapes(chromium, pages):
    chromium.open(pages["map"])
    shapes = chromium.js("""return ['friches', 'plots'].map(function (k) {
        var n = 0; PLH_LAYERS[k].geojson.eachLayer(function (l) {
            var e = l.getElement && l.getElement();
            if (e && e.querySelector('svg polygon')) { n += e.querySelector('polygon').getAttribute('points')
                .split(' ').length; } });
        return n; });""")
    friches = len(GeoPackageStore(pages["map"].parent / "plh.gpkg").read("friches"))
    assert shapes[0] == 4 * friches and shapes[1] > 0 and shapes[1] % 3 == 0  # diamonds and triangles


def _click_feature(b, key, feature_id):
    """Click, with the mouse, on the marker of one feature; returns the popup's text."""
    point = b.js("""var key = arguments[0], id = arguments[1], found = null;
        PLH_LAYERS[key].geojson.eachLayer(function (l) {
            if (l.feature.properties.p.some(function (r) { return r[1] === id; })) { found = l; }
        });
        var map = PLH_LAYERS[key].layer._map;
        found.getElement().scrollIntoView({block: 'center'});
        map.setView(found.getLatLng(), 15, {animate: false});
        var p = map.latLngToContainerPoint(found.getLatLng());
        var box = map.getContainer().getBoundingClientRect();
        return [p.x + box.left, p.y + box.top];""", key, feature_id)
    _mouse_click(b, *point)
    b.wait("document.querySelector('.leaflet-popup-content')", 5)
    return b.js("return document.querySelector('.leaflet-popup-content').textContent")


def _mouse_click(b, x, y):
    """A real mouse click (DevTools input events) at page coordinates."""
    b.driver.execute_cdp_cmd("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y})
    for kind in ("mousePressed", "mouseReleased"):
        b.driver.execute_cdp_cmd("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left",
                                                              "clickCount": 1})


def test_popup_opens_on_a_scheme(chromium, pages, tmp_path):
    chromium.open(pages["map"])
    text = _click_feature(chromium, "projects", "P-62950-0018")
    assert "Résidence du Chevalement (QPV)" in text and "Logements" in text and "40" in text
    _shot(chromium, tmp_path, "popup.png")
    assert chromium.js_errors() == []


def test_hostile_names_show_as_text(chromium, pages):
    chromium.open(pages["map"])
    chromium.js("window.alert = function (m) { window.__alerted = m; };")
    for fid, name in zip(pages["hostile"], HOSTILE):
        text = _click_feature(chromium, "projects", fid)
        assert name in text  # shown literally
    assert chromium.js("return document.querySelectorAll('.leaflet-popup-content img').length") == 0
    assert chromium.js("return window.__alerted === undefined")
    chromium.open(pages["pack"])
    cells = chromium.js("return Array.from(document.querySelectorAll('table.schemes td')).map(c => c.textContent)")
    assert HOSTILE[0] in cells and HOSTILE[1] in cells
    assert chromium.js("return document.querySelectorAll('table img, .plh-title img').length") == 0
    assert chromium.js_errors() == []


def test_pack_page_works_offline(chromium, pages, tmp_path):
    chromium.open(pages["pack"])
    assert chromium.js_errors() == []
    assert chromium.js("return document.querySelectorAll('.leaflet-container').length") == 1
    assert chromium.js("return document.querySelector('h1').textContent").startswith("Rencontre foncière annuelle")
    # the scheme table sorts by homes, numerically, on a click
    header = chromium.js("""return Array.from(document.querySelectorAll('table.schemes th'))
        .find(th => th.textContent === 'Logements');""")
    header.click()
    col = chromium.js("return Array.from(document.querySelectorAll('table.schemes th')).indexOf(arguments[0])",
                      header)
    homes = chromium.js("return Array.from(document.querySelectorAll('table.schemes tbody tr'))"
                        ".map(r => parseFloat(r.cells[arguments[0]].textContent))", col)
    assert homes == sorted(homes) and len(homes) > 10
    header.click()
    homes = chromium.js("return Array.from(document.querySelectorAll('table.schemes tbody tr'))"
                        ".map(r => parseFloat(r.cells[arguments[0]].textContent))", col)
    assert homes == sorted(homes, reverse=True)
    png = _shot(chromium, tmp_path, "pack.png")
    assert harness.painted_share(png) > 0.02


def _viewport(b, width, height):
    b.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                             {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})


def _rect(b, selector):
    return b.js("var r = document.querySelector(arguments[0]).getBoundingClientRect();"
                "return [r.left, r.top, r.right, r.bottom];", selector)


def _overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _visible_labels_apart(chromium) -> int:
    """How many commune names show; fails when two of those shown overlap."""
    rects = chromium.js("return Array.from(document.querySelectorAll('.plh-label'))"
                        ".filter(e => getComputedStyle(e).visibility !== 'hidden')"
                        ".map(e => {const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom];})")
    for i, a in enumerate(rects):
        for b in rects[i + 1:]:
            assert not _overlap(a, b), (a, b)
    return len(rects)


def test_map_fits_a_projector_and_a_phone(chromium, pages, tmp_path):
    names = sorted(GeoPackageStore(pages["map"].parent / "plh.gpkg").read("communes")["name"])
    try:
        _viewport(chromium, 1366, 768)
        chromium.open(pages["map"])
        legend = _rect(chromium, ".plh-legend")
        assert legend[3] <= 768 and legend[1] >= 0  # the whole legend box is on screen ...
        assert chromium.js("var e = document.querySelector('.plh-legend'); return e.scrollHeight > e.clientHeight")
        assert chromium.js("return getComputedStyle(document.querySelector('.plh-legend')).overflowY") == "auto"
        assert chromium.js("return document.querySelector('.plh-legend details').open") is True  # ... and scrolls
        labels = chromium.js("return Array.from(document.querySelectorAll('.plh-label')).map(e => e.textContent)")
        assert sorted(labels) == names  # every commune named, without hovering
        assert _visible_labels_apart(chromium) == len(names)  # and no name covers another
        _shot(chromium, tmp_path, "territoire-1366.png")

        _viewport(chromium, 390, 844)
        chromium.open(pages["map"])
        assert chromium.js("return document.querySelector('.plh-legend details').open") is False
        assert not chromium.js("return document.querySelector('.leaflet-control-layers')"
                               ".classList.contains('leaflet-control-layers-expanded')")
        title, legend, control = (_rect(chromium, s) for s in (".plh-title", ".plh-legend",
                                                                  ".leaflet-control-layers"))
        assert not _overlap(title, control) and not _overlap(title, legend)
        assert (legend[2] - legend[0]) * (legend[3] - legend[1]) < 0.05 * 390 * 844  # folded: a small button
        assert title[2] - title[0] < 300
        assert _visible_labels_apart(chromium) >= len(names) - 2  # a name that cannot move waits for a zoom
        chromium.js("document.querySelector('.leaflet-control-layers-toggle').click()")
        assert chromium.js("return document.querySelector('.leaflet-control-layers')"
                           ".classList.contains('leaflet-control-layers-expanded')")
        _shot(chromium, tmp_path, "territoire-390.png")
        assert chromium.js_errors() == []
    finally:
        chromium.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_findings_page_filters_and_opens_the_map_on_a_finding(chromium, pages, tmp_path):
    store = GeoPackageStore(pages["map"].parent / "plh.gpkg")
    data = maps.load(store)
    page = reports.write_check_report(data, pages["map"].parent / "controles.html")
    try:
        _viewport(chromium, 1366, 768)
        chromium.open(page, ready="document.getElementById('plh-shown')")
        shown = "return document.getElementById('plh-shown').textContent"
        visible = "return document.querySelectorAll('li[data-rule]:not([hidden])').length"
        assert chromium.js(shown) == str(len(data.findings)) == str(chromium.js(visible))
        _shot(chromium, tmp_path, "controles-1366.png")

        def choose(name, value):
            chromium.js("var s = document.querySelector(\"select[data-filter='\" + arguments[0] + \"']\");"
                        "s.value = arguments[1]; s.dispatchEvent(new Event('change'));", name, value)
        choose("commune", "62950")
        mine = [f for f in data.findings if f.commune == "62950"]
        assert chromium.js(visible) == len(mine) and chromium.js(shown) == str(len(mine))
        assert chromium.js("return document.querySelectorAll('section[data-commune]:not([hidden])').length") == 1
        choose("severity", "warning")
        assert chromium.js(visible) == sum(f.severity == "warning" for f in mine)
        choose("rule", "LLS-HIGH-SHARE")
        assert chromium.js(visible) == 1
        choose("commune", "")
        choose("severity", "")
        assert chromium.js(visible) == sum(f.rule == "LLS-HIGH-SHARE" for f in data.findings)

        _viewport(chromium, 390, 844)
        chromium.open(page, ready="document.getElementById('plh-shown')")
        assert chromium.js("return document.documentElement.scrollWidth") <= 390  # no sideways scroll
        _shot(chromium, tmp_path, "controles-390.png")

        # a finding's link opens the map on its feature, popup open
        _viewport(chromium, 1366, 768)
        chromium.open(page, ready="document.getElementById('plh-shown')")
        link = chromium.js("return document.querySelector(\"a.onmap[href$='feature=projects:P-62950-0018']\")")
        link.click()
        chromium.wait("document.querySelector('.leaflet-popup-content')", 10)
        text = chromium.js("return document.querySelector('.leaflet-popup-content').textContent")
        assert "Résidence du Chevalement (QPV)" in text
        chromium.wait("getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'", 5)
        _shot(chromium, tmp_path, "territoire-lien.png")
        chromium.driver.get(pages["map"].resolve().as_uri() + "#feature=communes:62950")  # a hash change
        chromium.wait("(document.querySelector('.leaflet-popup-content') || {}).textContent"
                      ".startsWith('Souchez-la-Grande')", 10)
        assert chromium.js_errors() == []
    finally:
        chromium.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        store.close()


def test_inlined_cluster_plugin_works_with_the_inlined_leaflet(chromium, pages):
    """The XStatic packages' Leaflet and MarkerCluster versions work together, offline."""
    chromium.open(pages["map"])
    count = chromium.js("""
        var map = null;
        for (var k in window) { try { if (window[k] instanceof L.Map) { map = window[k]; } } catch (e) {} }
        var group = L.markerClusterGroup(), c = map.getCenter();
        for (var i = 0; i < 30; i++) { group.addLayer(L.circleMarker([c.lat + i * 1e-5, c.lng])); }
        group.addTo(map);
        return document.querySelectorAll('.marker-cluster').length""")
    assert count >= 1 and chromium.js_errors() == []
    assert chromium.js("return L.version").startswith("1.9")


def test_index_names_link_to_packs_and_fit_a_phone(chromium, _demo_master, tmp_path):
    store_path = tmp_path / "plh.gpkg"
    shutil.copy(_demo_master, store_path)
    store = GeoPackageStore(store_path)
    reports.write_packs(store, None, tmp_path / "maps", index=True)
    names = sorted(store.read("communes")["name"])
    store.close()
    index = tmp_path / "maps" / "index.html"
    assert "href='62950-projets.xlsx'" in (tmp_path / "maps" / "62950-dossier.html").read_text(encoding="utf-8")
    cells = "return Array.from(document.querySelectorAll('table.index tbody tr'), r => r.cells[0].innerHTML)"
    visible_headers = ("return Array.from(document.querySelectorAll('table.index th'))"
                       ".filter(e => getComputedStyle(e).display !== 'none').length")
    table_overflows = "var t = document.querySelector('table.index'); return t.scrollWidth > t.clientWidth"
    try:
        _viewport(chromium, 1366, 768)
        chromium.open(index, ready="document.querySelector('table.index')")
        links = chromium.js(cells)
        assert len(links) == len(names) and all("-dossier.html'>" in c or '-dossier.html">' in c for c in links)
        assert chromium.js(visible_headers) == 7
        _shot(chromium, tmp_path, "index-1366.png")

        _viewport(chromium, 390, 844)
        chromium.open(index, ready="document.querySelector('table.index')")
        assert chromium.js(visible_headers) == 4  # the INSEE code and the file names fold away (the pack links its sheet)
        assert not chromium.js(table_overflows)  # every column in sight, no sideways scroll
        assert chromium.js("return document.documentElement.scrollWidth") <= 390
        _shot(chromium, tmp_path, "index-390.png")
        assert chromium.js_errors() == []
    finally:
        chromium.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

"""Maps at department scale (issue 14): the compact page still shows every feature where it is.

A small synthetic department (bench_checks.py's territory: a grid of 2 km communes) with the
plots threshold lowered, so the territory map shows them one mark per commune as a department's
would. Speed and size are measured in benchmarks/bench_maps.py, not here.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely

from plhgis import mapdata, maps

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from bench_checks import territory, write_store  # noqa: E402  (the shared synthetic territory builder)
from bench_maps import winding  # noqa: E402

import browser  # noqa: E402  (tests/browser.py)


@pytest.fixture(scope="module")
def department(tmp_path_factory):
    layers = winding(territory(np.random.default_rng(7), 600, 2400, nx=6, ny=5))
    store = write_store(tmp_path_factory.mktemp("dept") / "dept.gpkg", layers)
    yield store, mapdata.load(store)
    store.close()


@pytest.fixture
def few_plots(monkeypatch):
    monkeypatch.setattr(maps, "PLOTS_DETAIL_MAX", 1000)


def _wgs84(frame):
    return frame.to_crs(maps.WGS84).geometry.to_numpy()


def test_coarse_outlines_are_valid_and_cover_the_communes(department, few_plots):
    store, data = department
    drawn = maps.drawn_features(data)["communes"]
    communes = store.read("communes")
    assert [f["properties"]["i"] for f in drawn] == list(communes["insee"])
    outlines = np.array([shapely.geometry.shape(f["geometry"]) for f in drawn])
    assert shapely.is_valid(outlines).all()
    true = _wgs84(communes)
    # the coarse outlines hold each commune's own place, and together the same ground as the communes
    assert shapely.contains(outlines, shapely.point_on_surface(true)).all()
    assert shapely.union_all(outlines).symmetric_difference(shapely.union_all(true)).area < 0.01 * shapely.union_all(
        true).area
    overlap = sum(a.intersection(b).area for k, a in enumerate(outlines) for b in outlines[k + 1:])
    assert overlap < 1e-4 * shapely.union_all(true).area  # neighbours keep their shared edges
    vertices = shapely.get_num_coordinates(outlines).sum()
    assert vertices < 0.5 * shapely.get_num_coordinates(true).sum()  # coarser than the store at this scale


def test_every_scheme_friche_sector_and_qpv_where_it_is(department, few_plots):
    store, data = department
    drawn = maps.drawn_features(data)
    projects = store.read("projects")
    schemes = drawn["projects"] + drawn.get("projects_abandoned", [])
    assert sorted(f["properties"]["i"] for f in schemes) == sorted(projects["id"])
    where = dict(zip(projects["id"], _wgs84(projects.set_geometry(projects.geometry.representative_point()))))
    off = [shapely.distance(shapely.geometry.shape(f["geometry"]), where[f["properties"]["i"]]) for f in schemes]
    assert max(off) < 2e-5  # within the 1e-5 degree grid (~1 m)
    status = {f["properties"]["i"]: dict(f["properties"]["p"])["État d'avancement"] for f in schemes}
    assert status == dict(zip(projects["id"], projects["status"]))
    assert len(drawn["friches"]) == len(store.read("friches"))
    assert len(drawn["sectors"]) == len(store.read("sectors"))
    assert len(drawn["qpv"]) == 2 * len(store.read("qpv"))  # each quarter and its reduced-VAT band


def test_findings_reach_their_popups(department, few_plots):
    _, data = department
    drawn = maps.drawn_features(data)
    shown = {(key.split("_")[0], f["properties"].get("i")): sorted(f["properties"]["f"])
             for key, features in drawn.items() for f in features if f["properties"]["f"]}
    expected: dict = {}
    for f in data.findings:
        key = mapdata.feature_of(f)
        if key and key[0] in ("projects", "communes", "friches", "sectors"):
            expected.setdefault(key, []).append(f.message)
    assert expected and shown == {k: sorted(v) for k, v in expected.items()}


def test_plots_one_mark_per_commune_at_territory_scale(department, few_plots):
    store, data = department
    plots = store.read("plots")
    marks = maps.drawn_features(data)["plots"]
    rows = [dict(f["properties"]["p"]) for f in marks]
    assert len(marks) == plots["commune"].nunique()
    assert sum(int(r["Dents creuses"]) for r in rows) == len(plots)
    assert sum(int(r["Capacité estimée (logements)"]) for r in rows) == plots["capacity"].sum()
    communes = store.read("communes").set_index("insee")
    outline = dict(zip(communes.index, _wgs84(communes)))
    assert all(outline[r["Commune"]].contains(shapely.geometry.shape(f["geometry"])) for r, f in zip(rows, marks))
    page = maps.to_html(maps.build(data))
    assert "la carte de la commune les montre une à une" in page  # the legend says where each plot is


def test_a_commune_map_of_the_department_shows_each_plot(department, few_plots):
    store, data = department
    insee = store.read("communes")["insee"].iloc[7]
    plots = maps.drawn_features(mapdata.focus(data, insee))["plots"]
    assert sorted(f["properties"]["i"] for f in plots) == sorted(store.read("plots", commune=insee)["id"])


def test_page_is_compact(department, few_plots):
    _, data = department
    page = maps.to_html(maps.build(data))
    data_text = re.search(r'id="plh-data">(.*?)</script>', page, re.S).group(1)
    assert '"features"' not in data_text and '"Feature"' not in data_text  # columns, not GeoJSON
    assert data_text.count("État d'avancement".replace("'", "\\u0027")) == 2  # the label once per scheme layer


@pytest.mark.parametrize("layers", [("communes",), ("communes", "projects", "plots")])
def test_one_commune_store_maps(invoke, tmp_path, layers):
    every = territory(np.random.default_rng(1), 3, 40, nx=1, ny=1)
    write_store(tmp_path / "one.gpkg", {k: every[k] for k in layers}).close()
    out = tmp_path / "carte.html"
    result = invoke("map", "--store", tmp_path / "one.gpkg", "-o", out)
    assert result.exit_code == 0, result.output
    shown = json.loads(re.search(r'id="plh-data">(.*?)</script>', out.read_text(encoding="utf-8"), re.S).group(1))
    drawn = {k: len(maps.layer_features(v, shown["openings"])) for k, v in shown["layers"].items()}
    schemes = drawn.pop("projects", 0) + drawn.pop("projects_abandoned", 0)
    assert drawn == ({"communes": 1, "plots": 40} if "plots" in layers else {"communes": 1})
    assert schemes == (3 if "projects" in layers else 0)


@pytest.mark.skipif(browser.available() is not None, reason=str(browser.available()))
@pytest.mark.parametrize("size", [(1366, 768), (390, 844)])
def test_department_page_draws_and_links_in_chromium(department, few_plots, tmp_path, size):
    store, data = department
    page = tmp_path / "territoire.html"
    page.write_text(maps.to_html(maps.build(data)), encoding="utf-8")
    projects = store.read("projects")
    with browser.Browser(*size) as b:
        b.open(page, ready="window.PLH_DRAWN", timeout=60)
        assert b.js_errors() == []
        clustered = b.js("return PLH_LAYERS.projects.shown.getLayers().length")  # every scheme in the clusters
        assert clustered == (projects["status"] != "abandonné").sum()
        shot = b.screenshot(tmp_path / f"departement-{size[0]}.png")
        assert browser.painted_share(shot) > 0.2
        # a finding's link to a scheme still hidden (abandoned: its overlay is built when first needed)
        fid = projects.loc[projects["status"] == "abandonné", "id"].iloc[0]
        b.driver.get(page.resolve().as_uri() + f"#feature=projects:{fid}")
        b.wait("document.querySelector('.leaflet-popup-content')", 20)
        text = b.js("return document.querySelector('.leaflet-popup-content').textContent")
        assert fid in text and "abandonné" in text
        assert b.js("return PLH_LAYERS.projects_abandoned.layer._map != null") is True
        assert b.js_errors() == []

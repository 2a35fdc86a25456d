"""HTML maps: offline, escaped, light, and the `plhgis map` command."""
from __future__ import annotations

import re
from pathlib import Path

import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from plhgis import assets, checks, demo, maps
from plhgis.errors import PlhgisError

from test_pack import HOSTILE, add_hostile

EXTERNAL = re.compile(r"<(?:script|link)\b[^>]*\b(?:src|href)\s*=", re.I)


def real_data(shared) -> maps.MapData:
    """The 89 CALL + CAPSO communes and the Cartofriches points, as a map of frames."""
    communes = gpd.read_file(shared / "territoire" / "communes_call_capso.geojson").rename(
        columns={"code": "insee", "nom": "name", "nom_epci": "epci_name", "population_municipale": "population"})
    friches = gpd.read_file(shared / "friches" / "cartofriches_points_call.geojson")
    return maps.MapData({"communes": communes, "friches": friches}, name="CALL et CAPSO")


def payload(page: str) -> dict:
    """The map's data, read back from the page."""
    import json

    return json.loads(re.search(r'<script type="application/json" id="plh-data">(.*?)</script>', page, re.S).group(1))


def features(page: str, key: str) -> list[dict]:
    """The GeoJSON features of one overlay, read back from the page."""
    data = payload(page)
    return maps.layer_features(data["layers"][key], data["openings"])


def test_territory_map_is_self_contained(demo_store):
    page = maps.to_html(maps.store_map(demo_store))
    assert not EXTERNAL.search(page), EXTERNAL.search(page)
    assert "markerClusterGroup" in page and "leaflet-control-layers" in page  # the libraries, inlined
    assert "url(data:image/png;base64," in page  # the layer-control icon too
    assert demo.LABEL in page and "données au " in page
    assert "LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2" in page and "tile.openstreetmap.org" in page
    for name in ("Opérations de logements (état)", "Friches (statut CNIG)", "Dents creuses / gisements (horizon)",
                 "QPV et bande TVA réduite", "Secteurs prioritaires", "Zonage PLU (U / AU / A / N)",
                 "Couverture de l\\u0027objectif PLH par commune", "Fond blanc (hors ligne)"):
        assert name in page, name
    assert len(page) < 1_000_000


def test_schemes_sized_coloured_and_flagged(demo_store):
    page = maps.to_html(maps.store_map(demo_store))
    schemes = features(page, "projects")
    abandoned = features(page, "projects_abandoned")
    stored = demo_store.read("projects")
    assert len(schemes) + len(abandoned) == stored.geometry.notna().sum() > 40  # one scheme has no geometry yet
    assert len(abandoned) == (stored.geometry.notna() & (stored["status"] == "abandonné")).sum() > 0
    assert {f["properties"]["s"] for f in abandoned} == {list(maps.STATUS_COLORS).index("abandonné")}
    big = max(schemes, key=lambda f: f["properties"]["r"])
    small = min(schemes, key=lambda f: f["properties"]["r"])
    assert big["properties"]["r"] > small["properties"]["r"]
    assert {f["properties"]["s"] for f in schemes} >= {0, 5}  # several statuses, several colours
    flagged = [f for f in schemes if f["properties"].get("h")]
    assert flagged and all(f["properties"]["f"] for f in flagged)
    level = {f["properties"]["t"]: f["properties"]["h"] for f in flagged}
    assert level["Îlot Pasteur (SMS)"] == 2  # delivery before permit: an error to fix
    assert level["Résidence du Chevalement (QPV)"] == 1  # warnings only: to check
    encoded = payload(page)["layers"]["projects"]  # coordinates: steps of 1e-5 degree, as text
    assert encoded["q"] == 10 ** maps.DECIMALS and isinstance(encoded["xy"], str)
    coords = np.array([f["geometry"]["coordinates"] for f in schemes])
    assert np.allclose(coords, np.round(coords, maps.DECIMALS), rtol=0, atol=1e-9)


def test_commune_map_zooms_and_greys_neighbours(demo_store):
    data = maps.collect(demo_store, "62951")
    drawn = maps.drawn_features(data)
    communes = drawn["communes"]
    grey = [f for f in communes if f["properties"]["s"] == len(maps.COVERAGE_CLASSES) + 1]
    every = demo_store.read("communes")
    outline = every.loc[every["insee"] == "62951"].geometry.iloc[0]
    neighbours = every[every.intersects(outline.buffer(200)) & (every["insee"] != "62951")]
    # the neighbours only: a department's 800 outlines in each commune's page made `pack --all` quadratic
    assert 0 < len(grey) == len(neighbours) < len(every) - 1
    assert {f["properties"]["p"][0][1] for f in grey} == set(neighbours["insee"])
    schemes = drawn["projects"] + drawn["projects_abandoned"]
    assert len(schemes) == demo_store.read("projects", commune="62951").geometry.notna().sum() == 7
    shown = payload(maps.to_html(maps.build(data)))
    (south, west), (north, east) = shown["overlay"]["bounds"]
    assert east - west < 0.2  # one commune (< 15 km), not the 24 km territory
    named = [shapely.Point(f["properties"]["c"][::-1]) for f in communes]  # each name placed inside its commune
    assert all(shapely.geometry.shape(f["geometry"]).buffer(1e-4).contains(p) for f, p in zip(communes, named))
    assert shown["options"]["communes"]["labels"] is True
    with pytest.raises(PlhgisError, match="no commune '99999'"):
        maps.collect(demo_store, "99999")


def test_choropleth_classes_follow_coverage(demo_store):
    data = maps.load(demo_store)
    codes = sorted(data.layers["communes"]["insee"])
    expected = [10, 60, 90, 110, 150, 600, 500]
    # as targets.progress gives it: coverage is a ratio, 6.0 for 600 %
    data.progress = pd.DataFrame({"commune": codes[:6] + ["EPCI"], "homes_target": [100] * 7,
                                  "expected": expected, "coverage": [e / 100 for e in expected]})
    features = maps.drawn_features(data)["communes"]
    by_name = {f["properties"]["p"][0][1]: f["properties"]["s"] for f in features}
    assert [by_name[c] for c in codes[:6]] == [0, 1, 2, 3, 4, 4]  # 600 %: well above, not 6 %
    assert by_name[codes[6]] == len(maps.COVERAGE_CLASSES)  # no target: its own grey
    shown = {f["properties"]["p"][0][1]: dict(f["properties"]["p"]) for f in features}
    assert shown[codes[5]]["Couverture de l'objectif"] == "600 %"


def test_choropleth_uses_the_real_progress(demo_store):
    from plhgis import targets

    data = maps.load(demo_store)
    progress = targets.progress(demo_store)
    assert data.progress.equals(progress)
    cover = maps.coverage_by_commune(progress)
    for rec in progress.to_dict("records"):
        assert cover[rec["commune"]]["coverage"] == pytest.approx(rec["coverage"])
        assert cover[rec["commune"]]["target"] == rec["homes_target"]


def test_nothing_to_map(invoke, tmp_path):
    with pytest.raises(PlhgisError, match="the store has nothing to map"):
        maps.build(maps.MapData({"communes": gpd.GeoDataFrame(geometry=[], crs="EPSG:2154")}))
    store = tmp_path / "e" / "s.gpkg"
    assert invoke("init", "--store", store).exit_code == 0
    result = invoke("map", "--store", store, "-o", tmp_path / "e" / "m.html")
    assert result.exit_code == 1
    assert "la base n'a rien à cartographier" in result.output and "plhgis import communes FICHIER" in result.output
    assert not (tmp_path / "e" / "m.html").exists()


def test_hostile_text_is_escaped(demo_store):
    add_hostile(demo_store)
    page = maps.to_html(maps.store_map(demo_store, "62950"))
    for raw in HOSTILE + ("<b onmouseover",):
        assert raw not in page
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in page
    assert page.count("</script>") == page.count("<script")
    assert "textContent" in page and "bindPopup(plhPopup" in page


def test_js_json_cannot_close_a_script():
    text = maps.js_json({"a": "</script><!-- & ' \u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "'" not in text
    assert "\u2028" not in text


def test_a_cdn_plugin_is_refused(demo_store):
    m = maps.store_map(demo_store)
    folium.plugins.MousePosition().add_to(m)
    with pytest.raises(PlhgisError, match="from the network"):
        maps.to_html(m)


def test_neighbouring_communes_keep_shared_edges():
    # two squares sharing a wiggly edge, in Lambert-93
    x0, y0 = 680000, 7030000
    edge = [(x0 + 1000 + (15 if i % 2 else -15), y0 + i * 50) for i in range(41)]
    west = shapely.Polygon([(x0, y0)] + edge + [(x0, y0 + 2000)])
    east = shapely.Polygon([(x0 + 2000, y0)] + [(x0 + 2000, y0 + 2000)] + list(reversed(edge)))
    frame = gpd.GeoDataFrame(geometry=[west, east], crs="EPSG:2154")
    out = maps.display_geometries(frame, tolerance=40, coverage=True)
    assert shapely.get_num_coordinates(out).sum() < shapely.get_num_coordinates(frame.geometry.to_numpy()).sum()
    metric = gpd.GeoSeries(out, crs="EPSG:4326").to_crs("EPSG:2154").to_numpy()
    assert shapely.intersection(metric[0], metric[1]).area < 1.0  # no overlap
    assert abs(shapely.union_all(metric).area - (west.area + east.area)) < 0.002 * west.area  # no gap
    coords = shapely.get_coordinates(out)
    assert np.allclose(coords, np.round(coords, maps.DECIMALS), atol=1e-12)


def test_map_command(invoke, demo_path, tmp_path):
    out = tmp_path / "carte.html"
    result = invoke("map", "--store", demo_path, "-o", out)
    assert result.exit_code == 0 and f"carte écrite : {out}" in result.stderr
    again = invoke("map", "--store", demo_path, "-o", out)
    assert again.exit_code == 1 and "existe déjà" in again.output
    result = invoke("map", "--store", demo_path, "--commune", "62950", "-o", out, "--overwrite", "--lang", "en")
    assert result.exit_code == 0
    page = out.read_text(encoding="utf-8")
    assert "Souchez-la-Grande (62950) — land meeting" in page and "Housing schemes (status)" in page


def _script_bodies(files):
    return [assets._script_safe(files[key]) for key in ("leaflet_js", "cluster_js")]


def test_leaflet_comes_with_pip_alone(monkeypatch, tmp_path):
    """No npm, no cache, no network: Leaflet and its cluster plugin are the XStatic packages' files."""
    import xstatic.pkg.leaflet
    import xstatic.pkg.leaflet_markercluster

    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assets.find_files.cache_clear()
    files = assets.find_files()
    leaflet = Path(xstatic.pkg.leaflet.BASE_DIR, "leaflet.js").read_text(encoding="utf-8")
    assert files["leaflet_js"].strip() == re.sub(r"//# sourceMappingURL=\S+", "", leaflet).strip()
    assert "markerClusterGroup" in files["cluster_js"] and xstatic.pkg.leaflet_markercluster.VERSION
    assert "data:image/png;base64," in files["leaflet_css"]  # the layer-control icon, inlined
    head = assets.head_html()
    for body in _script_bodies(files):
        assert f"<script>{body}</script>" in head
        assert not re.search(r"</script", body, re.I)


def test_assets_module_names_the_versions(capsys):
    assert assets.main() == 0
    out = capsys.readouterr().out
    assert re.search(r"^leaflet 1\.\d+\.\d+: ", out, re.M) and re.search(r"^cluster 1\.\d+", out, re.M)


def test_an_inlined_library_cannot_close_its_script(monkeypatch):
    hostile = dict(assets.find_files())
    hostile["leaflet_js"] += '\nvar a = "</SCRIPT><script>alert(1)</script>";'
    hostile["cluster_js"] += "\n// </script >"
    monkeypatch.setattr(assets, "find_files", lambda: hostile)
    head = assets.head_html()
    for body in _script_bodies(hostile):
        assert f"<script>{body}</script>" in head
        assert not re.search(r"</script", body, re.I)
    assert len(re.findall(r"</script", head, re.I)) == 2  # only the two closing tags


@pytest.mark.shared
def test_real_communes_and_cartofriches_stay_light(shared_data):
    data = real_data(shared_data)
    page = maps.to_html(maps.build(data))
    assert len(page.encode()) < 3_000_000
    communes = features(page, "communes")
    assert len(communes) == 89
    friches = features(page, "friches")
    assert len(friches) == len(data.layers["friches"])
    assert '"cluster":true' in page  # 95 Cartofriches points: clustered


def _qpv_band_widths(page) -> dict[str, float]:
    """{QPV code: how far its band reaches beyond it (metres, Lambert-93)}, read back from the page."""
    feats = features(page, "qpv")
    bands = [f for f in feats if f["properties"]["s"] == 0]
    quarters = [f for f in feats if f["properties"]["s"] == 1]
    assert len(bands) == len(quarters) > 0

    def metric(f):
        return gpd.GeoSeries([shapely.geometry.shape(f["geometry"])], crs="EPSG:4326").to_crs("EPSG:2154").iloc[0]

    out = {}
    for band, quarter in zip(bands, quarters):
        b, q = metric(band).bounds, metric(quarter).bounds
        # the band is a 4-segment-per-quadrant buffer, simplified for display: a few % short of its width
        out[band["properties"]["p"][0][1]] = max(q[0] - b[0], q[1] - b[1], b[2] - q[2], b[3] - q[3])
    return out


def test_map_band_follows_the_settings(invoke, demo_path, demo_store, tmp_path):
    npnru = dict(zip(demo_store.read("qpv")["code_qp"], demo_store.read("qpv")["npnru"]))
    assert set(npnru.values()) == {0, 1}
    out = tmp_path / "carte.html"
    assert invoke("map", "--store", demo_path, "-o", out).exit_code == 0
    default = _qpv_band_widths(out.read_text(encoding="utf-8"))
    assert all(abs(w / (500 if npnru[c] else 300) - 1) < 0.05 for c, w in default.items()), default

    (demo_path.parent / "plhgis.toml").write_text("[checks]\nvat_band_m = 400\nvat_band_npnru_m = 650\n",
                                                   encoding="utf-8")
    assert invoke("map", "--store", demo_path, "-o", out, "--overwrite").exit_code == 0
    page = out.read_text(encoding="utf-8")
    widths = _qpv_band_widths(page)
    assert all(abs(w / (650 if npnru[c] else 400) - 1) < 0.05 for c, w in widths.items()), widths
    assert "Bande de 400 m autour du QPV" in page and "Bande de 650 m autour du QPV NPNRU" in page
    assert "Bande de 300 m" not in page and "Bande de 500 m" not in page
    legend = payload(maps.to_html(maps.store_map(demo_store)))["overlay"]["legend"]
    assert "Bande de 400 m autour du QPV (" in legend and "Bande de 650 m" in legend


def test_to_check_ring_marks_a_schemes_own_warnings_only(demo_store):
    """LLS-HIGH-SHARE is about the commune: it shows on the commune, and rings no scheme of 62950."""
    page = maps.to_html(maps.store_map(demo_store))
    found = checks.run_checks(demo_store)
    (high,) = [f for f in found if f.rule == "LLS-HIGH-SHARE" and f.commune == "62950"]
    commune = next(f["properties"] for f in features(page, "communes") if f["properties"]["i"] == "62950")
    assert high.message in commune["f"]
    schemes = [f["properties"] for f in features(page, "projects") if f["properties"]["i"].startswith("P-62950")]
    assert not any(high.message in p.get("f", []) for p in schemes)
    own = {f.feature_id for f in found if f.layer == "projects" and f.severity in ("error", "warning")}
    ringed = {p["i"] for p in schemes if p.get("h")}
    assert ringed == own & {p["i"] for p in schemes}

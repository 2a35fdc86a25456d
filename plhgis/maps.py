"""HTML maps of the PLH layers (folium / Leaflet) that work with no network.

The only module importing folium, and the only place where data leaves Lambert-93 for WGS84.
A map is built in three steps:

1. `collect(store, commune)` reads the layers, the findings (`checks.run_checks`) and the
   target progress (`targets.progress`) into a `MapData`; the benchmark and the tests build a
   `MapData` from plain frames instead.
2. `build(data)` makes the folium map: one GeoJSON overlay per layer, drawn by a few lines of
   our own JavaScript (`_JS`) that build popups and tooltips with `textContent`, so no text from
   the data is ever parsed as HTML. The data never passes through Jinja2 (folium renders every
   element's text as a template): it is one JSON document in a `<script type="application/json">`
   with `<`, `>`, `&` and `'` escaped, put in a slot of the page after rendering (`add_slot`).
3. `to_html(m)` renders the page with Leaflet inlined (`assets`), fills the slots, and refuses a
   page that would still load a script or a stylesheet from the network.

Pages stay light: polygons are simplified with a tolerance that follows the map's extent,
neighbouring communes and zoning with `shapely.coverage_simplify` (shared edges stay shared),
coordinates are rounded to 6 decimals (~0.1 m), and point layers above `CLUSTER_MIN` points
are clustered.
"""
from __future__ import annotations

import functools
import html
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from jinja2 import Template

from . import assets, checks, outputs, schema, targets
from .errors import PlhgisError, unknown_commune
from .palette import (FRICHE_COLORS, HORIZON_COLORS, PERMIT_COLORS, POINT_SHAPES, SECTOR_COLORS, STATUS_COLORS,
                      ZONE_COLORS)
from .progress import steps
from .labels import Msg, t, value
from .settings import Settings

WGS84 = "EPSG:4326"
DECIMALS = 6
CLUSTER_MIN = 80  # point layers with more points than this are clustered
IGN_PLAN_V2 = ("https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
               "&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2&STYLE=normal&TILEMATRIXSET=PM"
               "&TILEMATRIX={z}&TILECOL={x}&TILEROW={y}&FORMAT=image/png")
IGN_ATTRIBUTION = '<a href="https://www.ign.fr/">IGN</a> – Géoplateforme'

# target coverage classes: (upper bound, colour, label)
COVERAGE_CLASSES = ((0.5, "#d73027", "< 50 %"), (0.8, "#fc8d59", "50–80 %"),
                    (1.0, "#fee08b", "80–100 %"), (1.2, "#91cf60", "100–120 %"),
                    (math.inf, "#4575b4", "> 120 %"))
OTHER_COLOR = "#9e9e9e"
# a scheme's outline by its worst finding: 1 = warning (to check), 2 = error (to fix)
FLAG_STYLES = {1: {"color": "#000", "weight": 2.5, "opacity": 1, "dashArray": "4 3"},
               2: {"color": "#d50000", "weight": 3.5, "opacity": 1}}
# display panes, bottom to top
PANES = {"communes": 401, "zoning": 402, "sectors": 403, "qpv": 404, "plots": 405, "friches": 406,
         "projects_abandoned": 407, "projects": 408, "permits": 409}
ABANDONED = "abandonné"  # schemes of this status get their own overlay, off until the reader asks


@dataclass
class MapData:
    """What a map shows: layers in any CRS, findings, target progress and the title's facts."""

    layers: dict[str, gpd.GeoDataFrame]
    findings: list = field(default_factory=list)
    progress: pd.DataFrame | None = None
    name: str = ""  # the EPCI's (territory) or the commune's name
    data_date: str | None = None
    demo: bool = False
    focus: str | None = None  # INSEE code of the commune the map zooms in on
    settings: Settings = field(default_factory=Settings)  # the reduced-VAT bands, as the checks use them


# -- reading the store --------------------------------------------------------------------------
def collect(store, commune: str | None = None, as_of=None) -> MapData:
    """Read everything a territory map (or one commune's map) shows."""
    return focus(load(store, as_of=as_of), commune)


def load(store, as_of=None) -> MapData:
    """The whole territory: every layer, every finding, the target progress."""
    read = {name: store.read(name, as_of=as_of) for name in
            ("communes", "zoning", "sectors", "qpv", "plots", "friches", "permits", "projects")}
    communes = read["communes"]
    is_demo = store.setting("demo") is not None  # set by demo.build: says "données fictives" on every page
    names = communes["epci_name"].dropna()
    info = store.layer_info()
    dates = [d for d in info["last_change"] if d]
    territory = targets.Territory(store)
    return MapData(read, findings=checks.run_checks(store, territory=territory),
                   progress=targets.progress(store, territory=territory),
                   name=names.mode().iloc[0] if len(names) else "",
                   data_date=max(dates)[:10] if dates else None, demo=is_demo, settings=territory.settings)


def focus(data: MapData, commune: str | None) -> MapData:
    """The same data zoomed on one commune: its features, its neighbours and the areas around it, its findings.

    The per-commune groups of features and findings are built once for `data` (`_by_commune`) and
    the areas are found through each layer's spatial index, so focusing on every commune in turn
    (`pack --all`) stays linear.
    """
    if commune is None:
        return data
    communes = data.layers["communes"]
    index = _by_commune(data)
    if commune not in index["communes"]:
        raise unknown_commune(commune)
    read = dict(data.layers)
    area = communes.iloc[index["communes"][commune]].geometry.union_all().buffer(200)
    for name in ("communes", "zoning", "sectors", "qpv"):  # the commune, its neighbours, the areas around
        frame = read.get(name)
        if frame is not None and len(frame):
            read[name] = frame.iloc[np.sort(frame.sindex.query(area, predicate="intersects"))]
    for name in ("plots", "friches", "permits", "projects"):
        frame = read.get(name)
        if frame is not None and len(frame):
            read[name] = frame.iloc[index[name].get(commune, [])]
    found = index["findings"]
    findings = [data.findings[i] for i in sorted(found.get(commune, []) + found.get(None, []))]
    name = communes.iloc[index["communes"][commune][0]]["name"]
    return MapData(read, findings=findings, progress=data.progress, name=name,
                   data_date=data.data_date, demo=data.demo, focus=commune, settings=data.settings)


def _by_commune(data: MapData) -> dict:
    """{layer: {insee: row positions}}, findings included, built once per MapData."""
    if "by_commune" not in data.__dict__:
        index = {"communes": data.layers["communes"].groupby("insee", sort=False).indices}
        for name in ("plots", "friches", "permits", "projects"):
            frame = data.layers.get(name)
            if frame is not None and len(frame):
                index[name] = frame.groupby(schema.get_layer(name).commune_field, sort=False).indices
        found: dict = {}
        for i, f in enumerate(data.findings):
            found.setdefault(getattr(f, "commune", None), []).append(i)
        index["findings"] = found
        data.__dict__["by_commune"] = index
    return data.__dict__["by_commune"]


def coverage_by_commune(progress) -> dict[str, dict]:
    """{insee: {target, expected, coverage}} from a `targets.progress` table (coverage: a ratio)."""
    if progress is None or len(progress) == 0:
        return {}
    return {str(rec["commune"]): {"target": _num(rec.get("homes_target")), "expected": _num(rec.get("expected")),
                                  "coverage": _num(rec.get("coverage"))}
            for rec in records(progress)}


def _num(v):
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def finding_text(f, lang="fr") -> str:
    """A finding's message in `lang`: its English one for "en" when it has one, else its French one."""
    english = getattr(f, "message_en", "") if lang == "en" else ""
    return english or str(getattr(f, "message", f))


def findings_index(findings, severities=None, lang="fr") -> dict[tuple[str, str], list[str]]:
    """{(layer, feature id): [messages in `lang`]}; commune-level findings under ('communes', insee).

    With `severities`, only the findings of those severities.
    """
    out: dict[tuple[str, str], list[str]] = {}
    for f in findings:
        if severities is not None and getattr(f, "severity", None) not in severities:
            continue
        key = feature_of(f)
        if key:
            out.setdefault(key, []).append(finding_text(f, lang))
    return out


def feature_of(f) -> tuple[str, str] | None:
    """(layer, id) of the map feature a finding is about: a commune-level one's commune; None for the EPCI."""
    layer, fid = getattr(f, "layer", None), getattr(f, "feature_id", None)
    if not fid or layer == "targets":
        layer, fid = "communes", getattr(f, "commune", None)
    return (layer, str(fid)) if fid else None


def feature_link(f, page="territoire.html") -> str | None:
    """The address that opens the finding's feature on the map `page` (`#feature=layer:id`), if any."""
    key = feature_of(f)
    return f"{page}#feature={quote(key[0])}:{quote(key[1], safe='')}" if key else None


# -- geometry for display -----------------------------------------------------------------------
def tolerance_for(bounds) -> float:
    """Simplification tolerance (metres) for an extent: ~1/4000 of its diagonal, 2 to 40 m."""
    diag = math.hypot(bounds[2] - bounds[0], bounds[3] - bounds[1])
    return float(min(40.0, max(2.0, diag / 4000)))


def display_geometries(frame: gpd.GeoDataFrame, tolerance: float, coverage: bool = False):
    """Simplified (in metres), reprojected to WGS84 and rounded geometries of `frame`."""
    geoms = frame.geometry.to_numpy()
    if frame.crs is not None and frame.crs.is_geographic:
        geoms = gpd.GeoSeries(geoms, crs=frame.crs).to_crs(schema.STORE_CRS).to_numpy()
        crs = schema.STORE_CRS
    else:
        crs = frame.crs or schema.STORE_CRS
    present = ~shapely.is_missing(geoms)
    if tolerance > 0 and present.any():
        idx = np.flatnonzero(present)
        polys = np.isin(shapely.get_type_id(geoms[idx]), (3, 6))
        if coverage and polys.all() and hasattr(shapely, "coverage_simplify"):
            simplified = shapely.coverage_simplify(geoms[idx], tolerance)
        else:
            simplified = shapely.simplify(geoms[idx], tolerance, preserve_topology=True)
        geoms = geoms.copy()
        geoms[idx] = simplified
    out = gpd.GeoSeries(geoms, crs=crs).to_crs(WGS84).to_numpy()
    return shapely.transform(out, lambda xy: np.round(xy, DECIMALS))


def _points(frame):
    """Points for features drawn as markers (polygon footprints by a point on their surface)."""
    geoms = frame.geometry.to_numpy()
    pts = np.where(shapely.is_missing(geoms), None, shapely.point_on_surface(geoms))
    return gpd.GeoDataFrame(frame.drop(columns=frame.geometry.name), geometry=list(pts), crs=frame.crs)


# -- features and styles ---------------------------------------------------------------------------
def records(frame) -> list[dict]:
    """`frame.to_dict("records")` in one conversion (to_dict reads a GeoDataFrame column by column,
    ~10 ms even for a few rows: most of a commune map's time in `pack --all`)."""
    columns = list(frame.columns)
    return [dict(zip(columns, row)) for row in frame.to_numpy(dtype=object).tolist()]


def _text(v) -> str:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _rows(rec, keys, lang):
    out = []
    for key, label in keys:
        shown = value(_text(rec.get(key)), lang) if key in ("status",) else _text(rec.get(key))
        if shown:
            out.append([t(label, lang), shown])
    return out


# a scheme's permit and works dates, the products the SRU inventory counts, demolitions (issue 11)
POPUP_VOCABULARY = ("permit_date", "doc_date", "daact_date", "plai_adapte", "lli", "anah_conventionne",
                    "residence_kind", "residence_places", "demolished", "demolished_lls", "lls_sold")


def _vocabulary_rows(rec, lang):
    """Popup rows of the scheme fields above that hold a value, under their schema label; the ANRU
    rebuilding flag when set."""
    out = [[schema.label("projects", f, lang), shown] for f in POPUP_VOCABULARY
           if (shown := _text(rec.get(f))) not in ("", "0")]
    if _num(rec.get("reconstitution")) == 1:
        out.append([schema.label("projects", "reconstitution", lang), "oui" if lang == "fr" else "yes"])
    return out


def _collection(geoms, props) -> dict:
    features = []
    for g, p in zip(geoms, props):
        if g is None or shapely.is_empty(g):
            continue
        features.append({"type": "Feature", "geometry": shapely.geometry.mapping(g), "properties": p})
    return {"type": "FeatureCollection", "features": features}


def _style_index(keys, palette, fill_opacity, weight=1, color="#333", point=False):
    """Style list and an index per feature; unknown values share the OTHER_COLOR style."""
    names = list(palette) + ["autre"]
    styles = []
    for name in names:
        fill = palette.get(name, OTHER_COLOR)
        styles.append({"color": color if point else fill, "weight": weight, "fillColor": fill,
                       "fillOpacity": fill_opacity, "opacity": 0.9})
    index = [names.index(k) if k in palette else len(names) - 1 for k in keys]
    return styles, index


def _layer_specs(data: MapData, lang: str):
    """(key, label, FeatureCollection, options, show) for every overlay, bottom to top."""
    layers = {k: v for k, v in data.layers.items() if v is not None and len(v)}
    if not layers:
        raise PlhgisError(Msg("err.nothing_to_map"), hint=Msg("hint.import_communes"))
    communes = layers.get("communes")
    extent = (communes if communes is not None else next(iter(layers.values()))).total_bounds
    if data.focus is not None and communes is not None:
        extent = communes.loc[communes["insee"] == data.focus].total_bounds
        if not np.isfinite(extent).all():
            extent = communes.total_bounds
    tol = tolerance_for(extent)
    found = findings_index(data.findings, lang=lang)
    errors = findings_index(data.findings, ("error",))
    warnings = findings_index(data.findings, ("warning",))
    cover = coverage_by_commune(data.progress)
    focus = data.focus is not None
    specs = []

    if communes is not None:
        recs = records(communes)
        styles = [{"color": "#555", "weight": 1, "fillColor": c, "fillOpacity": 0.55}
                  for _, c, _ in COVERAGE_CLASSES]
        styles.append({"color": "#555", "weight": 1, "fillColor": "#eeeeee", "fillOpacity": 0.4})
        styles.append({"color": "#777", "weight": 1, "fillColor": "#bdbdbd", "fillOpacity": 0.55})
        props = []
        for rec in recs:
            c = cover.get(str(rec.get("insee")), {})
            cov = c.get("coverage")
            if focus and rec.get("insee") != data.focus:
                s = len(styles) - 1
            elif cov is None:
                s = len(COVERAGE_CLASSES)
            else:
                s = next(i for i, (hi, _, _) in enumerate(COVERAGE_CLASSES) if cov < hi)
            rows = _rows(rec, [("insee", "insee"), ("population", "population"),
                               ("polarity", "polarity"), ("sru_status", "sru_status")], lang)
            if c.get("target") is not None:
                rows.append([t("target", lang), _text(round(c["target"]))])
            if c.get("expected") is not None:
                rows.append([t("expected", lang), _text(round(c["expected"]))])
            rows.append([t("coverage", lang), f"{cov:.0%}" if cov is not None else t("no_data", lang)])
            p = {"t": _text(rec.get("name")), "i": _text(rec.get("insee")), "p": rows, "s": s,
                 "f": found.get(("communes", str(rec.get("insee"))), [])}
            if focus and rec.get("insee") == data.focus:
                p["h"] = 1
            props.append(p)
        geoms = display_geometries(communes, tol, coverage=True)
        for p, c in zip(props, display_geometries(_points(communes), 0)):  # where the name is always shown
            if c is not None:
                p["c"] = [c.y, c.x]
        flag = {1: {"color": "#111", "weight": 3, "fillOpacity": 0.25}}
        specs.append(("communes", t("layer.communes_focus" if focus else "layer.communes", lang),
                      _collection(geoms, props), {"styles": styles, "flag": flag, "labels": True}, True))

    zoning = layers.get("zoning")
    if zoning is not None:
        styles, idx = _style_index(zoning["typezone"], ZONE_COLORS, 0.45, weight=0.5, color="#555")
        props = [{"t": f"{_text(r.get('libelle'))} ({_text(r.get('typezone'))})",
                  "p": _rows(r, [("libelong", "libelle"), ("insee", "insee")], lang), "s": s}
                 for r, s in zip(records(zoning), idx)]
        geoms = display_geometries(zoning, tol, coverage=True)
        specs.append(("zoning", t("layer.zoning", lang), _collection(geoms, props),
                      {"styles": styles}, False))

    sectors = layers.get("sectors")
    if sectors is not None:
        styles, idx = _style_index(sectors["kind"], SECTOR_COLORS, 0.12, weight=2)
        for s in styles:
            s["color"] = s["fillColor"]
            s["dashArray"] = "6 4"
        props = [{"t": _text(r.get("name")), "i": _text(r.get("id")),
                  "p": _rows(r, [("kind", "kind"), ("priority", "priority")], lang),
                  "s": s, "f": found.get(("sectors", _text(r.get("id"))), [])}
                 for r, s in zip(records(sectors), idx)]
        specs.append(("sectors", t("layer.sectors", lang),
                      _collection(display_geometries(sectors, tol), props), {"styles": styles}, True))

    qpv = layers.get("qpv")
    if qpv is not None:
        q2154 = qpv.to_crs(schema.STORE_CRS) if qpv.crs is not None and qpv.crs.is_geographic else qpv
        npnru = q2154["npnru"].fillna(0).astype(int).to_numpy() if "npnru" in q2154 else np.zeros(len(q2154))
        # reduced VAT (5.5 %) for social ownership near a QPV (CGI art. 278 sexies), wider around NPNRU quarters
        widths = np.where(npnru == 1, data.settings.vat_band_npnru_m, data.settings.vat_band_m)
        bands = shapely.difference(shapely.buffer(q2154.geometry.to_numpy(), widths, quad_segs=4),
                                   q2154.geometry.to_numpy())
        band_frame = gpd.GeoDataFrame(geometry=list(bands), crs=q2154.crs)
        styles = [{"color": "#ad1457", "weight": 1, "dashArray": "4 4", "fillColor": "#f48fb1",
                   "fillOpacity": 0.15},
                  {"color": "#ad1457", "weight": 2, "fillColor": "#ad1457", "fillOpacity": 0.35}]
        recs = records(q2154)
        band_props = [{"t": _text(r.get("lib_qp")),
                       "p": [[t("qpv_band_npnru" if n == 1 else "qpv_band", lang, m=_metres(w)),
                              _text(r.get("code_qp"))]], "s": 0} for r, w, n in zip(recs, widths, npnru)]
        qpv_props = [{"t": _text(r.get("lib_qp")), "p": _rows(r, [("code_qp", "id"), ("commune", "commune")], lang),
                      "s": 1} for r in recs]
        geoms = list(display_geometries(band_frame, tol)) + list(display_geometries(q2154, tol))
        specs.append(("qpv", t("layer.qpv", lang), _collection(geoms, band_props + qpv_props),
                      {"styles": styles}, True))

    plots = layers.get("plots")
    if plots is not None:
        shown = _points(plots)
        styles, idx = _style_index(shown["horizon"], HORIZON_COLORS, 0.85, weight=1, point=True)
        keys = [("id", "id"), ("parcels", "parcels"), ("area_m2", "surface"), ("capacity", "capacity"),
                ("horizon", "horizon"), ("ownership", "ownership"), ("constraints", "constraints"),
                ("status", "plot_status"), ("comment", "comment")]
        props = [{"t": f"{t('layer.plots', lang).split(' (')[0]} {_text(r.get('id'))}", "i": _text(r.get("id")),
                  "p": _rows(r, keys, lang),
                  "s": s, "r": 4, "f": found.get(("plots", _text(r.get("id"))), [])}
                 for r, s in zip(records(shown), idx)]
        specs.append(("plots", t("layer.plots", lang), _collection(display_geometries(shown, tol), props),
                      {"styles": styles, "shape": POINT_SHAPES["plots"], "cluster": len(shown) > CLUSTER_MIN}, True))

    friches = layers.get("friches")
    if friches is not None:
        shown = _points(friches)
        statut = shown["site_statut"] if "site_statut" in shown else pd.Series([None] * len(shown))
        styles, idx = _style_index(statut, FRICHE_COLORS, 0.85, weight=1, point=True)
        keys = [("site_id", "id"), ("site_type", "site_type"), ("site_statut", "site_statut"),
                ("unite_fonciere_surface", "surface"), ("capacity", "capacity"),
                ("comm_insee", "commune")]
        props = []
        for r, s in zip(records(shown), idx):
            title = _text(r.get("site_nom")) or _text(r.get("site_id"))
            props.append({"t": title, "i": _text(r.get("site_id")), "p": _rows(r, keys, lang), "s": s, "r": 6,
                          "f": found.get(("friches", _text(r.get("site_id"))), [])})
        specs.append(("friches", t("layer.friches", lang), _collection(display_geometries(shown, tol), props),
                      {"styles": styles, "shape": POINT_SHAPES["friches"], "cluster": len(shown) > CLUSTER_MIN},
                      True))

    permits = layers.get("permits")
    if permits is not None:  # Sitadel permits: off by default, a small dot each
        styles, idx = _style_index(permits["status"], PERMIT_COLORS, 0.8, weight=1, point=True)
        keys = [("num_dau", "permit"), ("status", "status"), ("date_authorised", "date_authorised"),
                ("homes_total", "homes_total"), ("homes_social_rent", "social_rent"), ("applicant", "operator"),
                ("address", "address")]
        props = [{"t": f"{t('permit', lang)} {_text(r.get('num_dau'))}", "p": _rows(r, keys, lang), "s": s, "r": 3}
                 for r, s in zip(permits.to_dict("records"), idx)]
        specs.append(("permits", t("layer.permits", lang), _collection(display_geometries(permits, tol), props),
                      {"styles": styles, "cluster": len(permits) > CLUSTER_MIN}, False))

    projects = layers.get("projects")
    if projects is not None:
        shown = _points(projects)
        styles, idx = _style_index(shown["status"], STATUS_COLORS, 0.9, weight=1, point=True)
        props = []
        for r, s in zip(records(shown), idx):
            social = sum(int(r.get(k) or 0) for k in schema.SOCIAL_RENT_FIELDS if _text(r.get(k)))
            own = sum(int(r.get(k) or 0) for k in ("psla", "brs") if _text(r.get(k)))
            rows = _rows(r, [("id", "id"), ("status", "status"), ("homes_total", "homes_total")], lang)
            if social:
                rows.append([t("social_rent", lang), str(social)])
            if own:
                rows.append([t("social_own", lang), str(own)])
            rows += _rows(r, [("land_origin", "land_origin"), ("operator", "operator"),
                              ("permit_year", "permit_year"), ("permit_number", "permit"),
                              ("delivery_year", "delivery_year"), ("address", "address"), ("comment", "comment")], lang)
            rows += _vocabulary_rows(r, lang)
            f = found.get(("projects", _text(r.get("id"))), [])
            homes = _num(r.get("homes_total")) or 5
            p = {"t": _text(r.get("name")), "i": _text(r.get("id")), "p": rows, "s": s,
                 "r": round(4 + 1.1 * math.sqrt(homes), 1), "f": f}
            key = ("projects", _text(r.get("id")))
            if key in errors or key in warnings:
                p["h"] = 2 if key in errors else 1
            props.append(p)
        geoms = display_geometries(shown, tol)
        abandoned = (shown["status"] == ABANDONED).to_numpy()
        options = {"styles": styles, "flag": FLAG_STYLES, "cluster": len(shown) > 4 * CLUSTER_MIN}
        if abandoned.any():
            specs.append(("projects_abandoned", t("layer.projects_abandoned", lang),
                          _collection(geoms[abandoned], [p for p, a in zip(props, abandoned) if a]), options, False))
        specs.append(("projects", t("layer.projects", lang),
                      _collection(geoms[~abandoned], [p for p, a in zip(props, abandoned) if not a]), options, True))
    return specs, extent


# -- folium elements ---------------------------------------------------------------------------------
def js_json(obj) -> str:
    """JSON safe to embed in a <script>: no '<', '>', '&' or "'" left to end or open anything."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("'", "\\u0027").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


# -- the page: folium draws the frame, the data never goes through Jinja2 ----------------------------
# branca renders every element's text as a Jinja2 template, and MacroElement output is rendered a second
# time, so a scheme named "{{ 7*7 }}" would be evaluated. Elements therefore hold only our own code and
# a `<!--plh-slot:NAME-->` marker; the data (JSON in a <script type="application/json">) and the HTML
# built from it are put in place of the markers after the page is rendered (`to_html`), in one pass.
_SLOT = re.compile(r"<!--plh-slot:([a-z_]+)-->")


@functools.lru_cache(maxsize=64)
def _compiled(code: str) -> Template:
    """Our own page code compiled once per process (a pack run builds hundreds of pages)."""
    return Template(code)


def code_element(code: str) -> Element:
    """An Element of our own code (never data): its template compiled once (`_compiled`)."""
    element = Element()
    element._template = _compiled(code)
    return element


def add_slot(fig, section: str, name: str, text: str) -> None:
    """Reserve a place in `fig`'s `section` ("header" or "html") for `text`, filled in by `to_html`."""
    getattr(fig, section).add_child(code_element(f"<!--plh-slot:{name}-->"), name=name)
    fig.__dict__.setdefault("plh_slots", {})[name] = text


def _data_script(payload) -> str:
    """The page's data: JSON that no browser runs and no `</script>` in it can end."""
    return f'<script type="application/json" id="plh-data">{js_json(payload)}</script>'


class GeoLayer(folium.map.Layer):
    """An overlay drawn by `plhLayer` (see `_JS`) from the page's data: styles by index, text-only popups."""

    _template = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = plhLayer({{ this._parent.get_name() }}, {{ this.key|tojson }});
{% endmacro %}
""")

    def __init__(self, key, name, show=True):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "plh_" + key
        self.key = key


class BlankBase(folium.map.Layer):
    """A base layer with no tiles: the page as it looks offline, on purpose."""

    _template = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.layerGroup();
{% endmacro %}
""")

    def __init__(self, name):
        super().__init__(name=name, overlay=False, control=True, show=False)


class MapOverlay(MacroElement):
    """The title (top centre) and the legend (a Leaflet control), from the page's data."""

    _template = Template("""
{% macro script(this, kwargs) %}
plhOverlay({{ this._parent.get_name() }});
{% endmacro %}
""")

    def __init__(self):
        super().__init__()
        self._name = "plh_overlay"


_CSS = """
<style>
.plh-title{position:absolute;top:8px;left:50%;transform:translateX(-50%);z-index:1000;
  background:rgba(255,255,255,.92);padding:4px 12px;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);
  font:600 15px/1.3 system-ui,sans-serif;text-align:center;max-width:60%;pointer-events:none}
.plh-title small{display:block;font-weight:400;font-size:12px;color:#444}
.plh-title .plh-demo{color:#b71c1c;font-weight:600}
.plh-legend{background:rgba(255,255,255,.95);padding:6px 8px;border-radius:4px;font:12px/1.35 system-ui,sans-serif;
  box-shadow:0 1px 4px rgba(0,0,0,.3);max-height:45vh;max-width:300px;overflow:auto}
.plh-legend summary{font-weight:600;cursor:pointer}
.plh-legend h4{margin:6px 0 2px;font-size:12px}
.plh-legend i{display:inline-block;width:12px;height:12px;margin-right:5px;vertical-align:-2px;border:1px solid #555}
.plh-legend i.pt{border-radius:50%}
.plh-legend i.dm{transform:rotate(45deg) scale(.85)}
.plh-legend i.tr{border:0;clip-path:polygon(50% 0,100% 100%,0 100%)}
.plh-shape{background:none;border:0}
.plh-label{background:none;border:0;box-shadow:none;padding:0;color:#111;font:600 11px/1.1 system-ui,sans-serif;
  text-shadow:0 0 2px #fff,0 0 2px #fff,0 0 3px #fff}
.plh-label:before{display:none}
@media (max-width:600px){
  .plh-title{font-size:12px;max-width:calc(100% - 110px);padding:2px 6px}
  .plh-title small{font-size:10px}
  .plh-legend{max-height:40vh;max-width:70vw}
  .plh-label{font-size:10px}
}
.plh-pop{font:13px/1.35 system-ui,sans-serif;min-width:180px}
.plh-pop-t{font-weight:600;margin-bottom:4px}
.plh-pop th{text-align:left;font-weight:400;color:#555;padding:1px 8px 1px 0;vertical-align:top}
.plh-pop td{padding:1px 0}
.plh-pop ul{margin:4px 0 0;padding-left:16px;color:#b71c1c}
.leaflet-container{background:#f2efe9}
.leaflet-control-layers{font:12px/1.4 system-ui,sans-serif}
.leaflet-control-layers label{margin:0}
</style>
"""

_JS = """
<script>
function plhText(tag, text, cls){var e=document.createElement(tag);e.textContent=text==null?'':String(text);
  if(cls){e.className=cls;}return e;}
var PLH_DATA=null;
function plhData(){if(!PLH_DATA){PLH_DATA=JSON.parse(document.getElementById('plh-data').textContent);}
  return PLH_DATA;}
function plhPopup(layer){
  var p=layer.feature.properties, d=plhText('div','', 'plh-pop');
  d.appendChild(plhText('div', p.t, 'plh-pop-t'));
  var tb=document.createElement('table');
  (p.p||[]).forEach(function(r){var tr=tb.insertRow();tr.appendChild(plhText('th', r[0]));
    tr.appendChild(plhText('td', r[1]));});
  d.appendChild(tb);
  if(p.f&&p.f.length){d.appendChild(plhText('div', plhData().findings, 'plh-pop-t'));
    var ul=document.createElement('ul');p.f.forEach(function(m){ul.appendChild(plhText('li', m));});
    d.appendChild(ul);}
  return d;
}
function plhShape(ll, s, shape){
  // a diamond or a triangle marker, as an SVG icon drawn with the layer's own style
  var n=Math.round(2.4*s.radius)+2, c=n/2, w=s.weight||1, ns='http://www.w3.org/2000/svg';
  var pts=shape==='diamond'?[[c,w],[n-w,c],[c,n-w],[w,c]]:[[c,w],[n-w,n-w],[w,n-w]];
  var svg=document.createElementNS(ns,'svg'), p=document.createElementNS(ns,'polygon');
  svg.setAttribute('width',n);svg.setAttribute('height',n);
  p.setAttribute('points',pts.map(function(q){return q.join(',');}).join(' '));
  p.setAttribute('fill',s.fillColor);p.setAttribute('fill-opacity',s.fillOpacity);
  p.setAttribute('stroke',s.color);p.setAttribute('stroke-width',w);svg.appendChild(p);
  return L.marker(ll,{pane:s.pane,keyboard:false,icon:L.divIcon({html:svg,className:'plh-shape',iconSize:[n,n]})});
}
var PLH_LAYERS={};
function plhLayer(map, key){
  var data=plhData().layers[key], o=plhData().options[key];
  if(!map.getPane(o.pane)){map.createPane(o.pane).style.zIndex=o.z;}
  function styleOf(f){var s=Object.assign({pane:o.pane}, o.styles[f.properties.s]||{});
    if(f.properties.h){Object.assign(s, (o.flag||{})[f.properties.h]||{});}return s;}
  var g=L.geoJSON(data,{style:styleOf,
    pointToLayer:function(f,ll){var s=styleOf(f);s.radius=f.properties.r||6;
      return o.shape&&o.shape!=='circle'?plhShape(ll,s,o.shape):L.circleMarker(ll,s);},
    onEachFeature:function(f,l){l.bindPopup(plhPopup,{maxWidth:340,maxHeight:320,autoPanPaddingTopLeft:[20,70]});
      l.bindTooltip(function(){return plhText('span', f.properties.t);},{sticky:true});}});
  var out=g;
  if(o.labels){var names=L.layerGroup();out=L.layerGroup([g,names]);
    g.eachLayer(function(l){var p=l.feature.properties;if(p.c){names.addLayer(L.tooltip({permanent:true,
      direction:'center',className:'plh-label',interactive:false}).setLatLng(p.c).setContent(plhText('span',p.t)));}});}
  if(o.cluster&&L.markerClusterGroup){out=L.markerClusterGroup({showCoverageOnHover:false,maxClusterRadius:35});
    out.addLayer(g);}
  PLH_LAYERS[key]={layer:out, geojson:g};
  return out;
}
function plhOverlay(map){
  var v=plhData().overlay, title=v.title, legend=v.legend, open=v.open, bounds=v.bounds;
  // keep the data clear of the title (top) and, on a wide map, of the layer control and open legend (right)
  var narrow=map.getSize().x<600;
  open=open&&!narrow;  // on a phone the legend starts folded, and so does the layer control
  var right=(open&&map.getSize().x>800)?330:10;
  var lc=narrow&&map.getContainer().querySelector('.leaflet-control-layers');
  if(lc){lc.classList.remove('leaflet-control-layers-expanded');
    L.DomEvent.on(lc.querySelector('.leaflet-control-layers-toggle'),'click',function(ev){L.DomEvent.preventDefault(ev);
      lc.classList.add('leaflet-control-layers-expanded');});
    map.on('click',function(){lc.classList.remove('leaflet-control-layers-expanded');});}
  function fit(bottom){if(bounds){map.fitBounds(bounds,{paddingTopLeft:[10,50],
    paddingBottomRight:[right,bottom||10],animate:false});}}
  fit();
  function refit(e){  // the print CSS resizes the map and lays the legend along its foot
    var lg=map.getContainer().querySelector('.plh-legend');
    map.invalidateSize({animate:false});fit(e.matches!==false&&lg?lg.offsetHeight+10:10);}
  window.addEventListener('beforeprint',refit);
  if(window.matchMedia){window.matchMedia('print').addEventListener('change',refit);}
  var d=document.createElement('div');d.className='plh-title';d.innerHTML=title;
  map.getContainer().appendChild(d);
  L.control.scale({imperial:false}).addTo(map);
  var c=L.control({position:'bottomright'});
  c.onAdd=function(){var e=L.DomUtil.create('div','plh-legend');e.innerHTML=legend;
    e.firstChild.open=open;L.DomEvent.disableClickPropagation(e);L.DomEvent.disableScrollPropagation(e);return e;};
  c.addTo(map);
  plhGoto(map);window.addEventListener('hashchange',function(){plhGoto(map);});
}
function plhGoto(map){
  // '#feature=layer:id' (a link of the findings page): show that feature and open its popup
  var h=/^#feature=([a-z_]+):(.+)$/.exec(location.hash||''), found=null, entry=null;
  if(!h){return;}
  var id=decodeURIComponent(h[2]);
  Object.keys(PLH_LAYERS).forEach(function(k){if(found||(k!==h[1]&&k.indexOf(h[1]+'_')!==0)){return;}
    PLH_LAYERS[k].geojson.eachLayer(function(l){if(!found&&l.feature.properties.i===id){found=l;entry=PLH_LAYERS[k];}});});
  if(!found){return;}
  if(!map.hasLayer(entry.layer)){map.addLayer(entry.layer);}
  function open(){if(found.getLatLng){map.setView(found.getLatLng(),Math.max(map.getZoom(),15),{animate:false});}
    else{map.fitBounds(found.getBounds(),{animate:false});}
    found.openPopup();}
  if(entry.layer.zoomToShowLayer){entry.layer.zoomToShowLayer(found,open);}else{open();}
}
</script>
"""


def _legend_html(data: MapData, specs, lang) -> str:
    esc = html.escape
    shown = {key for key, *_ in specs}
    parts = [f"<details><summary>{esc(t('legend', lang))}</summary>"]

    marks = {"circle": ' class="pt"', "diamond": ' class="dm"', "triangle": ' class="tr"'}

    def block(key, title, palette, point=False):
        if key not in shown:
            return
        parts.append(f"<h4>{esc(title)}</h4>")
        for name, color in palette:
            cls = marks[POINT_SHAPES[key]] if point else ""
            parts.append(f'<div><i{cls} style="background:{esc(color)}"></i>{esc(name)}</div>')

    if data.focus is None:
        block("communes", t("layer.communes", lang),
              [(label, color) for _, color, label in COVERAGE_CLASSES] + [(t("no_data", lang), "#eeeeee")])
    block("projects", t("layer.projects", lang), [(value(k, lang), c) for k, c in STATUS_COLORS.items()], True)
    if "projects" in shown:
        parts.append(f"<div>{esc(t('legend.size', lang))}</div>"
                     f'<div><i class="pt" style="background:#fff;border:3px solid #d50000"></i>'
                     f"{esc(t('legend.errors', lang))}</div>"
                     f'<div><i class="pt" style="background:#fff;border:2px dashed #000"></i>'
                     f"{esc(t('legend.warnings', lang))}</div>")
    block("friches", t("layer.friches", lang), list(FRICHE_COLORS.items()), True)
    block("plots", t("layer.plots", lang), list(HORIZON_COLORS.items()), True)
    block("permits", t("layer.permits", lang), [(value(k, lang), c) for k, c in PERMIT_COLORS.items()])
    if "qpv" in shown:
        parts.append(f"<h4>{esc(t('layer.qpv', lang))}</h4>"
                     '<div><i style="background:#ad1457"></i>QPV</div>'
                     f'<div><i style="background:#f8bbd0;border-style:dashed"></i>'
                     f"{esc(t('qpv_band', lang, m=_metres(data.settings.vat_band_m)))}</div>")
        qpv = data.layers["qpv"]
        if "npnru" in qpv and (pd.to_numeric(qpv["npnru"], errors="coerce") == 1).any():
            parts.append(f'<div><i style="background:#f8bbd0;border-style:dashed"></i>'
                         f"{esc(t('qpv_band_npnru', lang, m=_metres(data.settings.vat_band_npnru_m)))}</div>")
    kinds = set(data.layers["sectors"]["kind"]) if "sectors" in shown else set()
    block("sectors", t("layer.sectors", lang), [(k, c) for k, c in SECTOR_COLORS.items() if k in kinds])
    block("zoning", t("layer.zoning", lang), list(ZONE_COLORS.items()))
    parts.append("</details>")
    return "".join(parts)


def _metres(width) -> str:
    """A band width as written in a label: 300, 12.5."""
    return f"{float(width):g}"


def _title_html(data: MapData, lang) -> str:
    esc = html.escape
    if data.focus:
        title = t("title.commune", lang, name=data.name, insee=data.focus)
    else:
        title = t("title.territory", lang, name=data.name)
    sub = [esc(t("data_date", lang, date=data.data_date))] if data.data_date else []
    if data.demo:
        sub.append(f'<span class="plh-demo">{esc(t("demo", lang))}</span>')
    return esc(title) + (f"<small>{' · '.join(sub)}</small>" if sub else "")


def build(data: MapData, lang: str = "fr", height: str = "100%", legend_open: bool = True) -> folium.Map:
    """The folium map of `data`: base layers, overlays, control, scale, title and legend."""
    specs, extent = _layer_specs(data, lang)
    m = folium.Map(location=[50.4, 2.8], zoom_start=11, tiles=None, control_scale=False,
                   height=height, prefer_canvas=False, zoom_snap=0.25, zoom_delta=0.5)
    m.default_js, m.default_css = [], []  # no CDN: Leaflet is inlined below
    fig = m.get_root()
    fig.header.add_child(code_element(assets.head_html(cluster=True)), name="plh_assets")
    fig.header.add_child(code_element(_CSS + _JS), name="plh_code")
    folium.TileLayer("OpenStreetMap", name=t("base.osm", lang)).add_to(m)
    folium.TileLayer(IGN_PLAN_V2, attr=IGN_ATTRIBUTION, name=t("base.ign", lang), max_zoom=19,
                     show=False).add_to(m)
    BlankBase(t("base.blank", lang)).add_to(m)
    payload = {"findings": t("findings", lang), "layers": {}, "options": {}}
    for key, label, collection, options, show in specs:
        payload["layers"][key] = collection
        payload["options"][key] = {**options, "pane": "plh-" + key, "z": PANES[key]}
        GeoLayer(key, label, show=show).add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    bounds = None
    if extent is not None and np.isfinite(extent).all():
        box = gpd.GeoSeries([shapely.box(*extent)], crs=_crs_of(data)).to_crs(WGS84).total_bounds
        bounds = [[round(box[1], 5), round(box[0], 5)], [round(box[3], 5), round(box[2], 5)]]
        m.location = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
    payload["overlay"] = {"title": _title_html(data, lang), "legend": _legend_html(data, specs, lang),
                          "open": legend_open, "bounds": bounds}
    MapOverlay().add_to(m)
    add_slot(fig, "header", "plh_data", _data_script(payload))
    return m


def _crs_of(data: MapData):
    frame = data.layers.get("communes")
    if frame is None or not len(frame):
        frame = next(f for f in data.layers.values() if f is not None and len(f))
    return frame.crs or schema.STORE_CRS


_EXTERNAL = re.compile(r"<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//", re.I)


def to_html(m: folium.Map) -> str:
    """The complete page; raises if anything in it would load a script or style from the network.

    Jinja2 renders the frame first; the slots (data and HTML built from it) are filled afterwards,
    in one pass, so no text of theirs is ever read as a template or as another slot.
    """
    fig = m.get_root()
    slots = fig.__dict__.get("plh_slots", {})
    page = _SLOT.sub(lambda hit: slots.get(hit.group(1), ""), fig.render())
    hit = _EXTERNAL.search(page)
    if hit:
        raise PlhgisError(Msg("err.network_asset", url=repr(hit.group(0))), hint=Msg("hint.inline_assets"))
    return page


def write(page: str, path, overwrite: bool = False) -> Path:
    """Write a page, refusing to replace an existing file without `overwrite`."""
    return outputs.write_text(path, page, overwrite)


def store_map(store, commune=None, lang="fr", height="100%", legend_open=True) -> folium.Map:
    """The map of the territory, or of one commune with its neighbours greyed."""
    return build(collect(store, commune), lang=lang, height=height, legend_open=legend_open)


def write_map(store, path, commune=None, overwrite=False, lang="fr", progress=None) -> Path:
    """`plhgis map`: the territory (or one commune) as a self-contained HTML page.

    `progress`: see `plhgis.progress` (read and check, draw, write).
    """
    with steps(progress, 3, t("progress.map", lang)) as bar:
        data = collect(store, commune)
        bar.update(1)
        page = to_html(build(data, lang=lang))
        bar.update(1)
        path = write(page, path, overwrite)
        bar.update(1)
    return path

"""HTML maps of the PLH layers (folium / Leaflet) that work with no network: the drawing.

The only module importing folium, and the only place where data leaves Lambert-93 for WGS84.
A map is built in three steps:

1. `mapdata.collect(store, commune)` reads the layers, the findings and the target progress
   into a `MapData` (shared with the packs); the benchmark and the tests build a `MapData` from
   plain frames instead.
2. `build(data)` makes the folium map: one overlay per layer, drawn by a few lines of our own
   JavaScript (`_JS`) that build popups and tooltips with `textContent`, so no text from the
   data is ever parsed as HTML. The data never passes through Jinja2 (folium renders every
   element's text as a template): it is one JSON document in a `<script type="application/json">`
   with `<`, `>`, `&` and `'` escaped, put in a slot of the page after rendering (`add_slot`).
3. `to_html(m)` renders the page with Leaflet inlined (`assets`), fills the slots, and refuses a
   page that would still load a script or a stylesheet from the network.

Pages stay light at a department's scale (issue 14): polygons are simplified to about a pixel
of the map's extent, neighbouring communes and zoning with `shapely.coverage_simplify` (shared
edges stay shared); each layer travels in a compact encoding (`encode_layer`: coordinates on a
1e-5 degree grid as encoded-polyline text, properties as columns, findings' texts once); point
layers above `CLUSTER_MIN` points are clustered; a territory map with more than
`PLOTS_DETAIL_MAX` plots shows them one mark per commune (its commune maps show each plot);
hidden overlays are built when first shown and popups bound when first pointed at.
"""
from __future__ import annotations

import functools
import html
import json
import math
import re
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from branca.element import Element, MacroElement
from jinja2 import Template

from . import assets, outputs, schema
from .errors import PlhgisError
from .mapdata import (ABANDONED, COVERAGE_CLASSES, OTHER_COLOR, MapData, collect, coverage_by_commune,
                      coverage_class, findings_index, metres, number, records, text)
from .mapdata import focus, load  # noqa: F401  (maps.load and maps.focus, as callers know them)
from .palette import (FRICHE_COLORS, HORIZON_COLORS, PERMIT_COLORS, POINT_SHAPES, SECTOR_COLORS, STATUS_COLORS,
                      ZONE_COLORS)
from .progress import steps
from .labels import Msg, percent, t, value

WGS84 = "EPSG:4326"
DECIMALS = 5  # ~1 m
CLUSTER_MIN = 80  # point layers with more points than this are clustered
PLOTS_DETAIL_MAX = 10_000  # a territory map with more plots shows them one mark per commune
IGN_PLAN_V2 = ("https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
               "&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2&STYLE=normal&TILEMATRIXSET=PM"
               "&TILEMATRIX={z}&TILECOL={x}&TILEROW={y}&FORMAT=image/png")
IGN_ATTRIBUTION = '<a href="https://www.ign.fr/">IGN</a> – Géoplateforme'

# a scheme's outline by its worst finding: 1 = warning (to check), 2 = error (to fix)
FLAG_STYLES = {1: {"color": "#000", "weight": 2.5, "opacity": 1, "dashArray": "4 3"},
               2: {"color": "#d50000", "weight": 3.5, "opacity": 1}}
# display panes, bottom to top
PANES = {"communes": 401, "zoning": 402, "sectors": 403, "qpv": 404, "plots": 405, "friches": 406,
         "projects_abandoned": 407, "projects": 408, "permits": 409}



# -- geometry for display -----------------------------------------------------------------------
def tolerance_for(bounds) -> float:
    """Simplification tolerance (metres) for an extent: ~1/2000 of its diagonal (about a pixel when the
    whole extent fills a screen), 2 to 80 m."""
    diag = math.hypot(bounds[2] - bounds[0], bounds[3] - bounds[1])
    return float(min(80.0, max(2.0, diag / 2000)))


def display_geometries(frame, tolerance: float, coverage: bool = False):
    """Simplified (in metres), reprojected to WGS84 and rounded geometries of `frame` (or of a GeoSeries)."""
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
    to_wgs84 = _to_wgs84(crs)

    def projected(xy):
        return np.round(np.column_stack(to_wgs84.transform(xy[:, 0], xy[:, 1])), DECIMALS)

    return shapely.transform(geoms, projected)


@functools.lru_cache(maxsize=8)
def _to_wgs84(crs):
    """The transformer from `crs` to WGS84 (longitude first), made once: a pack run draws hundreds of maps."""
    return pyproj.Transformer.from_crs(crs, WGS84, always_xy=True)


def _points(frame) -> gpd.GeoSeries:
    """Points for features drawn as markers (polygon footprints by a point on their surface), in `frame`'s order."""
    geoms = frame.geometry.to_numpy()
    return gpd.GeoSeries(np.where(shapely.is_missing(geoms), None, shapely.point_on_surface(geoms)), crs=frame.crs)


# -- features and styles ---------------------------------------------------------------------------

def _rows(rec, keys, lang):
    out = []
    for key, label in keys:
        shown = value(text(rec.get(key)), lang) if key in ("status",) else text(rec.get(key))
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
           if (shown := text(rec.get(f))) not in ("", "0")]
    if number(rec.get("reconstitution")) == 1:
        out.append([schema.label("projects", "reconstitution", lang), "oui" if lang == "fr" else "yes"])
    return out


# -- the compact encoding of a layer ----------------------------------------------------------------
# A layer travels as columns rather than GeoJSON. Coordinates are integers (1e-5 degree, ~1 m), each
# the step from the one before in the layer, written as text in the "encoded polyline" way (5 bits a
# character, 2 to 3 characters a number: no commas, no brackets). Each property comes once per layer:
# a column of few distinct values as those values and an index per feature, whole numbers as numbers,
# a popup row equal to the id or the title as a reference to it; popup labels once per layer. A
# finding's message loses its feature's own opening ("id « name »", or the commune's name), then its
# figures: the text between them is kept once per layer. The page's `plhDecode` turns all this back
# into the GeoJSON features that `layer_features` (below) also returns, for the tests and benchmarks.
GEOMETRY_CODES = {"Point": "P", "LineString": "L", "Polygon": "A", "MultiLineString": "N", "MultiPolygon": "M"}
PROPERTY_KEYS = ("t", "i", "s", "r", "h", "c")
_FIGURES = re.compile(r"(\d+)")


def openings(lang) -> list[str]:
    """How findings open on their feature, "{id}" and "{name}" left to fill (see `encode_layer`)."""
    return [t("check.label", lang, id="{id}", name="{name}"), "{name}"]


def _opening(template, p) -> str:
    return template.replace("{id}", str(p.get("i", ""))).replace("{name}", str(p.get("t", "")))


def encode_layer(geoms, props, opened: list[str]) -> dict:
    """A layer's features (WGS84 geometries; properties as `plhPopup` reads them), compact.

    `opened`: the findings' openings (`openings`).
    """
    keep = [k for k, g in enumerate(geoms) if g is not None and not shapely.is_empty(g)]
    geoms = shapely.force_2d(np.asarray([geoms[k] for k in keep], dtype=object))
    props = [props[k] for k in keep]
    out: dict = {"n": len(props), **_encode_geometries(geoms)}
    for key in PROPERTY_KEYS:
        column = [p.get(key) for p in props]
        if any(v is not None for v in column):
            out[key] = _column(column)
    labels: list[str] = []
    for p in props:  # popup labels in their order, once
        before = -1
        for name, _ in p.get("p", ()):
            if name not in labels:
                labels.insert(before + 1, name)
            before = labels.index(name)
    rows = [dict(p.get("p", ())) for p in props]
    out["labels"] = labels
    out["rows"] = []
    for name in labels:
        column = [r.get(name, "") for r in rows]
        same = next((k for k in ("i", "t") if [p.get(k) for p in props] == column), None)
        out["rows"].append({"same": same} if same else _column(column))
    texts: dict = {}
    messages: dict = {}
    found = []
    for p in props:
        found.append([messages.setdefault(_message(m, p, opened, texts), len(messages)) for m in p.get("f") or ()])
    if messages:
        out["f"] = found
        out["msgs"] = [list(m) for m in messages]
        out["texts"] = [list(x) for x in texts]
    return out


def _message(message: str, p: dict, opened: list[str], texts: dict) -> tuple:
    """(opening: 0 none or 1 + its index, index of the text between the figures, figures...)."""
    k = next((k for k, o in enumerate(opened) if message.startswith(_opening(o, p))), None)
    rest = message if k is None else message[len(_opening(opened[k], p)):]
    parts = _FIGURES.split(rest)
    figures = [int(v) if str(int(v)) == v else v for v in parts[1::2]]
    return (0 if k is None else k + 1, texts.setdefault(tuple(parts[0::2]), len(texts)), *figures)


def _column(values: list):
    """`values`, {"d": distinct values, "x": an index per feature} when that is shorter; whole numbers written
    as text as {"n": numbers (None for "")} (themselves maybe indexed)."""
    try:
        distinct = dict.fromkeys(values)
    except TypeError:  # lists (label positions)
        return values
    if all(isinstance(v, str) and (v == "" or (v.isdigit() and str(int(v)) == v)) for v in distinct):
        values, kind = [int(v) if v else None for v in values], "n"
        distinct = dict.fromkeys(values)
    else:
        kind = None
    if len(distinct) * 3 <= len(values):
        index = {v: k for k, v in enumerate(distinct)}
        indexed = {"d": list(distinct), "x": [index[v] for v in values]}
        if len(json.dumps(indexed, ensure_ascii=False)) < len(json.dumps(values, ensure_ascii=False)):
            return {"n": indexed} if kind else indexed
    return {"n": values} if kind else values


def _polyline(steps) -> str:
    """Whole numbers as text, 5 bits a character (zigzag sign; 63 added; 32 set on all but a number's last)."""
    z = np.asarray(steps, dtype=np.int64).ravel()
    z = ((z << 1) ^ (z >> 63)).astype(np.uint64)
    shifts = np.arange(8, dtype=np.uint64) * np.uint64(5)
    groups = (z[:, None] >> shifts[None, :]) & np.uint64(31)
    count = 1 + ((z[:, None] >> shifts[None, 1:]) > 0).sum(axis=1)
    position = np.arange(8)[None, :]
    chars = groups + np.uint64(63) + np.where(position < count[:, None] - 1, 32, 0).astype(np.uint64)
    return chars[position < count[:, None]].astype(np.uint8).tobytes().decode("ascii")


def _steps(text: str) -> list[int]:
    """The numbers of `_polyline` text."""
    out, v, shift = [], 0, 0
    for ch in text:
        b = ord(ch) - 63
        v |= (b & 31) << shift
        shift += 5
        if b < 32:
            out.append((v >> 1) ^ -(v & 1))
            v = shift = 0
    return out


def _encode_geometries(geoms) -> dict:
    """{"gt": one geometry code per feature (one for all when alike), "xy": the coordinates' steps}."""
    q = 10 ** DECIMALS
    codes = [GEOMETRY_CODES[g.geom_type] for g in geoms]
    if codes and set(codes) == {"P"}:  # points: one text for all
        xy = np.rint(shapely.get_coordinates(geoms) * q).astype(np.int64)
        return {"q": q, "gt": "P", "xy": _polyline(np.diff(xy, axis=0, prepend=np.zeros((1, 2), dtype=np.int64)))}
    last = np.zeros(2, dtype=np.int64)

    def line(g):
        nonlocal last
        xy = np.rint(shapely.get_coordinates(g) * q).astype(np.int64)
        steps = np.diff(xy, axis=0, prepend=last[None, :])
        last = xy[-1]
        return _polyline(steps)

    def polygon(g):
        return [line(g.exterior)] + [line(r) for r in g.interiors]

    def shape(g, code):
        if code in ("P", "L"):
            return line(g)
        if code == "A":
            return polygon(g)
        if code == "N":
            return [line(part) for part in g.geoms]
        return [polygon(part) for part in g.geoms]

    xy = [shape(g, c) for g, c in zip(geoms, codes)]
    return {"q": q, "gt": codes[0] if len(set(codes)) == 1 else "".join(codes), "xy": xy}


def layer_features(layer: dict, opened: list[str]) -> list[dict]:
    """The GeoJSON features of an encoded layer, as the page's `plhDecode` rebuilds them."""
    q, codes = layer["q"], layer["gt"]
    x = y = 0
    points = _steps(layer["xy"]) if codes == "P" else None

    def ring(steps):
        nonlocal x, y
        out = []
        for k in range(0, len(steps), 2):
            x, y = x + steps[k], y + steps[k + 1]
            out.append([x / q, y / q])
        return out

    def line(text):
        return ring(_steps(text))

    def value(column, k):
        if column is None:
            return None
        if isinstance(column, list):
            return column[k]
        if "same" in column:
            return value(layer.get(column["same"]), k)
        if "n" in column:
            v = value(column["n"], k)
            return "" if v is None else str(v)
        return column["d"][column["x"][k]]

    def message(m, p):
        opening = _opening(opened[m[0] - 1], p) if m[0] else ""
        parts = layer["texts"][m[1]]
        return opening + parts[0] + "".join(str(v) + part for v, part in zip(m[2:], parts[1:]))

    features = []
    for k in range(layer["n"]):
        code = codes if len(codes) == 1 else codes[k]
        xy = layer["xy"] if points is not None else layer["xy"][k]
        if code == "P":
            geometry = {"type": "Point", "coordinates": ring(points[2 * k:2 * k + 2] if points else _steps(xy))[0]}
        elif code == "L":
            geometry = {"type": "LineString", "coordinates": line(xy)}
        elif code in ("A", "N"):
            geometry = {"type": "Polygon" if code == "A" else "MultiLineString", "coordinates": [line(r) for r in xy]}
        else:
            geometry = {"type": "MultiPolygon", "coordinates": [[line(r) for r in part] for part in xy]}
        p = {key: value(layer.get(key), k) for key in PROPERTY_KEYS if value(layer.get(key), k) is not None}
        p["p"] = [[name, v] for name, column in zip(layer["labels"], layer["rows"])
                  if (v := value(column, k)) not in ("", None)]
        p["f"] = [message(layer["msgs"][j], p) for j in (layer["f"][k] if "f" in layer else ())]
        features.append({"type": "Feature", "geometry": geometry, "properties": p})
    return features


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
    focused = data.focus is not None
    collection = functools.partial(encode_layer, opened=openings(lang))
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
            if focused and rec.get("insee") != data.focus:
                s = len(styles) - 1
            elif cov is None:
                s = len(COVERAGE_CLASSES)
            else:
                s = coverage_class(cov)
            rows = _rows(rec, [("insee", "insee"), ("population", "population"),
                               ("polarity", "polarity"), ("sru_status", "sru_status")], lang)
            if c.get("target") is not None:
                rows.append([t("target", lang), text(round(c["target"]))])
            if c.get("expected") is not None:
                rows.append([t("expected", lang), text(round(c["expected"]))])
            rows.append([t("coverage", lang), percent(cov, lang) if cov is not None else t("no_data", lang)])
            p = {"t": text(rec.get("name")), "i": text(rec.get("insee")), "p": rows, "s": s,
                 "f": found.get(("communes", str(rec.get("insee"))), [])}
            if focused and rec.get("insee") == data.focus:
                p["h"] = 1
            props.append(p)
        geoms = display_geometries(communes, tol, coverage=True)
        for p, c in zip(props, display_geometries(_points(communes), 0)):  # where the name is always shown
            if c is not None:
                p["c"] = [c.y, c.x]
        flag = {1: {"color": "#111", "weight": 3, "fillOpacity": 0.25}}
        specs.append(("communes", t("layer.communes_focus" if focused else "layer.communes", lang),
                      collection(geoms, props), {"styles": styles, "flag": flag, "labels": True}, True))

    zoning = layers.get("zoning")
    if zoning is not None:
        styles, idx = _style_index(zoning["typezone"], ZONE_COLORS, 0.45, weight=0.5, color="#555")
        props = [{"t": f"{text(r.get('libelle'))} ({text(r.get('typezone'))})",
                  "p": _rows(r, [("libelong", "libelle"), ("insee", "insee")], lang), "s": s}
                 for r, s in zip(records(zoning), idx)]
        geoms = display_geometries(zoning, tol, coverage=True)
        specs.append(("zoning", t("layer.zoning", lang), collection(geoms, props),
                      {"styles": styles}, False))

    sectors = layers.get("sectors")
    if sectors is not None:
        styles, idx = _style_index(sectors["kind"], SECTOR_COLORS, 0.12, weight=2)
        for s in styles:
            s["color"] = s["fillColor"]
            s["dashArray"] = "6 4"
        props = [{"t": text(r.get("name")), "i": text(r.get("id")),
                  "p": _rows(r, [("kind", "kind"), ("priority", "priority")], lang),
                  "s": s, "f": found.get(("sectors", text(r.get("id"))), [])}
                 for r, s in zip(records(sectors), idx)]
        specs.append(("sectors", t("layer.sectors", lang),
                      collection(display_geometries(sectors, tol), props), {"styles": styles}, True))

    qpv = layers.get("qpv")
    if qpv is not None:
        q2154 = qpv.to_crs(schema.STORE_CRS) if qpv.crs is not None and qpv.crs.is_geographic else qpv
        npnru = q2154["npnru"].fillna(0).astype(int).to_numpy() if "npnru" in q2154 else np.zeros(len(q2154))
        # reduced VAT (5.5 %) for social ownership near a QPV (CGI art. 278 sexies), wider around NPNRU quarters
        widths = np.where(npnru == 1, data.settings.vat_band_npnru_m, data.settings.vat_band_m)
        bands = shapely.difference(shapely.buffer(q2154.geometry.to_numpy(), widths, quad_segs=4),
                                   q2154.geometry.to_numpy())
        band_frame = gpd.GeoSeries(bands, crs=q2154.crs)
        styles = [{"color": "#ad1457", "weight": 1, "dashArray": "4 4", "fillColor": "#f48fb1",
                   "fillOpacity": 0.15},
                  {"color": "#ad1457", "weight": 2, "fillColor": "#ad1457", "fillOpacity": 0.35}]
        recs = records(q2154)
        band_props = [{"t": text(r.get("lib_qp")),
                       "p": [[t("qpv_band_npnru" if n == 1 else "qpv_band", lang, m=metres(w)),
                              text(r.get("code_qp"))]], "s": 0} for r, w, n in zip(recs, widths, npnru)]
        qpv_props = [{"t": text(r.get("lib_qp")), "p": _rows(r, [("code_qp", "id"), ("commune", "commune")], lang),
                      "s": 1} for r in recs]
        geoms = list(display_geometries(band_frame, tol)) + list(display_geometries(q2154, tol))
        specs.append(("qpv", t("layer.qpv", lang), collection(geoms, band_props + qpv_props),
                      {"styles": styles}, True))

    plots = layers.get("plots")
    if plots is not None and not focused and len(plots) > PLOTS_DETAIL_MAX:
        specs.append(_plots_by_commune(plots, communes, collection, lang))
    elif plots is not None:
        styles, idx = _style_index(plots["horizon"], HORIZON_COLORS, 0.85, weight=1, point=True)
        keys = [("id", "id"), ("parcels", "parcels"), ("area_m2", "surface"), ("capacity", "capacity"),
                ("horizon", "horizon"), ("ownership", "ownership"), ("constraints", "constraints"),
                ("status", "plot_status"), ("comment", "comment")]
        props = [{"t": f"{t('layer.plots', lang).split(' (')[0]} {text(r.get('id'))}", "i": text(r.get("id")),
                  "p": _rows(r, keys, lang),
                  "s": s, "r": 4, "f": found.get(("plots", text(r.get("id"))), [])}
                 for r, s in zip(records(plots), idx)]
        specs.append(("plots", t("layer.plots", lang), collection(display_geometries(_points(plots), tol), props),
                      {"styles": styles, "shape": POINT_SHAPES["plots"], "cluster": len(plots) > CLUSTER_MIN}, True))

    friches = layers.get("friches")
    if friches is not None:
        statut = friches["site_statut"] if "site_statut" in friches else pd.Series([None] * len(friches))
        styles, idx = _style_index(statut, FRICHE_COLORS, 0.85, weight=1, point=True)
        keys = [("site_id", "id"), ("site_type", "site_type"), ("site_statut", "site_statut"),
                ("unite_fonciere_surface", "surface"), ("capacity", "capacity"),
                ("comm_insee", "commune")]
        props = []
        for r, s in zip(records(friches), idx):
            title = text(r.get("site_nom")) or text(r.get("site_id"))
            props.append({"t": title, "i": text(r.get("site_id")), "p": _rows(r, keys, lang), "s": s, "r": 6,
                          "f": found.get(("friches", text(r.get("site_id"))), [])})
        specs.append(("friches", t("layer.friches", lang), collection(display_geometries(_points(friches), tol), props),
                      {"styles": styles, "shape": POINT_SHAPES["friches"], "cluster": len(friches) > CLUSTER_MIN},
                      True))

    permits = layers.get("permits")
    if permits is not None:  # Sitadel permits: off by default, a small dot each
        styles, idx = _style_index(permits["status"], PERMIT_COLORS, 0.8, weight=1, point=True)
        keys = [("num_dau", "permit"), ("status", "status"), ("date_authorised", "date_authorised"),
                ("homes_total", "homes_total"), ("homes_social_rent", "social_rent"), ("applicant", "operator"),
                ("address", "address")]
        props = [{"t": f"{t('permit', lang)} {text(r.get('num_dau'))}", "p": _rows(r, keys, lang), "s": s, "r": 3}
                 for r, s in zip(permits.to_dict("records"), idx)]
        specs.append(("permits", t("layer.permits", lang), collection(display_geometries(permits, tol), props),
                      {"styles": styles, "cluster": len(permits) > CLUSTER_MIN}, False))

    projects = layers.get("projects")
    if projects is not None:
        styles, idx = _style_index(projects["status"], STATUS_COLORS, 0.9, weight=1, point=True)
        props = []
        for r, s in zip(records(projects), idx):
            social = sum(int(r.get(k) or 0) for k in schema.SOCIAL_RENT_FIELDS if text(r.get(k)))
            own = sum(int(r.get(k) or 0) for k in ("psla", "brs") if text(r.get(k)))
            rows = _rows(r, [("id", "id"), ("status", "status"), ("homes_total", "homes_total")], lang)
            if social:
                rows.append([t("social_rent", lang), str(social)])
            if own:
                rows.append([t("social_own", lang), str(own)])
            rows += _rows(r, [("land_origin", "land_origin"), ("operator", "operator"),
                              ("permit_year", "permit_year"), ("permit_number", "permit"),
                              ("delivery_year", "delivery_year"), ("address", "address"), ("comment", "comment")], lang)
            rows += _vocabulary_rows(r, lang)
            f = found.get(("projects", text(r.get("id"))), [])
            homes = number(r.get("homes_total")) or 5
            p = {"t": text(r.get("name")), "i": text(r.get("id")), "p": rows, "s": s,
                 "r": round(4 + 1.1 * math.sqrt(homes), 1), "f": f}
            key = ("projects", text(r.get("id")))
            if key in errors or key in warnings:
                p["h"] = 2 if key in errors else 1
            props.append(p)
        geoms = display_geometries(_points(projects), tol)
        abandoned = (projects["status"] == ABANDONED).to_numpy()
        options = {"styles": styles, "flag": FLAG_STYLES, "cluster": len(projects) > 4 * CLUSTER_MIN}
        if abandoned.any():
            specs.append(("projects_abandoned", t("layer.projects_abandoned", lang),
                          collection(geoms[abandoned], [p for p, a in zip(props, abandoned) if a]), options, False))
        specs.append(("projects", t("layer.projects", lang),
                      collection(geoms[~abandoned], [p for p, a in zip(props, abandoned) if not a]), options, True))
    return specs, extent


def drawn_features(data: MapData, lang: str = "fr") -> dict[str, list[dict]]:
    """Every overlay's GeoJSON features as the page draws them, by overlay key (tests, benchmark)."""
    specs, _ = _layer_specs(data, lang)
    return {key: layer_features(layer, openings(lang)) for key, _, layer, _, _ in specs}


def _plots_by_commune(plots, communes, collection, lang):
    """The plots of a large territory as one mark per commune: at the plot nearest their mean position,
    sized by their number, with their number and capacity (the commune's map shows each plot)."""
    commune_field = schema.get_layer("plots").commune_field
    points = _points(plots).to_numpy()
    shown = plots[~shapely.is_missing(points)]
    points = points[~shapely.is_missing(points)]
    groups = shown.groupby(shown[commune_field].astype(str), sort=True).indices
    names = dict(zip(communes["insee"].astype(str), communes["name"])) if communes is not None else {}
    xy = shapely.get_coordinates(points)
    capacity = pd.to_numeric(shown["capacity"], errors="coerce").fillna(0).to_numpy() \
        if "capacity" in shown else np.zeros(len(shown))
    where, props = [], []
    for insee, rows in groups.items():
        middle = xy[rows].mean(axis=0)
        where.append(rows[np.argmin(((xy[rows] - middle) ** 2).sum(axis=1))])
        props.append({"t": f"{t('plots.count', lang)} — {text(names.get(insee, insee))}", "s": 0,
                      "r": round(3 + 0.6 * math.sqrt(len(rows)), 1),
                      "p": [[t("commune", lang), insee], [t("plots.count", lang), str(len(rows))],
                            [t("capacity", lang), text(float(capacity[rows].sum()))]]})
    marks = gpd.GeoSeries(points[where], crs=plots.crs)
    styles = [{"color": "#333", "weight": 1, "fillColor": HORIZON_COLORS[next(iter(HORIZON_COLORS))],
               "fillOpacity": 0.75, "opacity": 0.9}]
    return ("plots", t("layer.plots_by_commune", lang), collection(display_geometries(marks, 0), props),
            {"styles": styles, "aggregate": True}, True)


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


class _Text(Element):
    """Text a macro has rendered: goes into the page as it is (as its one-off template would render it)."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text[:-1] if text.endswith("\n") else text  # Jinja2 drops a template's last newline

    def render(self, **kwargs) -> str:
        return self.text


class RenderedOnce(MacroElement):
    """A MacroElement whose macros' output goes into the page as text. branca compiles each output as a new
    Jinja2 template and renders it again (some twenty per map, thousands in a pack run); our pages' elements,
    folium's included (`Map`, `TileLayer`, `LayerControl` below), use this render instead, so each template
    is compiled once per process. Put it after the folium class: `class X(folium.Y, RenderedOnce)`."""

    def render(self, **kwargs):
        _render_macros(self, kwargs)


def _render_macros(element, kwargs) -> None:
    """MacroElement.render without the second template: header, html and script macros, then the children
    (plain MacroElements, such as the ones folium adds while rendering, the same way)."""
    figure = element.get_root()
    module = element._template.module
    for section in ("header", "html", "script"):
        macro = module.__dict__.get(section)
        if macro is not None:
            getattr(figure, section).add_child(_Text(macro(element, kwargs)), name=element.get_name())
    for child in element._children.values():
        if type(child).render is MacroElement.render:
            _render_macros(child, kwargs)
        else:
            child.render(**kwargs)


class Map(folium.Map, RenderedOnce):
    pass


class TileLayer(folium.TileLayer, RenderedOnce):
    pass


class LayerControl(folium.LayerControl, RenderedOnce):
    pass


class GeoLayer(folium.map.Layer, RenderedOnce):
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


class BlankBase(folium.map.Layer, RenderedOnce):
    """A base layer with no tiles: the page as it looks offline, on purpose."""

    _template = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.layerGroup();
{% endmacro %}
""")

    def __init__(self, name):
        super().__init__(name=name, overlay=False, control=True, show=False)


class MapOverlay(RenderedOnce):
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
function plhSvg(s, shape, n){
  // a diamond or a triangle, drawn with the layer's own style
  var c=n/2, w=s.weight||1, ns='http://www.w3.org/2000/svg';
  var pts=shape==='diamond'?[[c,w],[n-w,c],[c,n-w],[w,c]]:[[c,w],[n-w,n-w],[w,n-w]];
  var svg=document.createElementNS(ns,'svg'), p=document.createElementNS(ns,'polygon');
  svg.setAttribute('width',n);svg.setAttribute('height',n);
  p.setAttribute('points',pts.map(function(q){return q.join(',');}).join(' '));
  p.setAttribute('fill',s.fillColor);p.setAttribute('fill-opacity',s.fillOpacity);
  p.setAttribute('stroke',s.color);p.setAttribute('stroke-width',w);svg.appendChild(p);
  return svg;
}
var PlhShapeIcon=L.DivIcon.extend({createIcon:function(old){  // its SVG made only when the marker is shown
  var o=this.options;o.html=plhSvg(o.plh,o.shape,o.iconSize[0]);return L.DivIcon.prototype.createIcon.call(this,old);}});
var PLH_ICONS={};
function plhShape(ll, s, shape){
  // a diamond or a triangle marker; markers of the same look share one icon
  var n=Math.round(2.4*s.radius)+2, key=[shape,n,s.fillColor,s.fillOpacity,s.color,s.weight].join('|');
  var icon=PLH_ICONS[key]||(PLH_ICONS[key]=new PlhShapeIcon({plh:s,shape:shape,className:'plh-shape',iconSize:[n,n]}));
  return new PlhMarker(ll,{pane:s.pane,keyboard:false,icon:icon});
}
function plhSteps(s){
  // the numbers of an "encoded polyline" text (see maps._polyline)
  var out=[], v=0, shift=0;
  for(var k=0;k<s.length;k++){var b=s.charCodeAt(k)-63;v|=(b&31)<<shift;shift+=5;
    if(b<32){out.push((v>>>1)^-(v&1));v=0;shift=0;}}
  return out;
}
function plhDecode(e){
  // a layer's compact encoding (see maps.encode_layer) back to GeoJSON features
  var q=e.q, x=0, y=0, gt=e.gt, xy=e.xy, one=gt.length===1, opened=plhData().openings, out=[];
  var points=gt==='P'?plhSteps(xy):null;
  function ring(a){var r=[];for(var k=0;k<a.length;k+=2){x+=a[k];y+=a[k+1];r.push([x/q,y/q]);}return r;}
  function line(s){return ring(plhSteps(s));}
  function lines(a){return a.map(function(s){return line(s);});}
  function val(c,i){if(c==null){return null;}if(Array.isArray(c)){return c[i];}if(c.same){return val(e[c.same],i);}
    if(c.n){var v=val(c.n,i);return v==null?'':String(v);}return c.d[c.x[i]];}
  function open(p,k){return k?opened[k-1].split('{id}').join(p.i==null?'':p.i).split('{name}').join(p.t==null?'':p.t):'';}
  function message(m,p){var parts=e.texts[m[1]], s=open(p,m[0])+parts[0];
    for(var k=1;k<parts.length;k++){s+=m[k+1]+parts[k];}return s;}
  for(var i=0;i<e.n;i++){
    var t=one?gt:gt[i], c=points?null:xy[i], g;
    if(t==='P'){g={type:'Point',coordinates:ring(points?[points[2*i],points[2*i+1]]:plhSteps(c))[0]};}
    else if(t==='L'){g={type:'LineString',coordinates:line(c)};}
    else if(t==='A'){g={type:'Polygon',coordinates:lines(c)};}
    else if(t==='N'){g={type:'MultiLineString',coordinates:lines(c)};}
    else{g={type:'MultiPolygon',coordinates:c.map(function(p){return lines(p);})};}
    var p={p:[]};
    ['t','i','s','r','h','c'].forEach(function(k){var v=val(e[k],i);if(v!=null){p[k]=v;}});
    e.labels.forEach(function(l,j){var v=val(e.rows[j],i);if(v!==''&&v!=null){p.p.push([l,v]);}});
    p.f=(e.f?e.f[i]:[]).map(function(j){return message(e.msgs[j],p);});
    out.push({type:'Feature',geometry:g,properties:p});
  }
  return {type:'FeatureCollection',features:out};
}
function plhNames(map, g){
  // commune names, shown when few enough communes are in view to read them
  var names=L.layerGroup(), all=[];
  g.eachLayer(function(l){var p=l.feature.properties;if(p.c){all.push([L.latLng(p.c),p.t]);}});
  function show(){names.clearLayers();var b=map.getBounds(), seen=all.filter(function(a){return b.contains(a[0]);});
    if(seen.length>PLH_NAMES_MAX){return;}
    seen.forEach(function(a){names.addLayer(L.tooltip({permanent:true,direction:'center',className:'plh-label',
      interactive:false}).setLatLng(a[0]).setContent(plhText('span',a[1])));});
    if(map.hasLayer(names)){plhDeclutter(names);}}
  map.on('moveend zoomend',show);names.on('add',function(){plhDeclutter(names);});show();
  return names;
}
function plhDeclutter(names){
  // a name that would cover another moves one line down or up, else waits for a closer zoom (hover still names it)
  var kept=[];
  names.eachLayer(function(t){var el=t.getElement();if(!el){return;}
    el.style.marginTop='0px';el.style.visibility='';
    var r=el.getBoundingClientRect(), h=r.height+1;
    var ok=[0,h,-h].some(function(dy){var q={l:r.left-2,r:r.right+2,t:r.top+dy,b:r.bottom+dy};
      if(kept.every(function(k){return q.r<=k.l||q.l>=k.r||q.b<=k.t||q.t>=k.b;})){
        el.style.marginTop=dy+'px';kept.push(q);return true;}
      return false;});
    if(!ok){el.style.visibility='hidden';}});
}
var PLH_LAYERS={}, PLH_NAMES_MAX=150, PLH_PENDING=0;
function plhBind(l){
  // popup and tooltip, bound when the feature is first pointed at or opened (thousands of features load faster)
  if(!l.getPopup()){l.bindPopup(plhPopup,{maxWidth:340,maxHeight:320,autoPanPaddingTopLeft:[20,70]});
    l.bindTooltip(function(){return plhText('span', l.feature.properties.t);},{sticky:true});}
  return l;
}
var PlhCircle=L.CircleMarker.extend({openPopup:function(ll){plhBind(this);
  return L.CircleMarker.prototype.openPopup.call(this,ll);}});
var PlhMarker=L.Marker.extend({openPopup:function(ll){plhBind(this);return L.Marker.prototype.openPopup.call(this,ll);}});
function plhFit(map, bottom){
  // the data's extent, clear of the title (top) and, on a wide map, of the layer control and open legend (right)
  var v=plhData().overlay, open=v.open&&map.getSize().x>=600, right=(open&&map.getSize().x>800)?330:10;
  if(v.bounds){map.fitBounds(v.bounds,{paddingTopLeft:[10,50],paddingBottomRight:[right,bottom||10],animate:false});}
  map.plhFitted=true;
}
function plhBuild(map, key, chunked){
  var o=plhData().options[key], clustered=o.cluster&&L.markerClusterGroup;
  if(!map.getPane(o.pane)){map.createPane(o.pane).style.zIndex=o.z;}
  function styleOf(f){var s=Object.assign({pane:o.pane}, o.styles[f.properties.s]||{});
    if(f.properties.h){Object.assign(s, (o.flag||{})[f.properties.h]||{});}return s;}
  var options={style:styleOf,
    pointToLayer:function(f,ll){var s=styleOf(f);s.radius=f.properties.r||6;
      return o.shape&&o.shape!=='circle'?plhShape(ll,s,o.shape):new PlhCircle(ll,s);},
    onEachFeature:function(f,l){if(!l.getLatLng){plhBind(l);}}};
  var g=L.geoJSON(null,options);
  g.on('click',function(e){var l=e.layer;if(l&&!l.getPopup()){plhBind(l).openPopup(e.latlng);}});
  g.on('mouseover',function(e){var l=e.layer;if(l&&!l.getTooltip()){plhBind(l).openTooltip(e.latlng);}});
  if(!clustered){
    g.addData(plhDecode(plhData().layers[key]));
    return {layer:o.labels?L.layerGroup([g,plhNames(map,g)]):g, geojson:g, shown:g};}
  var out=L.markerClusterGroup({showCoverageOnHover:false,disableClusteringAtZoom:16,
    maxClusterRadius:function(z){return z<=11?60:35;}});  // fewer, larger clusters at a department's scale
  function fill(features){  // markers made and clustered; the geojson group keeps them for look-ups and events
    var part=L.geoJSON({type:'FeatureCollection',features:features},options).getLayers();
    part.forEach(function(l){g.addLayer(l);});out.addLayers(part);}
  if(!chunked){fill(plhDecode(plhData().layers[key]).features);return {layer:out, geojson:g, shown:out};}
  // at load, in chunks after the first paint: a department's thousands of schemes do not hold the page back
  PLH_PENDING++;
  setTimeout(function(){
    var features=plhDecode(plhData().layers[key]).features, at=0;
    (function step(){fill(features.slice(at,at+2000));at+=2000;
      if(at<features.length){setTimeout(step,0);}else{PLH_PENDING--;plhDrawn();}})();
  },0);
  return {layer:out, geojson:g, shown:out};
}
function plhLayer(map, key){
  if(!map.plhFitted){plhFit(map);}  // before any layer: clusters and names are made once, at the right zoom
  if(!plhData().options[key].lazy){PLH_LAYERS[key]=plhBuild(map,key,true);return PLH_LAYERS[key].layer;}
  // an overlay hidden at first is built when first shown or looked into
  var holder=L.layerGroup(), built=null;
  function ensure(){if(!built){built=plhBuild(map,key,false);holder.addLayer(built.layer);}return built;}
  holder.on('add',ensure);
  PLH_LAYERS[key]={layer:holder, get geojson(){return ensure().geojson;}, get shown(){return ensure().layer;}};
  return holder;
}
function plhDrawn(){
  // PLH_DRAWN: when every overlay is drawn (the benchmarks read it)
  // then a '#feature=' link is followed (clustered markers must all be in place for it)
  if(PLH_PENDING===0&&window.PLH_READY){PLH_PENDING=-1;plhGoto(window.PLH_READY);
    requestAnimationFrame(function(){requestAnimationFrame(function(){window.PLH_DRAWN=performance.now();});});}
}
function plhOverlay(map){
  var v=plhData().overlay, title=v.title, legend=v.legend;
  var narrow=map.getSize().x<600, open=v.open&&!narrow;  // on a phone the legend starts folded, and the control
  var lc=narrow&&map.getContainer().querySelector('.leaflet-control-layers');
  if(lc){lc.classList.remove('leaflet-control-layers-expanded');
    L.DomEvent.on(lc.querySelector('.leaflet-control-layers-toggle'),'click',function(ev){L.DomEvent.preventDefault(ev);
      lc.classList.add('leaflet-control-layers-expanded');});
    map.on('click',function(){lc.classList.remove('leaflet-control-layers-expanded');});}
  if(!map.plhFitted){plhFit(map);}
  function refit(e){  // the print CSS resizes the map and lays the legend along its foot
    var lg=map.getContainer().querySelector('.plh-legend');
    map.invalidateSize({animate:false});plhFit(map,e.matches!==false&&lg?lg.offsetHeight+10:10);}
  window.addEventListener('beforeprint',refit);
  if(window.matchMedia){window.matchMedia('print').addEventListener('change',refit);}
  var d=document.createElement('div');d.className='plh-title';d.innerHTML=title;
  map.getContainer().appendChild(d);
  L.control.scale({imperial:false}).addTo(map);
  var c=L.control({position:'bottomright'});
  c.onAdd=function(){var e=L.DomUtil.create('div','plh-legend');e.innerHTML=legend;
    e.firstChild.open=open;L.DomEvent.disableClickPropagation(e);L.DomEvent.disableScrollPropagation(e);return e;};
  c.addTo(map);
  window.addEventListener('hashchange',function(){plhGoto(map);});
  window.PLH_READY=map;plhDrawn();
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
  // from zoom 16 no scheme is clustered: the marker is on the map once its cluster group has moved
  if(found.getLatLng){map.setView(found.getLatLng(),Math.max(map.getZoom(),entry.shown.zoomToShowLayer?16:15),
    {animate:false});}
  else{map.fitBounds(found.getBounds(),{animate:false});}
  (function open(tries){if(found._map||!tries){found.openPopup();}else{setTimeout(function(){open(tries-1);},50);}})(40);
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
    if any(key == "plots" and options.get("aggregate") for key, _, _, options, _ in specs):
        parts.append(f"<h4>{esc(t('layer.plots_by_commune', lang))}</h4><div>{esc(t('plots.by_commune', lang))}</div>")
    else:
        block("plots", t("layer.plots", lang), list(HORIZON_COLORS.items()), True)
    block("permits", t("layer.permits", lang), [(value(k, lang), c) for k, c in PERMIT_COLORS.items()])
    if "qpv" in shown:
        parts.append(f"<h4>{esc(t('layer.qpv', lang))}</h4>"
                     '<div><i style="background:#ad1457"></i>QPV</div>'
                     f'<div><i style="background:#f8bbd0;border-style:dashed"></i>'
                     f"{esc(t('qpv_band', lang, m=metres(data.settings.vat_band_m)))}</div>")
        qpv = data.layers["qpv"]
        if "npnru" in qpv and (pd.to_numeric(qpv["npnru"], errors="coerce") == 1).any():
            parts.append(f'<div><i style="background:#f8bbd0;border-style:dashed"></i>'
                         f"{esc(t('qpv_band_npnru', lang, m=metres(data.settings.vat_band_npnru_m)))}</div>")
    kinds = set(data.layers["sectors"]["kind"]) if "sectors" in shown else set()
    block("sectors", t("layer.sectors", lang), [(k, c) for k, c in SECTOR_COLORS.items() if k in kinds])
    block("zoning", t("layer.zoning", lang), list(ZONE_COLORS.items()))
    parts.append("</details>")
    return "".join(parts)



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
    m = Map(location=[50.4, 2.8], zoom_start=11, tiles=None, control_scale=False,
                   height=height, prefer_canvas=False, zoom_snap=0.25, zoom_delta=0.5)
    m.default_js, m.default_css = [], []  # no CDN: Leaflet is inlined below
    fig = m.get_root()
    fig.header.add_child(code_element(assets.head_html(cluster=True)), name="plh_assets")
    fig.header.add_child(code_element(_CSS + _JS), name="plh_code")
    osm, ign = _tiles()  # providers, not names: folium would search xyzservices' catalogue for each map
    TileLayer(osm, name=t("base.osm", lang)).add_to(m)
    TileLayer(ign, attr=IGN_ATTRIBUTION, name=t("base.ign", lang), max_zoom=19, show=False).add_to(m)
    BlankBase(t("base.blank", lang)).add_to(m)
    payload = {"findings": t("findings", lang), "openings": openings(lang),
               "layers": {}, "options": {}}
    for key, label, collection, options, show in specs:
        payload["layers"][key] = collection
        payload["options"][key] = {**options, "pane": "plh-" + key, "z": PANES[key], "lazy": not show}
        GeoLayer(key, label, show=show).add_to(m)
    LayerControl(collapsed=False, position="topright").add_to(m)
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


@functools.lru_cache(maxsize=1)
def _tiles():
    """The base layers' tile providers: OpenStreetMap's from xyzservices, the IGN plan."""
    import xyzservices

    return (xyzservices.providers.OpenStreetMap.Mapnik,
            xyzservices.TileProvider(name="IGN", url=IGN_PLAN_V2, attribution=IGN_ATTRIBUTION))


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

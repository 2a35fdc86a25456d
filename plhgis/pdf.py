"""A commune's annual-meeting pack as a PDF, with a static map: no browser needed.

Drawn with fpdf2 (pure Python, ~3 MB with fontTools; matplotlib would add ~40 MB for the one map
it would draw): the map is a few hundred vector shapes placed straight from Lambert-93 metres
(a conformal projection, so the commune keeps its shape), clipped to its frame. Text from the
data is written as text with a Unicode TrueType font, never interpreted (no markdown, no HTML).
The font is found on the system (DejaVu, Liberation, Noto, Arial) or given by ``PLHGIS_FONT``
(the regular face; a bold face beside it is used when present).
"""
from __future__ import annotations

import math
import os
from datetime import date
from pathlib import Path

import pandas as pd
import shapely

from . import mapdata, outputs, pack_content, schema
from .errors import PlhgisError
from .labels import Msg, percent, t, value
from .palette import FRICHE_COLORS, HORIZON_COLORS, POINT_SHAPES, SECTOR_COLORS, STATUS_COLORS

FONTS = (  # (regular, bold) faces, first found wins
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
     "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"),
    ("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf", "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf"),
    ("C:/Windows/Fonts/arial.ttf", "C:/Windows/Fonts/arialbd.ttf"),
    ("/System/Library/Fonts/Supplemental/Arial.ttf", "/System/Library/Fonts/Supplemental/Arial Bold.ttf"),
)
MAP_BOX = (10.0, 42.0, 190.0, 150.0)  # x, y, width, height on the first page (mm)
GREY = "#bdbdbd"


def find_font() -> tuple[Path, Path | None]:
    """(regular, bold or None) TrueType faces: $PLHGIS_FONT, else the first of `FONTS` on this system."""
    given = os.environ.get("PLHGIS_FONT")
    if given:
        regular = Path(given)
        if not regular.is_file():
            raise PlhgisError(Msg("err.font_missing"), file=given, field="PLHGIS_FONT", hint=Msg("hint.font_path"))
        bold = regular.with_name(regular.stem.replace("-Regular", "") + "-Bold" + regular.suffix)
        return regular, bold if bold.is_file() else None
    for regular, bold in FONTS:
        if Path(regular).is_file():
            return Path(regular), Path(bold) if Path(bold).is_file() else None
    raise PlhgisError(Msg("err.no_font"), hint=Msg("hint.install_font"))


def _rgb(color: str) -> tuple[int, int, int]:
    color = color.lstrip("#")
    return tuple(int(color[i:i + 2], 16) for i in (0, 2, 4))


class _Pack:
    """One fpdf2 document with the pack's fonts and a few drawing helpers."""

    def __init__(self):
        from fpdf import FPDF

        self.pdf = pdf = FPDF(orientation="P", unit="mm", format="A4")
        regular, bold = find_font()
        pdf.add_font("plh", "", str(regular))
        pdf.add_font("plh", "B", str(bold or regular))
        pdf.set_auto_page_break(True, margin=12)
        pdf.set_margins(10, 10, 10)
        pdf.set_font("plh", size=10)

    def heading(self, text, size=13):
        pdf = self.pdf
        if pdf.get_y() > pdf.h - 40:
            pdf.add_page(orientation=pdf.cur_orientation)
        pdf.set_font("plh", "B", size)
        pdf.multi_cell(0, size * 0.5, text, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("plh", "", 10)
        pdf.ln(1)

    def para(self, text, size=10, color="#222222"):
        self.pdf.set_font("plh", "", size)
        self.pdf.set_text_color(*_rgb(color))
        self.pdf.multi_cell(0, size * 0.5, text, align="L", new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_text_color(0, 0, 0)

    def table(self, headings, rows, widths, numeric=()):
        """A table whose heading row repeats on every page it runs over."""
        pdf = self.pdf
        pdf.set_font("plh", "", 8)
        align = tuple("RIGHT" if i in numeric else "LEFT" for i in range(len(headings)))
        pdf.set_fill_color(255, 255, 255)
        with pdf.table(col_widths=widths, text_align=align, repeat_headings=1, line_height=4,
                       headings_style=_headings_style(), first_row_as_headings=True,
                       cell_fill_color=(246, 246, 246), cell_fill_mode="ROWS") as table:
            for row in [headings] + rows:
                line = table.row()
                for cell in row:
                    line.cell(cell)
        pdf.set_font("plh", "", 10)
        pdf.ln(2)

    def swatch(self, x, y, color, shape="square", size=3.2, dashed=False):
        pdf = self.pdf
        pdf.set_fill_color(*_rgb(color))
        pdf.set_draw_color(60, 60, 60)
        pdf.set_line_width(0.2)
        if dashed:
            pdf.set_dash_pattern(dash=0.8, gap=0.6)
        _marker(pdf, x + size / 2, y + size / 2, size / 2, shape)
        pdf.set_dash_pattern()


def _headings_style():
    from fpdf.fonts import FontFace

    return FontFace(emphasis="BOLD", fill_color=(238, 238, 238))


def _marker(pdf, cx, cy, r, shape):
    if shape == "circle":
        pdf.circle(cx, cy, r, style="FD")
    elif shape == "diamond":
        pdf.polygon([(cx, cy - r * 1.2), (cx + r * 1.2, cy), (cx, cy + r * 1.2), (cx - r * 1.2, cy)], style="FD")
    elif shape == "triangle":
        pdf.polygon([(cx, cy - r * 1.15), (cx + r * 1.15, cy + r * 0.85), (cx - r * 1.15, cy + r * 0.85)],
                    style="FD")
    else:
        pdf.rect(cx - r, cy - r, 2 * r, 2 * r, style="FD")


# -- the static map ------------------------------------------------------------------------------------
class _Frame:
    """Lambert-93 metres to millimetres on the page, the commune centred in `MAP_BOX`."""

    def __init__(self, bounds, box=MAP_BOX):
        x, y, w, h = box
        minx, miny, maxx, maxy = bounds
        dx, dy = max(maxx - minx, 1.0) * 1.1, max(maxy - miny, 1.0) * 1.1
        self.scale = min(w / dx, h / dy)
        self.cx, self.cy = (minx + maxx) / 2, (miny + maxy) / 2
        self.box = box
        self.tolerance = 0.3 / self.scale  # 0.3 mm on paper

    def xy(self, coords):
        x, y, w, h = self.box
        return [(x + w / 2 + (px - self.cx) * self.scale, y + h / 2 - (py - self.cy) * self.scale)
                for px, py in coords]

    def area(self):
        x, y, w, h = self.box
        return shapely.box(self.cx - w / 2 / self.scale, self.cy - h / 2 / self.scale,
                           self.cx + w / 2 / self.scale, self.cy + h / 2 / self.scale)


def _metric(frame):
    if frame is None or not len(frame):
        return frame
    if frame.crs is not None and frame.crs.is_geographic:
        return frame.to_crs(schema.STORE_CRS)
    return frame


def _polygons(pdf, frame_xy, geom, fill, line, width=0.2, opacity=1.0, dashed=False):
    if geom is None or shapely.is_empty(geom):
        return
    geom = shapely.simplify(geom, frame_xy.tolerance)
    pdf.set_draw_color(*_rgb(line))
    pdf.set_line_width(width)
    if fill:
        pdf.set_fill_color(*_rgb(fill))
    if dashed:
        pdf.set_dash_pattern(dash=1.5, gap=1)
    with pdf.local_context(fill_opacity=opacity):
        for part in getattr(geom, "geoms", [geom]):
            if part.geom_type == "Polygon":
                pdf.polygon(frame_xy.xy(part.exterior.coords), style="FD" if fill else "D")
    pdf.set_dash_pattern()


def _static_map(doc: _Pack, data: mapdata.MapData, lang):
    """The commune, its neighbours, QPV and bands, sectors, plots, friches and schemes."""
    pdf = doc.pdf
    layers = {k: _metric(v) for k, v in data.layers.items()}
    communes = layers["communes"]
    mine = communes[communes["insee"] == data.focus]
    f = _Frame(mine.total_bounds)
    area = f.area()
    cover = mapdata.coverage_by_commune(data.progress).get(data.focus, {}).get("coverage")
    x, y, w, h = MAP_BOX
    with pdf.rect_clip(x, y, w, h):
        pdf.set_fill_color(242, 239, 233)
        pdf.rect(x, y, w, h, style="F")
        for rec in communes[communes.intersects(area)].to_dict("records"):
            own = rec["insee"] == data.focus
            fill = _coverage_color(cover) if own else "#e0e0e0"
            _polygons(pdf, f, rec["geometry"], fill, "#555555", 0.5 if own else 0.2, 0.5 if own else 1)
        sectors = layers.get("sectors")
        if sectors is not None and len(sectors):
            for rec in sectors[sectors.intersects(area)].to_dict("records"):
                color = SECTOR_COLORS.get(rec.get("kind"), mapdata.OTHER_COLOR)
                _polygons(pdf, f, rec["geometry"], color, color, 0.4, 0.12, dashed=True)
        qpv = layers.get("qpv")
        if qpv is not None and len(qpv):
            for rec in qpv[qpv.intersects(area.buffer(data.settings.vat_band_npnru_m))].to_dict("records"):
                npnru = str(rec.get("npnru")) in ("1", "1.0")
                band = data.settings.vat_band_npnru_m if npnru else data.settings.vat_band_m
                _polygons(pdf, f, rec["geometry"].buffer(band), "#f48fb1", "#ad1457", 0.2, 0.2, dashed=True)
                _polygons(pdf, f, rec["geometry"], "#ad1457", "#ad1457", 0.4, 0.35)
        for key, field, colors in (("plots", "horizon", HORIZON_COLORS), ("friches", "site_statut", FRICHE_COLORS),
                                   ("projects", "status", STATUS_COLORS)):
            frame = layers.get(key)
            if frame is None or not len(frame) or field not in frame:
                continue
            if key == "projects":
                frame = frame[frame["status"] != mapdata.ABANDONED]
            pts = shapely.point_on_surface(frame.geometry.to_numpy())
            for rec, pt in zip(frame.to_dict("records"), pts):
                if pt is None or shapely.is_empty(pt):
                    continue
                (px, py), = f.xy([(pt.x, pt.y)])
                homes = mapdata.number(rec.get("homes_total")) or 5
                r = 0.8 + 0.18 * math.sqrt(homes) if key == "projects" else 1.3
                pdf.set_fill_color(*_rgb(colors.get(rec.get(field), mapdata.OTHER_COLOR)))
                pdf.set_draw_color(40, 40, 40)
                pdf.set_line_width(0.15)
                _marker(pdf, px, py, r, POINT_SHAPES[key])
        pdf.set_font("plh", "B", 7)
        for rec in communes[communes.intersects(area)].to_dict("records"):
            pt = rec["geometry"].intersection(area).point_on_surface()
            (px, py), = f.xy([(pt.x, pt.y)])
            label = mapdata.text(rec.get("name"))
            pdf.set_text_color(30, 30, 30)
            pdf.text(px - pdf.get_string_width(label) / 2, py, label)
    pdf.set_draw_color(120, 120, 120)
    pdf.set_line_width(0.3)
    pdf.rect(x, y, w, h)
    _scale_bar(pdf, f)
    pdf.set_xy(10, y + h + 2)


def _coverage_color(cover):
    k = mapdata.coverage_class(cover)
    return "#eeeeee" if k is None else mapdata.COVERAGE_CLASSES[k][1]


def _scale_bar(pdf, f: _Frame):
    x, y, w, h = MAP_BOX
    metres = 10 ** math.floor(math.log10(40 / f.scale))  # a round length under ~40 mm
    for step in (5, 2, 1):
        if step * metres * f.scale <= 40:
            metres *= step
            break
    length = metres * f.scale
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x + 2, y + h - 8, length + 4, 6, style="F")
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.4)
    pdf.line(x + 4, y + h - 3.5, x + 4 + length, y + h - 3.5)
    pdf.set_font("plh", "", 7)
    pdf.text(x + 4, y + h - 4.5, f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m")


def _legend(doc: _Pack, data: mapdata.MapData, lang):
    """Three columns of keys under the map: schemes, friches and plots, areas."""
    pdf = doc.pdf
    top = pdf.get_y()
    blocks = [(t("layer.projects", lang), [(value(k, lang), c, "circle") for k, c in STATUS_COLORS.items()
                                           if k != mapdata.ABANDONED]),
              (t("layer.friches", lang), [(k, c, "diamond") for k, c in FRICHE_COLORS.items()]
               + [("", None, None)] + [(t("layer.plots", lang), None, "title")]
               + [(k, c, "triangle") for k, c in HORIZON_COLORS.items()]),
              (t("layer.communes", lang), [(label, c, "square") for _, c, label in mapdata.COVERAGE_CLASSES]
               + [(t("no_data", lang), "#eeeeee", "square"), ("", None, None),
                  ("QPV", "#ad1457", "square"),
                  (t("qpv_band", lang, m=mapdata.metres(data.settings.vat_band_m)), "#f8bbd0", "band")])]
    bottoms = []
    for i, (title, keys) in enumerate(blocks):
        x, yy = 10 + i * 64, top
        pdf.set_font("plh", "B", 7.5)
        pdf.set_xy(x, yy)
        pdf.multi_cell(62, 3.4, title, align="L")
        yy = pdf.get_y() + 0.5
        for label, color, shape in keys:
            if shape == "title":
                pdf.set_font("plh", "B", 7.5)
                pdf.set_xy(x, yy)
                pdf.multi_cell(62, 3.4, label, align="L")
                yy = pdf.get_y() + 0.5
                continue
            pdf.set_font("plh", "", 7)
            if color:
                doc.swatch(x, yy, color, "square" if shape == "band" else shape, dashed=shape == "band")
            pdf.set_xy(x + 4.5, yy)
            pdf.multi_cell(57, 3.4, label, align="L")
            yy = max(pdf.get_y(), yy + 3.6)
        bottoms.append(yy)
    pdf.set_xy(10, max(bottoms) + 2)


# -- the pack ----------------------------------------------------------------------------------------------
def pack_pdf(store, insee, since=None, lang="fr", data=None) -> bytes:
    """The pack of one commune as PDF bytes: map, target, schemes, friches, plots, findings, changes."""
    data = mapdata.focus(data or mapdata.load(store), insee)
    since = date.fromisoformat(str(since)[:10]) if since else pack_content.default_since()
    doc = _Pack()
    pdf = doc.pdf
    pdf.set_title(t("pack.title", lang, name=data.name))
    pdf.set_creator("plhgis")
    pdf.add_page()
    doc.heading(f"{t('pack.title', lang, name=data.name)} ({insee})", 15)
    sub = [t("pack.generated", lang, date=date.today().isoformat())]
    if data.data_date:
        sub.append(t("data_date", lang, date=data.data_date))
    doc.para(" · ".join(sub), 9, "#555555")
    if data.demo:
        doc.para(t("demo", lang), 9, "#b71c1c")
    pdf.set_y(MAP_BOX[1] - 6)
    doc.heading(t("pack.map", lang), 11)
    _static_map(doc, data, lang)
    _legend(doc, data, lang)
    _gauge(doc, mapdata.progress_row(data.progress, insee), pack_content.plh_period(store), lang)

    pdf.add_page(orientation="L")
    _schemes(doc, data.layers["projects"], data.findings, lang)
    _sites(doc, data, lang)
    pdf.add_page(orientation="P")
    _findings(doc, data.findings, lang)
    _changes(doc, pack_content.changes_since(store, insee, since, lang), since, lang)
    return bytes(pdf.output())


def _gauge(doc, row, period, lang):
    doc.heading(t("pack.gauge", lang), 11)
    target = mapdata.number(row.get("homes_target")) if row else None
    if not target:
        doc.para(t("pack.gauge_none", lang))
        return
    expected = mapdata.number(row.get("expected")) or 0
    lines = [f"{t('gauge.target', lang, start=period[0], end=period[1])} : {_int(target)}",
             f"{t('gauge.expected', lang)} : {_int(expected)} ({percent(expected / target, lang)})"]
    lines += [f"{t('gauge.' + k, lang)} : {_int(row.get(k))}" for k in pack_content.BAR_COLORS if k in row]
    if mapdata.number(row.get("lls_target")):
        lines.append(f"{t('gauge.lls', lang)} : {_int(row.get('lls_programmed'))} / {_int(row.get('lls_target'))}")
    for line in lines:
        doc.para(line, 9.5)


def _int(v) -> str:
    n = mapdata.number(v)
    return "" if n is None else f"{round(n):,}".replace(",", "\u202f")


def _schemes(doc, projects, findings, lang):
    doc.heading(t("pack.schemes", lang), 12)
    if projects is None or not len(projects):
        doc.para(t("pack.schemes_none", lang))
        return
    index = mapdata.findings_index(findings)
    headings = [t("id", lang), t("name", lang), t("status", lang), t("homes_total", lang), "LLS",
                t("land_origin", lang), t("operator", lang), t("delivery_year", lang), t("findings", lang)]
    rows = []
    for r in projects.sort_values("id").to_dict("records"):
        social = sum(int(r.get(k) or 0) for k in schema.SOCIAL_RENT_FIELDS if mapdata.text(r.get(k)))
        rows.append([mapdata.text(r.get("id")), mapdata.text(r.get("name")), value(mapdata.text(r.get("status")), lang),
                     mapdata.text(r.get("homes_total")), str(social), mapdata.text(r.get("land_origin")),
                     mapdata.text(r.get("operator")), mapdata.text(r.get("delivery_year")),
                     str(len(index.get(("projects", mapdata.text(r.get("id"))), [])))])
    doc.table(headings, rows, (26, 58, 28, 22, 12, 34, 44, 22, 20), numeric=(3, 4, 7, 8))


def _sites(doc, data, lang):
    for layer, (key, columns) in pack_content.SITE_COLUMNS.items():
        frame = data.layers.get(layer)
        doc.heading(t("pack." + layer, lang), 12)
        if frame is None or not len(frame):
            doc.para(t("pack.none", lang))
            continue
        numeric = tuple(i for i, (_, _, num) in enumerate(columns) if num)
        rows = [[_int(rec.get(f)) if num else mapdata.text(rec.get(f)) for f, _, num in columns]
                for rec in frame.sort_values(key).to_dict("records")]
        widths = [18 if num else 30 for _, _, num in columns]
        doc.table([t(label, lang) for _, label, _ in columns], rows, widths, numeric)
        total = pd.to_numeric(frame["capacity"], errors="coerce").fillna(0).sum()
        doc.para(t("pack.capacity_total", lang, n=int(total)), 9)


def _findings(doc, findings, lang):
    doc.heading(t("pack.findings", lang), 12)
    found = sorted(findings, key=lambda f: (pack_content.SEVERITY_ORDER.get(getattr(f, "severity", ""), 9),
                                            str(getattr(f, "rule", ""))))
    if not found:
        doc.para(t("pack.findings_none", lang))
        return
    colors = {"error": "#b71c1c", "warning": "#e65100", "info": "#1565c0"}
    for f in found:
        sev = getattr(f, "severity", "info")
        label = pack_content.severity(sev, lang)
        doc.para(f"{label} — {mapdata.finding_text(f, lang)} ({getattr(f, 'rule', '')})", 9, colors.get(sev, "#222222"))


def _changes(doc, rows, since, lang):
    doc.heading(t("pack.changes", lang, date=since.isoformat()), 12)
    if not rows:
        doc.para(t("pack.changes_none", lang))
        return
    doc.table(["", t("id", lang), t("name", lang), "", ""],
              [[r["day"], r["id"], r["name"], t("pack.change." + r["kind"], lang), r["detail"]] for r in rows],
              (20, 26, 50, 30, 64))


def write_pdf(store, insee, path, since=None, lang="fr", data=None) -> Path:
    """Write one commune's PDF pack (to a temporary name, then moved into place)."""
    return outputs.write_bytes(path, pack_pdf(store, insee, since=since, lang=lang, data=data), overwrite=True)


"""QGIS styles stored in the GeoPackage (`layer_styles`), so QGIS opens every layer styled.

QGIS reads the `layer_styles` table of a GeoPackage and applies, when a layer is added, the
style marked `useAsDefault`. The styles here use the palette of the HTML maps: schemes by
status, friches by CNIG status, plots by horizon, PLU zones by type, sectors by kind.
"""
from __future__ import annotations

from html import escape

from .palette import FRICHE_COLORS, HORIZON_COLORS, POINT_SHAPES, SECTOR_COLORS, STATUS_COLORS, ZONE_COLORS

OTHER = "#9e9e9e"


def _rgba(color: str, alpha: int = 255) -> str:
    color = color.lstrip("#")
    return ",".join(str(int(color[i:i + 2], 16)) for i in (0, 2, 4)) + f",{alpha}"


def _options(**values) -> str:
    return "".join(f'<Option name="{k}" type="QString" value="{escape(str(v))}"/>' for k, v in values.items())


def _marker(color: str, shape: str = "circle") -> str:
    return ('<layer class="SimpleMarker" enabled="1" pass="0" locked="0"><Option type="Map">'
            + _options(name=shape, color=_rgba(color), outline_color="35,35,35,255", outline_width="0.3",
                       size="3.2", size_unit="MM")
            + "</Option></layer>")


def _fill(color: str | None, outline: str = "#333333", alpha: int = 150, dashed: bool = False) -> str:
    return ('<layer class="SimpleFill" enabled="1" pass="0" locked="0"><Option type="Map">'
            + _options(color=_rgba(color or "#ffffff", alpha if color else 0), style="solid" if color else "no",
                       outline_color=_rgba(outline), outline_width="0.4" if dashed else "0.26",
                       outline_style="dash" if dashed else "solid")
            + "</Option></layer>")


def _symbol(name: str, kind: str, layer_xml: str) -> str:
    return (f'<symbol type="{kind}" name="{name}" alpha="1" clip_to_extent="1" force_rhr="0">'
            f"{layer_xml}</symbol>")


def _qml(renderer: str) -> str:
    return ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"
            f'<qgis version="3.22.0" styleCategories="Symbology">{renderer}</qgis>')


def categorized(field: str, colors: dict[str, str], kind: str, **fill) -> str:
    """A categorized renderer: one symbol per value, and one for every other value."""
    draw = _marker if kind == "marker" else (lambda c: _fill(c, **fill))
    items = list(colors.items()) + [("", OTHER)]
    cats = "".join(f'<category render="true" value="{escape(v)}" symbol="{i}" label="{escape(v or "autre")}"/>'
                   for i, (v, _) in enumerate(items))
    symbols = "".join(_symbol(str(i), kind, draw(c)) for i, (_, c) in enumerate(items))
    return _qml(f'<renderer-v2 type="categorizedSymbol" attr="{escape(field)}" symbollevels="0" '
                f'enableorderby="0" forceraster="0"><categories>{cats}</categories>'
                f"<symbols>{symbols}</symbols></renderer-v2>")


def by_geometry(field: str, colors: dict[str, str], shape: str = "circle", **fill) -> str:
    """Rules by value for a layer holding points and polygons (QGIS opens it as two sublayers
    sharing this style): points get markers, outlines get fills, in the same colours."""
    items = list(colors.items())
    rules, symbols = [], []
    for kind, geometry, draw in (("marker", "Point", lambda c: _marker(c, shape)),
                                 ("fill", "Polygon", lambda c: _fill(c, **fill))):
        children = []
        for value, color in items + [(None, OTHER)]:
            n = str(len(symbols))
            symbols.append(_symbol(n, kind, draw(color)))
            test = "ELSE" if value is None else f'"{field}" = {_sql_text(value)}'
            children.append(f'<rule key="{kind}{n}" symbol="{n}" filter="{escape(test)}" '
                            f'label="{escape(value or "autre")}"/>')
        rules.append(f'<rule key="{kind}" filter="{escape(f"geometry_type($geometry) = {_sql_text(geometry)}")}" '
                     f'label="{geometry}">{"".join(children)}</rule>')
    return _qml('<renderer-v2 type="RuleRenderer" symbollevels="0" enableorderby="0" forceraster="0">'
                f'<rules key="root">{"".join(rules)}</rules><symbols>{"".join(symbols)}</symbols></renderer-v2>')


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def single(kind: str, layer_xml: str) -> str:
    return _qml('<renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" forceraster="0">'
                f"<symbols>{_symbol('0', kind, layer_xml)}</symbols></renderer-v2>")


def qml_styles() -> dict[str, tuple[str, str]]:
    """{layer: (style name, QML)} for the spatial layers of the store."""
    return {
        "projects": ("opérations par état", by_geometry("status", STATUS_COLORS, alpha=170)),
        "friches": ("friches par statut CNIG", by_geometry("site_statut", FRICHE_COLORS, POINT_SHAPES["friches"],
                                                                 alpha=170)),
        "plots": ("gisements par horizon", categorized("horizon", HORIZON_COLORS, "fill", alpha=170)),
        "zoning": ("zonage PLU par type", categorized("typezone", ZONE_COLORS, "fill", alpha=110)),
        "sectors": ("secteurs prioritaires par nature",
                    categorized("kind", SECTOR_COLORS, "fill", alpha=40, dashed=True)),
        "qpv": ("QPV", single("fill", _fill("#ad1457", outline="#880e4f", alpha=90))),
        "communes": ("communes", single("fill", _fill(None, outline="#424242"))),
        "prescriptions": ("prescriptions", single("fill", _fill(None, outline="#6a1b9a", dashed=True))),
        "parcels": ("parcelles", single("fill", _fill(None, outline="#9e9e9e"))),
    }


LAYER_STYLES_SQL = (
    "CREATE TABLE layer_styles (id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), "
    "f_table_schema TEXT(256), f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), "
    "styleQML TEXT, styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30), "
    "update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))")


def install(con, layers) -> None:
    """Write the default QGIS style of each of `layers` into `layer_styles` (created if absent)."""
    if not con.execute("SELECT 1 FROM sqlite_master WHERE name='layer_styles'").fetchone():
        con.execute(LAYER_STYLES_SQL)
        con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier) "
                    "VALUES ('layer_styles', 'attributes', 'layer_styles')")
    styles = qml_styles()
    con.executemany(
        "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, styleName, "
        "styleQML, styleSLD, useAsDefault, description, owner) VALUES ('', '', ?, 'geom', ?, ?, '', 1, ?, 'plhgis')",
        [(name, styles[name][0], styles[name][1], "plhgis default style") for name in layers if name in styles])

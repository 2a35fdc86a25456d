"""Text renderings of frames for the terminal: table, CSV, JSON, GeoJSON."""
from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd

from .io import quote_formulas

OUTPUT_FORMATS = ("table", "csv", "json", "geojson")


def render(frame, fmt: str = "table", columns=None, max_width: int = 40) -> str:
    """The frame as text in `fmt`; geometry shows as its type in tables and CSV."""
    if fmt == "geojson":
        gdf = frame if isinstance(frame, gpd.GeoDataFrame) else gpd.GeoDataFrame(frame)
        if gdf.crs is not None:
            gdf = gdf.to_crs("EPSG:4326")
        return gdf.to_json(na="null", drop_id=True, ensure_ascii=False)
    flat = pd.DataFrame(frame)
    if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in flat:
        flat[frame.geometry.name] = frame.geometry.geom_type.fillna("")
    if columns:
        flat = flat[[c for c in columns if c in flat.columns]]
    if fmt == "json":
        records = flat.astype(object).where(flat.notna(), None).to_dict("records")
        return json.dumps(records, ensure_ascii=False, indent=1, default=str)
    if fmt == "csv":  # the excel-fr dialect: ';', a decimal comma, a formula-like text kept as text
        return quote_formulas(flat).to_csv(index=False, sep=";", decimal=",")
    return table(flat, max_width)


def table(frame: pd.DataFrame, max_width: int = 40) -> str:
    """A plain fixed-width table."""
    if frame.empty:
        return "(nothing)"
    cells = [[_cell(v, max_width) for v in row] for row in frame.itertuples(index=False)]
    heads = [str(c) for c in frame.columns]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(heads)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(heads, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in cells]
    return "\n".join(lines)


def _cell(value, max_width) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = str(value).replace("\n", " ")
    return text if len(text) <= max_width else text[: max_width - 1] + "…"

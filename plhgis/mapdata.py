"""What a map shows, gathered from the store: shared by the maps (`maps`) and the packs (`reports`, `pdf`).

No drawing here (folium is imported by `maps` alone): `load` reads the layers, the findings
(`checks.run_checks`) and the target progress (`targets.progress`) into a `MapData`; `focus`
narrows it to one commune (linear over all communes, for `pack --all`); the rest are the plain
readings every page shares (a value as text or number, a finding's message, its feature, the
coverage class of a commune: `coverage_class`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from urllib.parse import quote

import geopandas as gpd
import numpy as np
import pandas as pd

from . import checks, schema, targets
from .territory import Territory
from .errors import unknown_commune
from .settings import Settings

# target coverage classes: (upper bound, colour, label)
COVERAGE_CLASSES = ((0.5, "#d73027", "< 50 %"), (0.8, "#fc8d59", "50–80 %"),
                    (1.0, "#fee08b", "80–100 %"), (1.2, "#91cf60", "100–120 %"),
                    (math.inf, "#4575b4", "> 120 %"))
OTHER_COLOR = "#9e9e9e"
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
    territory = Territory(store)
    return MapData(read, findings=checks.run_checks(store, territory=territory),
                   progress=targets.progress(store, territory=territory),
                   name=names.mode().iloc[0] if len(names) else "",
                   data_date=max(dates)[:10] if dates else None, demo=is_demo, settings=territory.settings)


def focus(data: MapData, commune: str | None) -> MapData:
    """The same data zoomed on one commune: its features, its neighbours and the areas around it, its findings,
    the target progress of the communes shown.

    The per-commune groups of features and findings are built once for `data` (`_by_commune`) and
    the areas are found through each layer's spatial index, so focusing on every commune in turn
    (`pack --all`) stays linear. Data already focused on `commune` comes back as it is.
    """
    if commune is None or data.focus == commune:
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
    progress = data.progress  # the rows of the communes shown
    if "progress" in index:
        rows = [i for code in read["communes"]["insee"].astype(str) for i in index["progress"].get(code, ())]
        progress = progress.iloc[np.sort(np.asarray(rows, dtype=int))]
    name = communes.iloc[index["communes"][commune][0]]["name"]
    return MapData(read, findings=findings, progress=progress, name=name,
                   data_date=data.data_date, demo=data.demo, focus=commune, settings=data.settings)


def _by_commune(data: MapData) -> dict:
    """{layer: {insee: row positions}}, findings and target progress included, built once per MapData."""
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
        progress = data.progress
        if progress is not None and "commune" in progress and len(progress):
            index["progress"] = progress.groupby(progress["commune"].astype(str), sort=False).indices
        data.__dict__["by_commune"] = index
    return data.__dict__["by_commune"]


def coverage_by_commune(progress) -> dict[str, dict]:
    """{insee: {target, expected, coverage}} from a `targets.progress` table (coverage: a ratio)."""
    if progress is None or len(progress) == 0:
        return {}
    return {str(rec["commune"]): {"target": number(rec.get("homes_target")), "expected": number(rec.get("expected")),
                                  "coverage": number(rec.get("coverage"))}
            for rec in records(progress)}


def coverage_class(coverage) -> int | None:
    """Index in COVERAGE_CLASSES of a coverage ratio (None for none)."""
    if coverage is None:
        return None
    return next(k for k, (high, _, _) in enumerate(COVERAGE_CLASSES) if coverage < high)


def progress_row(progress, insee) -> dict | None:
    """One commune's row of a `targets.progress` table, or None."""
    if progress is None or "commune" not in progress:
        return None
    hit = progress[progress["commune"].astype(str) == str(insee)]
    return None if hit.empty else hit.iloc[0].to_dict()


def number(v) -> float | None:
    """`v` as a float (None when blank, NaN or not a number)."""
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


def records(frame) -> list[dict]:
    """`frame.to_dict("records")` in one conversion (to_dict reads a GeoDataFrame column by column,
    ~10 ms even for a few rows: most of a commune map's time in `pack --all`)."""
    columns = list(frame.columns)
    return [dict(zip(columns, row)) for row in frame.to_numpy(dtype=object).tolist()]


def text(v) -> str:
    """A value as shown on a page: "" for missing, 12 rather than 12.0."""
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def metres(width) -> str:
    """A band width as written in a label: 300, 12.5."""
    return f"{float(width):g}"

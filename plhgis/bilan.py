"""The yearly PLH review (*bilan annuel*, CCH L302-3): per commune, per polarity and for the EPCI.

Figures come from the schemes, read as a review of past years reads them: homes **authorised** in a
year are those of schemes whose permit year it is and whose permit is granted (PC accordé, travaux,
livré, recours, suspendu); **started**, those whose start year it is and whose works began (travaux,
livré, suspendu); **delivered**, those whose delivery year it is and that are delivered (livré).
Demolitions count in the start year (else the delivery year). Every total is the sum of the schemes
listed, so each figure can be traced back. The permits layer (Sitadel, issue 12) plugs in through
`review(..., permits=permit_flows(store))` (what `plhgis bilan` does when the layer holds permits): a
frame of (commune, year, authorised, started) replaces the schemes' own permit and start counts.

    from plhgis import bilan, open_store
    report = bilan.review(open_store(), 2025, compare=2024)
    bilan.write(report, "maps/bilan-2025.html")      # and maps/bilan-2025.xlsx
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import outputs
from .labels import Msg
from .errors import PlhgisError, StoreError
from .territory import Territory, numbers

GRANTED = ("PC accordé", "travaux", "livré", "recours", "suspendu")
STARTED = ("travaux", "livré", "suspendu")
DELIVERED = ("livré",)
FLOWS = ("authorised", "started", "delivered")
EPCI = "EPCI"
FLOW_FR = {"authorised": "autorisés", "started": "commencés", "delivered": "livrés", "target": "objectif annuel"}
COLOURS = {"authorised": "#f9a825", "started": "#ef6c00", "delivered": "#2e7d32", "target": "#37474f"}


@dataclass
class Bilan:
    """The review of one year (and of a year to compare), as tables."""

    year: int
    compare: int | None
    period: tuple[int, int, int]
    epci_name: str
    yearly: pd.DataFrame  # scope, level, code, name, year, authorised, started, delivered, target
    summary: pd.DataFrame  # one row per scope and reviewed year: products, demolitions, land, mid-term
    sru: pd.DataFrame  # liable communes: inventory rate, projected rates, target rate
    demo: str | None = None
    notes: list[str] = field(default_factory=list)
    permits: bool = False  # authorised and started come from the permits (Sitadel)


def schemes(t: Territory) -> pd.DataFrame:
    """Every active scheme with the figures the review sums (one row each)."""
    p = t.projects
    p = p[p["active"]]
    out = pd.DataFrame({"id": p["id"], "commune": p["declared"], "status": p["status"], "homes": p["homes"]})
    for col in ("permit_year", "start_year", "delivery_year"):
        out[col] = pd.to_numeric(p[col], errors="coerce")
    for col in ("lls_plai", "lls_plus", "lls_pls", "psla", "brs", "lli", "anah_conventionne", "demolished"):
        out[col] = numbers(p, col)
    out["demolition_year"] = out["start_year"].fillna(out["delivery_year"])
    out["ha"] = pd.Series(p["site_m2"], index=p.index).fillna(0) / 10000
    out["renewal"], out["consumes"] = p["renewal"].to_numpy(), p["consumes"].to_numpy()
    out["friche"] = p["friche_id"].notna().to_numpy()
    out["plot"] = p["plot_id"].notna().to_numpy()
    out["authorised"] = np.where(out["status"].isin(GRANTED), out["permit_year"], np.nan)
    out["started"] = np.where(out["status"].isin(STARTED), out["start_year"], np.nan)
    out["delivered"] = np.where(out["status"].isin(DELIVERED), out["delivery_year"], np.nan)
    return out.reset_index(drop=True)


def _scopes(com: pd.DataFrame, levels: dict) -> pd.DataFrame:
    """commune → (polarity, its rank) for the per-polarity sums."""
    pol = com["polarity"].fillna("(sans polarité)")
    rank = pol.map(levels).fillna(len(levels) + 1)
    return pd.DataFrame({"commune": com["insee"], "name": com["name"], "polarity": pol, "rank": rank})


def _yearly_targets(targets: pd.DataFrame, start: int, end: int) -> pd.DataFrame:
    """(commune, year, target): the yearly split when given ('40|40|…'), else the target spread evenly."""
    rows = []
    years = list(range(start, end + 1))
    for r in targets.itertuples(index=False):
        total = float(r.homes_target) if pd.notna(r.homes_target) else np.nan
        split = [s.strip() for s in str(r.yearly_split or "").split("|") if s.strip()]
        if split:
            try:
                values = [float(s.replace(",", ".")) for s in split]
            except ValueError:
                raise PlhgisError(Msg("err.split_numbers"), row=r.commune, field="yearly_split",
                                  value=r.yearly_split, hint=Msg("hint.split")) from None
            if len(values) != len(years):
                raise PlhgisError(Msg("err.split_years", n=len(values), years=len(years)), row=r.commune,
                                  field="yearly_split", value=r.yearly_split,
                                  hint=Msg("hint.split_years", start=start, end=end))
        else:
            values = [total / len(years)] * len(years)
        rows += [{"commune": r.commune, "year": y, "target": v} for y, v in zip(years, values)]
    return pd.DataFrame(rows, columns=["commune", "year", "target"])


def review(store, year: int, compare: int | None = None, settings=None, permits: pd.DataFrame | None = None,
           territory=None) -> Bilan:
    """The review of `year` (and `compare`): yearly flows against the yearly split, products,
    demolitions and net output, land, friches and plots, mid-term, SRU trajectory."""
    t = territory or Territory(store, settings)
    s = t.settings
    start, end, mid = t.period
    for y in (year, compare):
        if y is not None and not (start <= y <= end):
            raise PlhgisError(Msg("err.outside_period", year=y, start=start, end=end), field="--year", value=y,
                              hint=Msg("hint.outside_period"))
    com = t.communes
    if not len(com):
        raise StoreError(Msg("err.no_communes"), hint=Msg("hint.import_communes"))
    sc = schemes(t)
    scopes = _scopes(com, s.polarity_levels)
    every = t.layer("targets")
    targets = every[pd.to_numeric(every["period_start"], errors="coerce") == start]
    last = max(year, compare or year)
    years = list(range(start, last + 1))
    # yearly flows per commune
    grid = pd.MultiIndex.from_product([scopes["commune"], years], names=["commune", "year"]).to_frame(index=False)
    for flow in FLOWS:
        counted = sc[sc[flow].isin(years)].groupby(["commune", flow])["homes"].sum()
        counted.index = counted.index.set_names(["commune", "year"])
        grid[flow] = grid.set_index(["commune", "year"]).index.map(counted).astype(float)
    grid[list(FLOWS)] = grid[list(FLOWS)].fillna(0)
    notes = []
    unknown = sorted(set(scopes["polarity"]) - set(s.polarity_levels) - {"(sans polarité)"})
    if unknown:
        notes.append("polarités hors de la liste du territoire (réglage polarity_levels): " + ", ".join(unknown))
    if permits is not None:  # Sitadel permits replace the schemes' own permit and start counts
        by = permits.groupby(["commune", "year"])[["authorised", "started"]].sum()
        idx = grid.set_index(["commune", "year"]).index
        for col in ("authorised", "started"):
            grid[col] = idx.map(by[col]).astype(float).fillna(0)
        notes.append("Source : les permis de construire (Sitadel) pour les autorisés (date d'autorisation) et les "
                     "commencés (ouverture de chantier, DOC) ; les opérations de la base pour les livrés (DAACT).")
    yt = _yearly_targets(targets, start, end)
    grid = grid.merge(yt, on=["commune", "year"], how="left")
    grid["target"] = pd.to_numeric(grid["target"], errors="coerce").astype(float)  # no targets: NaN
    grid = grid.merge(scopes, on="commune", how="left")
    yearly = _by_scope(grid, ["year"], list(FLOWS) + ["target"], t)
    flows = grid[["commune", "year", "authorised", "started"]]
    summary = pd.concat([_summary(sc, scopes, targets, y, (start, end, mid), t, flows) for y in dict.fromkeys(
        [year, compare]) if y is not None], ignore_index=True)
    return Bilan(year, compare, (start, end, mid), t.epci_name, yearly, summary, _sru(store, t),
                 store.setting("demo"), notes, permits is not None)


def permit_flows(store) -> pd.DataFrame | None:
    """(commune, year, authorised, started): homes of the permits layer (Sitadel) authorised and started
    each year, for `review(..., permits=…)`; None when the layer holds no permit."""
    from .permits import permits_by_year

    if not store.count("permits"):
        return None
    table = permits_by_year(store)
    return table.rename(columns={"homes_authorised": "authorised", "homes_started": "started"})[
        ["commune", "year", "authorised", "started"]]


def side_by_side(frame: pd.DataFrame, years, values, year_col: str) -> pd.DataFrame:
    """One row per territory, each value once per year, the years next to each other: columns
    '<value>_<year>' in the order value 1 (year 1, year 2), value 2 (…) (`--compare`)."""
    keys = ["scope", "level", "code", "name"]
    wide = pd.concat([frame[frame[year_col] == y].set_index(keys)[values].add_suffix(f"_{y}") for y in years],
                     axis=1)
    wide = wide[[f"{v}_{y}" for v in values for y in years]].reset_index()
    return wide.sort_values(["level", "code"], kind="stable").reset_index(drop=True)


def _by_scope(frame, keys, values, t) -> pd.DataFrame:
    """Sums per commune, per polarity and for the EPCI (min_count=1: no target stays no target)."""
    parts = []
    c = frame.groupby(["commune", "name", *keys], as_index=False, dropna=False)[values].sum(min_count=1)
    parts.append(c.assign(scope="commune", code=c["commune"], level=0))
    pol = frame.groupby(["polarity", "rank", *keys], as_index=False, dropna=False)[values].sum(min_count=1)
    parts.append(pol.assign(scope="polarité", code=pol["polarity"], name=pol["polarity"], level=pol["rank"]))
    e = frame.groupby(keys, as_index=False, dropna=False)[values].sum(min_count=1)
    parts.append(e.assign(scope=EPCI, code=EPCI, name=t.epci_name, level=99))
    out = pd.concat(parts, ignore_index=True)
    return out[["scope", "level", "code", "name", *keys, *values]]


def _summary(sc, scopes, targets, year, period, t, flows) -> pd.DataFrame:
    """One review year: loans, assisted ownership, demolitions and net output, land, friches and plots,
    cumulative flows at mid-term (from `flows`, the yearly table: the permits' when they are read)."""
    start, end, mid = period
    auth = sc[sc["authorised"] == year]
    per = pd.DataFrame({"commune": scopes["commune"]})

    def add(frame, col, name, key="commune"):
        per[name] = per["commune"].map(frame.groupby(key)[col].sum()).fillna(0).astype(float)

    add(auth, "homes", "authorised")
    for col in ("lls_plai", "lls_plus", "lls_pls", "lli"):
        add(auth, col, col.replace("lls_", ""))
    add(auth.assign(x=auth["psla"] + auth["brs"]), "x", "accession_aidee")
    delivered = sc[sc["delivered"] == year]
    add(delivered, "homes", "delivered")
    add(sc[sc["demolition_year"] == year], "demolished", "demolished")
    add(auth[auth["renewal"]], "ha", "ha_renewal")
    add(auth[auth["consumes"]], "ha", "ha_extension")
    add(auth.assign(x=auth["friche"].astype(float)), "x", "friches_mobilised")
    add(auth.assign(x=auth["plot"].astype(float)), "x", "plots_mobilised")
    to = min(year, mid)
    upto = flows[flows["year"].between(start, to)]
    add(upto, "authorised", "authorised_to_midterm")
    add(upto, "started", "started_to_midterm")
    tg = targets.groupby("commune")
    for col in ("homes_target", "accession_aidee_target", "net_homes_target"):
        per[col] = per["commune"].map(tg[col].sum(min_count=1)).astype(float) if len(targets) else np.nan
    per["midterm_target"] = per["homes_target"] * (mid - start + 1) / (end - start + 1)
    per = per.merge(scopes, on="commune", how="left").assign(review_year=year)
    values = [c for c in per.columns if c not in ("commune", "name", "polarity", "rank", "review_year")]
    out = _by_scope(per, ["review_year"], values, t)
    out["net"] = out["delivered"] - out["demolished"]
    out["net_target_yearly"] = out["net_homes_target"] / (end - start + 1)
    out["social"] = out["plai"] + out["plus"] + out["pls"]
    out["plai_share"] = _share(out["plai"], out["social"])
    out["pls_share"] = _share(out["pls"], out["social"])
    out["accession_aidee_share"] = _share(out["accession_aidee"], out["authorised"])
    out["accession_aidee_target_share"] = _share(out["accession_aidee_target"], out["homes_target"])
    out["renewal_share"] = _share(out["ha_renewal"], out["ha_renewal"] + out["ha_extension"])
    out["midterm_authorised_ratio"] = _share(out["authorised_to_midterm"], out["midterm_target"])
    out["midterm_started_ratio"] = _share(out["started_to_midterm"], out["midterm_target"])
    return out


def _share(a, b):
    b = pd.Series(b, dtype=float)
    return (pd.Series(a, dtype=float) / b.where(b > 0)).round(3)


def _sru(store, t) -> pd.DataFrame:
    """The SRU trajectory of the liable communes (empty when no commune is liable or a rate is missing)."""
    from . import sru

    try:
        rows = sru.figures(store, territory=t)
    except PlhgisError:
        return pd.DataFrame()
    keep = ["commune", "name", "vintage", "sru_rate", "target_rate", "objective", "objective_kind"]
    rates = [c for c in rows.columns if c.startswith("rate_") and c[5:].isdigit()]
    return rows[keep + rates].sort_values("sru_rate", ascending=False).reset_index(drop=True)


# -- writing -----------------------------------------------------------------------------------------------
def write(report: Bilan, html_path, overwrite=False) -> tuple[Path, Path]:
    """Write the review as HTML (with inline SVG charts) and XLSX next to it; atomic, no overwrite."""
    html_path = Path(html_path)
    xlsx_path = html_path.with_suffix(".xlsx")
    outputs.check_free([html_path, xlsx_path], overwrite)
    outputs.write_text(html_path, to_html(report), overwrite=True)
    with outputs.atomic_output(xlsx_path, overwrite=True) as tmp:
        to_xlsx(report, tmp)
    return html_path, xlsx_path


SHEETS = {"annuel": "yearly", "synthèse": "summary", "SRU": "sru"}
FLOW_COLUMNS = [("name", "Territoire", "t"), ("year", "Année", "t"), ("authorised", "Autorisés", "n"),
                ("started", "Commencés", "n"), ("delivered", "Livrés", "n"), ("target", "Objectif annuel", "n")]


def compared(report: Bilan) -> dict[str, pd.DataFrame]:
    """With a year to compare: the flows and the summary with the two years side by side (else empty)."""
    if report.compare in (None, report.year):
        return {}
    years = [report.year, report.compare]
    return {"comparaison annuel": side_by_side(report.yearly, years, _values(FLOW_COLUMNS), "year"),
            "comparaison synthèse": side_by_side(report.summary, years, _values(SUMMARY_COLUMNS), "review_year")}


def _values(columns) -> list[str]:
    return [c for c, _, kind in columns if kind != "t"]


def _paired(columns, years) -> list[tuple[str, str, str]]:
    """The table columns of a side-by-side frame: the name, then each value once per year."""
    return [columns[0]] + [(f"{c}_{y}", f"{h} {y}", k) for c, h, k in columns if k != "t" for y in years]


def to_xlsx(report: Bilan, path) -> None:
    """One sheet per table: yearly flows, the review summary, the SRU trajectory (and, with a year to
    compare, the flows and the summary with the years side by side)."""
    import openpyxl

    from .io import append_text_row

    book = openpyxl.Workbook()
    book.remove(book.active)
    sheets = {title: getattr(report, attr) for title, attr in SHEETS.items()} | compared(report)
    for title, frame in sheets.items():
        ws = book.create_sheet(title)
        append_text_row(ws, [str(c) for c in frame.columns])
        for row in frame.astype(object).where(frame.notna(), None).itertuples(index=False, name=None):
            append_text_row(ws, [v.item() if isinstance(v, np.generic) else v for v in row])
    book.save(path)


def _e(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _n(value, digits=0) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    return f"{value:,.{digits}f}".replace(",", "\u202f").replace(".", ",")


def _p(value) -> str:
    return "–" if value is None or value != value else f"{100 * value:.0f} %"


def bar_chart(yearly: pd.DataFrame, title: str) -> str:
    """Grouped bars (authorised, started, delivered) per year, with the yearly target as a line: SVG."""
    w, h, left, bottom, top = 640, 270, 56, 34, 34
    years = list(yearly["year"])
    top_value = _nice(max([1.0, *yearly[list(FLOWS)].max().tolist(), *yearly["target"].fillna(0).tolist()]))
    scale = (h - bottom - top) / top_value
    slot = (w - left - 10) / max(len(years), 1)
    bar = slot / 4
    parts = [f'<svg viewBox="0 0 {w} {h}" role="img" aria-label="{_e(title)}" class="chart">',
             f'<title>{_e(title)}</title>',
             f'<line x1="{left}" y1="{h - bottom}" x2="{w - 5}" y2="{h - bottom}" stroke="#999"/>']
    for k in range(5):
        v = top_value * k / 4
        y = h - bottom - v * scale
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="ax">{_e(_n(v))}</text>')
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{w - 5}" y2="{y:.1f}" stroke="#eee"/>')
    points = []
    for i, row in enumerate(yearly.itertuples(index=False)):
        x0 = left + i * slot + bar / 2
        for j, flow in enumerate(FLOWS):
            v = float(getattr(row, flow))
            parts.append(f'<rect x="{x0 + j * bar:.1f}" y="{h - bottom - v * scale:.1f}" width="{bar - 2:.1f}" '
                         f'height="{v * scale:.1f}" fill="{COLOURS[flow]}"><title>{_e(FLOW_FR[flow])} '
                         f'{row.year}: {_e(_n(v))}</title></rect>')
        parts.append(f'<text x="{x0 + 1.5 * bar:.1f}" y="{h - bottom + 16}" text-anchor="middle" class="ax">'
                     f'{row.year}</text>')
        if pd.notna(row.target):
            points.append(f"{x0 + 1.5 * bar:.1f},{h - bottom - row.target * scale:.1f}")
    if points:
        parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="{COLOURS["target"]}" '
                     'stroke-width="2" stroke-dasharray="6 4"/>')
    parts.append(_legend([(FLOW_FR[f], COLOURS[f]) for f in (*FLOWS, "target")], left, 14))
    return "".join(parts) + "</svg>"


def sru_chart(sru: pd.DataFrame) -> str:
    """Each liable commune's SRU rate, from the inventory to the end of the PLH, against its legal rate."""
    if sru.empty:
        return ""
    ends = sorted(int(c[5:]) for c in sru.columns if c.startswith("rate_") and c[5:].isdigit())
    vint = int(sru["vintage"].dropna().min()) if sru["vintage"].notna().any() else ends[0] - 1
    xs = [vint, *ends]
    w, left, bottom, top = 720, 48, 34, 40
    h = max(300, 15 * len(sru) + top + bottom + 10)  # room for one label per commune
    hi = _nice(max(0.3, float(np.nanmax(sru[["sru_rate", "target_rate", *[f"rate_{e}" for e in ends]]]
                                       .to_numpy(float)))))
    scale = (h - bottom - top) / hi
    span = max(xs[-1] - xs[0], 1)

    def x(year):
        return left + (year - xs[0]) / span * (w - left - 170)

    parts = [f'<svg viewBox="0 0 {w} {h}" role="img" aria-label="trajectoire SRU" class="chart">',
             "<title>Trajectoire SRU</title>"]
    for k in range(0, int(hi * 100) + 1, 10):
        y = h - bottom - k / 100 * scale
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{w - 165}" y2="{y:.1f}" stroke="#eee"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="ax">{k} %</text>')
    for year in xs:
        parts.append(f'<text x="{x(year):.1f}" y="{h - bottom + 16}" text-anchor="middle" class="ax">{year}</text>')
    palette = ("#1565c0", "#c62828", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f", "#5d4037", "#ad1457")
    labels = []
    for i, row in enumerate(sru.itertuples(index=False)):
        colour = palette[i % len(palette)]
        values = [row.sru_rate, *[getattr(row, f"rate_{e}") for e in ends]]
        pts = " ".join(f"{x(yr):.1f},{h - bottom - v * scale:.1f}" for yr, v in zip(xs, values) if v == v)
        tip = f"{row.commune} {row.name}: " + ", ".join(f"{yr} {_p(v)}" for yr, v in zip(xs, values))
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2">'
                     f'<title>{_e(tip)}</title></polyline>')
        if row.target_rate == row.target_rate:
            y = h - bottom - row.target_rate * scale
            parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{w - 165}" y2="{y:.1f}" stroke="{colour}" '
                         'stroke-dasharray="3 3" stroke-width="1"/>')
        last = values[-1] if values[-1] == values[-1] else row.sru_rate
        labels.append((h - bottom - last * scale + 4, colour, f"{str(row.name)[:16]} {_p(last)}"))
    for y, (_, colour, text) in zip(_spread([lab[0] for lab in labels], 15, h - bottom), labels):
        parts.append(f'<text x="{w - 160}" y="{y:.1f}" class="lab" fill="{colour}">{_e(text)}</text>')
    parts.append('<text x="48" y="16" class="ax">— taux projeté (fin de période triennale / fin du PLH)'
                 '   - - - taux légal</text>')
    return "".join(parts) + "</svg>"


def _nice(value: float) -> float:
    """The round number at or above `value` the axis ends at (1, 2, 2.5 or 5 times a power of ten)."""
    power = 10 ** np.floor(np.log10(value))
    return float(next(m * power for m in (1, 1.2, 1.6, 2, 2.4, 3, 4, 6, 8, 10) if m * power >= value - 1e-9))


def _spread(ys: list[float], gap: float = 13, bottom: float = float("inf")) -> list[float]:
    """Label heights pushed apart so that no two overlap (order kept), lifted to end above `bottom`."""
    order = sorted(range(len(ys)), key=lambda i: ys[i])
    out = list(ys)
    for a, b in zip(order, order[1:]):
        out[b] = max(out[b], out[a] + gap)
    lift = max(0.0, max(out, default=0) - bottom)
    return [y - lift for y in out]


def _legend(items, x, y) -> str:
    out, cx = [], x
    for text, colour in items:
        out.append(f'<rect x="{cx}" y="{y - 9}" width="12" height="10" fill="{colour}"/>'
                   f'<text x="{cx + 16}" y="{y}" class="ax">{_e(text)}</text>')
        cx += 28 + 8 * len(text)
    return "".join(out)


CSS = """body{font:15px/1.4 system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
main{max-width:1100px;margin:auto;padding:12px 16px}h1{font-size:1.45em;margin:.3em 0}
h2{font-size:1.15em;margin:1.4em 0 .4em;border-bottom:2px solid #ddd}
.demo{background:#fff3cd;border:1px solid #e0c36a;padding:6px 10px;border-radius:4px}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;background:#fff;border:1px solid #e4e4e4}
table{border-collapse:collapse;font-size:.86em;min-width:100%}th,td{padding:4px 7px;border-bottom:1px solid #eee;
text-align:right;white-space:nowrap}td.t,th.t{text-align:left}th{background:#f1f1f1;position:sticky;top:0}td:first-child,th:first-child{
text-align:left}tr.epci td{font-weight:600;background:#f7f7f7}tr.pol td{background:#fbfbf5}
.chart{width:100%;max-width:760px;height:auto;background:#fff;border:1px solid #e4e4e4}
.ax{font-size:13px;fill:#555}.lab{font-size:13px}.est{color:#8a5a00;font-style:italic}
.note{color:#555;font-size:.9em}td:first-child{position:sticky;left:0;background:#fff}
th:first-child{left:0;z-index:2}"""


def _table(frame: pd.DataFrame, columns: list[tuple[str, str, str]]) -> str:
    """An escaped HTML table: columns are (field, heading, kind: t text, n number, p share)."""
    head = "".join(f"<th class='{k}'>{_e(h)}</th>" for _, h, k in columns)
    rows = []
    for rec in frame.to_dict("records"):
        cls = {"EPCI": "epci", "polarité": "pol"}.get(rec.get("scope"), "")
        cells = []
        for col, _, kind in columns:
            v = rec.get(col)
            text = _p(v) if kind == "p" else _n(v, 1 if kind == "n1" else 0) if kind.startswith("n") else _e(v)
            if kind == "k" and v == "estimation":
                text = '<span class="est">estimation</span>'
            elif kind == "k":
                text = _e(v)
            cells.append(f"<td class='{kind}'>{text}</td>")
        rows.append(f'<tr class="{cls}">' + "".join(cells) + "</tr>")
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'


SUMMARY_COLUMNS = [
    ("name", "Territoire", "t"), ("authorised", "Autorisés (opérations)", "n"), ("delivered", "Livrés", "n"),
    ("plai", "PLAI", "n"), ("plus", "PLUS", "n"), ("pls", "PLS", "n"), ("plai_share", "part PLAI", "p"),
    ("accession_aidee", "Accession aidée (PSLA+BRS)", "n"), ("accession_aidee_share", "part", "p"),
    ("accession_aidee_target_share", "objectif", "p"), ("demolished", "Démolis", "n"), ("net", "Net", "n"),
    ("net_target_yearly", "Objectif net / an", "n"), ("ha_renewal", "ha renouvellement", "n1"),
    ("ha_extension", "ha extension", "n1"), ("friches_mobilised", "Friches", "n"),
    ("plots_mobilised", "Dents creuses", "n")]
MIDTERM_COLUMNS = [
    ("name", "Territoire", "t"), ("midterm_target", "Objectif à mi-parcours", "n"),
    ("authorised_to_midterm", "Autorisés", "n"), ("midterm_authorised_ratio", "taux", "p"),
    ("started_to_midterm", "Commencés", "n"), ("midterm_started_ratio", "taux", "p")]
SRU_COLUMNS = [("commune", "Code", "t"), ("name", "Commune", "t"), ("sru_rate", "Taux inventaire", "p"),
               ("target_rate", "Taux légal", "p"), ("objective", "Objectif triennal", "n"),
               ("objective_kind", "", "k")]


def to_html(report: Bilan) -> str:
    """The review as one self-contained page: every text escaped, charts as inline SVG."""
    start, end, mid = report.period
    years = [y for y in (report.year, report.compare) if y is not None]
    title = f"Bilan annuel du PLH {start}–{end} — {report.epci_name} — {' / '.join(map(str, years))}"
    out = ["<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'>",
           "<meta name='viewport' content='width=device-width, initial-scale=1'>",
           f"<title>{_e(title)}</title><style>{CSS}</style></head><body><main>",
           f"<h1>{_e(title)}</h1>"]
    if report.demo:
        out.append(f"<p class='demo'>{_e(report.demo)}</p>")
    source = "" if report.permits else ("Source : les opérations de la base (autorisés : permis accordé l'année "
                                        "dite ; commencés : travaux ouverts (DOC) ; livrés : livraison (DAACT)). ")
    out.append(f"<p class='note'>{source}" + _e(" ".join(report.notes)) + "</p>")
    y = report.yearly
    epci = y[y["scope"] == EPCI].sort_values("year")
    out += ["<h2>Logements autorisés, commencés et livrés par an — EPCI</h2>", bar_chart(epci, "EPCI")]
    pols = y[y["scope"] == "polarité"].sort_values(["level", "year"])
    for code, frame in pols.groupby("code", sort=False):
        out += [f"<h2>Polarité : {_e(code)}</h2>", bar_chart(frame, str(code))]
    side = compared(report)
    if side:  # the two years next to each other, column by column
        both = " / ".join(map(str, years))
        out += [f"<h2>Par commune, polarité et EPCI — {both}</h2>",
                _table(side["comparaison annuel"], _paired(FLOW_COLUMNS, years)),
                f"<h2>Produits, démolitions, foncier — {both}</h2>",
                _table(side["comparaison synthèse"], _paired(SUMMARY_COLUMNS, years))]
    else:
        shown = y[y["year"] == report.year].sort_values(["level", "code"])
        summ = report.summary[report.summary["review_year"] == report.year].sort_values(["level", "code"])
        out += ["<h2>Par commune, polarité et EPCI</h2>", _table(shown, FLOW_COLUMNS),
                f"<h2>Produits, démolitions, foncier — {report.year}</h2>", _table(summ, SUMMARY_COLUMNS)]
    summ = report.summary[report.summary["review_year"] == report.year].sort_values(["level", "code"])
    out += [f"<h2>Bilan à mi-parcours ({start}–{mid}) sur les autorisations et les mises en chantier</h2>",
            _table(summ, MIDTERM_COLUMNS)]
    if not report.sru.empty:
        out += ["<h2>Trajectoire SRU</h2>", sru_chart(report.sru), _table(report.sru, SRU_COLUMNS),
                "<p class='note'>Objectif triennal: notifié par le préfet, sinon <span class='est'>estimation</span> "
                "selon les règles du CCH L302-8 (voir plhgis settings).</p>"]
    out.append("</main></body></html>")
    return "\n".join(out)

"""The annual-meeting commune pack: one self-contained HTML page per commune, an index, a workbook.

Each page carries the commune's map (Leaflet inlined, see `maps`), the target gauge
(`targets.progress`), the sortable scheme table, friches and plots with their capacity, the
findings (`checks.run_checks`) in plain words and *what changed since the last meeting* from
the history. Every text from the data goes through `html.escape` (`_e`) and reaches the page
through slots filled after Jinja2 has rendered it (`maps.add_slot`), never as template text; every
file is written whole or not at all (`outputs`), under a name checked to stay in `out_dir`. The labels are in
`labels.py`, French by default, English with ``lang="en"``.
"""
from __future__ import annotations

import gc
import html
import multiprocessing
import os
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from . import mapdata, maps, outputs, schema, sheets
from .mapdata import number, progress_row, text
from .pack_content import (BAR_COLORS, SEVERITY_ORDER, SITE_COLUMNS, changes_since, default_since, plh_period,
                           project_history, severity)
from .errors import PlhgisError, Problem, unknown_commune
from .labels import Msg, percent, t, value
from .progress import steps

MAP_PAGE, CHECKS_PAGE = "territoire.html", "controles.html"  # beside the packs and their index


def _e(v) -> str:
    """Any value as escaped HTML text ('' for missing)."""
    return html.escape(text(v))


@dataclass
class PackFiles:
    commune: str
    html: Path
    xlsx: Path
    schemes: int
    findings: int
    coverage: float | None


def write_packs(store, communes=None, out_dir="maps", since=None, lang="fr", overwrite=False,
                index=False, pdf=False, progress=None) -> list[Path]:
    """Write the pack of each commune (all of them when `communes` is None); with `pdf`, each as a PDF too.

    With `index`, also the territory map, the findings page and index.html linking them all. `progress`:
    see `plhgis.progress` (the checks, then one step per commune and per page).
    """
    out_dir = Path(out_dir)
    data = mapdata.load(store)
    known = list(data.layers["communes"].sort_values("insee")["insee"])
    if not known:
        raise PlhgisError(Msg("err.no_commune_pack"), hint=Msg("hint.import_communes"))
    communes = known if communes is None else list(communes)
    for code in communes:
        if code not in known:
            raise unknown_commune(code)
        _pack_names(out_dir, code)  # a code edited in by another tool may not name a file outside out_dir
    since = since or default_since()
    targets = [p for c in communes for p in _pack_names(out_dir, c)]
    if pdf:
        targets += [outputs.inside(out_dir, f"{c}-dossier.pdf") for c in communes]
    if index:
        targets += [out_dir / name for name in (MAP_PAGE, CHECKS_PAGE, "index.html")]
    outputs.check_free(targets, overwrite, hint=Msg("hint.overwrite_packs"))
    shared = {"data": data, "history": project_history(store, since), "period": plh_period(store)}
    with steps(progress, len(communes) + 3 * index, t("progress.packs", lang)) as bar:
        done = _write_all(store, communes, out_dir, since, lang, shared, bar)
        written = []
        for pack in done:
            written += [pack.html, pack.xlsx]
            if pdf:
                from . import pdf as pdf_pack

                written.append(pdf_pack.write_pdf(store, pack.commune,
                                                  outputs.inside(out_dir, f"{pack.commune}-dossier.pdf"),
                                                  since, lang, data))
        if index:
            written.append(maps.write(maps.to_html(maps.build(data, lang=lang)), out_dir / MAP_PAGE, overwrite=True))
            bar.update(1)
            written.append(write_check_report(data, out_dir / CHECKS_PAGE, lang))
            bar.update(1)
            written.append(write_index(data, done, out_dir / "index.html", lang))
            bar.update(1)
    return written


def jobs() -> int:
    """Worker processes for many packs: $PLHGIS_JOBS, else every core."""
    value = os.environ.get("PLHGIS_JOBS", "")
    if value and not value.isdigit():
        raise PlhgisError(Msg("err.jobs"), value=value, hint=Msg("hint.jobs"))
    return max(1, int(value) if value else (os.cpu_count() or 1))


_SHARED: dict = {}  # what the pack workers read: set before they fork, so never pickled


def _write_all(store, communes, out_dir, since, lang, shared, bar) -> list[PackFiles]:
    """Every commune's pack, spread over `jobs()` forked processes (each pack's files written whole);
    `bar` counts one step a commune. A PostGIS store's packs are made in this process."""
    from .store import GeoPackageStore

    workers = min(jobs(), len(communes) // 2)
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods() or not isinstance(store, GeoPackageStore):
        results = []
        for code in communes:
            results.append(write_pack(store, code, out_dir, since=since, lang=lang, **shared))
            bar.update(1)
        return results
    _SHARED.update(path=store.path, user=store.user, out_dir=out_dir, since=since, lang=lang, shared=shared)
    results = []
    gc.freeze()  # the store's data, read once, stays out of the workers' garbage collections (and shared pages)
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            for result in pool.map(_pack_worker, communes, chunksize=max(1, len(communes) // (8 * workers))):
                results.append(result)
                bar.update(1)
    finally:
        gc.unfreeze()
        _SHARED.clear()
    for result in results:
        if isinstance(result, Problem):  # the worker's error (exceptions do not all pickle)
            raise PlhgisError(result.message)
    return results


def _pack_worker(code):
    """One pack in a worker process, with its own connection to the store."""
    from .store import GeoPackageStore

    if "store" not in _SHARED:
        _SHARED["store"] = GeoPackageStore(_SHARED["path"], user=_SHARED["user"])
    try:
        return write_pack(_SHARED["store"], code, _SHARED["out_dir"], since=_SHARED["since"], lang=_SHARED["lang"],
                          **_SHARED["shared"])
    except PlhgisError as exc:
        return Problem(Msg("err.pack_failed", code=code, why=exc.problem))


def _pack_names(out_dir, insee) -> tuple[Path, Path]:
    """(page, workbook) of a commune's pack; refused when the code is no INSEE code."""
    if not re.fullmatch(schema.INSEE_RE, str(insee)):
        raise PlhgisError(Msg("err.pack_insee"), field="insee", value=insee, hint=Msg("hint.pack_insee"))
    return outputs.inside(out_dir, f"{insee}-dossier.html"), outputs.inside(out_dir, f"{insee}-projets.xlsx")


def write_pack(store, insee, out_dir, since=None, lang="fr", data=None, history=None, period=None) -> PackFiles:
    """One commune's page and workbook (overwrites: `write_packs` checks first).

    `data` (`mapdata.load`), `history` (`project_history`) and `period` are read once for many packs.
    """
    data = data or mapdata.load(store)
    path, xlsx = _pack_names(Path(out_dir), insee)
    local = mapdata.focus(data, insee)
    sheets.write_workbook(store, insee, xlsx, overwrite=True, name=local.name, layers=local.layers)
    page, facts = pack_html(store, insee, since=since, lang=lang, data=local, sheet_name=xlsx.name,
                            history=history, period=period)
    outputs.write_text(path, page, overwrite=True)
    return PackFiles(insee, path, xlsx, **facts)


def pack_html(store, insee, since=None, lang="fr", data=None, sheet_name=None, history=None, period=None):
    """(page, facts) for one commune: the HTML text and a few figures for the index."""
    data = mapdata.focus(data or mapdata.load(store), insee)
    since = date.fromisoformat(str(since)[:10]) if since else default_since()
    m = maps.build(data, lang=lang, height="460px", legend_open=False)
    fig = m.get_root()
    row = progress_row(data.progress, insee)
    projects = data.layers["projects"]
    found = sorted((f for f in data.findings if not f.acknowledged),  # the to-do list
                   key=lambda f: (SEVERITY_ORDER.get(getattr(f, "severity", ""), 9), str(getattr(f, "rule", ""))))
    top = [_header(data, lang, sheet_name), f"<h2>{_e(t('pack.map', lang))}</h2>"]
    rest = [_gauge(row, store, lang, period), _schemes(projects, data.findings, lang),
            _sites(data, lang), _findings(found, lang),
            _changes(store, insee, since, lang, history), "</main>"]
    # the HTML built from the data goes in slots, out of Jinja2's reach (see maps.add_slot)
    maps.add_slot(fig, "header", "plh_pack_head", f"<title>{_e(t('pack.title', lang, name=data.name))}</title>"
                  + PACK_CSS)
    maps.add_slot(fig, "html", "plh_pack_top", "\n".join(top))
    fig.html.add_child(maps.code_element(""), name=m.get_name())  # the map's <div> takes this place
    maps.add_slot(fig, "html", "plh_pack_rest", "\n".join(rest) + SORT_JS)
    page = maps.to_html(m).replace("<html>", f'<html lang="{lang}">', 1)
    facts = {"schemes": len(projects), "findings": len(found),
             "coverage": number(row.get("coverage")) if row else None}
    return page, facts


def _header(data, lang, sheet_name) -> str:

    parts = ["<main class='plh-pack'>", f"<h1>{_e(t('pack.title', lang, name=data.name))} "
             f"<small>({_e(data.focus)})</small></h1>"]
    sub = [_e(t("pack.generated", lang, date=date.today().isoformat()))]
    if data.data_date:
        sub.append(_e(t("data_date", lang, date=data.data_date)))
    parts.append(f"<p class='sub'>{' · '.join(sub)}</p>")
    if data.demo:
        parts.append(f"<p class='demo'>{_e(t('demo', lang))}</p>")
    if sheet_name:
        link = f"<a href='{_e(sheet_name)}'>{_e(sheet_name)}</a>"
        parts.append(f"<p>{_e(t('pack.sheet', lang, file=chr(0))).replace(chr(0), link)}</p>")
    return "\n".join(parts)


def _int(v) -> str:
    v = number(v)
    return "—" if v is None else f"{round(v):,}".replace(",", "\u202f")


def _gauge(row, store, lang, period=None) -> str:
    out = [f"<section><h2>{_e(t('pack.gauge', lang))}</h2>"]
    target = number(row.get("homes_target")) if row else None
    if not target:
        out.append(f"<p>{_e(t('pack.gauge_none', lang))}</p></section>")
        return "\n".join(out)
    parts = {k: number(row.get(k)) or 0 for k in BAR_COLORS}
    expected = number(row.get("expected")) or sum(parts.values())
    scale = max(target, expected, 1) * 1.1
    start, end = period or plh_period(store)
    out.append(f"<p><b>{_e(t('gauge.target', lang, start=start, end=end))}</b> : {_int(target)} · "
               f"<b>{_e(t('gauge.expected', lang))}</b> : {_int(expected)} ({percent(expected / target, lang, '—')})</p>")
    bar = ["<div class='gauge' role='img' aria-label='" + _e(f"{_int(expected)} / {_int(target)}") + "'>"]
    left = 0.0
    for key, color in BAR_COLORS.items():
        width = parts[key] / scale * 100
        if width > 0:
            bar.append(f"<span class='seg' style='left:{left:.2f}%;width:{width:.2f}%;background:{color}' "
                       f"title='{_e(t('gauge.' + key, lang))}: {_int(parts[key])}'></span>")
        left += width
    bar.append(f"<span class='mark' style='left:{target / scale * 100:.2f}%'></span>")
    mid = number(row.get("midterm_target"))
    if mid:
        bar.append(f"<span class='mark mid' style='left:{mid / scale * 100:.2f}%'></span>")
    bar.append("</div>")
    out += bar
    out.append("<ul class='keys'>" + "".join(
        f"<li><i style='background:{c}'></i>{_e(t('gauge.' + k, lang))} : {_int(parts[k])}</li>"
        for k, c in BAR_COLORS.items()) + f"<li><i class='tick'></i>{_e(t('target', lang))}</li></ul>")
    lines = []
    if mid:
        lines.append(f"{_e(t('gauge.midterm', lang))} : {_int(row.get('midterm_expected'))} / {_int(mid)}")
    if number(row.get("lls_target")):
        lines.append(f"{_e(t('gauge.lls', lang))} : {_int(row.get('lls_programmed'))} / {_int(row.get('lls_target'))}")
    required = number(row.get("sru_rate_required"))
    if required:
        sru = _e(t("gauge.sru", lang, rate=percent(row.get("sru_rate_now"), lang, '—'), required=percent(required, lang, '—')))
        projected = number(row.get("sru_rate_projected"))
        if projected is not None:
            sru += f" → {percent(projected, lang, '—')}"
        catchup = number(row.get("sru_catchup_target"))
        if catchup:
            sru += " · " + _e(t("gauge.catchup", lang, done=_int(row.get("sru_catchup_programmed")),
                                target=_int(catchup)))
        lines.append(sru)
    if lines:
        out.append("<ul>" + "".join(f"<li>{line}</li>" for line in lines) + "</ul>")
    out.append("</section>")
    return "\n".join(out)


def _table(columns, rows, sortable=True, cls="") -> str:
    """columns: [(label, numeric)]; rows: [[cell text]] (already escaped)."""
    head = "".join(f"<th{' data-num=1' if num else ''}>{_e(label)}</th>" for label, num in columns)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    sort = " sortable" if sortable else ""
    return f"<table class='{cls}{sort}'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _schemes(projects, findings, lang) -> str:
    out = [f"<section><h2>{_e(t('pack.schemes', lang))}</h2>"]
    if projects is None or not len(projects):
        out.append(f"<p>{_e(t('pack.schemes_none', lang))}</p></section>")
        return "\n".join(out)
    index = mapdata.findings_index(findings)
    cols = [(t("id", lang), False), (t("name", lang), False), (t("status", lang), False),
            (t("homes_total", lang), True), ("LLS", True), (t("land_origin", lang), False),
            (t("operator", lang), False), (t("delivery_year", lang), True), (t("findings", lang), True)]
    rows = []
    for r in mapdata.records(projects.sort_values("id")):
        social = sum(int(r.get(k) or 0) for k in schema.SOCIAL_RENT_FIELDS if text(r.get(k)))
        n = len(index.get(("projects", text(r.get("id"))), []))
        rows.append([_e(r.get("id")), _e(r.get("name")), _e(value(r.get("status"), lang)), _e(r.get("homes_total")),
                     str(social), _e(r.get("land_origin")), _e(r.get("operator")), _e(r.get("delivery_year")),
                     f"<span class='warn'>{n}</span>" if n else "0"])
    out.append(f"<p class='hint'>{_e(t('pack.sort_hint', lang))}</p>")
    out.append(_table(cols, rows, cls="schemes"))
    out.append("</section>")
    return "\n".join(out)


def _sites(data, lang) -> str:
    """Friches, then plots: a table each with the total estimated capacity."""
    out = []
    for layer, (key, columns) in SITE_COLUMNS.items():
        frame = data.layers.get(layer)
        out.append(f"<section><h2>{_e(t('pack.' + layer, lang))}</h2>")
        if frame is None or not len(frame):
            out.append(f"<p>{_e(t('pack.none', lang))}</p></section>")
            continue
        cols = [(t(label, lang), num) for _, label, num in columns]
        rows = [[_e(round(v) if num and number(v) is not None else v)
                 for v, (_, _, num) in zip((r.get(f) for f, _, _ in columns), columns)]
                for r in mapdata.records(frame.sort_values(key))]
        total = pd.to_numeric(frame["capacity"], errors="coerce").fillna(0).sum()
        out.append(_table(cols, rows, cls=layer))
        out.append(f"<p>{_e(t('pack.capacity_total', lang, n=int(total)))}</p></section>")
    return "\n".join(out)


def _findings(found, lang) -> str:
    out = [f"<section><h2>{_e(t('pack.findings', lang))}</h2>"]
    if not found:
        out.append(f"<p>{_e(t('pack.findings_none', lang))}</p></section>")
        return "\n".join(out)
    out.append("<ul class='findings'>")
    out += [_finding_item(f, lang) for f in found]
    out.append("</ul></section>")
    return "\n".join(out)


def _severity(f, lang) -> str:
    sev = getattr(f, "severity", "info")
    return severity(sev, lang)


def _finding_item(f, lang, attrs="", link="") -> str:
    """One finding as a list item: severity (or closed), feature, message, rule; `attrs` and `link` escaped."""
    sev = getattr(f, "severity", "info")
    closed = f.acknowledged
    fid, message = getattr(f, "feature_id", None), mapdata.finding_text(f, lang)
    own = fid and (mapdata.feature_of(f) or ("communes",))[0] != "communes"  # a commune's findings are under its name
    where = f" <code>{_e(fid)}</code> :" if own and not message.startswith(str(fid)) else ""
    state = t("report.closed", lang) if closed else _severity(f, lang)
    return (f"<li class='{_e(sev)}{' closed' if closed else ''}'{attrs}><b>{_e(state)}</b>{where} {_e(message)} "
            f"<small>({_e(getattr(f, 'rule', ''))})</small>{link}</li>")


def _changes(store, insee, since, lang, history=None) -> str:
    out = [f"<section><h2>{_e(t('pack.changes', lang, date=since.isoformat()))}</h2>"]
    rows = changes_since(store, insee, since, lang, history)
    if not rows:
        out.append(f"<p>{_e(t('pack.changes_none', lang))}</p></section>")
        return "\n".join(out)
    cols = [("", False), (t("id", lang), False), (t("name", lang), False), ("", False), ("", False)]
    cells = [[_e(r["day"]), _e(r["id"]), _e(r["name"]), _e(t("pack.change." + r["kind"], lang)), _e(r["detail"])]
             for r in rows]
    out.append(_table(cols, cells, cls="changes"))
    out.append("</section>")
    return "\n".join(out)


def write_index(data, packs: list[PackFiles], path, lang="fr") -> Path:
    """The EPCI's index page: one line per commune, with links to its pack and workbook."""

    names = dict(zip(data.layers["communes"]["insee"], data.layers["communes"]["name"]))
    cols = [(t("pack.index_commune", lang), False), (t("insee", lang), False),
            (t("pack.index_schemes", lang), True), (t("coverage", lang), True),
            (t("pack.index_findings", lang), True), (t("pack.index_pack", lang), False),
            (t("pack.index_sheet", lang), False)]
    rows = [[f"<a href='{_e(p.html.name)}'>{_e(names.get(p.commune, '') or p.commune)}</a>", _e(p.commune),
             str(p.schemes), percent(p.coverage, lang, '—'), str(p.findings),
             f"<a href='{_e(p.html.name)}'>{_e(p.html.name)}</a>",
             f"<a href='{_e(p.xlsx.name)}'>{_e(p.xlsx.name)}</a>"] for p in packs]
    title = t("pack.index_title", lang, name=data.name)
    demo_line = f"<p class='demo'>{_e(t('demo', lang))}</p>" if data.demo else ""
    links = [f"<a href='{name}'>{_e(t(label, lang))}</a>" for name, label in
             ((MAP_PAGE, "pack.index_map"), (CHECKS_PAGE, "pack.index_checks")) if (Path(path).parent / name).exists()]
    link = f"<p>{' · '.join(links)}</p>" if links else ""
    page = (f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'>{VIEWPORT}<title>{_e(title)}</title>"
            f"{PACK_CSS}</head><body><main class='plh-pack'><h1>{_e(title)}</h1>{demo_line}{link}"
            f"{_table(cols, rows, cls='index')}</main>{SORT_JS}</body></html>")
    return outputs.write_text(path, page, overwrite=True)


VIEWPORT = "<meta name='viewport' content='width=device-width, initial-scale=1'>"
PACK_CSS = """
<style>
body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#222;background:#fff}
.plh-pack{max-width:1100px;margin:0 auto;padding:12px 20px 40px}
.plh-pack h1{font-size:24px;margin:8px 0 2px}.plh-pack h1 small{color:#666;font-weight:400}
.plh-pack h2{font-size:18px;margin:22px 0 6px;border-bottom:2px solid #e0e0e0;padding-bottom:2px}
.plh-pack .sub{color:#555;margin:0 0 6px}.plh-pack .demo{color:#b71c1c;font-weight:600;margin:4px 0}
.plh-pack .hint{color:#777;font-size:13px;margin:2px 0}
.folium-map{max-width:1100px;margin:0 auto;border:1px solid #ccc}
table{border-collapse:collapse;width:100%;font-size:13.5px}
th,td{border-bottom:1px solid #e5e5e5;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f5f5f5}table.sortable th{cursor:pointer;user-select:none}
table.sortable th[aria-sort=ascending]::after{content:' ▲'}table.sortable th[aria-sort=descending]::after{content:' ▼'}
.warn{color:#b71c1c;font-weight:600}
.gauge{position:relative;height:26px;background:#f0f0f0;border-radius:4px;margin:8px 0;max-width:800px}
.gauge .seg{position:absolute;top:0;bottom:0}
.gauge .mark{position:absolute;top:-4px;bottom:-4px;width:3px;background:#111}
.gauge .mark.mid{background:#777;width:2px}
ul.keys{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:14px;font-size:13px;margin:2px 0 8px}
ul.keys i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px}
ul.keys i.tick{width:3px;background:#111}
ul.findings li{margin:3px 0}ul.findings li.error b{color:#b71c1c}ul.findings li.warning b{color:#e65100}
ul.findings li.info b{color:#1565c0}ul.findings li.closed{color:#777}ul.findings li.closed b{color:#2e7d32}
ul.findings a.onmap{margin-left:6px;font-size:13px;white-space:nowrap}
.filters{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center;margin:14px 0 4px}
.filters select{font:inherit;max-width:16em}table.summary td:not(:first-child){text-align:right}
@media (max-width:700px){
  body{font-size:14px}.plh-pack{padding:8px 10px 30px}.plh-pack h1{font-size:19px}.plh-pack h2{font-size:16px}
  .plh-pack table{display:block;overflow-x:auto;font-size:12.5px}
  table.index :is(th,td):is(:nth-child(2),:nth-child(6),:nth-child(7)){display:none}
}
@page{size:A4;margin:12mm 10mm}
@page wide{size:A4 landscape;margin:10mm}
@media print{
  body{font-size:10.5pt}.plh-pack{max-width:none;padding:0}
  .folium-map{width:100%!important;height:190mm!important;max-width:none;break-inside:avoid}
  .plh-pack section:has(table),main:has(table.index){page:wide}
  table{font-size:9pt}thead{display:table-header-group}tr,li{break-inside:avoid}h2{break-after:avoid}
  table.sortable th::after{content:''!important}td:first-child{white-space:nowrap}section:has(.gauge){break-inside:avoid}
  .hint,.filters,a.onmap,.leaflet-control-layers,.leaflet-control-zoom{display:none}
  .plh-legend{max-height:none;max-width:none;width:180mm;box-shadow:none;border:1px solid #ccc;font-size:8pt}
  .plh-legend details::details-content{content-visibility:visible;columns:3}.plh-legend summary{display:none}
  .plh-legend h4{break-after:avoid}
}
</style>
"""

SORT_JS = """
<script>
document.querySelectorAll('table.sortable').forEach(function(table){
  table.querySelectorAll('th').forEach(function(th, col){
    th.addEventListener('click', function(){
      var asc = th.getAttribute('aria-sort') !== 'ascending';
      table.querySelectorAll('th').forEach(function(h){h.removeAttribute('aria-sort');});
      th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
      var num = th.hasAttribute('data-num'), body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      function key(r){var s = r.cells[col].textContent.trim();
        if(num){var n = parseFloat(s.replace(/[\\s\\u202f%]/g, '').replace(',', '.'));
          return isNaN(n) ? -Infinity : n;}
        return s.toLowerCase();}
      rows.sort(function(a, b){var x = key(a), y = key(b);
        var c = num ? x - y : String(x).localeCompare(String(y), 'fr');
        return asc ? c : -c;});
      rows.forEach(function(r){body.appendChild(r);});
    });
  });
});
</script>
"""


def write_check_report(data, path, lang="fr", map_page=MAP_PAGE) -> Path:
    """The findings of the whole territory as one HTML page: a commune × severity summary, filters by
    commune, rule and severity (a small offline script reading data attributes), then the findings commune
    by commune, each linking to its feature on `map_page` (no links when None).
    """
    names = dict(zip(data.layers["communes"]["insee"], data.layers["communes"]["name"]))
    rank = {code: i for i, code in enumerate(sorted(names))}
    found = sorted(data.findings, key=lambda f: (rank.get(getattr(f, "commune", None), len(rank)),
                                                 SEVERITY_ORDER.get(getattr(f, "severity", ""), 9),
                                                 str(getattr(f, "rule", "")), str(getattr(f, "feature_id", ""))))
    title = f"{t('pack.findings', lang)} — {data.name}"
    parts = [f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'>{VIEWPORT}<title>{_e(title)}</title>"
             f"{PACK_CSS}</head><body><main class='plh-pack'><h1>{_e(title)}</h1>"]
    if data.demo:
        parts.append(f"<p class='demo'>{_e(t('demo', lang))}</p>")
    if not found:
        parts.append(f"<p>{_e(t('pack.findings_none', lang))}</p>")
    groups: dict = {}
    for f in found:
        groups.setdefault(getattr(f, "commune", None) or "", []).append(f)
    heads = {code: f"{names.get(code, 'EPCI')} ({code})" if code else data.name for code in groups}
    if found:
        parts += [_check_summary(groups, heads, lang), _check_filters(found, groups, heads, lang)]
    for code, group in groups.items():
        parts.append(f"<section id='c-{_e(code or 'epci')}' data-commune='{_e(code)}'><h2>{_e(heads[code])}</h2>"
                     "<ul class='findings'>")
        for f in group:
            attrs = "".join(f" data-{k}='{_e(v)}'" for k, v in (("commune", code), ("rule", getattr(f, "rule", "")),
                                                                 ("severity", getattr(f, "severity", ""))))
            href = mapdata.feature_link(f, map_page) if map_page else None
            link = f" <a class='onmap' href='{_e(href)}'>{_e(t('report.on_map', lang))}</a>" if href else ""
            parts.append(_finding_item(f, lang, attrs, link))
        parts.append("</ul></section>")
    parts.append(f"</main>{FILTER_JS if found else ''}</body></html>")
    return outputs.write_text(path, "".join(parts), overwrite=True)


def _check_summary(groups, heads, lang) -> str:
    """Commune × severity: the open findings counted, each commune linking to its list."""
    def counts(group):
        return [sum(1 for f in group if getattr(f, "severity", "") == s and not f.acknowledged)
                for s in SEVERITY_ORDER]
    cols = [(t("commune", lang), False)] + [(severity(s, lang), True) for s in SEVERITY_ORDER]
    cols.append((t("report.total", lang), True))
    rows = []
    for code, group in groups.items():
        n = counts(group)
        rows.append([f"<a href='#c-{_e(code or 'epci')}'>{_e(heads[code])}</a>", *map(str, n), str(sum(n))])
    n = counts([f for group in groups.values() for f in group])
    rows.append([f"<b>{_e(t('report.total', lang))}</b>", *map(str, n), str(sum(n))])
    return f"<section><h2>{_e(t('report.summary', lang))}</h2>{_table(cols, rows, sortable=False, cls='summary')}</section>"


def _check_filters(found, groups, heads, lang) -> str:
    """Three drop-downs (commune, rule, severity) and the count of findings shown."""
    def select(name, label, options):
        opts = "".join(f"<option value='{_e(v)}'>{_e(text)}</option>" for v, text in options)
        return (f"<label>{_e(label)} <select data-filter='{name}'><option value=''>{_e(t('report.all', lang))}"
                f"</option>{opts}</select></label>")
    rules = sorted({getattr(f, "rule", "") for f in found})
    severities = [s for s in SEVERITY_ORDER if any(getattr(f, "severity", "") == s for f in found)]
    return ("<p class='filters'>" + select("commune", t("commune", lang), [(c, heads[c]) for c in groups])
            + select("rule", t("report.rule", lang), [(r, r) for r in rules])
            + select("severity", t("report.severity", lang), [(s, severity(s, lang)) for s in severities])
            + f" <span class='shown'><b id='plh-shown'>{len(found)}</b> {_e(t('report.shown', lang))}</span></p>")


FILTER_JS = """
<script>
(function(){
  var selects = document.querySelectorAll('select[data-filter]');
  function apply(){
    var want = {}, shown = 0;
    selects.forEach(function(s){ if(s.value){ want[s.getAttribute('data-filter')] = s.value; } });
    document.querySelectorAll('li[data-rule]').forEach(function(li){
      var ok = Object.keys(want).every(function(k){ return li.getAttribute('data-' + k) === want[k]; });
      li.hidden = !ok; if(ok){ shown++; }
    });
    document.querySelectorAll('section[data-commune]').forEach(function(sec){
      sec.hidden = !sec.querySelector('li[data-rule]:not([hidden])');
    });
    document.getElementById('plh-shown').textContent = shown;
  }
  selects.forEach(function(s){ s.addEventListener('change', apply); });
  apply();
})();
</script>
"""


def write_demo_outputs(store, out_dir="maps", lang="fr") -> dict[str, Path]:
    """`plhgis demo`: the territory map, the check report and every commune's pack, in `out_dir`."""
    out_dir = Path(out_dir)
    from .demo import LAST_MEETING

    write_packs(store, None, out_dir, since=LAST_MEETING, lang=lang, overwrite=True, index=True)
    return {"map": out_dir / MAP_PAGE, "checks": out_dir / CHECKS_PAGE, "index": out_dir / "index.html",
            "packs": out_dir}

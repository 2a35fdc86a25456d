"""The SRU law as the préfet applies it: the inventory by vintage, the notified triennial
objective (or its estimate), and what the pipeline brings, scheme by scheme.

- `from_inventory` maps a published SRU inventory (the national "Communes et inventaire SRU"
  file: Windows-1252, ``;``, ``26,10%``, ``46 559,19 €``; and the DREAL layouts that name the
  same figures differently) onto the ``sru`` layer, one row per commune and vintage.
- `objectives` gives each commune's triennial objective: the notified one when the ``sru`` layer
  holds it, else an estimate from the CCH L302-8 rules in force (each rate a setting citing its
  article), always labelled ``estimation``.
- `counts` is the SRU count of each scheme as the inventory counts it (CCH L302-5 IV): PLAI, PLUS,
  PLS, BRS, PSLA, ANAH-agreed private homes, specific residences as equivalent homes, minus social
  homes demolished; `figures` sums it per commune into the projected rate at the end of each
  triennial period and of the PLH, and the current period's financing against the objective.
"""
from __future__ import annotations

import re

from . import lazy
from . import schema
from .labels import Msg, Num, percent
from .errors import PlhgisError, Problem
from .settings import Settings, load_settings
from .territory import Territory, latest_inventory, numbers

np = lazy.module("numpy")
pd = lazy.module("pandas")

ESTIMATE, NOTIFIED = "estimation", "notifié"

# the inventory's figures under the names the national file and the DREALs use (normalised headers)
_ALIASES = {
    "commune": r"code_insee(_commune)?|insee|codgeo|code_commune",
    "name": r"nom_commune|commune|libgeo|nom",
    "epci_siren": r"code_siren_epci|siren_epci|epci_siren|code_epci",
    "population": r"population(_municipale)?(_\d\d_\d\d_\d{4})?|pmun",
    "lls_stock": r"(nombre|nb)_(de_)?(lls|ls|logements_sociaux)(_inventaire)?(_au_\d\d_\d\d_\d{4})?|lls"
                 r"|logements_sociaux|parc_social",
    "main_residences": r"(nombre_)?(de_)?residences_principales.*|nb_rp|rp",
    "sru_rate": r"taux_(sru|lls|ls|de_lls|logements_sociaux)(_au_\d\d_\d\d_\d{4})?",
    "target_rate": r"taux_(cible|legal|obligation)(_commune)?(_\d{4}_\d{4})?",
    "deficient": r"(commune_)?deficitaire",
    "carencee": r"(commune_)?carencee",
    "exempt": r"(commune_)?exemptee?(_\d{4}_\d{4})?",
    "cms": r"(contrat_de_)?mixite_sociale|cms",
    "levy_eur": r"prelevement(_net)?.*",
    "notified_objective": r"objectif(_triennal)?(_notifie)?(_\d{4}_\d{4})?",
    "vintage": r"vintage|millesime|annee(_inventaire)?",
}
_LIABLE = re.compile(r"commune_sru_au_\d\d_\d\d_(\d{4})")
_DATE = re.compile(r"_au_\d\d_\d\d_(\d{4})$")
_PERIOD = re.compile(r"_(\d{4})_(\d{4})$")


def _norm(column) -> str:
    return re.sub(r"[^a-z0-9]+", "_", schema.fold(column)).strip("_")


def _number(series: pd.Series) -> pd.Series:
    """'26,10%' → 0.261, '46 559,19 €' → 46559.19, '336' → 336 (NaN where blank)."""
    text = series.astype("string").str.strip()
    pct = text.str.endswith("%").fillna(False)
    text = text.str.replace(r"[\s\u00a0\u202f€%]", "", regex=True).str.replace(",", ".", regex=False)
    out = pd.to_numeric(text, errors="coerce").astype(float)
    return out.where(~pct, out / 100).round(6)


def from_inventory(frame: pd.DataFrame, *, file=None, rows=None, epci=None):
    """The ``sru`` rows of a published inventory: (frame, notes, warnings, errors).

    The vintage is the date of the stock column (``Nombre_lls_ Inventaire_au_01_01_2024`` → 2024),
    or a ``vintage``/``millesime`` column; the triennial period of the target rate and of the
    objective comes from a ``_2023_2025`` suffix. Main residences, when the file lacks them, are
    stock / rate (marked in the notes). `epci`: keep one EPCI's communes (SIREN).
    """
    rows = frame.index.to_series() if rows is None else rows
    by_norm = {}
    for col in frame.columns:
        by_norm.setdefault(_norm(col), col)
    found = {}
    for target, pattern in _ALIASES.items():
        hit = next((c for n, c in by_norm.items() if re.fullmatch(pattern, n) and c not in found.values()), None)
        if hit is not None:
            found[target] = hit
    notes = [Msg("note.source_named", label=Msg("source.sru-inventaire"),
                 name=", ".join(f"{found[k]}→{k}" for k in found))]
    errors = []
    missing = [k for k in ("commune", "lls_stock", "sru_rate") if k not in found]
    if missing:
        raise PlhgisError(Msg("err.not_sru", fields=", ".join(missing)), file=file,
                          field=missing[0], hint=Msg("hint.sru_columns", columns=", ".join(map(str, frame.columns))))
    out = pd.DataFrame(index=frame.index)
    for target, col in found.items():
        raw = frame[col]
        out[target] = raw.astype("string").str.strip() if target in ("commune", "name", "epci_siren") else \
            _number(raw)
    out["commune"] = out["commune"].str.zfill(5)
    if "vintage" not in out:
        year = _DATE.search(_norm(found["lls_stock"])) or _DATE.search(_norm(found["sru_rate"]))
        if not year:
            raise PlhgisError(Msg("err.sru_year"), file=file, field="vintage", hint=Msg("hint.sru_year"))
        out["vintage"] = int(year.group(1))
        notes.append(Msg("note.sru_vintage", year=int(year.group(1)), column=found["lls_stock"]))
    period = next((_PERIOD.search(_norm(found[k])) for k in ("notified_objective", "target_rate", "exempt")
                   if k in found and _PERIOD.search(_norm(found[k]))), None)
    if period:
        out["period_start"] = int(period.group(1))
    liable = sorted(((int(m.group(1)), c) for n, c in by_norm.items() if (m := _LIABLE.fullmatch(n))))
    if liable:
        out["liable"] = _number(frame[liable[-1][1]])
        if len(liable) > 1:  # liable at the later date, not at the earlier: newly liable
            out["newly_liable"] = ((out["liable"] == 1) & (_number(frame[liable[-2][1]]) == 0)).astype(int)
    if "main_residences" not in out:
        rate = out["sru_rate"].where(out["sru_rate"] > 0)
        out["main_residences"] = (out["lls_stock"] / rate).round()
        notes.append(Msg("note.sru_main_residences"))
    if epci:
        if "epci_siren" not in out:
            raise PlhgisError(Msg("err.sru_epci_column"), file=file, field="--epci", value=epci)
        keep = (out["epci_siren"] == str(epci)).fillna(False).to_numpy()
        notes.append(Msg("note.kept", n=Num(int(keep.sum())), of=Num(len(out)), layer="communes",
                         what=Msg("note.of_epci", epci=epci)))
        out, rows = out[keep], rows[keep]
        if not len(out):
            errors.append(Problem(Msg("err.none_kept", layer="communes", what=Msg("note.of_epci", epci=epci)),
                                  file, None, "--epci", epci, Msg("hint.sru_siren")))
    out["source"] = f"inventaire SRU {file.rsplit('/', 1)[-1] if file else ''}".strip()
    return out, rows, notes, [], errors


# -- the objective -------------------------------------------------------------------------------------------
def catchup(gap, newly, cms, s: Settings) -> tuple[float, str]:
    """(share of the missing homes, the rule and article) for one commune (CCH L302-8 VII–X)."""
    if cms:
        return s.sru_catchup_cms_rate, f"contrat de mixité sociale {percent(s.sru_catchup_cms_rate)} (CCH L302-8-1)"
    if newly:
        return s.sru_catchup_new_rate, f"nouvellement soumise {percent(s.sru_catchup_new_rate)} (CCH L302-8 VIII)"
    if gap <= s.sru_catchup_near_gap + 1e-9:
        return s.sru_catchup_near_rate, (f"écart ≤ {percent(s.sru_catchup_near_gap)} : "
                                         f"{percent(s.sru_catchup_near_rate)} (CCH L302-8 VII)")
    if gap <= s.sru_catchup_mid_gap + 1e-9:
        return s.sru_catchup_mid_rate, (f"écart ≤ {percent(s.sru_catchup_mid_gap)} : "
                                        f"{percent(s.sru_catchup_mid_rate)} (CCH L302-8 VII)")
    return s.sru_catchup_rate, f"cas général {percent(s.sru_catchup_rate)} (CCH L302-8 VII)"


def base(store, settings: Settings | None = None, territory=None) -> pd.DataFrame:
    """Each commune's SRU situation: the inventory's latest vintage, else the communes layer.

    A liable commune with no legal rate is an error naming it (no rate is ever assumed). With
    `territory`, its layers and settings, already read, are used.
    """
    s = territory.settings if territory is not None else settings or load_settings(store)
    com = territory.layer("communes") if territory is not None else store.read("communes")
    inv = territory.inventory if territory is not None else latest_inventory(store.read("sru"))
    inv = pd.DataFrame() if inv is None else inv
    rows = pd.DataFrame({"commune": list(com["insee"]), "name": list(com["name"])})
    rows["polarity"] = list(com["polarity"])
    for col in ("lls_stock", "main_residences", "target_rate", "sru_rate", "vintage", "deficient", "carencee",
                "exempt", "liable", "newly_liable", "cms", "notified_objective", "period_start"):
        rows[col] = rows["commune"].map(inv[col]).astype(float) if col in inv else np.nan
    # the communes layer fills what the inventory lacks
    fallback = {"lls_stock": "lls_stock", "main_residences": "main_residences", "target_rate": "sru_rate_required"}
    for col, src in fallback.items():
        values = pd.Series(pd.to_numeric(com[src], errors="coerce").astype(float).to_numpy(), index=com["insee"])
        rows[col] = rows[col].fillna(rows["commune"].map(values).astype(float))
    status = rows["commune"].map(dict(zip(com.insee, com["sru_status"])))
    for col, values in (("liable", ["soumise", "carencée"]), ("carencee", ["carencée"]), ("exempt", ["exemptée"])):
        from_status = pd.Series(np.where(status.notna(), status.isin(values), np.nan), index=rows.index, dtype=float)
        rows[col] = rows[col].fillna(from_status)
    rows["sru_rate"] = rows["sru_rate"].fillna(
        (rows["lls_stock"] / rows["main_residences"].where(rows["main_residences"] > 0)).round(4))
    blank = (rows["liable"] == 1) & rows["target_rate"].isna()
    if blank.any():
        bad = rows[blank].iloc[0]
        raise PlhgisError(Msg("err.sru_no_rate", commune=bad.commune, name=bad["name"]),
                          row=bad.commune, field="sru_rate_required",
                          hint=Msg("hint.sru_no_rate", low=f"{s.sru_rate_low:g}", high=f"{s.sru_rate_high:g}"))
    return rows


def objectives(store, settings: Settings | None = None, base_rows=None, territory=None) -> pd.DataFrame:
    """Each liable, non-exempt commune's triennial objective: notified, else estimated (CCH L302-8)."""
    s = territory.settings if territory is not None else settings or load_settings(store)
    rows = base(store, s, territory) if base_rows is None else base_rows.copy()
    t0, t1 = s.triennial()
    subject = (rows["liable"] == 1) & (rows["exempt"] != 1) & (rows["target_rate"] > 0)
    rows["missing"] = np.where(subject, np.ceil((rows["target_rate"] * rows["main_residences"]
                                                 - rows["lls_stock"]).clip(lower=0) - 1e-9) + 0.0, np.nan)
    gap = (rows["target_rate"] - rows["sru_rate"]).clip(lower=0)
    rules = [catchup(g, n == 1, c == 1, s) if sub else (np.nan, "")
             for g, n, c, sub in zip(gap, rows["newly_liable"], rows["cms"], subject)]
    rows["catchup_rate"] = [r[0] for r in rules]
    estimate = np.ceil(rows["missing"] * rows["catchup_rate"] - 1e-9) + 0.0
    notified = rows["notified_objective"].notna() & (rows["period_start"] == t0)
    rows["objective"] = np.where(notified, rows["notified_objective"], estimate)
    rows["objective_kind"] = np.where(notified, NOTIFIED, np.where(rows["missing"] > 0, ESTIMATE, ""))
    rows["objective_rule"] = np.where(notified, "objectif notifié par le préfet (CCH L302-8 I)",
                                      np.where(rows["missing"] > 0, [r[1] for r in rules], ""))
    rows["period"] = f"{t0}-{t1}"
    return rows


# -- the SRU count of the pipeline -----------------------------------------------------------------------------
def counts(projects: pd.DataFrame, s: Settings) -> pd.DataFrame:
    """Each scheme's SRU count as the inventory counts it (CCH L302-5 IV), with its parts.

    Columns: social (PLAI+PLUS+PLS), brs, psla, anah, residence_equiv (places × the kind's
    equivalence, rounded down), sru_homes (their sum), demolished_lls (leaving the stock), sold
    (HLM homes sold, leaving hlm_sold_years later), rp_added (ordinary homes: homes_total less the
    specific ones), rp_removed (demolished).
    """
    p = projects
    out = pd.DataFrame({"id": p["id"], "name": p["name"], "commune": p["commune"]}, index=p.index)
    out["plai"], out["plus"], out["pls"] = numbers(p, "lls_plai"), numbers(p, "lls_plus"), numbers(p, "lls_pls")
    out["social"] = out["plai"] + out["plus"] + out["pls"]
    out["brs"], out["psla"], out["anah"] = numbers(p, "brs"), numbers(p, "psla"), numbers(p, "anah_conventionne")
    factor = p["residence_kind"].map(s.sru_equivalence).astype(float).fillna(0) if "residence_kind" in p else 0
    out["residence_equiv"] = np.floor(numbers(p, "residence_places") * factor + 1e-9)
    out["sru_homes"] = out[["social", "brs", "psla", "anah", "residence_equiv"]].sum(axis=1)
    out["demolished_lls"] = numbers(p, "demolished_lls")
    out["sold"] = numbers(p, "lls_sold")
    out["rp_added"] = (numbers(p, "homes_total") - numbers(p, "specifique")).clip(lower=0)
    out["rp_removed"] = numbers(p, "demolished")
    out["delivery_year"] = pd.to_numeric(p["delivery_year"], errors="coerce")
    start = pd.to_numeric(p["start_year"], errors="coerce")
    out["demolition_year"] = start.fillna(out["delivery_year"])
    permit = pd.to_numeric(p["permit_year"], errors="coerce")
    out["financed_year"] = permit.fillna(out["delivery_year"] - 2)
    out["status"] = p["status"]
    return out


def period_ends(vintage: int, plh_end: int, s: Settings) -> list[int]:
    """The last years of the triennial periods from the inventory's vintage to the end of the PLH."""
    first = s.sru_period_start + (vintage - s.sru_period_start) // 3 * 3 + 2
    return list(range(first, plh_end + 1, 3))


def figures(store, commune=None, settings: Settings | None = None, territory=None) -> pd.DataFrame:
    """Per liable commune: inventory, objective (notified or estimated), current period's financing
    against it with the PLAI/PLS mix, and the projected rate at the end of each triennial period
    and of the PLH. Every figure sums `scheme_counts` rows (see `traced`)."""
    t = territory or Territory(store, settings)
    s = t.settings
    t.require_commune(commune)
    rows = objectives(store, s, territory=t)
    rows = rows[rows["liable"] == 1].reset_index(drop=True)
    if commune:
        rows = rows[rows["commune"] == commune].reset_index(drop=True)
    c = scheme_counts(t)
    t0, t1 = s.triennial()
    _, plh_end, _ = t.period
    fin = c[c["financed_year"].between(t0, t1)]
    for col, name in (("sru_homes", "financed_sru"), ("social", "financed_social"), ("plai", "financed_plai"),
                      ("pls", "financed_pls")):
        rows[name] = rows["commune"].map(fin.groupby("commune")[col].sum()).fillna(0)
    social = rows["financed_social"].where(rows["financed_social"] > 0)
    rows["plai_share"] = (rows["financed_plai"] / social).round(3)
    rows["pls_share"] = (rows["financed_pls"] / social).round(3)
    pls_max = np.where((rows["sru_rate"] < s.pls_low_stock_rate), s.pls_max_share_low, s.pls_max_share)  # III: no-PLH case
    rows["mix_ok"] = (rows["plai_share"] >= s.plai_min_share) & (rows["pls_share"] <= pls_max)
    rows["objective_coverage"] = (rows["financed_sru"] / rows["objective"].where(rows["objective"] > 0)).round(3)
    vintages = rows["vintage"].fillna(s.year_now()).astype(int)
    ends = sorted({e for v in vintages for e in period_ends(v, plh_end, s)} | {plh_end})
    for end in ends:
        stock, rp = _at(rows, c, vintages, end, s)
        rows[f"rate_{end}"] = (stock / rp.where(rp > 0)).round(4)
    rows["rate_plh_end"] = rows[f"rate_{plh_end}"]
    ids = rows["commune"].map(fin[fin["sru_homes"] > 0].groupby("commune")["id"].agg(lambda x: " ".join(sorted(x))))
    rows["schemes_financed"] = ids.astype(object).where(ids.notna(), "")
    rows["vintage"] = rows["vintage"].astype("Int64")
    return rows


def _at(rows, c, vintages, end, s):
    """Stock and main residences at the end of year `end`: the inventory plus the schemes delivered
    from the inventory's 1 January to `end`, less the social homes demolished; PSLA homes leave
    the count psla_count_years after delivery, HLM homes sold hlm_sold_years after the sale."""
    vint = c["commune"].map(dict(zip(rows["commune"], vintages)))
    delivered = c["delivery_year"].between(vint, end)
    psla_gone = delivered & (c["delivery_year"] + s.psla_count_years <= end)
    gain = (c["sru_homes"] - c["psla"].where(psla_gone, 0)).where(delivered, 0)
    demolished = c["demolition_year"].between(vint, end)
    # HLM homes sold to their occupants stay counted hlm_sold_years after the sale, then leave
    leaves = (c["delivery_year"] + s.hlm_sold_years).between(vint + 1, end)
    stock = gain - c["demolished_lls"].where(demolished, 0) - c["sold"].where(leaves, 0)
    rp = c["rp_added"].where(delivered, 0) - c["rp_removed"].where(demolished, 0)
    g = pd.DataFrame({"commune": c["commune"], "stock": stock, "rp": rp}).groupby("commune").sum()
    return (rows["lls_stock"] + rows["commune"].map(g["stock"]).fillna(0),
            rows["main_residences"] + rows["commune"].map(g["rp"]).fillna(0))


def scheme_counts(t) -> pd.DataFrame:
    """The SRU count of every active scheme of the territory (abandoned ones left out)."""
    p = t.projects
    return counts(p[p["active"]], t.settings).reset_index(drop=True)


def traced(store, commune, settings=None, territory=None) -> pd.DataFrame:
    """The schemes behind one commune's SRU figures: each scheme's count and the years it counts."""
    t = territory or Territory(store, settings)
    t.require_commune(commune)
    c = scheme_counts(t)
    cols = ["id", "name", "status", "financed_year", "delivery_year", "plai", "plus", "pls", "brs", "psla",
            "anah", "residence_equiv", "sru_homes", "demolished_lls", "sold", "rp_added", "rp_removed"]
    return c.loc[c["commune"] == commune, cols].reset_index(drop=True)


TABLE_COLUMNS = ("commune", "name", "vintage", "lls_stock", "main_residences", "sru_rate", "target_rate",
                 "missing", "objective", "objective_kind", "objective_rule", "period", "financed_sru",
                 "financed_social", "plai_share", "pls_share", "objective_coverage", "rate_plh_end")

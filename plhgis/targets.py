"""The pipeline against the PLH targets: per commune and for the EPCI.

`progress()` turns a `Territory` (`plhgis.territory`: the layers placed once, with the settings)
into the figures of `plhgis targets`; the checks, the maps and the packs reuse both.

Which commune a scheme counts for: **its `commune` field is authoritative.** A scheme straddling
two communes (or whose point lies across the boundary) is counted once, for the commune it
declares, so the EPCI total is exactly the sum of the schemes' homes; the point-on-surface test
only yields a DATA-OUTSIDE-COMMUNE finding, never a second count. A scheme whose commune is not
in the communes layer still gets a row, so no home is lost.

Which homes count within the PLH period: schemes not abandoned whose delivery year falls in the
period, or with no delivery year yet (still in the pipeline; DATA findings ask for the year).
"""
from __future__ import annotations

from . import lazy
from .errors import PlhgisError
from .labels import Msg
from .sru import ESTIMATE, NOTIFIED, catchup
from .territory import Territory, numbers

np = lazy.module("numpy")
pd = lazy.module("pandas")

EPCI = "EPCI"
TABLE_COLUMNS = ("commune", "name", "homes_target", "certain", "probable", "possible", "expected",
                 "coverage", "midterm_target", "midterm_expected", "lls_target", "lls_programmed",
                 "sru_rate_now", "sru_rate_projected", "sru_catchup_target", "sru_objective_kind",
                 "sru_catchup_programmed",
                 "homes_qpv", "homes_sectors", "homes_extension", "zan_ha", "remaining_need",
                 "capacity_unlinked")

SHARE_COLUMNS = ("coverage", "lls_coverage", "sru_rate_required", "sru_rate_now", "sru_rate_projected",
                 "sru_plai_share", "sru_pls_share")  # ratios: 0.604 is 60 %
DECIMAL_COLUMNS = ("zan_ha",)  # every other figure is a number of homes


def typed(frame: pd.DataFrame) -> pd.DataFrame:
    """`progress` with its numbers of homes as whole numbers (1400, not 1400.0)."""
    out = frame.copy()
    for col in out.columns:
        if col in SHARE_COLUMNS or col in DECIMAL_COLUMNS or not pd.api.types.is_float_dtype(out[col]):
            continue
        out[col] = out[col].round().astype("Int64")
    return out


def for_table(frame: pd.DataFrame) -> pd.DataFrame:
    """`progress` as a French reader expects it: 60 %, 1 400 homes, 3,12 ha."""
    out = typed(frame).astype(object)
    for col in out.columns:
        if col in SHARE_COLUMNS:
            out[col] = [f"{100 * v:.0f} %" if pd.notna(v) else "" for v in frame[col]]
        elif col in DECIMAL_COLUMNS:
            out[col] = [f"{v:.2f}".replace(".", ",") if pd.notna(v) else "" for v in frame[col]]
    return out


def _ratio(a, b):
    b = pd.Series(b, dtype=float)
    return (pd.Series(a, dtype=float) / b.where(b > 0)).round(3)


def progress(store, commune=None, settings=None, territory: Territory | None = None) -> pd.DataFrame:
    """Pipeline vs PLH targets: one row per commune, and an "EPCI" total row (last).

    Columns: the PLH target; homes expected within the PLH period, certain / probable /
    possible and their sum, coverage (expected / target); pro-rata target and expected homes at
    mid-term; LLS target vs social rent programmed; current and projected SRU rate, the
    triennial catch-up target (CCH L302-8) vs social rent financed in the current triennial
    period with its PLAI/PLS shares; homes in QPV and in priority sectors; renewal vs extension
    homes and the hectares of farmland/nature taken (ZAN); remaining need vs the capacity of
    friches and plots no scheme uses yet; every scheme's homes (homes_pipeline), in the period
    or not. With `commune`, only that commune's row (and no EPCI row).
    """
    t = territory or Territory(store, settings)
    t.require_commune(commune)
    start, end, mid = t.period
    com = t.communes
    p = t.projects
    act = p[p["active"]]
    per = act[act["in_period"]]
    tri = act[act["in_triennial"]]
    codes = list(com["insee"]) + sorted(set(act["declared"].dropna()) - set(com["insee"]))
    rows = pd.DataFrame({"commune": codes})
    rows["name"] = rows["commune"].map(dict(zip(com.insee, com["name"])))
    every = t.layer("targets")
    targets = every[pd.to_numeric(every["period_start"], errors="coerce") == start]
    if len(every) and targets.empty:
        starts = ", ".join(sorted({str(v) for v in every["period_start"].dropna()}))
        raise PlhgisError(Msg("err.no_target_period", start=start, end=end, starts=starts),
                          field="plh_start", value=start, hint=Msg("hint.target_period"))
    for col, src in (("homes_target", "homes_target"), ("lls_target", "lls_target")):
        rows[col] = rows["commune"].map(targets.groupby("commune")[src].sum(min_count=1)).astype(float)

    def by(frame, value, name):
        rows[name] = rows["commune"].map(frame.groupby("declared")[value].sum()).fillna(0).astype(float)

    for bucket in ("certain", "probable", "possible"):
        by(per[per["bucket"] == bucket], "homes", bucket)
    rows["expected"] = rows[["certain", "probable", "possible"]].sum(axis=1)
    years = end - start + 1
    rows["midterm_target"] = (rows["homes_target"] * (mid - start + 1) / years).round(0)
    by(act[act["by_midterm"]], "homes", "midterm_expected")
    by(per, "social", "lls_programmed")
    for c in ("lls_plai", "lls_pls"):
        by(tri.assign(v=numbers(tri, c)), "v", "sru_" + c.split("_")[1])
    by(tri, "social", "sru_catchup_programmed")
    by(per[per["qpv"].notna()], "homes", "homes_qpv")
    by(per[per["sector"].notna()], "homes", "homes_sectors")
    by(per[per["renewal"]], "homes", "homes_renewal")
    by(per[per["consumes"]], "homes", "homes_extension")
    by(per, "zan_ha", "zan_ha")
    by(act, "homes", "homes_pipeline")
    rows["homes_outside_period"] = rows["homes_pipeline"] - rows["expected"]
    cap = pd.concat([t.unlinked("friches")[["declared", "capacity_est"]],
                     t.unlinked("plots")[["declared", "capacity_est"]]])
    rows["capacity_unlinked"] = rows["commune"].map(cap.groupby("declared")["capacity_est"].sum()).fillna(0)
    # SRU
    cinfo = com.set_index("insee")
    for col in ("sru_rate_required", "sru_status", "main_residences", "lls_stock"):
        rows[col] = rows["commune"].map(cinfo[col]) if len(cinfo) else None
    _from_inventory(t, rows)
    rp = pd.to_numeric(rows["main_residences"], errors="coerce").astype(float)
    stock = pd.to_numeric(rows["lls_stock"], errors="coerce").astype(float)
    required = pd.to_numeric(rows["sru_rate_required"], errors="coerce").astype(float)
    liable = rows["sru_status"].isin(["soumise", "carencée"])
    rows["sru_rate_required"] = required  # a blank rate stays blank: SRU-RATE names the commune
    subject = (required > 0) & liable
    rows["sru_missing"] = np.where(subject, np.ceil((required * rp - stock).clip(lower=0)), np.nan)
    rows["sru_catchup_target"], rows["sru_objective_kind"] = _catchup(t, rows["commune"], required, stock / rp,
                                                                      rows["sru_missing"])
    rows = _ratios(_rounded(rows))
    rows["sru_rate_now"] = _ratio(stock, rp)
    rows["sru_rate_projected"] = _ratio(stock + rows["lls_programmed"], rp + rows["expected"])
    rows.loc[rp.isna(), ["sru_rate_now", "sru_rate_projected"]] = np.nan
    rows = rows.drop(columns=["main_residences", "lls_stock", "sru_status"])
    if commune:
        return _rounded(rows[rows["commune"] == commune].reset_index(drop=True))
    total = rows.select_dtypes("number").sum(min_count=1)
    total = total.drop([c for c in ("sru_rate_required",) if c in total])
    epci = pd.DataFrame([{**total.to_dict(), "commune": EPCI, "name": t.epci_name}])
    epci = _ratios(epci)
    epci["sru_rate_now"] = _ratio(pd.Series([stock.sum()]), pd.Series([rp.sum()]))
    epci["sru_rate_projected"] = _ratio(stock.sum() + epci["lls_programmed"], rp.sum() + epci["expected"])
    return _rounded(pd.concat([rows, epci], ignore_index=True)[list(rows.columns)])


def _ratios(rows):
    rows["coverage"] = _ratio(rows["expected"], rows["homes_target"])
    rows["lls_coverage"] = _ratio(rows["lls_programmed"], rows["lls_target"])
    rows["sru_plai_share"] = _ratio(rows["sru_plai"], rows["sru_catchup_programmed"])
    rows["sru_pls_share"] = _ratio(rows["sru_pls"], rows["sru_catchup_programmed"])
    rows["remaining_need"] = (rows["homes_target"] - rows["expected"]).clip(lower=0)
    return rows


def _from_inventory(t, rows):
    """Fill the SRU figures the communes layer leaves blank from the latest SRU inventory."""
    inv = t.inventory
    if inv is None:
        return
    for col, src in (("sru_rate_required", "target_rate"), ("main_residences", "main_residences"),
                     ("lls_stock", "lls_stock")):
        rows[col] = pd.to_numeric(rows[col], errors="coerce").astype(float).fillna(
            rows["commune"].map(inv[src]).astype(float))
    flags = inv[["liable", "carencee", "exempt"]].apply(pd.to_numeric, errors="coerce").fillna(0)
    status = pd.Series(np.select([flags["exempt"] == 1, flags["carencee"] == 1, flags["liable"] == 1],
                                 ["exemptée", "carencée", "soumise"], "non soumise"), index=inv.index)
    rows["sru_status"] = rows["sru_status"].where(rows["sru_status"].notna(), rows["commune"].map(status))


def _catchup(t, communes, required, rate, missing):
    """The triennial objective: notified when the SRU inventory holds it for this period, else the
    estimate of CCH L302-8 (the catch-up share modulated near the rate, newly liable, CMS)."""
    s = t.settings
    inv = t.inventory

    def flag(col):
        return communes.map(inv[col]).eq(1).fillna(False).to_numpy() if inv is not None else [False] * len(communes)

    gap = (required - rate).clip(lower=0)
    share = [catchup(g, n, c, s)[0] for g, n, c in zip(gap, flag("newly_liable"), flag("cms"))]
    target = np.ceil(missing * np.asarray(share, dtype=float) - 1e-9) + 0.0
    kind = np.where(missing > 0, ESTIMATE, "")
    if inv is not None:
        notified = communes.map(inv["notified_objective"].where(inv["period_start"] == s.triennial()[0]))
        target = np.where(notified.notna(), notified.astype(float), target)
        kind = np.where(notified.notna(), NOTIFIED, kind)
    return target, kind


def _rounded(rows):
    for col in rows.columns.drop([c for c in ("commune", "name", "sru_status", "sru_objective_kind") if c in rows]):
        rows[col] = pd.to_numeric(rows[col], errors="coerce").astype(float)
    rows["zan_ha"] = rows["zan_ha"].round(2)
    return rows


def sms_share(prescriptions) -> pd.Series:
    """The social-rent share a mixité-sociale sector asks: `lls_share`, else a "30 %" in its text."""
    share = pd.to_numeric(prescriptions["lls_share"], errors="coerce")
    text = prescriptions["txt"].fillna("") + " " + prescriptions["libelle"].fillna("")
    found = text.str.extract(r"(\d+(?:[.,]\d+)?)\s*%")[0].str.replace(",", ".")
    return share.fillna(pd.to_numeric(found, errors="coerce") / 100)

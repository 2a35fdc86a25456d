"""The pipeline against the PLH targets: per commune and for the EPCI.

`Territory` reads the layers once and places every scheme, friche and plot with vectorised
spatial-index queries (commune, QPV and its reduced-VAT band, priority sector, PLU zone);
`progress()` turns that into the figures of `plhgis targets`, and the checks reuse both.

Which commune a scheme counts for: **its `commune` field is authoritative.** A scheme straddling
two communes (or whose point lies across the boundary) is counted once, for the commune it
declares, so the EPCI total is exactly the sum of the schemes' homes; the point-on-surface test
only yields a DATA-OUTSIDE-COMMUNE finding, never a second count. A scheme whose commune is not
in the communes layer still gets a row, so no home is lost.

Which homes count within the PLH period: schemes not abandoned whose delivery year falls in the
period, or with no delivery year yet (still in the pipeline; DATA findings ask for the year).
Certain = PC accordé, travaux, livré; probable = PC déposé, études, recours; possible = repérage, suspendu.
"""
from __future__ import annotations

from . import lazy
from . import schema
from .labels import Msg
from .errors import PlhgisError, unknown_commune
from .settings import Settings, load_settings

gpd = lazy.module("geopandas")
np = lazy.module("numpy")
pd = lazy.module("pandas")
shapely = lazy.module("shapely")

CERTAIN = schema.group("project_status", "certain")  # the rest of the live schemes are possible
PROBABLE = schema.group("project_status", "probable")
RENEWAL = ("friche", "dent creuse", "renouvellement urbain")
REUSED = ("friche", "renouvellement urbain")  # land already artificialised
SOCIAL = list(schema.SOCIAL_RENT_FIELDS)
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


def _points(geoms: np.ndarray) -> np.ndarray:
    """Point on surface of each geometry (None where missing or empty)."""
    geoms = np.asarray(geoms, dtype=object)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    out = np.full(len(geoms), None, dtype=object)
    if ok.any():
        out[ok] = shapely.point_on_surface(geoms[ok])
    return out


def first_within(geoms, polys: gpd.GeoDataFrame, predicate="within") -> np.ndarray:
    """For each geometry, the position in `polys` of the first polygon satisfying `predicate` (-1: none).

    One STRtree query for the whole array: no Python loop over the features.
    """
    geoms = np.asarray(geoms, dtype=object)
    out = np.full(len(geoms), -1, dtype=np.int64)
    if not len(geoms) or polys is None or not len(polys):
        return out
    ok = np.flatnonzero(~shapely.is_missing(geoms))
    if not len(ok):
        return out
    left, right = polys.sindex.query(geoms[ok], predicate=predicate)
    order = np.lexsort((right, left))  # first polygon (in layer order) per feature
    left, right = left[order], right[order]
    keep = np.r_[True, left[1:] != left[:-1]] if len(left) else np.array([], dtype=bool)
    out[ok[left[keep]]] = right[keep]
    return out


def commune_point(outline):
    """Where a scheme with no location is put: a point inside the commune's outline (DATA-LOCATE)."""
    return shapely.point_on_surface(outline)


def covered(geoms, polys: gpd.GeoDataFrame, share: float) -> np.ndarray:
    """True where `polys` cover at least `share` of a polygon's area (a point or line: lies in one).

    The one test of 'covered by an OAP' for the checks and the PLU review: a zone touched along
    its edge is not covered.
    """
    geoms = np.asarray(geoms, dtype=object)
    out = np.zeros(len(geoms), dtype=bool)
    if not len(geoms) or polys is None or not len(polys):
        return out
    ok = np.flatnonzero(~shapely.is_missing(geoms))
    left, right = polys.sindex.query(geoms[ok], predicate="intersects")
    parts = polys.geometry.to_numpy()
    for i in np.unique(left):
        g = geoms[ok[i]]
        area = shapely.area(g)
        if area <= 0:
            out[ok[i]] = True  # a point or a line meeting an OAP
            continue
        inside = shapely.area(shapely.intersection(g, shapely.union_all(parts[right[left == i]])))
        out[ok[i]] = inside >= share * area
    return out


def pick(frame: pd.DataFrame, pos: np.ndarray, column: str) -> np.ndarray:
    """frame[column] at positions `pos` (None where pos is -1)."""
    values = frame[column].to_numpy(dtype=object) if len(frame) else np.array([], dtype=object)
    out = np.full(len(pos), None, dtype=object)
    hit = pos >= 0
    out[hit] = values[pos[hit]]
    return out


def _num(frame, col):
    return pd.to_numeric(frame[col], errors="coerce").fillna(0).astype(float) if col in frame else \
        pd.Series(0.0, index=frame.index)


class Territory:
    """The layers of a store, read once, with every scheme, friche and plot placed on the map."""

    def __init__(self, store, settings: Settings | None = None):
        self.store = store
        self.settings = settings or load_settings(store)
        self.crs = store.crs
        self._cache = {}

    def layer(self, name):
        return self._cached(("layer", name), lambda: self.store.read(name))

    def _cached(self, key, build):
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    @property
    def inventory(self) -> pd.DataFrame | None:
        """The latest SRU inventory row of each commune, indexed by commune (None when none is loaded)."""
        from .sru import latest

        return self._cached("inventory", lambda: latest(self.layer("sru")))

    @property
    def period(self):
        return self._cached("period", lambda: self.settings.period(self.layer("targets")))

    def require_commune(self, code):
        """`code` if the communes layer holds it (or nothing to check is given), else NotFoundError."""
        if code and code not in set(self.communes["insee"]):
            raise unknown_commune(code)
        return code

    # -- communes -------------------------------------------------------------------------
    @property
    def communes(self) -> gpd.GeoDataFrame:
        def build():
            com = self.layer("communes").copy()
            dens = pd.to_numeric(com["density_min"], errors="coerce")
            fallback = com["polarity"].map(self.settings.density_for).astype(float)
            com["density"] = dens.fillna(fallback)
            rp = pd.to_numeric(com["main_residences"], errors="coerce").astype(float)
            com["sru_rate_now"] = pd.to_numeric(com["lls_stock"], errors="coerce").astype(float) / rp.where(rp > 0)
            return com
        return self._cached("communes", build)

    def placed(self, layer: str) -> gpd.GeoDataFrame:
        """The layer with `pt` (point on surface), `commune_found`, and for projects and plots the zone."""
        return self._cached(("placed", layer), lambda: self._place(layer))

    def _place(self, layer):
        lay = schema.get_layer(layer)
        frame = self.layer(layer).copy()
        geoms = frame.geometry.to_numpy()
        frame["pt"] = _points(geoms)
        com = self.communes
        frame["commune_found"] = pick(com, first_within(frame["pt"].to_numpy(), com), "insee")
        frame["declared"] = frame[lay.commune_field]
        zoning = self.layer("zoning")
        zpos = first_within(frame["pt"].to_numpy(), zoning)
        frame["zone_type"] = pick(zoning, zpos, "typezone")
        frame["zone_lib"] = pick(zoning, zpos, "libelle")
        frame["is_polygon"] = np.isin(shapely.get_type_id(geoms), (3, 6))
        frame["area_m2_geom"] = np.where(frame["is_polygon"], shapely.area(geoms), np.nan)
        return frame

    # -- projects -----------------------------------------------------------------------------
    @property
    def projects(self) -> gpd.GeoDataFrame:
        """Every scheme (abandoned ones too: see `active`) with its place and its counts."""
        return self._cached("projects", self._projects)

    def _projects(self):
        p = self.placed("projects")
        s = self.settings
        start, end, mid = self.period
        p["active"] = p["status"].ne("abandonné").to_numpy()
        homes = _num(p, "homes_total")
        p["homes"] = homes
        p["social"] = sum(_num(p, c) for c in SOCIAL)
        p["free_sale"] = _num(p, "accession_libre")  # what the QPV band can bring to 5.5 % VAT
        year = pd.to_numeric(p["delivery_year"], errors="coerce")
        p["in_period"] = p["active"] & (year.isna() | year.between(start, end)).to_numpy()
        p["by_midterm"] = p["active"] & year.between(start, mid).to_numpy()
        p["bucket"] = np.select([p["status"].isin(CERTAIN), p["status"].isin(PROBABLE)],
                                ["certain", "probable"], "possible")
        permit = pd.to_numeric(p["permit_year"], errors="coerce")
        financed = permit.fillna(year - 2)
        t0, t1 = s.triennial()
        p["in_triennial"] = p["active"] & financed.between(t0, t1).to_numpy()
        # QPV: the point decides "in the QPV". Reduced VAT (CGI 278 sexies III 2°): the whole
        # footprint within 300 m of a QPV; for an NPNRU quarter, entirely within 500 m and partly
        # within 300 m
        qpv = self.qpv
        qpos = first_within(p["pt"].to_numpy(), qpv)
        p["qpv"] = pick(qpv, qpos, "code_qp")
        bpos = first_within(p.geometry.to_numpy(), self.qpv_bands)
        has_band = bpos >= 0
        dist = np.full(len(p), np.nan)
        if has_band.any():
            dist[has_band] = shapely.distance(p.geometry.to_numpy()[has_band],
                                              qpv.geometry.to_numpy()[bpos[has_band]])
        wide = pick(qpv, bpos, "band_m").astype(float) > s.vat_band_m
        bpos = np.where(has_band & wide & ~(dist < s.vat_band_m), -1, bpos)  # NPNRU: nothing within 300 m
        p["band_qpv"] = pick(qpv, bpos, "code_qp")
        p["band_m"] = pick(qpv, bpos, "band_m")
        p["qpv_distance_m"] = np.where(bpos >= 0, dist, np.nan)
        sectors = self.layer("sectors")
        spos = first_within(p["pt"].to_numpy(), sectors)
        p["sector"] = pick(sectors, spos, "id")
        p["sector_name"] = pick(sectors, spos, "name")
        # ZAN: land taken from farmland or nature
        # a friche or urban renewal built on an A/N zone reuses land already taken: not ZAN
        on_an = p["zone_type"].isin(["A", "N"]).to_numpy() & ~p["land_origin"].isin(REUSED).to_numpy()
        p["consumes"] = (p["land_origin"].eq("extension").to_numpy() | on_an)
        p["renewal"] = p["land_origin"].isin(RENEWAL).to_numpy() & ~p["consumes"]
        density = p["declared"].map(dict(zip(self.communes.insee, self.communes.density))).astype(float)
        estimate = homes / density.where(density > 0) * 10000
        known = pd.Series(p["area_m2_geom"], index=p.index).fillna(pd.to_numeric(p["site_area_m2"], errors="coerce"))
        p["site_m2_known"] = known  # footprint, else the declared site area
        area = known.fillna(estimate)
        p["site_m2"] = area
        p["zan_ha"] = np.where(p["consumes"], area.fillna(0) / 10000, 0.0)
        return p

    @property
    def qpv(self) -> gpd.GeoDataFrame:
        def build():
            q = self.layer("qpv").copy()
            npnru = pd.to_numeric(q["npnru"], errors="coerce").fillna(0).astype(int)
            q["band_m"] = np.where(npnru == 1, self.settings.vat_band_npnru_m, self.settings.vat_band_m)
            return q
        return self._cached("qpv", build)

    @property
    def qpv_bands(self) -> gpd.GeoDataFrame:
        """Each QPV grown by its reduced-VAT band (300 m, 500 m for NPNRU quarters)."""
        def build():
            q = self.qpv
            return gpd.GeoDataFrame({"code_qp": q["code_qp"]},
                                    geometry=q.geometry.buffer(q["band_m"].to_numpy(), quad_segs=8),
                                    crs=self.crs)
        return self._cached("qpv_bands", build)

    # -- friches and plots not yet linked to a scheme ----------------------------------------------
    def unlinked(self, layer: str) -> gpd.GeoDataFrame:
        """Friches (not reconverted) or plots (not built, not in a project) with no scheme on them."""
        return self._cached(("unlinked", layer), lambda: self._unlinked(layer))

    def _unlinked(self, layer):
        frame = self.placed(layer)
        p = self.projects[self.projects["active"]]
        if layer == "friches":
            key, link = "site_id", "friche_id"
            open_ = ~frame["site_statut"].isin(["friche reconvertie"])
        else:
            key, link = "id", "plot_id"
            open_ = ~frame["status"].isin(["bâti", "en projet"])
        linked = frame[key].isin(set(p[link].dropna()))
        touched = np.zeros(len(frame), dtype=bool)
        geoms = p.geometry.to_numpy()
        ok = ~shapely.is_missing(geoms)
        if ok.any() and len(frame):
            tree = shapely.STRtree(geoms[ok])
            fgeoms = frame.geometry.to_numpy()
            fok = np.flatnonzero(~shapely.is_missing(fgeoms))
            hit, _ = tree.query(fgeoms[fok], predicate="intersects")
            touched[fok[np.unique(hit)]] = True
        out = frame[open_.to_numpy() & ~linked.to_numpy() & ~touched].copy()
        cap = pd.to_numeric(out["capacity"], errors="coerce")
        out["capacity_est"] = cap.fillna(0)
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
        by(tri.assign(v=_num(tri, c)), "v", "sru_" + c.split("_")[1])
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
    epci = pd.DataFrame([{**total.to_dict(), "commune": EPCI, "name": _epci_name(com)}])
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
    from .sru import ESTIMATE, NOTIFIED, catchup

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


def _epci_name(com):
    names = com["epci_name"].dropna().unique() if "epci_name" in com else []
    return names[0] if len(names) == 1 else "total"


def sms_share(prescriptions) -> pd.Series:
    """The social-rent share a mixité-sociale sector asks: `lls_share`, else a "30 %" in its text."""
    share = pd.to_numeric(prescriptions["lls_share"], errors="coerce")
    text = prescriptions["txt"].fillna("") + " " + prescriptions["libelle"].fillna("")
    found = text.str.extract(r"(\d+(?:[.,]\d+)?)\s*%")[0].str.replace(",", ".")
    return share.fillna(pd.to_numeric(found, errors="coerce") / 100)

"""The spatial engine: the layers of a store read once, every feature placed on the map.

`Territory(store, settings)` is what the checks, the targets, the SRU figures, the yearly review,
the PLU review, the maps and the packs receive: one object holding the store, its settings (every
band width and threshold comes from there) and the placed layers, built once with vectorised
spatial-index queries (commune, QPV and its reduced-VAT band, priority sector, PLU zone).

The status groups live here because the placing reads them: certain = PC accordé, travaux,
livré; probable = PC déposé, études, recours; possible = repérage, suspendu.
"""
from __future__ import annotations

from . import lazy
from . import schema
from .errors import unknown_commune
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



def require_commune(store, code):
    """`code` when the store holds that commune (today, or ended: a merged commune keeps its history),
    else UnknownCommuneError; nothing to check when `code` is empty."""
    if code and code not in store.communes() and code not in set(store.read("communes", include_ended=True)["insee"]):
        raise unknown_commune(code)
    return code


def latest_inventory(sru: pd.DataFrame) -> pd.DataFrame | None:
    """The latest vintage of each commune of an ``sru`` layer frame, indexed by commune (None if empty)."""
    if not len(sru):
        return None
    return sru.sort_values("vintage").groupby("commune").tail(1).set_index("commune")


def points(geoms: np.ndarray) -> np.ndarray:
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


def numbers(frame, col):
    """frame[col] as floats, blanks as 0 (a column of zeros when the frame lacks it)."""
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
        """The layer as the store holds it today, read once."""
        return self.cached(("layer", name), lambda: self.store.read(name))

    def cached(self, key, build):
        """`build()`, computed once per territory under `key` (consumers keep their derived tables here)."""
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    @property
    def inventory(self) -> pd.DataFrame | None:
        """The latest SRU inventory row of each commune, indexed by commune (None when none is loaded)."""
        return self.cached("inventory", lambda: latest_inventory(self.layer("sru")))

    @property
    def epci_name(self) -> str:
        """The EPCI's name when the communes layer names one, else "total"."""
        com = self.communes
        names = com["epci_name"].dropna().unique() if "epci_name" in com else []
        return names[0] if len(names) == 1 else "total"

    @property
    def period(self):
        return self.cached("period", lambda: self.settings.period(self.layer("targets")))

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
        return self.cached("communes", build)

    def placed(self, layer: str) -> gpd.GeoDataFrame:
        """The layer with `pt` (point on surface), `commune_found`, and for projects and plots the zone."""
        return self.cached(("placed", layer), lambda: self._place(layer))

    def _place(self, layer):
        lay = schema.get_layer(layer)
        frame = self.layer(layer).copy()
        geoms = frame.geometry.to_numpy()
        frame["pt"] = points(geoms)
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
        return self.cached("projects", self._projects)

    def _projects(self):
        p = self.placed("projects")
        s = self.settings
        start, end, mid = self.period
        p["active"] = p["status"].ne("abandonné").to_numpy()
        homes = numbers(p, "homes_total")
        p["homes"] = homes
        p["social"] = sum(numbers(p, c) for c in SOCIAL)
        p["free_sale"] = numbers(p, "accession_libre")  # what the QPV band can bring to 5.5 % VAT
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
        return self.cached("qpv", build)

    @property
    def qpv_bands(self) -> gpd.GeoDataFrame:
        """Each QPV grown by its reduced-VAT band (300 m, 500 m for NPNRU quarters)."""
        def build():
            q = self.qpv
            return gpd.GeoDataFrame({"code_qp": q["code_qp"]},
                                    geometry=q.geometry.buffer(q["band_m"].to_numpy(), quad_segs=8),
                                    crs=self.crs)
        return self.cached("qpv_bands", build)

    # -- friches and plots not yet linked to a scheme ----------------------------------------------
    def unlinked(self, layer: str) -> gpd.GeoDataFrame:
        """Friches (not reconverted) or plots (not built, not in a project) with no scheme on them."""
        return self.cached(("unlinked", layer), lambda: self._unlinked(layer))

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

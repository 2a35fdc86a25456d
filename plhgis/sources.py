"""The real sources of reference data, recognised from their fields and mapped onto the schema.

French open data comes in a handful of shapes: IGN ADMIN EXPRESS and geo.api.gouv.fr communes,
staff spreadsheets of commune figures and PLH targets, ANCT QPV perimeters (2015 and 2024
generations), CNIG PLU zoning and prescriptions, Etalab cadastre parcels, CNIG Friches CSV.
`map_source` renames a frame's columns to the layer's fields, filters it (`epci`), fills what
the source implies (a sector's `kind`, a zone's stable id) and reports what it mapped and what it
dropped, so an import never loses a column silently.

    mapped = map_source(frame, "communes", None, file="communes.geojson", rows=rows, epci="246200364")
    mapped.frame, mapped.notes, mapped.warnings, mapped.errors
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from . import lazy
from . import schema
from .errors import NotFoundError, PlhgisError, Problem
from .extra import keep_extra
from .labels import Msg, Num

gpd = lazy.module("geopandas")
np = lazy.module("numpy")
pd = lazy.module("pandas")
shapely = lazy.module("shapely")


@dataclass(frozen=True)
class Source:
    """A published format: the columns that identify it and how they map onto a layer."""

    name: str
    layer: str
    signature: tuple[str, ...]  # normalised column names that must all be present ('a|b': either)
    aliases: dict  # layer field → candidate source columns (lower-case), first present wins
    table_only: bool = False  # attribute tables (no geometry): update existing features only

    @property
    def label(self) -> Msg:
        """What the format is called (labels.py, "source.<name>")."""
        return Msg("source." + self.name)


_COMMUNE_FIGURES = {"main_residences": ("main_residences", "residences_principales", "rp", "nb_rp"),
                    "lls_stock": ("lls_stock", "lls", "nb_lls", "parc_social", "logements_sociaux"),
                    "sru_rate_required": ("sru_rate_required", "taux_sru", "taux_legal"),
                    "sru_status": ("sru_status", "statut_sru"), "polarity": ("polarity", "armature", "polarite"),
                    "density_min": ("density_min", "densite_min", "densite")}
_QPV_2015 = {"code_qp": ("code_qp",), "lib_qp": ("nom_qp", "lib_qp"),
             "commune": ("code_commune", "code_com", "insee_com", "commune"), "communes": ("code_communes", "code_commune", "code_com", "insee_com", "commune")}
SOURCES: dict[str, Source] = {s.name: s for s in (
    Source("admin-express", "communes", ("insee_com", "nom"),
           {"insee": ("insee_com",), "name": ("nom", "nom_m"), "population": ("population",),
            "epci_siren": ("siren_epci",)}),
    Source("geo-api", "communes", ("code", "nom", "codeepci"),
           {"insee": ("code",), "name": ("nom",), "population": ("population",),
            "epci_siren": ("codeepci",), "epci_name": ("nomepci", "epci_nom")}),
    Source("commune-figures", "communes", ("insee|code_insee|codgeo",),
           {"insee": ("insee", "code_insee", "codgeo"), "name": ("name", "nom", "nom_commune", "libgeo"),
            "epci_siren": ("epci_siren", "siren_epci"), "epci_name": ("epci_name", "epci_nom", "nom_epci"),
            "population": ("population", "population_municipale", "pmun"), **_COMMUNE_FIGURES},
           table_only=True),
    Source("code-nom", "communes", ("code|code_commune|code_insee", "nom|nom_commune"),
           {"insee": ("code", "code_commune", "code_insee", "insee"), "name": ("nom", "nom_commune"),
            "epci_siren": ("siren_epci", "epci_siren", "codeepci"), "epci_name": ("nom_epci", "epci_nom"),
            "population": ("population", "population_municipale", "pmun"), **_COMMUNE_FIGURES}),
    Source("targets", "targets", (),
           {"commune": ("commune", "insee", "code_insee", "codgeo"),
            "period_start": ("period_start", "debut", "annee_debut"), "period_end": ("period_end", "fin", "annee_fin"),
            "homes_target": ("homes_target", "objectif", "objectif_logements", "objectif_total"),
            "lls_target": ("lls_target", "objectif_lls", "objectif_social"),
            "accession_aidee_target": ("accession_aidee_target", "objectif_accession_aidee"),
            "yearly_split": ("yearly_split", "repartition_annuelle"),
            "net_homes_target": ("net_homes_target", "objectif_net", "objectif_production_nette")}, table_only=True),
    Source("qpv2024", "qpv", ("code_qp", "lib_qp"),
           {"code_qp": ("code_qp",), "lib_qp": ("lib_qp",), "commune": ("insee_com", "code_com"),
            "communes": ("insee_com", "code_com")}),
    Source("qpv2015", "qpv", ("code_qp", "nom_qp"), _QPV_2015),
    Source("sectors", "sectors", (),
           {"id": ("id_sector",), "name": ("name", "nom", "lib", "libelle", "nom_secteur"),
            "kind": ("kind", "type", "dispositif"), "priority": ("priority", "priorite"),
            "commune": ("commune", "insee", "insee_com", "code_insee", "insee_com_derive")}),
    Source("cnig-zone-urba", "zoning", ("libelle", "typezone"),
           {"libelle": ("libelle",), "libelong": ("libelong",), "typezone": ("typezone",),
            "idurba": ("idurba",), "insee": ("insee",)}),
    Source("cnig-prescription-surf", "prescriptions", ("typepsc",),
           {"libelle": ("libelle",), "txt": ("txt",), "typepsc": ("typepsc",), "stypepsc": ("stypepsc",),
            "idurba": ("idurba",), "insee": ("insee",)}),
    Source("etalab-cadastre", "parcels", ("id", "commune", "section", "numero"),
           {"id": ("id",), "commune": ("commune",), "prefixe": ("prefixe",), "section": ("section",),
            "numero": ("numero",), "contenance": ("contenance",)}),
    Source("cnig-friches", "friches", ("site_id", "geompoint"), {}, table_only=True),
    Source("cartofriches-points", "friches", ("site_id", "comm_insee"),
           {"site_id": ("site_id",), "site_nom": ("site_nom",), "comm_insee": ("comm_insee",),
            "site_statut": ("site_statut",), "site_type": ("site_type",), "source_nom": ("source", "source_nom")}),
    Source("sru-inventaire", "sru", (), {}),
)}


@dataclass
class Mapped:
    """A frame mapped onto a layer, with the report of what happened."""

    frame: pd.DataFrame
    rows: pd.Series
    source: str | None = None
    notes: list[str] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)


def norm(column) -> str:
    """'Code INSEE' → 'code_insee', 'codeEpci' → 'codeepci': the key used to match headers."""
    return schema.header_key(column)


def detect(frame, layer: str) -> Source | None:
    """The first known source of `layer` whose signature columns are all in `frame`."""
    cols = {norm(c) for c in frame.columns}
    spatial = isinstance(frame, gpd.GeoDataFrame)
    for src in SOURCES.values():
        if src.layer != layer or not src.signature:
            continue
        if not all(set(sig.split("|")) & cols for sig in src.signature):
            continue
        if src.table_only and spatial:
            continue
        return src
    return next((s for s in SOURCES.values() if s.layer == layer and not s.signature), None)


def parse_map(text) -> dict[str, str]:
    """'Code INSEE=commune,Objectif=homes_target' → {'Code INSEE': 'commune', ...}."""
    if not text:
        return {}
    if isinstance(text, dict):
        return dict(text)
    out = {}
    for part in str(text).split(","):
        if not part.strip():
            continue
        if "=" not in part:
            raise PlhgisError(Msg("err.bad_mapping", part=repr(part.strip())), field="--map", value=text,
                              hint=Msg("hint.mapping"))
        src, dst = (p.strip() for p in part.split("=", 1))
        out[src] = dst
    return out


def map_source(frame, layer: str, name: str | None = None, *, file=None, rows=None, store=None,
               epci=None, kind=None, name_field=None, column_map=None, territory=None) -> Mapped:
    """Map `frame` (as read from `file`) onto `layer`'s fields.

    Parameters
    ----------
    name : a key of SOURCES (`--source`), or None to detect it from the columns.
    epci : SIREN; communes: keep that EPCI's communes; other spatial layers: keep the features
        that meet that EPCI's communes in the store.
    kind, name_field : sectors: the kind given to every feature, the column holding the name.
    column_map : {source column: field} applied first (`--map`).
    territory : "store": keep the features meeting any commune of the store (used by fetch qpv).
    """
    lay = schema.get_layer(layer)
    rows = frame.index.to_series() if rows is None else rows
    mapping = parse_map(column_map)
    if name_field:
        if name_field not in frame.columns:
            raise PlhgisError(Msg("err.name_field", name=repr(name_field)), file=file,
                              field="--name-field", hint=Msg("hint.columns_are", columns=", ".join(map(str, frame.columns))))
        mapping[name_field] = "name"
    unknown = [c for c in mapping if c not in frame.columns]
    if unknown:
        raise PlhgisError(Msg("err.map_unknown", names=", ".join(map(repr, unknown))), file=file,
                          field="--map", hint=Msg("hint.columns_are", columns=", ".join(map(str, frame.columns))))
    shadowed = [c for c in frame.columns if c in mapping.values() and c not in mapping]
    frame = frame.drop(columns=shadowed).rename(columns=mapping)
    if name is not None:
        if name not in SOURCES:
            raise PlhgisError(Msg("err.unknown_source", name=repr(name)), field="--source",
                              hint=Msg("hint.sources_are", names=", ".join(SOURCES)))
        src = SOURCES[name]
        if src.layer != lay.name:
            raise PlhgisError(Msg("err.source_layer", name=repr(name), layer=src.layer, wanted=lay.name),
                              field="--source", hint=Msg("hint.source_layer", layer=src.layer, name=name))
    else:
        src = detect(frame, lay.name)
    if src is not None and src.name == "cnig-friches":
        from . import cnig

        frame, notes, warnings, errors = cnig.from_cnig(frame, file=file, rows=rows)
        out = Mapped(frame, rows, src.name, [Msg("note.source", label=src.label), *notes], warnings, errors)
    elif src is not None and src.name == "sru-inventaire":
        from . import sru

        frame, rows, notes, warnings, errors = sru.from_inventory(frame, file=file, rows=rows, epci=epci)
        out = Mapped(frame, rows, src.name, notes, warnings, errors)
        epci = None  # kept by the inventory's own EPCI column
    else:
        out = _rename(frame, lay, src, rows, file, protect=set(mapping.values()))
    if mapping:
        out.notes.append(Msg("note.column_mapping", pairs=", ".join(f"{a}→{b}" for a, b in mapping.items())))
    if lay.name == "sectors":
        _sector_fields(out, kind, file)
    if lay.name in ("zoning", "prescriptions"):
        _plu_fields(out, lay, file)
        _same_plan_ids(out, lay, store)
    if lay.name == "qpv":
        _qpv_fields(out)
    if lay.name == "friches":
        _friche_names(out)
    if epci or territory:
        _keep_territory(out, lay, store, epci, file)
    _territory_warnings(out, lay, store, file)
    if src is not None and src.table_only and store is not None and not isinstance(out.frame, gpd.GeoDataFrame):
        _updates_only(out, lay, store, file)
    return out


def _rename(frame, lay, src, rows, file, protect) -> Mapped:
    """Rename the source's columns to the layer's fields; report the mapping and the dropped columns."""
    fields = {f.name for f in lay.fields} | {"end_date"}
    lower = {}
    for c in frame.columns:
        lower.setdefault(norm(c), c)
    geom_name = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    renames, used = {}, set()
    for target, candidates in (src.aliases.items() if src else ()):
        if target in frame.columns and target in protect | fields and target not in candidates:
            used.add(target)
            continue
        for cand in candidates:
            col = lower.get(cand)
            if col is not None and col not in used and col != geom_name:
                renames[col] = target
                used.add(col)
                break
    extra = {}  # one source column may feed two fields (QPV 2024 insee_com → commune, communes)
    for target, candidates in (src.aliases.items() if src else ()):
        if target not in renames.values() and target not in frame.columns:
            for cand in candidates:
                col = lower.get(cand)
                if col is not None and col in renames:
                    extra[target] = col
                    break
    out = frame.rename(columns=renames)
    for target, col in extra.items():
        out[target] = frame[col]
    labels = schema.header_fields(lay.name)
    for col in list(out.columns):  # the layer's own field names in any case (LIBELLE → libelle), its labels
        target = str(col).lower() if str(col).lower() in fields else labels.get(norm(col))
        if col != geom_name and col not in fields and target and target not in out.columns:
            renames[col] = target
            out = out.rename(columns={col: target})
    out, kept_as_is = keep_extra(out, fields, geom_name)
    notes = []
    if src is not None:
        notes.append(Msg("note.source_named", label=src.label, name=src.name))
    shown = {**renames, **{v: k for k, v in extra.items()}}
    mapped = [f"{a}→{b}" for a, b in shown.items() if a != b]
    if mapped:
        notes.append(Msg("note.mapped", pairs=", ".join(mapped)))
    if kept_as_is:
        notes.append(Msg("note.extra_kept", columns=", ".join(kept_as_is)))
    return Mapped(out, rows, src.name if src else None, notes)


def _sector_fields(out: Mapped, kind, file):
    frame = out.frame
    if kind:
        canon = {schema.fold(k): k for k in schema.SECTOR_KIND}
        if schema.fold(kind) not in canon:
            raise PlhgisError(Msg("err.sector_kind", kind=repr(kind)), field="--kind",
                              hint=Msg("hint.one_of", values=", ".join(schema.SECTOR_KIND)))
        frame["kind"] = canon[schema.fold(kind)]
        out.notes.append(Msg("note.kind", kind=repr(canon[schema.fold(kind)])))
    elif "kind" not in frame.columns:
        raise PlhgisError(Msg("err.no_kind"), file=file, field="kind",
                          hint=Msg("hint.kind", kinds=", ".join(schema.SECTOR_KIND)))


def _stable_ids(frame, prefix, scope, parts) -> pd.Series:
    """Ids that stay the same when the same file is imported again: prefix-scope-hash of content."""
    geoms = frame.geometry.to_numpy() if isinstance(frame, gpd.GeoDataFrame) else np.full(len(frame), None)
    wkt = shapely.to_wkt(geoms, rounding_precision=6)
    # "string" then fillna: a missing value is '' (astype(str) keeps None/NaN under pandas 3)
    keys = (frame[parts].astype("string").fillna("").agg("|".join, axis=1) if parts
            else pd.Series("", index=frame.index))
    digests = [hashlib.sha1(f"{k}|{w}".encode()).hexdigest()[:10] for k, w in zip(keys, wkt)]
    return pd.Series([f"{prefix}-{s or '00000'}-{d}" for s, d in zip(scope, digests)], index=frame.index)


def _plu_fields(out: Mapped, lay, file=None):
    """CNIG PLU: insee from the IDURBA of a commune PLU, a stable id, typezone families and counts,
    17-00 shares."""
    frame = out.frame
    if lay.name == "zoning" and "typezone" in frame.columns:
        _typezone_families(out, file)
    if "insee" not in frame.columns and "idurba" in frame.columns:
        prefix = frame["idurba"].astype("string").str.extract(r"^((?:\d{5}|2[AB]\d{3}))_", expand=False)
        if prefix.notna().any():
            frame["insee"] = prefix.astype(object).where(prefix.notna(), None)
            out.notes.append(Msg("note.insee_idurba"))
    if lay.name == "prescriptions" and "typepsc" in frame.columns:
        code = frame["typepsc"].astype("string").str.strip()
        split = code.str.extract(r"^(\d{1,2})-(\d{1,2})$")
        if split[0].notna().any():  # '17-00' written in one field
            frame["typepsc"] = split[0].where(split[0].notna(), code)
            frame["stypepsc"] = split[1].where(split[1].notna(), frame.get("stypepsc"))
        frame["typepsc"] = frame["typepsc"].astype("string").str.zfill(2).astype(object)
        if "stypepsc" in frame.columns:
            st = frame["stypepsc"].astype("string")
            frame["stypepsc"] = st.str.zfill(2).astype(object).where(st.notna(), None)
        text = (frame.get("libelle", pd.Series("", index=frame.index)).astype("string").fillna("") + " "
                + frame.get("txt", pd.Series("", index=frame.index)).astype("string").fillna(""))
        share = pd.to_numeric(text.str.extract(r"(\d{1,3}(?:[.,]\d+)?)\s*%", expand=False)
                              .str.replace(",", "."), errors="coerce") / 100
        mix = (frame["typepsc"] == "17") & share.notna() & (share <= 1)
        if mix.any():
            frame.loc[mix, "lls_share"] = share[mix]
        counts = (frame["typepsc"] + "-" + frame.get("stypepsc", pd.Series("00", index=frame.index))
                  .fillna("00")).value_counts()
        housing = {k: int(v) for k, v in counts.items() if k.startswith(("17-", "18-"))}
        out.notes.append(Msg("note.prescriptions", counts=", ".join(f"{k} ×{v}" for k, v in counts.sort_index().items()))
                         if not housing else
                         Msg("note.prescriptions_housing", counts=", ".join(f"{k} ×{v}" for k, v in counts.sort_index().items()),
                             housing=", ".join(housing)))
    if lay.name == "zoning" and "typezone" in frame.columns:
        counts = frame["typezone"].astype("string").fillna("∅").value_counts()
        out.notes.append(Msg("note.typezone", counts=", ".join(f"{k} ×{v}" for k, v in counts.items())))
    if "id" not in frame.columns:
        scope = frame["insee"] if "insee" in frame.columns else pd.Series(None, index=frame.index)
        parts = [c for c in ("idurba", "libelle", "typezone", "typepsc", "stypepsc") if c in frame.columns]
        frame["id"] = _stable_ids(frame, lay.id_prefix, scope.where(scope.notna(), None), parts)
        dup = frame["id"].duplicated()
        if dup.any():  # identical features: number the copies so none is dropped
            frame.loc[dup, "id"] = frame.loc[dup, "id"] + "-" + frame.groupby("id").cumcount()[dup].astype(str)


def _friche_names(out: Mapped):
    """A friche with no site_nom (Cartofriches points) is named after its site_id, and the notes say so."""
    frame = out.frame
    if "site_id" not in frame.columns:
        return
    names = frame["site_nom"] if "site_nom" in frame.columns else pd.Series(None, index=frame.index, dtype=object)
    blank = names.isna() | names.astype("string").str.strip().fillna("").eq("")
    if blank.any():
        frame["site_nom"] = names.astype(object).where(~blank, "Friche " + frame["site_id"].astype(str))
        out.notes.append(Msg("note.friche_names", n=int(blank.sum())))


def _typezone_families(out: Mapped, file):
    """A local TYPEZONE ('Nh', '1AUh') becomes its CNIG family (N, AUc), with one warning per code."""
    frame = out.frame
    raw = frame["typezone"]
    family = raw.map(schema.typezone_family)
    odd = family.notna() & (family != raw)
    for code, n in raw[odd].astype(str).value_counts().items():
        out.warnings.append(Problem(Msg("warn.typezone_family", code=repr(code), family=schema.typezone_family(code),
                                        n=n), file, None, "typezone", code, Msg("hint.typezone_libelle")))
    frame["typezone"] = family.where(family.notna(), raw)


def _same_plan_ids(out: Mapped, lay, store):
    """A zone already in the store (same IDURBA, LIBELLE, TYPEZONE, outline within 1 %) keeps its id,
    whatever the file's format or CRS: one plan is one set of zones."""
    frame = out.frame
    if store is None or "id" not in frame.columns or not isinstance(frame, gpd.GeoDataFrame) or not len(frame):
        return
    current = store.read(lay.name)
    if current.empty:
        return
    parts = [c for c in ("idurba", "libelle", "typezone", "typepsc", "stypepsc") if c in frame.columns]
    geoms = frame.geometry.to_crs(current.crs).to_numpy()
    key = (lambda df: df[parts].astype("string").fillna("").agg("|".join, axis=1).to_numpy()) if parts \
        else (lambda df: np.full(len(df), ""))
    mine, theirs = key(frame), key(current)
    cur_geoms, cur_ids = current.geometry.to_numpy(), current["id"].to_numpy()
    left, right = current.sindex.query(geoms, predicate="intersects")
    ids, taken, known = frame["id"].to_numpy(dtype=object).copy(), set(), set(cur_ids)
    for i, j in zip(left, right):
        if ids[i] in known or mine[i] != theirs[j] or cur_ids[j] in taken:
            continue
        a, b = geoms[i], cur_geoms[j]
        if shapely.is_missing(a) or shapely.is_missing(b):
            continue
        if shapely.area(shapely.symmetric_difference(a, b)) <= 0.01 * max(shapely.area(b), 1.0):
            ids[i] = cur_ids[j]
            taken.add(cur_ids[j])
    frame["id"] = ids


def _qpv_fields(out: Mapped):
    """QPV: 'commune' is the first INSEE code of a list, 'communes' all of them joined by |."""
    frame = out.frame
    for col in ("commune", "communes"):
        if col in frame.columns:
            codes = frame[col].astype("string").str.findall(r"(?:\d{5}|2[AB]\d{3})")
            if col == "commune":
                frame[col] = codes.map(lambda c: c[0] if isinstance(c, list) and c else None).where(
                    codes.notna(), frame[col])
            else:
                frame[col] = codes.map(lambda c: "|".join(c) if isinstance(c, list) and c else None)
    if "code_qp" in frame.columns and "communes" in frame.columns and frame["code_qp"].duplicated().any():
        _merge_qpv_rows(out)
        frame = out.frame
    if "code_qp" in frame.columns:
        gen = frame["code_qp"].astype("string").str[:2].value_counts()
        out.notes.append(Msg("note.qpv_codes", codes=", ".join(f"{k}… ×{v}" for k, v in gen.items())))


def _merge_qpv_rows(out: Mapped):
    """A QPV listed once per commune it covers: one QPV, every commune, the union of the outlines."""
    frame, rows = out.frame, out.rows
    first = ~frame["code_qp"].duplicated()
    codes = frame.groupby("code_qp", sort=False)["communes"].agg(
        lambda s: "|".join(dict.fromkeys(c for v in s.dropna() for c in str(v).split("|"))) or None)
    merged = frame[first.to_numpy()].copy()
    merged["communes"] = merged["code_qp"].map(codes)
    if isinstance(frame, gpd.GeoDataFrame):
        union = frame.groupby("code_qp", sort=False).geometry.agg(lambda g: shapely.union_all(g.to_numpy()))
        merged = merged.set_geometry(gpd.GeoSeries(list(merged["code_qp"].map(union)), index=merged.index,
                                                   crs=frame.crs))
    n = int((~first).sum())
    out.frame, out.rows = merged, rows[first.to_numpy()]
    out.notes.append(Msg("note.qpv_merged", n=n))


def _keep_territory(out: Mapped, lay, store, epci, file):
    """Keep one EPCI's communes, or the features that meet its (or the store's) communes."""
    frame = out.frame
    before = len(frame)
    if lay.name == "communes":
        if "epci_siren" not in frame.columns:
            raise PlhgisError(Msg("err.epci_column"), field="--epci", value=epci, hint=Msg("hint.drop_epci"))
        keep = frame["epci_siren"].astype("string").str.strip() == str(epci)
    elif lay.extra.get("commune_check", True) and lay.commune_field in frame.columns and store is not None:
        communes = territory_communes(store, epci)  # the territory's own layers: by commune code
        codes = frame[lay.commune_field].astype("string").str.strip().str.zfill(5)
        keep = codes.isin(set(communes["insee"]))
    else:
        if not isinstance(frame, gpd.GeoDataFrame) or store is None:
            raise PlhgisError(Msg("err.epci_geometry", layer=lay.name), field="--epci", value=epci)
        communes = territory_communes(store, epci)
        if communes.empty:  # no --epci and an empty store: nothing to keep to
            return
        area = shapely.union_all(communes.geometry.to_numpy())
        geoms = frame.geometry.to_crs(communes.crs).to_numpy()
        keep = pd.Series(shapely.intersects(geoms, area), index=frame.index)
    keep = keep.fillna(False).astype(bool)
    left = {Problem("", row=r).row for r in out.rows[~keep.to_numpy()]}
    out.frame, out.rows = frame[keep.to_numpy()], out.rows[keep.to_numpy()]
    # rows left out are not imported: nothing to say about them
    out.warnings = [p for p in out.warnings if p.row is None or p.row not in left]
    out.errors = [p for p in out.errors if p.row is None or p.row not in left]
    what = Msg("note.of_epci", epci=epci) if epci else Msg("note.of_store")
    out.notes.append(Msg("note.kept", n=Num(int(keep.sum())), of=Num(before), layer=lay.name, what=what))
    if not keep.any():
        out.errors.append(Problem(Msg("err.none_kept", layer=lay.name, what=what), file, None, "--epci", epci,
                                  _epci_hint(frame if lay.name == "communes" else None, store, epci)))


def _epci_hint(frame, store, epci=None) -> Msg:
    """'EPCI in the file: 246200364 (CA de Lens - Liévin) ×36, …', else the store's, for a --epci hint."""
    if frame is None and store is not None and epci and str(epci) in set(
            store.read("communes")["epci_siren"].dropna().astype(str)):
        return Msg("hint.epci_nothing", epci=epci)
    for table, where in ((frame, "hint.epci_in_file"), (store.read("communes") if store is not None else None,
                                                         "hint.epci_in_store")):
        if table is None or "epci_siren" not in table.columns or not table["epci_siren"].notna().any():
            continue
        names = table.get("epci_name", pd.Series(None, index=table.index)).astype("string")
        label = table["epci_siren"].astype("string").str.strip() + names.fillna("").map(
            lambda n: f" ({n})" if n else "")
        top = label.value_counts().head(5)
        return Msg(where, epcis=", ".join(f"{k} ×{v}" for k, v in top.items()))
    return Msg("hint.siren")


def _territory_warnings(out: Mapped, lay, store, file):
    """Say which communes have no EPCI, and which features lie outside the store's communes."""
    frame = out.frame
    if lay.name == "communes" and "epci_siren" in frame.columns:
        blank = frame["epci_siren"].astype("string").str.strip().fillna("").eq("")
        for i in np.flatnonzero(blank.to_numpy()):
            out.warnings.append(Problem(Msg("warn.no_epci"), file, out.rows.iloc[i],
                                        "epci_siren", frame["insee"].iloc[i] if "insee" in frame else None,
                                        Msg("hint.fill_epci")))
    if lay.name == "sectors" and store is not None and isinstance(frame, gpd.GeoDataFrame) and len(frame):
        communes = store.read("communes")
        if communes.empty:
            return
        area = shapely.union_all(communes.geometry.to_numpy())
        geoms = frame.geometry.to_crs(communes.crs).to_numpy()
        outside = ~shapely.intersects(geoms, area) & ~shapely.is_missing(geoms)
        names = frame["name"] if "name" in frame else pd.Series(None, index=frame.index)
        for i in np.flatnonzero(outside):
            out.warnings.append(Problem(Msg("warn.sector_outside"), file, out.rows.iloc[i], "geometry",
                                        names.iloc[i], Msg("hint.sector_epci")))


def territory_communes(store, epci):
    """The store's communes, or those of EPCI `epci`: an EPCI the store does not hold is an error."""
    communes = store.read("communes")
    if epci:
        communes = communes[communes["epci_siren"] == str(epci)]
        if communes.empty:
            raise PlhgisError(Msg("err.no_epci_commune", epci=epci), field="--epci", value=epci,
                              hint=Msg("hint.load_epci", epci=epci))
    return communes


def _updates_only(out: Mapped, lay, store, file):
    """A table of figures (no geometry) updates communes already in the store, never adds one."""
    key = lay.key
    if lay.name != "communes" or key not in out.frame.columns:
        return
    known = store.communes()
    sirens = set(store.read("communes")["epci_siren"].dropna().astype(str)) if known else set()
    codes = out.frame[key].astype("string").str.strip().str.zfill(5)
    for i in np.flatnonzero(~codes.isin(known).to_numpy()):
        out.errors.append(Problem(Msg("err.unknown_insee"), file, out.rows.iloc[i], key, out.frame[key].iloc[i],
                                  Msg("hint.figures_epci", sirens=" | ".join(sorted(sirens)))
                                  if sirens and "epci_siren" in out.frame.columns else Msg("hint.figures")))


# -- locating a scheme by its parcels -----------------------------------------------------------
def parcels_footprint(store, refs) -> shapely.Geometry:
    """The union of the parcels `refs` (IDU strings, or one 'A,B' string) from the parcels layer."""
    given = refs
    if isinstance(refs, str):
        refs = re.split(r"[,|;\s]+", refs)
    refs = [str(r).strip().upper() for r in refs if r is not None and str(r).strip()]
    if not refs:
        raise PlhgisError(Msg("err.no_parcel_ref"), field="--parcels", value=given if isinstance(given, str) else None,
                          hint=Msg("hint.idu_list"))
    bad = [r for r in refs if not re.fullmatch(schema.IDU_RE, r)]
    if bad:
        raise PlhgisError(Msg("err.bad_parcel_ref"), field="--parcels", value=bad[0], hint=Msg("hint.idu"))
    found = store.read("parcels", ids=refs) if store.count("parcels") else None
    have = set() if found is None else set(found["id"])
    missing = [r for r in refs if r not in have]
    if missing:
        raise NotFoundError(Msg("err.unknown_parcels" if len(missing) > 1 else "err.unknown_parcel", ids=", ".join(missing)), field="--parcels", value=missing[0],
                            hint=Msg("hint.load_cadastre_first"))
    return shapely.union_all(found.geometry.to_numpy())

"""CNIG Friches CSV, both ways (standard v1.0.6, schema.data.gouv.fr cnigfr/schema-friches).

Reading (`from_cnig`, called by sources.map_source for `plhgis import friches FILE.csv`): the
geometry comes from the WKT columns `geompoint` / `geomsurf` (WGS84, x = longitude); the surface
is the friche's geometry when there is one, and its point is then kept in the `geompoint` field.
Real files deviate from the standard; each deviation is one warning per row and field:
dd/mm/yyyy dates, values outside the enums (schema.FRICHES), values breaking the standard's
patterns, columns of an older version. A point whose latitude and longitude are swapped (as in
the standard's own example file) and an unreadable WKT are errors.

Writing (`write_cnig`, `plhgis export friches FILE.csv --format cnig`): the 51 columns in the
standard's order, `;`-separated UTF-8, ISO dates, WKT in WGS84.
"""
from __future__ import annotations

from pathlib import Path

from . import lazy
from . import outputs, schema
from .extra import keep_extra
from .labels import Msg
from .errors import InputFileError, Problem

gpd = lazy.module("geopandas")
np = lazy.module("numpy")
pd = lazy.module("pandas")
shapely = lazy.module("shapely")

COLUMNS = (
    "site_id", "site_nom", "site_type", "site_adresse", "site_identif_date", "site_actu_date",
    "site_url", "site_ademe_url", "site_securite", "site_occupation", "site_statut",
    "site_projet_url", "site_reconv_annee", "site_reconv_type", "activite_libelle",
    "activite_code", "activite_fin_annee", "comm_nom", "comm_insee", "bati_type", "bati_nombre",
    "bati_surface", "bati_pollution", "bati_vacance", "bati_patrimoine", "bati_etat",
    "local_ancien_annee", "local_recent_annee", "proprio_type", "proprio_personne", "proprio_nom",
    "sol_pollution_annee", "sol_pollution_existe", "sol_pollution_origine",
    "sol_pollution_commentaire", "sol_depollution_fiche", "unite_fonciere_surface",
    "unite_fonciere_refcad", "urba_zone_type", "urba_zone_lib", "urba_zone_formdomi", "urba_zaer",
    "urba_doc_type", "desserte_distance", "desserte_commentaire", "source_nom", "source_url",
    "source_producteur", "source_contact", "geompoint", "geomsurf")
REQUIRED = ("site_id", "site_nom", "site_type", "site_identif_date", "site_actu_date", "comm_nom",
            "comm_insee", "urba_zaer", "source_nom", "geompoint")
DATES = ("site_identif_date", "site_actu_date")
# patterns of the standard's Table Schema (checked as warnings: the value is kept)
PATTERNS = {
    "site_url": r"^(https?://[^|\s]*\|)*https?://[^|\s]*$",
    "site_ademe_url": r"^https?://[^|\s]*$",
    "site_projet_url": r"^(https?://[^|\s]*)|([\w\-\.]+@([\w-]+\.)+[\w-]{2,})$",
    "activite_code": r"(?:(?:^|\|)([A-Z]\d\d.\d\d[A-Z]|)\1+[A-Z]\d\d.\d\d[A-Z])+$",
    "bati_type": r"(?:(?:^|\|)(industriel|commercial|résidentiel|secteur tertiaire|inconnu|autre|sans objet))+$",
    "proprio_type": r"(?:(?:^|\|)([A-Z]\d[a-z]|)\1+[A-Z]\d[a-z])+$",
    "proprio_personne": r"(?:(?:^|\|)(personne physique|personne morale|inconnu|autre|sans objet))+$",
    "unite_fonciere_refcad": r"(?:(?:^|\|)([0-9A-B]{2}\d{6}[0-9A-Z]{2}\d{4}|)\1+[0-9A-B]{2}\d{6}[0-9A-Z]{2}\d{4})+$",
    "desserte_distance": r"\d{1,}\|\d{1,}\|\d{1,}",
}
MISSING = ("", "NA", "NaN", "N/A")  # the standard's missingValues
# where France is, to tell a swapped point (lat lon) from a good one (lon lat)
FRANCE_BOXES = ((-5.5, 41.2, 10.0, 51.2), (-61.9, 15.8, -60.8, 16.6), (-61.3, 14.3, -60.7, 14.9),
                (-54.7, 2.1, -51.5, 5.9), (55.1, -21.5, 55.9, -20.8), (44.9, -13.1, 45.4, -12.5),
                (-56.5, 46.7, -56.1, 47.2))


def _in_france(x, y):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    inside = np.zeros(x.shape, dtype=bool)
    for w, s, e, n in FRANCE_BOXES:
        inside |= (x >= w) & (x <= e) & (y >= s) & (y <= n)
    return inside


def from_cnig(frame: pd.DataFrame, *, file=None, rows=None):
    """A CNIG Friches table (text columns) → (GeoDataFrame in WGS84, notes, warnings, errors)."""
    rows = frame.index.to_series() if rows is None else rows
    notes, warnings, errors = [], [], []
    frame = pd.DataFrame(frame).copy()
    names = [str(c).strip().lower() for c in frame.columns]  # SITE_ID → site_id
    twins = sorted({n for n in names if names.count(n) > 1})
    if twins:
        same = [str(c) for c, n in zip(frame.columns, names) if n == twins[0]]
        raise InputFileError(Msg("err.cnig_twins", columns=", ".join(map(repr, same)), column=repr(twins[0])),
                             file=file, field=twins[0], hint=Msg("hint.keep_one"))
    frame.columns = names
    absent = [c for c in COLUMNS if c not in frame.columns]
    if absent:
        older = absent == ["urba_zaer"]
        warnings.append(Problem(Msg("warn.cnig_old" if older else "warn.cnig_missing", columns=", ".join(absent)),
                                file, None, absent[0], None,
                                Msg("hint.cnig_zaer" if older else "hint.left_empty")))
    text = frame.astype("string").apply(lambda col: col.str.strip())
    blank = text.isna() | text.isin(MISSING)
    n_na = int(text.isin(["NA", "NaN", "N/A"]).to_numpy().sum())
    if n_na:
        notes.append(Msg("note.cnig_na", n=n_na))
    for col in DATES:  # dd/mm/yyyy: read, and say so
        if col in text:
            fr = text[col].str.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}").fillna(False)
            for i in np.flatnonzero(fr.to_numpy()):
                warnings.append(Problem(Msg("warn.cnig_date"), file, rows.iloc[i], col, text[col].iloc[i],
                                        Msg("hint.cnig_date")))
    for col, pattern in PATTERNS.items():
        if col in text:
            ok = text[col].str.fullmatch(pattern).fillna(False) | blank[col]
            for i in np.flatnonzero(~ok.to_numpy()):
                warnings.append(Problem(Msg("warn.cnig_pattern"), file, rows.iloc[i], col, text[col].iloc[i],
                                        Msg("hint.cnig_pattern", pattern=pattern)))
    for col in REQUIRED:
        if col in text and col != "geompoint" and schema.FRICHES.field(col).required is False:
            for i in np.flatnonzero(blank[col].to_numpy()):
                warnings.append(Problem(Msg("warn.cnig_required"), file, rows.iloc[i], col, None,
                                        Msg("hint.cnig_required")))
    point, bad_point = _wkt(text, blank, "geompoint", file, rows, errors)
    surf, bad_surf = _wkt(text, blank, "geomsurf", file, rows, errors)
    for i in np.flatnonzero(shapely.is_missing(point) & shapely.is_missing(surf) & ~bad_point & ~bad_surf):
        errors.append(Problem(Msg("err.cnig_no_geometry"), file, rows.iloc[i], "geompoint", None,
                              Msg("hint.cnig_point")))
    has_surf = ~shapely.is_missing(surf)
    geoms = np.where(has_surf, surf, point)
    attrs = [c for c in frame.columns if c not in ("geompoint", "geomsurf")]
    out = pd.DataFrame(np.where(blank[attrs], None, text[attrs].to_numpy(dtype=object)), index=frame.index,
                       columns=attrs)
    keep_pt = has_surf & ~shapely.is_missing(point)  # the point of a friche drawn as a surface
    out["geompoint"] = np.where(keep_pt, shapely.to_wkt(point, rounding_precision=-1, trim=True), None)
    out, kept = keep_extra(out, set(COLUMNS) | {f.name for f in schema.FRICHES.fields})
    if kept:
        notes.append(Msg("note.cnig_extra", columns=", ".join(kept)))
    notes.append(Msg("note.cnig_kinds", n=len(frame), surface=int(has_surf.sum()), point=int((~has_surf).sum())))
    return gpd.GeoDataFrame(out, geometry=list(geoms), crs="EPSG:4326"), notes, warnings, errors


def _wkt(text, blank, col, file, rows, errors):
    """(geometries, bad mask) of a WKT column in WGS84; unreadable or lat/lon-swapped values are errors."""
    if col not in text:
        return np.full(len(text), None, dtype=object), np.zeros(len(text), dtype=bool)
    values = pd.Series(np.where(blank[col], None, text[col].to_numpy(dtype=object)), index=text.index)
    geoms = shapely.from_wkt(values.to_numpy(dtype=object), on_invalid="ignore")
    bad = shapely.is_missing(geoms) & ~blank[col].to_numpy()
    geoms[shapely.is_empty(geoms)] = None  # POINT EMPTY: no geometry, as if the cell were blank
    for i in np.flatnonzero(bad):
        errors.append(Problem(Msg("err.cnig_wkt"), file, rows.iloc[i], col, _short(values.iloc[i]),
                              Msg("hint.cnig_wkt")))
    present = np.flatnonzero(~shapely.is_missing(geoms))
    if len(present):
        pts = shapely.point_on_surface(geoms[present])
        x, y = shapely.get_x(pts), shapely.get_y(pts)
        swapped = ~_in_france(x, y) & _in_france(y, x)
        for j in np.flatnonzero(swapped):
            i = present[j]
            errors.append(Problem(Msg("err.cnig_swapped", x=f"{x[j]:g}", y=f"{y[j]:g}"),
                                  file, rows.iloc[i], col, _short(values.iloc[i]),
                                  Msg("hint.cnig_swapped", x=f"{x[j]:g}", y=f"{y[j]:g}")))
            geoms[i], bad[i] = None, True
        elsewhere = ~_in_france(x, y) & ~swapped
        for j in np.flatnonzero(elsewhere):
            i = present[j]
            errors.append(Problem(Msg("err.cnig_not_france", x=f"{x[j]:g}", y=f"{y[j]:g}"), file,
                                  rows.iloc[i], col, _short(values.iloc[i]), Msg("hint.cnig_degrees")))
            geoms[i], bad[i] = None, True
    return geoms, bad


def _short(value, n=70):
    value = "" if value is None else str(value)
    return value if len(value) <= n else value[:n] + "…"


# -- export ---------------------------------------------------------------------------------------
def to_cnig(frame: gpd.GeoDataFrame):
    """The friches layer (store CRS) → (table of the 51 CNIG columns as text, list of notes)."""
    notes = []
    out = pd.DataFrame(index=frame.index)
    for col in COLUMNS[:-2]:
        if col not in frame.columns:
            out[col] = ""
            continue
        fld = schema.FRICHES.field(col)
        values = frame[col]
        if fld.type == "int":
            text = pd.to_numeric(values, errors="coerce").astype("Int64").astype("string")
        else:
            text = values.astype("string")
        out[col] = text.fillna("")
    zaer = out["urba_zaer"] == ""
    if zaer.any():
        out.loc[zaer, "urba_zaer"] = "inconnu"
        notes.append(Msg("note.cnig_zaer", n=int(zaer.sum())))
    geoms = frame.geometry.to_crs("EPSG:4326").to_numpy() if len(frame) else np.array([], dtype=object)
    kinds = shapely.get_type_id(geoms)
    surface = np.isin(kinds, (3, 6))
    stored = frame["geompoint"].to_numpy(dtype=object) if "geompoint" in frame else np.full(len(frame), None)
    stored_pt = shapely.from_wkt(np.where(pd.isna(stored), None, stored), on_invalid="ignore")
    fallback = shapely.point_on_surface(geoms)
    points = np.where(surface & ~shapely.is_missing(stored_pt), stored_pt,
                      np.where(np.isin(kinds, (0,)), geoms, fallback))
    out["geompoint"] = _wkt_text(points)
    out["geomsurf"] = np.where(surface, _wkt_text(np.where(surface, geoms, None)), "")
    for col in REQUIRED:
        empty = int((out[col] == "").sum())
        if empty:
            notes.append(Msg("note.cnig_required_empty", column=col, n=empty))
    extra = [c for c in frame.columns if c not in COLUMNS and c not in
             ("geometry", "created_at", "updated_at", "end_date", frame.geometry.name)]
    if extra:
        notes.append(Msg("note.cnig_not_written", fields=", ".join(extra)))
    return out.reset_index(drop=True), notes


def _wkt_text(geoms):
    text = shapely.to_wkt(geoms, rounding_precision=7, trim=True)
    return np.where(pd.isna(text), "", text)


def write_cnig(frame: gpd.GeoDataFrame, path, *, overwrite=False):
    """Write the friches as a CNIG Friches CSV (`;`, UTF-8); returns (path, notes)."""
    path = Path(path)
    outputs.check_free([path], overwrite)
    table, notes = to_cnig(frame)
    with outputs.atomic_output(path, overwrite) as tmp:
        table.to_csv(tmp, sep=";", index=False, encoding="utf-8", lineterminator="\n")
    return path, notes

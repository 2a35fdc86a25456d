"""Building permits creating homes (SDES Sitadel): read the published file, load the `permits` layer.

The SDES monthly list ("Liste des autorisations d'urbanisme créant des logements") comes as a `;`
CSV with one or two header lines (long French labels, then the codes). The codes changed in May
2022 (`REG` → `REG_CODE`, `Num_DAU` → `NUM_DAU`, `sec_cadastre1` → `SEC_CADASTRE1`): both are read.
A permit is placed on its cadastral parcels when the parcels layer holds them, else at its
commune, and the import goes through `edits.plan_rows`, so a re-import of next month's file
updates the permits that changed (started, completed, cancelled) and adds the new ones.

    plan = import_permits(store, "Liste-des-autorisations….csv", epci="243100518", dry_run=True)
    permits_by_year(store)  # homes authorised, started, completed per year and commune
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import shapely

from . import bulk, edits, schema
from .sources import territory_communes
from .labels import Msg, Num
from .errors import InputFileError, PlhgisError, Problem, unknown_commune

# SDES code (new upper-case name) → permits field; older editions' names are folded onto these
COLUMNS = {
    "NUM_DAU": "num_dau", "TYPE_DAU": "type_dau", "COMM": "commune", "ETAT_DAU": "status",
    "DATE_REELLE_AUTORISATION": "date_authorised", "DATE_REELLE_DOC": "date_started",
    "DATE_REELLE_DAACT": "date_completed", "DPC_DERN": "last_update",
    "NB_LGT_TOT_CREES": "homes_total", "NB_LGT_IND_CREES": "homes_individual",
    "NB_LGT_COL_CREES": "homes_collective", "NB_LGT_RES": "homes_residence",
    "NB_LGT_PRET_LOC_SOCIAL": "homes_social_rent", "NB_LGT_ACC_SOC_HORS_PTZ": "homes_social_ownership",
    "NB_LGT_PTZ": "homes_ptz", "NB_LGT_DEMOLIS": "homes_demolished",
    "DENOM_DEM": "applicant", "SIREN_DEM": "applicant_siren", "CAT_DEM": "applicant_category",
    "SUPERFICIE_TERRAIN": "land_area_m2",
}
ADDRESS = ("ADR_NUM_TER", "ADR_TYPEVOIE_TER", "ADR_LIBVOIE_TER", "ADR_LIEUDIT_TER")
CADASTRE = tuple(f"{kind}_CADASTRE{i}" for i in (1, 2, 3) for kind in ("SEC", "NUM"))
OLD_NAMES = {"REG": "REG_CODE", "DEP": "DEP_CODE"}  # before May 2022 (SDES dictionary)
REQUIRED = ("NUM_DAU", "COMM", "NB_LGT_TOT_CREES", "DATE_REELLE_AUTORISATION")
ETAT_DAU = {"2": "autorisé", "4": "annulé", "5": "commencé", "6": "terminé"}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%Y%m%d", "%Y/%m/%d", "%d-%m-%Y")
TEXT_FIELDS = ("applicant", "address")
_MOJIBAKE = re.compile("[ÃÂ][\u0080-\u00bf]")


class PermitsFileError(InputFileError):
    """The file is not an SDES permits list, or is cut short."""


# -- reading the file ---------------------------------------------------------------------------
def _header(path: Path):
    """(line index of the codes, raw names, encoding) of an SDES file with one or two header lines."""
    with open(path, "rb") as fh:
        head = [fh.readline() for _ in range(2)]
    encoding = "utf-8"
    try:
        lines = [h.decode("utf-8-sig") for h in head]
    except UnicodeDecodeError:
        encoding = "cp1252"
        lines = [h.decode(encoding) for h in head]
    for i, line in enumerate(lines):
        names = next(csv.reader([line.strip("\r\n")], delimiter=";"), [])
        if {"NUM_DAU", "COMM"} <= {n.strip().upper() for n in names}:
            return i, [n.strip() for n in names], encoding
    first = next(csv.reader([lines[0].strip("\r\n")], delimiter=";"), []) if lines[0] else []
    raise PermitsFileError(Msg("err.not_sdes"), file=str(path), value=", ".join(first[:6])[:120] or None,
                           hint=Msg("hint.sdes_file"))


def _codes(names) -> dict[str, str]:
    """Raw column name → SDES code (upper case, older names mapped to the new ones)."""
    out = {}
    for name in names:
        code = name.upper()
        out[name] = OLD_NAMES.get(code, code)
    return out


def _check_complete(path: Path, width: int, encoding: str) -> None:
    """A file cut short (interrupted download) ends in a row with fewer fields than the header."""
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - 65536))
        tail = fh.read().decode(encoding, errors="replace")
    lines = [ln for ln in tail.splitlines() if ln.strip()]
    if not lines:
        return
    fields = next(csv.reader([lines[-1]], delimiter=";"), [])
    if len(fields) < width:
        raise PermitsFileError(Msg("err.cut_short", n=len(fields), width=width), file=str(path),
                               row="last", hint=Msg("hint.download_again"))


def read_sdes(path) -> tuple[pd.DataFrame, pd.Series, list[str]]:
    """The file's permits as text, columns named by SDES codes; (frame, file line numbers, notes)."""
    path = Path(path)
    if not path.exists():
        raise PermitsFileError(Msg("err.file_not_found"), file=str(path), hint=Msg("hint.check_path"))
    skip, names, encoding = _header(path)
    codes = _codes(names)
    wanted = set(COLUMNS) | set(ADDRESS) | set(CADASTRE)
    missing = [c for c in REQUIRED if c not in codes.values()]
    if missing:
        raise PermitsFileError(Msg("err.columns_missing", columns=", ".join(missing)), file=str(path),
                               hint=Msg("hint.sdes_columns"))
    _check_complete(path, len(names), encoding)
    frame = _read_csv(path, skip, names, [n for n in names if codes[n] in wanted], encoding).rename(columns=codes)
    notes = [Msg("note.sdes_file", name=path.name, n=Num(len(frame)),
                 header=Msg("note.sdes_two_lines" if skip else "note.sdes_one_line"),
                 codes=Msg("note.sdes_new" if "NUM_DAU" in names else "note.sdes_old"),
                 encoding="" if encoding == "utf-8" else Msg("note.read_as", encoding=encoding))]
    rows = pd.Series(np.arange(len(frame)) + skip + 2, index=frame.index)
    return frame, rows, notes


def _read_csv(path: Path, skip: int, names: list[str], usecols: list[str], encoding: str) -> pd.DataFrame:
    """The rows as text, read by Arrow's CSV reader (3–8× faster than pandas' own); a file it
    refuses (a row of another width, bytes not in the encoding) is read by pandas as before, which
    pads a short row or names the fault."""
    try:
        table = pacsv.read_csv(
            path, read_options=pacsv.ReadOptions(skip_rows=skip + 1, column_names=names, encoding=encoding),
            parse_options=pacsv.ParseOptions(delimiter=";", quote_char='"', newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                include_columns=usecols, column_types=dict.fromkeys(usecols, pa.large_string()), null_values=[""],
                strings_can_be_null=True, quoted_strings_can_be_null=True))
        return table.to_pandas()
    except (pa.ArrowException, UnicodeDecodeError):
        pass
    try:
        return pd.read_csv(path, sep=";", skiprows=skip + 1, header=None, names=names, usecols=usecols, dtype=str,
                           encoding=encoding, keep_default_na=False, na_values=[""], quotechar='"')
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise PermitsFileError(Msg("err.cannot_read", why=str(exc).strip().splitlines()[0]), file=str(path),
                               hint=Msg("hint.sdes_csv")) from None


# -- from SDES codes to the permits layer ---------------------------------------------------------
# Column by column in Arrow's kernels; the columns whose values repeat (codes, dates, counts,
# sections) are worked out once per distinct value (`schema.per_value`), then looked up for every row.
_TEXT = pa.large_string()  # pandas' str columns hold Arrow large strings


def _arrow(series: pd.Series) -> pa.ChunkedArray:
    """A text column as Arrow strings (no copy for pandas' str dtype)."""
    values = pa.array(series.astype("str"))
    return (values if isinstance(values, pa.ChunkedArray) else pa.chunked_array([values])).cast(_TEXT)


def _series(values, index) -> pd.Series:
    """Arrow strings back as a pandas str column."""
    return pd.Series(pd.array(values, dtype="str"), index=index)


def _strip(values: pd.Series) -> pd.Series:
    return values.astype("str").str.strip()


def repair_accents(series: pd.Series) -> tuple[pd.Series, int, list[str]]:
    """Undo double-encoded accents ('ALLAÃ\\x82Â\\x89E' → 'ALLÉE'); (values, repaired, still odd)."""
    odd = pd.Series(pc.match_substring_regex(_arrow(series), _MOJIBAKE.pattern).fill_null(False).to_numpy(),
                    index=series.index)
    if not odd.any():
        return series, 0, []
    fixed = series[odd].astype(object).map(_unmangle)
    bad = fixed.str.contains(_MOJIBAKE, na=False) | fixed.str.contains("[\u0080-\u009f]", na=False)
    out = series.copy()
    out[odd & ~bad.reindex(series.index, fill_value=False)] = fixed[~bad]
    return out, int((~bad).sum()), fixed[bad].tolist()


def _unmangle(value: str) -> str:
    """Decode UTF-8 read as Latin-1 until stable; then 'A' + a C1 byte is a lost 'Ã' (0xC3) lead byte."""
    for _ in range(3):
        try:
            again = value.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            break
        if again == value:
            break
        value = again
    return re.sub("A([\u0080-\u00bf])", lambda m: bytes([0xC3, ord(m.group(1))]).decode("utf-8"), value)


def _dates(values: pd.Series, col: str, notes: list) -> pd.Series:
    """ISO dates; the other usual forms (31/12/2024, 20241231) are converted, with a note."""
    codes, uniques = pd.factorize(values)
    raw = pd.Series(uniques).str.strip()
    iso = pd.to_datetime(raw, format="%Y-%m-%d", errors="coerce")
    todo = iso.isna()
    if todo.any():
        for fmt in DATE_FORMATS[1:]:
            iso[todo] = pd.to_datetime(raw[todo], format=fmt, errors="coerce")
            todo = iso.isna()
        converted = (iso.notna() & ~pd.to_datetime(raw, format="%Y-%m-%d", errors="coerce").notna()).to_numpy()
        if converted.any():  # counted in rows, not distinct values
            n = int(np.bincount(codes[codes >= 0], minlength=len(raw))[converted].sum())
            notes.append(Msg("note.dates_converted", column=col, n=n))
        raw = iso.dt.strftime("%Y-%m-%d").where(iso.notna(), raw)  # what still fails is named by the schema
    return pd.Series(pd.api.extensions.take(raw.astype("str").array, codes, allow_fill=True), index=values.index)


def _counts(values: pd.Series) -> pd.Series:
    """Counts as numbers when all of them parse (the schema's fast path); else the text, for the
    schema to name the bad ones."""
    codes, uniques = pd.factorize(values)
    num = pd.to_numeric(pd.Series(uniques), errors="coerce")
    if num.isna().any():
        return values
    return pd.Series(pd.api.extensions.take(num.to_numpy(), codes, allow_fill=True), index=values.index)


def _address(frame) -> pd.Series | None:
    """ADR_NUM_TER, ADR_TYPEVOIE_TER, ADR_LIBVOIE_TER, ADR_LIEUDIT_TER joined, single-spaced."""
    parts = [_arrow(frame[c]).fill_null("") for c in ADDRESS if c in frame.columns]
    if not parts:
        return None
    words = pc.utf8_split_whitespace(pc.binary_join_element_wise(*parts, pa.scalar(" ", _TEXT)))
    joined = pc.utf8_trim_whitespace(pc.binary_join(words, pa.scalar(" ", _TEXT)))  # runs of spaces as one
    return _series(pc.if_else(pc.equal(joined, ""), pa.scalar(None, _TEXT), joined), frame.index)  # '' as null


def to_layer(frame, rows, *, file=None):
    """SDES columns → permits fields (text, counts as numbers); (frame, warnings, notes)."""
    notes, warnings = [], []
    out = pd.DataFrame({field: frame[code] for code, field in COLUMNS.items() if code in frame.columns})
    out["num_dau"] = _series(pc.utf8_upper(pc.utf8_trim_whitespace(_arrow(out["num_dau"]))), out.index)
    out["commune"] = commune_codes(out["commune"])
    if "status" in out:
        out["status"] = schema.per_value(out["status"], lambda code: _strip(code).map(lambda c: ETAT_DAU.get(c, c)))
    for col in ("date_authorised", "date_started", "date_completed"):
        if col in out:
            out[col] = _dates(out[col], col, notes)
    address = _address(frame)
    if address is not None:
        out["address"] = address
    if "applicant_siren" in out:
        out["applicant_siren"] = schema.per_value(out["applicant_siren"], _siren)
    for col in TEXT_FIELDS:
        if col in out:
            out[col], repaired, left = repair_accents(out[col])
            if repaired:
                notes.append(Msg("note.accents_repaired", column=col, n=repaired))
            for value in left:
                warnings.append(Problem(Msg("warn.accents"), file, None, col, value, Msg("hint.accents")))
    out["parcels"] = _parcel_ids(frame, out["commune"])
    for fld in schema.PERMITS.fields:
        if fld.type == "int" and fld.name in out:
            out[fld.name] = _counts(out[fld.name])
    return out, warnings, notes


def _siren(values: pd.Series) -> pd.Series:
    """SIREN without spaces, its leading zeros restored (Excel drops them)."""
    siren = values.astype("str").str.replace(r"\s", "", regex=True)
    return siren.str.zfill(9).where(siren.str.fullmatch(r"\d{7,9}"), siren)


def commune_codes(values: pd.Series) -> pd.Series:
    """COMM as INSEE codes: stripped, and Excel's 1001 restored as 01001."""
    def code(com):
        com = _strip(com)
        return com.where(~com.str.fullmatch(r"\d{4}"), com.str.zfill(5))
    return schema.per_value(values, code)


_SECTION, _NUMBER = r"[0-9A-Z]{1,2}", r"\d{1,4}"


def _section(values: pd.Series) -> pd.Series:
    values = _strip(values).str.upper()
    return values.str.rjust(2, "0").where(values.str.fullmatch(_SECTION))


def _number(values: pd.Series) -> pd.Series:
    values = _strip(values)
    return values.str.zfill(4).where(values.str.fullmatch(_NUMBER))


def _parcel_ids(frame, commune) -> pd.Series:
    """'IDU|IDU' from SEC_CADASTRE1..3 + NUM_CADASTRE1..3 + the commune (prefix 000), column by column."""
    ids = []
    for i in (1, 2, 3):
        if f"SEC_CADASTRE{i}" in frame.columns and f"NUM_CADASTRE{i}" in frame.columns:
            sec = schema.per_value(frame[f"SEC_CADASTRE{i}"], _section)
            num = schema.per_value(frame[f"NUM_CADASTRE{i}"], _number)
            ids.append(pc.binary_join_element_wise(  # '|' + the IDU; null when a part is
                pa.scalar("|", _TEXT), _arrow(commune), pa.scalar("000", _TEXT), _arrow(sec), _arrow(num),
                pa.scalar("", _TEXT)).fill_null(""))
    if not ids:
        return pd.Series(None, index=frame.index, dtype="str")
    joined = pc.utf8_slice_codeunits(pc.binary_join_element_wise(*ids, pa.scalar("", _TEXT)), 1)  # the first '|'
    return _series(pc.if_else(pc.equal(joined, ""), pa.scalar(None, _TEXT), joined), frame.index)  # '' as null


# -- the territory and the location -------------------------------------------------------------
def territory(store, epci=None, commune=None) -> gpd.GeoDataFrame:
    """The communes to keep: one (--commune), one EPCI's (--epci), else all the store's."""
    if not store.count("communes"):
        raise PlhgisError(Msg("err.permits_no_communes"), hint=Msg("hint.permits_communes"))
    communes = territory_communes(store, epci)  # one read; an EPCI the store does not hold is an error
    if commune:
        communes = communes[communes["insee"] == commune]
        if communes.empty and commune not in store.communes():
            raise unknown_commune(commune)
    return communes


def locate(store, frame, communes) -> tuple[np.ndarray, pd.Series, str]:
    """A point for each permit: inside its first parcel found in the parcels layer, else the commune's."""
    com_pt = np.append(shapely.point_on_surface(communes.geometry.to_numpy()), None)
    at = pc.index_in(_arrow(frame["commune"]), value_set=_arrow(communes["insee"]).combine_chunks())
    geoms = com_pt[at.fill_null(-1).to_numpy()]  # -1 (not kept): the None
    located = np.full(len(frame), "commune", dtype=object)
    on_parcels = 0
    if store.count("parcels") and frame["parcels"].notna().any():
        ids = frame["parcels"].reset_index(drop=True).str.split("|").explode().dropna()  # index: the permit's position
        parcels = store.read("parcels", ids=set(ids))
        pt = pd.Series(shapely.point_on_surface(parcels.geometry.to_numpy()), index=parcels["id"].to_numpy())
        found = ids[ids.isin(pt.index)]
        first = found[~found.index.duplicated()]  # each permit's first parcel found, in the file's order
        geoms[first.index] = pt[first.to_numpy()].to_numpy()
        located[first.index] = "parcelles"
        on_parcels = len(first)
    note = Msg("note.placed" if store.count("parcels") else "note.placed_no_parcels", parcels=Num(on_parcels),
               commune=Num(len(frame) - on_parcels))
    return geoms, pd.Series(located, index=frame.index), note


def import_permits(store, path, *, epci=None, commune=None, dry_run=False) -> edits.Plan:
    """Import (or update from) an SDES permits file, kept to the territory; returns the plan."""
    with bulk.no_cyclic_gc():  # a national file: millions of values at once (bulk.py)
        return _import_permits(store, Path(path), epci, commune, dry_run)


def _import_permits(store, path, epci, commune, dry_run) -> edits.Plan:
    layer, rows, notes, warnings = permits_layer(store, path, epci, commune)
    plan = edits.plan_rows(store, "permits", layer, mode="upsert", file=str(path), rows=rows,
                           source=f"import {path.name}")
    plan.notes, plan.warnings = notes, warnings + plan.warnings
    return plan if dry_run else edits.apply(store, plan)


def permits_layer(store, path: Path, epci=None, commune=None):
    """The file's permits of the territory as the permits layer, placed; (layer, file lines, notes, warnings)."""
    raw, rows, notes = read_sdes(path)
    communes = territory(store, epci, commune)
    warnings = []
    codes = commune_codes(raw["COMM"])
    malformed = ~codes.str.fullmatch(schema.INSEE_RE).fillna(False).to_numpy()
    if malformed.any():
        bad = codes[malformed].fillna("∅").value_counts()
        warnings.append(Problem(Msg("warn.not_insee_rows", n=int(malformed.sum()),
                                    codes=", ".join(f"{k!r} ×{v}" for k, v in bad.head(10).items())),
                                str(path), int(rows[malformed].iloc[0]), "COMM", None, Msg("hint.comm")))
    inside = pc.is_in(_arrow(codes), value_set=_arrow(communes["insee"]).combine_chunks()).fill_null(False)
    keep = ~malformed & inside.to_numpy()
    what = (Msg("note.of_commune", commune=commune) if commune else Msg("note.of_epci", epci=epci) if epci
            else Msg("note.of_store"))
    notes.append(Msg("note.kept", n=Num(int(keep.sum())), of=Num(len(raw)), layer=Msg("note.permits"), what=what))
    if not keep.any():
        raise PlhgisError(Msg("err.none_kept", layer=Msg("note.permits"), what=what), file=str(path), field="COMM",
                          hint=Msg("hint.permits_territory"))
    if not keep.all():  # the territory's rows only
        raw, rows = raw[keep], rows[keep]
    frame, more_warnings, more = to_layer(raw, rows, file=str(path))
    notes += more
    warnings += more_warnings
    frame, rows = _latest_duplicates(frame, rows, warnings, str(path))
    geoms, located, note = locate(store, frame, communes)
    notes.append(note)
    layer = gpd.GeoDataFrame(frame.assign(located=located),
                             geometry=gpd.GeoSeries(geoms, index=frame.index, crs=store.crs))
    return layer, rows, notes, warnings


def _latest_duplicates(frame, rows, warnings, file):
    """A permit number given twice: keep the row with the latest Sitadel update, say so."""
    numbers = _arrow(frame["num_dau"])
    if len(pc.unique(numbers)) == len(numbers):  # the usual case, in one hash pass
        return frame, rows
    dup = frame["num_dau"].duplicated(keep=False)
    order = frame.assign(_row=rows).sort_values(["last_update", "_row"], na_position="first")
    keep = frame.index.isin(order.drop_duplicates("num_dau", keep="last").index)
    twice = pd.DataFrame({"num": frame["num_dau"], "row": rows, "kept": keep})[dup.to_numpy()]
    listed = twice.groupby("num")["row"].agg(lambda r: ", ".join(map(str, sorted(r))))
    kept = twice[twice["kept"]].set_index("num")["row"]
    for num, given in listed.items():
        warnings.append(Problem(Msg("warn.permit_twice", rows=given, kept=kept[num]), file, int(kept[num]),
                                "NUM_DAU", num, Msg("hint.permit_twice")))
    return frame[keep], rows[keep]


# -- the yearly figures -------------------------------------------------------------------------
STAGES = {"authorised": "date_authorised", "started": "date_started", "completed": "date_completed"}
SCHEME_YEARS = {"authorised": "permit_year", "started": "start_year", "completed": "delivery_year"}


def permits_by_year(store, commune=None, *, by_type=False, min_homes=0, include_cancelled=False) -> pd.DataFrame:
    """Homes authorised, started and completed per year and commune (from the permits), next to the
    schemes' own figures (homes by permit_year, start_year, delivery_year; not with `by_type`).

    Columns: year, commune, [type_dau], permits_authorised, homes_authorised, social_rent_authorised,
    social_ownership_authorised, homes_started, homes_completed, schemes_homes_authorised,
    schemes_homes_started, schemes_homes_completed. Cancelled permits (ETAT_DAU 4) are left out
    unless `include_cancelled`.
    """
    permits = pd.DataFrame(store.read("permits", commune=commune).drop(columns="geometry"))
    if not include_cancelled:
        permits = permits[permits["status"] != "annulé"]
    permits = permits[permits["homes_total"].fillna(0) >= min_homes]
    keys = ["commune"] + (["type_dau"] if by_type else [])
    parts = []
    for stage, col in STAGES.items():
        year = pd.to_datetime(permits[col], errors="coerce").dt.year
        sub = permits.assign(year=year).dropna(subset=["year"])
        agg = {f"homes_{stage}": ("homes_total", "sum")}
        if stage == "authorised":
            agg = {"permits_authorised": ("num_dau", "count"), **agg,
                   "social_rent_authorised": ("homes_social_rent", "sum"),
                   "social_ownership_authorised": ("homes_social_ownership", "sum")}
        parts.append(sub.groupby(["year", *keys]).agg(**agg))
    schemes = store.read("projects", commune=commune)
    for stage, col in ({} if by_type else SCHEME_YEARS).items():  # schemes have no permit type
        sub = schemes.assign(year=pd.to_numeric(schemes[col], errors="coerce")).dropna(subset=["year"])
        parts.append(sub.groupby(["year", *keys]).agg(**{f"schemes_homes_{stage}": ("homes_total", "sum")}))
    table = pd.concat(parts, axis=1).astype("Float64").fillna(0).astype("int64").reset_index()
    table["year"] = table["year"].astype(int)
    return table.sort_values(["year", *keys]).reset_index(drop=True)

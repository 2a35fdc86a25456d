"""Files in and out: GeoPackage, GeoJSON, Shapefile, CSV (French Excel too) and XLSX.

Reading gives a frame in the file's own CRS plus the row label of each feature (spreadsheet
line numbers for CSV/XLSX, 1-based feature numbers otherwise), so every message can name the
row to fix. `to_store_crs` checks the coordinates against the CRS area and reprojects.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

from . import lazy
from . import schema
from .errors import InputFileError, Problem, ValidationError
from .labels import Msg
from .outputs import atomic_output

gpd = lazy.module("geopandas")
np = lazy.module("numpy")
pd = lazy.module("pandas")
pyproj = lazy.module("pyproj")
shapely = lazy.module("shapely")

TABLE_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".xlsm"}
FORMATS = {"gpkg": ("GPKG", ".gpkg"), "geojson": ("GeoJSON", ".geojson"),
           "shp": ("ESRI Shapefile", ".shp"), "csv": (None, ".csv"), "xlsx": (None, ".xlsx")}
LON_NAMES, LAT_NAMES = ("lon", "longitude", "lng", "x_wgs84"), ("lat", "latitude", "y_wgs84")
WKT_RE = re.compile(r"^(?:wkt|geometry|geom|the_geom|wkt_(?:epsg)?(\d{4,6}))$", re.I)


def crs_of(value) -> pyproj.CRS | None:
    """A CRS from an EPSG code ('2154', 'EPSG:2154') or any pyproj input; None stays None."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    return pyproj.CRS.from_user_input(f"EPSG:{text}" if text.isdigit() else text)


def read_geodata(path, *, crs=None, layer=None, target_layer=None, header_names=()):
    """Read any supported file into (frame, row labels).

    Parameters
    ----------
    path : file to read.
    crs : CRS to assume when the file declares none (`--crs`).
    layer : layer inside a multi-layer file (GeoPackage).
    target_layer : plhgis layer name, used to pick a same-named layer in a GeoPackage.
    header_names : column names besides plhgis's own that mark a sheet's header row (`--map`).
    """
    path = Path(path)
    if not path.exists():
        raise InputFileError(Msg("err.file_not_found"), file=str(path), hint=Msg("hint.check_path"))
    crs = crs_of(crs)
    if path.suffix.lower() in TABLE_SUFFIXES:
        frame, lines = (_read_xlsx(path, set(header_names)) if path.suffix.lower() in (".xlsx", ".xlsm")
                        else _read_csv(path))
        rows = pd.Series(lines, index=frame.index)
        return _table_geometry(frame, path, rows, crs), rows
    frame = _read_ogr(path, layer, target_layer)
    if path.suffix.lower() == ".shp" and target_layer:
        long_names = {v: k for k, v in short_names(schema.get_layer(target_layer).columns).items()}
        frame = frame.rename(columns=lambda c: long_names.get(c, c))
    rows = pd.Series(np.arange(1, len(frame) + 1), index=frame.index)
    if isinstance(frame, gpd.GeoDataFrame) and frame.crs is None:
        if crs is None:
            raise InputFileError(Msg("err.no_crs"), file=str(path), hint=Msg("hint.say_crs"))
        frame = frame.set_crs(crs)
    elif isinstance(frame, gpd.GeoDataFrame) and crs is not None and not frame.crs.equals(crs):
        raise InputFileError(Msg("err.crs_conflict", file_crs=frame.crs.to_string(), crs=crs.to_string()),
                             file=str(path), hint=Msg("hint.drop_crs"))
    return frame, rows


def short_names(columns) -> dict[str, str]:
    """Shapefile field names (10 characters at most), unique and the same on every run."""
    out, used = {}, set()
    for name in columns:
        short = name[:10]
        n = 1
        while short in used:
            short = f"{name[:8]}{n:02d}"
            n += 1
        used.add(short)
        out[name] = short
    return out


SINGLE_LAYER_SUFFIXES = {".geojson", ".json", ".shp", ".fgb", ".geojsonl", ".geojsons"}
NOT_GEODATA_HINT = Msg("hint.geodata_formats")


def _read_ogr(path, layer, target_layer):
    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError

    if layer is None and path.suffix.lower() not in SINGLE_LAYER_SUFFIXES:
        try:
            names = [n for n, _ in pyogrio.list_layers(path)]
        except DataSourceError as exc:
            raise InputFileError(Msg("err.not_geodata", why=_first_line(exc)), file=str(path),
                                 hint=NOT_GEODATA_HINT) from None
        if len(names) > 1:
            if target_layer not in names:
                raise InputFileError(Msg("err.several_layers", names=", ".join(names)), file=str(path),
                                     hint=Msg("hint.say_layer"))
            layer = target_layer
    try:
        return _read_arrow(path, layer)
    except Exception:  # e.g. an old Shapefile's text not in UTF-8: the row reader decodes it
        pass
    try:
        return pyogrio.read_dataframe(path, layer=layer)
    except DataSourceError as exc:
        raise InputFileError(Msg("err.not_geodata", why=_first_line(exc)), file=str(path),
                             hint=NOT_GEODATA_HINT) from None
    except (DataLayerError, ValueError) as exc:
        raise InputFileError(Msg("err.cannot_read", why=_first_line(exc)), file=str(path),
                             hint=Msg("hint.open_in_qgis")) from None


def _read_arrow(path, layer):
    """The file read through Arrow (faster than the row reader), its columns as the row reader
    gives them: dates as datetime64, yes/no with blanks as 1.0/0.0/NaN, text as pandas infers it,
    a column with no value as None. Text that is not UTF-8 raises (ArrowInvalid)."""
    import pyarrow
    import pyogrio

    frame = pyogrio.read_dataframe(path, layer=layer, use_arrow=True,
                                   arrow_to_pandas_kwargs={"date_as_object": False})
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    for name in frame.columns:
        column = frame[name]
        text = isinstance(column.dtype, pd.StringDtype)
        if name == geometry or not (text or column.dtype == object):
            continue
        if not column.notna().any():
            frame[name] = pd.Series([None] * len(frame), index=frame.index, dtype=object)
        elif text:  # Arrow checks UTF-8 only when asked: an old Shapefile's Latin-1 would fail later
            pyarrow.array(column.array).validate(full=True)
        elif (kind := pd.api.types.infer_dtype(column, skipna=True)) == "boolean":
            frame[name] = column.astype("float64")
        elif kind == "string":
            frame[name] = pd.Series(column.to_numpy(), index=frame.index)
    return frame


def _first_line(exc) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _read_csv(path: Path):
    """CSV as French Excel and LibreOffice write it: `;` or `,`, cp1252 or UTF-8 (BOM or not)."""
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise InputFileError(Msg("err.binary"), file=str(path), hint=Msg("hint.export_csv"))
    text = _decode(raw, path)
    header = text.split("\n", 1)[0]
    try:
        sep = csv.Sniffer().sniff(header, delimiters=";,\t|").delimiter
    except csv.Error:
        sep = ";" if header.count(";") >= header.count(",") else ","
    from io import StringIO

    width = _check_field_counts(text, sep, path)
    try:  # index_col=False, usecols: empty trailing fields (`a;b;`) never shift a row
        frame = pd.read_csv(StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                            na_filter=False, skip_blank_lines=True, index_col=False, usecols=range(width))
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputFileError(Msg("err.cannot_read_csv", why=_first_line(exc)), file=str(path),
                             hint=Msg("hint.csv_separator")) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.apply(lambda col: col.str.replace(r"^'(?=[=+\-@])", "", regex=True))  # see quote_formulas
    return frame, np.arange(len(frame)) + 2


CP1252_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}


def _decode(raw: bytes, path: Path) -> str:
    """UTF-8 (BOM or not), else Windows-1252; a byte neither explains, or a UTF-8 file with a
    stray Windows-1252 byte, is refused naming its row rather than guessed."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    mixed = any(ord(c) > 0x7F and not 0xDC80 <= ord(c) <= 0xDCFF
                for c in raw.decode("utf-8", "surrogateescape"))
    if not mixed:
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError as exc:
            pos, why = exc.start, "err.byte_neither"
    else:
        pos, why = utf8_error.start, "err.byte_not_utf8"
        if raw[pos] in CP1252_UNDEFINED:
            why = "err.byte_neither"
    raise InputFileError(Msg(why, byte=f"0x{raw[pos]:02x}"), file=str(path), row=raw[:pos].count(b"\n") + 1,
                         hint=Msg("hint.save_utf8"))


def _check_field_counts(text: str, sep: str, path: Path) -> int:
    """The header's width; a row with more (non-empty) fields has an unquoted separator in a
    value: refuse it (pandas would silently shift the row)."""
    lines = csv.reader(text.splitlines(), delimiter=sep)
    width = len(next(lines, []))
    for row in lines:
        if len(row) > width and any(v.strip() for v in row[width:]):
            raise InputFileError(Msg("err.field_count", row=lines.line_num, n=len(row), width=width),
                                 file=str(path), row=lines.line_num, hint=Msg("hint.quote_sep", sep=sep))
    return width


def _read_xlsx(path: Path, header_names=frozenset()):
    """The first sheet whose header names plhgis fields; the header must be on row 1."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile/KeyError/InvalidFileException
        raise InputFileError(Msg("err.not_xlsx", why=_first_line(exc)), file=str(path),
                             hint=Msg("hint.save_xlsx")) from None
    known = ({f.name for lay in schema.LAYERS.values() for f in lay.fields} | set(LON_NAMES + LAT_NAMES)
             | set(header_names))
    known = {schema.header_key(n) for n in known} | {k for lay in schema.LABELS for k in schema.header_fields(lay)}
    sheets = [ws for ws in book.worksheets if ws.title.lower() not in ("instructions", "lisez-moi")]
    for ws in sheets:
        rows = _sheet_rows(ws, path)
        if not rows:
            continue
        names = [_cell(v) for v in rows[0]]
        while names and not names[-1]:
            names.pop()
        if sum(schema.header_key(n) in known or WKT_RE.match(n or "") is not None for n in names) >= 2:
            width = len(names)
            kept = [(i, r[:width]) for i, r in enumerate(rows[1:], start=2) if any(_cell(v) for v in r[:width])]
            frame = pd.DataFrame([[_cell(v) for v in r] + [""] * (width - len(r)) for _, r in kept],
                                 columns=names)
            frame = frame.loc[:, [n for n in names if n]]
            return frame, np.array([i for i, _ in kept], dtype=int)
        for i, row in enumerate(rows[1:10], start=2):
            if sum(schema.header_key(_cell(v)) in known for v in row) >= 2:
                raise InputFileError(Msg("err.header_row", sheet=ws.title, first=repr(_cell(rows[0][0])), row=i),
                                     file=str(path), row=1, hint=Msg("hint.header_row", n=i - 1))
    raise InputFileError(Msg("err.no_header"), file=str(path), hint=Msg("hint.no_header"))


def _sheet_rows(ws, path: Path) -> list[tuple]:
    """A sheet's rows as stored, not padded to its declared extent (a stray value in XFD1048576
    would otherwise make a million rows of 16,384 cells); a damaged sheet is a clear error."""
    from xml.etree.ElementTree import ParseError
    from zipfile import BadZipFile

    ws.reset_dimensions()
    try:
        return list(ws.iter_rows(values_only=True))
    except (ParseError, BadZipFile, KeyError, ValueError, TypeError, OSError, EOFError) as exc:
        raise InputFileError(Msg("err.damaged_sheet", sheet=ws.title, why=_first_line(exc)), file=str(path),
                             hint=Msg("hint.resave_sheet")) from None


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return str(value).strip()


def _table_geometry(frame: pd.DataFrame, path: Path, rows: pd.Series, crs):
    """Geometry from a WKT column, lon/lat or X/Y columns; a plain DataFrame when there is none.

    X/Y are read in `crs` (`--crs`), or in Lambert-93 when the header says so ('X Lambert 93');
    `--crs` given for a table with none of these columns is an error.
    """
    lower = {c.lower(): c for c in frame.columns}
    wkt_col = next((c for c in frame.columns if WKT_RE.match(c)), None)
    lon = next((lower[n] for n in LON_NAMES if n in lower), None)
    lat = next((lower[n] for n in LAT_NAMES if n in lower), None)
    x, y = (next((c for c in frame.columns if schema.header_key(c) in
                  {schema.header_key(h) for h in schema.LOCATION_HEADERS[k]}), None) for k in ("x", "y"))
    if not wkt_col and x and y:
        return _xy(frame, path, rows, x, y, crs, (lon, lat) if lon and lat else None)
    if crs is not None and not wkt_col and not (lon and lat):
        raise InputFileError(Msg("err.crs_no_geometry"), file=str(path), field="--crs",
                             hint=Msg("hint.table_geometry", columns=", ".join(map(str, frame.columns))[:300]))
    if wkt_col:
        epsg = WKT_RE.match(wkt_col).group(1)
        col_crs = crs_of(epsg) if epsg else None
        if col_crs is None and crs is None:
            if lon and lat:
                return _lonlat(frame, path, rows, lon, lat, drop=[wkt_col])
            raise InputFileError(Msg("err.wkt_no_crs", column=wkt_col), file=str(path), field=wkt_col,
                                 hint=Msg("hint.say_crs"))
        text = frame[wkt_col].astype(str).str.strip()
        blank = text.isin(["", "NA", "nan"])
        wkts = [None if b else t for t, b in zip(text.tolist(), blank.tolist())]  # all blank: no NaN floats
        geoms = shapely.from_wkt(np.array(wkts, dtype=object), on_invalid="ignore")
        bad = np.flatnonzero(pd.isna(geoms) & ~blank.to_numpy())
        if len(bad):
            raise ValidationError([Problem(Msg("err.bad_wkt"), str(path), int(rows.iloc[i]),
                                           wkt_col, text.iloc[i][:60], Msg("hint.wkt"))
                                   for i in bad])
        return gpd.GeoDataFrame(frame.drop(columns=[wkt_col] + [c for c in (lon, lat) if c]),
                                geometry=geoms, crs=col_crs or crs)
    if lon and lat:
        return _lonlat(frame, path, rows, lon, lat, crs=crs)
    return frame


def _lonlat(frame, path, rows, lon, lat, drop=(), crs=None):
    geoms = _points(frame, path, rows, lon, lat, Msg("hint.degrees"))
    return gpd.GeoDataFrame(frame.drop(columns=[lon, lat, *drop]), geometry=geoms,
                            crs=crs or "EPSG:4326")


def _points(frame, path, rows, xcol, ycol, hint) -> np.ndarray:
    """Points from two coordinate columns (decimal comma too); None where a cell is empty."""
    x, y = schema.to_number(frame[xcol]), schema.to_number(frame[ycol])
    problems = []
    for col, values in ((xcol, x), (ycol, y)):
        blank = frame[col].astype(str).str.strip().isin(["", "NA"])
        for i in np.flatnonzero((values.isna() & ~blank).to_numpy()):
            problems.append(Problem(Msg("err.not_coordinate"), str(path), int(rows.iloc[i]), col, frame[col].iloc[i], hint))
    if problems:
        raise ValidationError(problems)
    geoms = shapely.points(x.to_numpy(), y.to_numpy())
    return np.where(x.isna() | y.isna(), None, geoms)


def _xy(frame, path, rows, x, y, crs, lonlat):
    """X/Y in `crs` (or Lambert-93 named by the header); lon/lat fill the rows with no X/Y."""
    if crs is None and any(t in schema.header_key(x) for t in ("l93", "lambert", "2154")):
        crs = crs_of(2154)
    if crs is None:
        raise InputFileError(Msg("err.xy_no_crs", x=x, y=y), file=str(path), field=x, hint=Msg("hint.say_crs_l93"))
    geoms = _points(frame, path, rows, x, y, Msg("hint.crs_unit"))
    drop = [x, y]
    if lonlat:
        ll = gpd.GeoSeries(_points(frame, path, rows, *lonlat, Msg("hint.degrees")),
                           crs="EPSG:4326").to_crs(crs).to_numpy()
        geoms = np.where(shapely.is_missing(geoms), ll, geoms)
        drop += list(lonlat)
    return gpd.GeoDataFrame(frame.drop(columns=drop), geometry=list(geoms), crs=crs)


def to_store_crs(frame, store_crs, *, file=None, rows=None, problems=None):
    """Reproject to the store CRS after checking every feature lies in that CRS's area.

    A point whose longitude and latitude look swapped is named as such. Problems are raised
    as a ValidationError, or appended to `problems` (and the geometry dropped) when given, so
    the caller can report them with the attribute errors.
    """
    if not isinstance(frame, gpd.GeoDataFrame):
        return frame
    store_crs = pyproj.CRS.from_user_input(store_crs)
    rows = frame.index.to_series() if rows is None else rows
    found = _outside_area(frame, store_crs, file, rows)
    if found and problems is None:
        raise ValidationError([p for _, p in found])
    if found:
        problems.extend(p for _, p in found)
        frame = frame.copy()
        frame.loc[frame.index[[i for i, _ in found]], frame.geometry.name] = None
    if frame.crs.equals(store_crs):
        return frame
    return frame.to_crs(store_crs)


def _outside_area(frame, store_crs, file, rows) -> list[tuple[int, Problem]]:
    """(position, problem) for each feature outside the area where `store_crs` is valid."""
    geoms = frame.geometry.to_numpy()
    present = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    if not len(present):
        return []
    places = geoms[present].copy()
    shaped = shapely.get_type_id(places) != 0  # a point is its own place: 100,000 imported points skip this
    places[shaped] = shapely.point_on_surface(places[shaped])
    pts = gpd.GeoSeries(places, crs=frame.crs)
    with np.errstate(all="ignore"):
        ll = pts if frame.crs.equals(4326) else pts.to_crs("EPSG:4326")
    lon, lat = ll.x.to_numpy(), ll.y.to_numpy()
    area = store_crs.area_of_use
    west, south, east, north = area.bounds if area else (-180, -90, 180, 90)
    m = 0.5  # degrees of tolerance around the official area

    def within(x, y):
        return (x >= west - m) & (x <= east + m) & (y >= south - m) & (y <= north + m)

    inside, swapped = within(lon, lat), within(lat, lon)
    found = []
    for j in np.flatnonzero(~inside):
        p = pts.iloc[j]
        where = dict(x=f"{p.x:.6g}", y=f"{p.y:.6g}", crs=frame.crs.to_string())
        if frame.crs.is_geographic and swapped[j]:
            msg, hint = Msg("err.swapped", **where), Msg("hint.swap", x=where["x"], y=where["y"])
        else:
            msg, hint = Msg("err.outside_area", area=store_crs.name, **where), Msg("hint.outside_area")
        i = present[j]
        found.append((i, Problem(msg, file, rows.iloc[i], "geometry", None, hint)))
    return found


# -- export ------------------------------------------------------------------------------------
CSV_DIALECTS = {  # how the spreadsheets staff use expect a CSV
    "excel-fr": {"sep": ";", "decimal": ",", "encoding": "utf-8-sig"},
    "excel-fr-ansi": {"sep": ";", "decimal": ",", "encoding": "cp1252"},
    "comma": {"sep": ",", "decimal": ".", "encoding": "utf-8"},
}


def export_frame(frame, path, fmt=None, *, overwrite=False, sep=";", decimal=",", encoding="utf-8-sig"):
    """Write `frame` to `path` in `fmt` (guessed from the suffix when None).

    GeoJSON is written in WGS84 (RFC 7946). CSV and XLSX carry `lon`/`lat` (WGS84) and the
    exact geometry as `wkt_<epsg>` in the store CRS, so they import back losslessly.
    """
    path = Path(path)
    fmt = fmt or next((k for k, (_, suffix) in FORMATS.items() if suffix == path.suffix.lower()), None)
    if fmt not in FORMATS:
        raise InputFileError(Msg("err.output_format", name=path.name), file=str(path),
                             hint=Msg("hint.use_format", formats="|".join(FORMATS)))
    with atomic_output(path, overwrite) as tmp:
        _write_frame(frame, path, tmp, fmt, sep=sep, decimal=decimal, encoding=encoding)
    return path


def _write_frame(frame, path: Path, tmp: Path, fmt, *, sep, decimal, encoding) -> None:
    """Write `frame` as `fmt` to `tmp`, the temporary name of `path`."""
    driver = FORMATS[fmt][0]
    if driver:
        import pyogrio

        out = frame.to_crs("EPSG:4326") if fmt == "geojson" and frame.crs else frame
        if not isinstance(out, gpd.GeoDataFrame):
            out = gpd.GeoDataFrame(out)
        if fmt == "shp" and out.geometry.geom_type.map(_base_type).dropna().nunique() > 1:
            raise InputFileError(Msg("err.shp_mixed"), file=str(path), hint=Msg("hint.shp_mixed"))
        if fmt == "shp":
            out = out.rename(columns=short_names([c for c in out.columns if c != out.geometry.name]))
        pyogrio.write_dataframe(out, tmp, driver=driver, layer=path.stem if fmt == "gpkg" else None)
        return
    table = table_frame(frame)
    if fmt == "csv":
        # a character cp1252 lacks becomes '?' rather than failing the whole export
        quote_formulas(table).to_csv(tmp, sep=sep, decimal=decimal, encoding=encoding, index=False,
                                     errors="replace")
    else:
        _write_xlsx(table, tmp, path.stem)


FORMULA_START = ("=", "+", "-", "@")  # a text starting so is a formula to Excel


def append_text_row(ws, values) -> None:
    """Append a row to an openpyxl sheet, every text as a text cell, never a formula.

    openpyxl stores a text starting with '=' as a formula, so a scheme named '=HYPERLINK(...)'
    would run in Excel and come back empty on import; such texts (and those starting with '+',
    '-' or '@', which Excel reads as formulas when typed) also get the quote prefix, so editing
    the cell in Excel keeps it as text.
    """
    ws.append(values)
    row = ws.max_row
    for j, v in enumerate(values, start=1):
        if isinstance(v, str):
            cell = ws.cell(row=row, column=j)
            cell.data_type = "s"
            if v.startswith(FORMULA_START):
                cell.quotePrefix = True


def _write_xlsx(table: pd.DataFrame, path: Path, title: str) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = title[:31]
    append_text_row(ws, [str(c) for c in table.columns])
    for row in table.astype(object).where(table.notna(), None).itertuples(index=False, name=None):
        append_text_row(ws, list(row))
    book.save(path)


def quote_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """CSV for Excel: a text starting like a formula gets a leading ' (read back by `_read_csv`)."""
    out = table.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(lambda v: "'" + v if isinstance(v, str) and v.startswith(FORMULA_START)
                                    else v)
    return out


def _base_type(geom_type):
    return geom_type.replace("Multi", "") if isinstance(geom_type, str) else None


def table_frame(frame) -> pd.DataFrame:
    """The frame as a plain table: geometry as lon/lat (WGS84) and wkt_<epsg> columns."""
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame:
        return pd.DataFrame(frame)
    geoms = frame.geometry
    epsg = frame.crs.to_epsg() if frame.crs else None
    table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    pts = gpd.GeoSeries(shapely.point_on_surface(geoms.to_numpy()), crs=frame.crs).to_crs("EPSG:4326")
    table["lon"] = pts.x.round(7)
    table["lat"] = pts.y.round(7)
    table[f"wkt_{epsg}" if epsg else "wkt"] = shapely.to_wkt(geoms.to_numpy(), rounding_precision=-1,
                                                             trim=True)
    return table

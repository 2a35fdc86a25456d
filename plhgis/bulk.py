"""Large changes encoded column by column: the history's JSON and PostgreSQL COPY text.

An import of 100,000 features spent most of its write step turning each row into text one row at a
time (`json.dumps` per history row, psycopg's `write_row` per row). Here each field is encoded once
for all rows by C-level maps (`json.encoder.encode_basestring`, `int.__repr__`), then the rows are
joined: the same text, byte for byte, as the per-row path (tests/test_permits.py and
tests/test_postgis.py compare both on real files).
"""
from __future__ import annotations

from json.encoder import encode_basestring

from . import lazy

np = lazy.module("numpy")
shapely = lazy.module("shapely")

_MISSING = object()
_FLOAT = {float("inf"): "Infinity", float("-inf"): "-Infinity"}


def _key_order(records) -> list | None:
    """One field order every record's keys follow (the longest record's, then the others' extra
    keys); None when the records order their keys differently (then the per-row path is used)."""
    shapes = list(dict.fromkeys(tuple(r) for r in records))
    order = list(dict.fromkeys(k for keys in sorted(shapes, key=len, reverse=True) for k in keys))
    pos = {k: i for i, k in enumerate(order)}
    for keys in shapes:
        ranks = [pos[k] for k in keys]
        if ranks != sorted(ranks):
            return None
    return order


def _column(records, key) -> list:
    return [r.get(key, _MISSING) for r in records]


def _json_values(values: list, wkt: bool) -> list | None:
    """JSON text of each value (None where missing); None when a value needs the per-row encoder."""
    present = [v for v in values if v is not _MISSING]
    kinds = set(map(type, present))
    if wkt and kinds - {type(None)} and all(issubclass(k, shapely.Geometry) for k in kinds - {type(None)}):
        geoms = np.asarray([v if isinstance(v, shapely.Geometry) else None for v in values], dtype=object)
        wkts = shapely.to_wkt(geoms, rounding_precision=-1, trim=True).tolist()
        values = [w if w is not None else v for v, w in zip(values, wkts)]
        kinds = {str, type(None)}
    if not kinds <= {str, int, float, type(None)}:
        return None
    out = []
    for v in values:  # one type test a cell; the encoders are C functions
        if v is _MISSING:
            out.append(None)
        elif v is None:
            out.append("null")
        elif type(v) is str:
            out.append(encode_basestring(v))
        elif type(v) is int:
            out.append(int.__repr__(v))
        elif v != v:
            out.append("NaN")
        else:
            out.append(_FLOAT.get(v) or float.__repr__(v))
    return out


def history_json(records: list[dict]) -> list | None:
    """`json.dumps(record, ensure_ascii=False)` of each record (geometries as WKT, None for an empty
    record), built column by column; None when the records do not lend themselves to it."""
    order = _key_order(records)
    if order is None:
        return None
    rows = np.full(len(records), "", dtype=object)
    for key in order:
        encoded = _json_values(_column(records, key), wkt=key == "geometry")
        if encoded is None:
            return None
        prefix = ", " + encode_basestring(key) + ": "
        frag = np.array([prefix + e if e is not None else "" for e in encoded], dtype=object)
        rows += frag
    return ["{" + r[2:] + "}" if r else None for r in rows.tolist()]


# -- PostgreSQL COPY (text format) ---------------------------------------------------------------
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_column(values) -> list:
    """COPY text of each value: \\N for None, escaped text, numbers as PostgreSQL reads them."""
    out = []
    for v in values:
        if v is None:
            out.append("\\N")
        elif type(v) is str:
            out.append(v.translate(_COPY_ESCAPES) if ("\\" in v or "\t" in v or "\n" in v or "\r" in v) else v)
        elif type(v) is int:
            out.append(int.__repr__(v))
        elif isinstance(v, float):
            out.append("NaN" if v != v else _FLOAT.get(v) or float.__repr__(v))
        else:
            out.append(str(v).translate(_COPY_ESCAPES))
    return out


def copy_text(columns: list[list]) -> bytes:
    """The COPY text of rows given as columns (each a list of plain values)."""
    if not columns or not len(columns[0]):
        return b""
    encoded = [copy_column(c) for c in columns]
    lines = ["\t".join(row) for row in zip(*encoded)]
    return ("\n".join(lines) + "\n").encode("utf-8")


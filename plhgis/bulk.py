"""Large changes: PostgreSQL COPY text built column by column, streamed, the cyclic collector paused.

psycopg's `write_row` formats each row in Python (0.7 s for 100,000 rows); here each column becomes
one Arrow array of COPY text, and Arrow joins them into rows (0.06 s), the same values as the
row-by-row path (tests/test_postgis.py compares the stored rows and history with a GeoPackage's).
`copy_in` sends the rows in chunks through psycopg's queued writer: the server (another process,
so the second core) parses one chunk while the next is being encoded.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager

CHUNK_ROWS = 10_000  # rows per COPY chunk: the server starts on the first while the rest are encoded
_FLOAT = {float("inf"): "Infinity", float("-inf"): "-Infinity"}
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_HEX = b"0123456789ABCDEF"


def copy_column(values) -> list:
    """COPY text of each value: \\N for None, escaped text, numbers as PostgreSQL reads them
    (the values Arrow cannot type as one column, see `copy_array`)."""
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


def copy_array(values):
    """The COPY text of a column of plain values as one Arrow large_string array (no nulls: \\N).

    Text is escaped only when a value holds a character COPY escapes; integers and dates are
    Arrow's text of them; floats Arrow's shortest round-trip text (nan, inf: float8in reads them).
    A column Arrow cannot type as one (mixed kinds) goes through `copy_column`.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = pa.array(values, from_pandas=False)
    except (pa.ArrowException, OverflowError, TypeError):
        return pa.array(copy_column(values), pa.large_string())
    if isinstance(arr, pa.ChunkedArray):  # more than 2 GB of text: one array with 64-bit offsets
        arr = arr.cast(pa.large_string()).combine_chunks()
    if pa.types.is_null(arr.type):
        return pc.fill_null(pa.nulls(len(arr), pa.large_string()), "\\N")
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        data = arr.buffers()[2]
        text = data.to_pybytes() if data is not None else b""
        if any(char in text for char in (b"\\", b"\t", b"\n", b"\r")):
            for char, escaped in (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r")):
                arr = pc.replace_substring(arr, char, escaped)
    elif not (pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type) or pa.types.is_date(arr.type)):
        return pa.array(copy_column(values), pa.large_string())
    return pc.fill_null(arr.cast(pa.large_string()), "\\N")


def wkb_hex(geoms):
    """Hex WKB of each shapely geometry (else null) as an Arrow large_string array, what PostGIS reads
    into a geometry column, giving it the column's SRID. The hex is made on the whole buffer at once."""
    import numpy as np
    import pyarrow as pa
    import shapely

    arr = np.array([g if isinstance(g, shapely.Geometry) else None for g in geoms], dtype=object)
    wkb = pa.array(shapely.to_wkb(arr, byte_order=1), pa.large_binary())
    validity, offsets, data = wkb.buffers()
    offsets = np.frombuffer(offsets, np.int64)[: len(wkb) + 1]
    raw = np.frombuffer(data, np.uint8)[: offsets[-1]] if data is not None else np.zeros(0, np.uint8)
    text = np.empty((len(raw), 2), np.uint8)
    digits = np.frombuffer(_HEX, np.uint8)
    text[:, 0], text[:, 1] = digits[raw >> 4], digits[raw & 15]
    return pa.Array.from_buffers(pa.large_string(), len(wkb),
                                 [validity, pa.py_buffer(offsets * 2), pa.py_buffer(text)], wkb.null_count)


def copy_text(columns) -> memoryview:
    """The COPY text of rows given as columns: each a list of plain values, or an Arrow string
    array of COPY text already, nulls for \\N (`copy_array`, `wkb_hex`)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not columns or not len(columns[0]):
        return memoryview(b"")
    arrays = [c.fill_null("\\N") if isinstance(c, pa.Array) else copy_array(c) for c in columns]
    end = pa.scalar("", pa.large_string())
    arrays[-1] = pc.binary_join_element_wise(arrays[-1], end, pa.scalar("\n", pa.large_string()))
    rows = pc.binary_join_element_wise(*arrays, pa.scalar("\t", pa.large_string()))
    return _values(rows)


def _values(rows) -> memoryview:
    """The bytes of a string array without nulls: its rows one after the other."""
    import numpy as np

    offsets = np.frombuffer(rows.buffers()[1], np.int64)[rows.offset: rows.offset + len(rows) + 1]
    return memoryview(rows.buffers()[2])[offsets[0]: offsets[-1]]


def copy_in(con, statement, items: list, columns) -> None:
    """COPY `items` in chunks of CHUNK_ROWS, `columns(chunk)` giving each chunk's columns (see
    `copy_text`): a worker thread sends one chunk while the next is encoded. An error on either
    side aborts the COPY, and with it the transaction."""
    from psycopg.copy import QueuedLibpqWriter

    with con.cursor() as cur, cur.copy(statement, writer=QueuedLibpqWriter(cur)) as copy:
        for start in range(0, len(items), CHUNK_ROWS):
            copy.write(copy_text(columns(items[start:start + CHUNK_ROWS])))


@contextmanager
def no_cyclic_gc():
    """Python's cyclic collector paused: an import of 500,000 rows makes millions of dicts and
    lists at once, which it would otherwise scan again and again (to_layer took 11.6 s of a national
    permits file with it, 6.1 s without). It runs again at the end, and collects then whatever
    cyclic garbage was made meanwhile."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()

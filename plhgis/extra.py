"""The columns a file carries beyond the schema: kept with each feature as JSON (`extra`), written back.

Nothing a user sends is lost: an import folds the unknown columns into `extra` (`keep_extra`);
`export` and the pack workbook spread them back (`extra_columns`). Shared by the readers of
`sources` and `cnig`.
"""
from __future__ import annotations

import json

from . import lazy, schema

pd = lazy.module("pandas")

STAMPS = ("created_at", "updated_at")  # the store's own: read back from an export, never written


def keep_extra(frame, fields, geom_name=None):
    """(frame, names): the columns that are no field folded into one JSON `extra` column per row.

    Nothing a file carries is lost: `export` and the pack workbook write these columns back.
    """
    rest = [c for c in frame.columns if c not in fields and c != geom_name and c not in STAMPS and c != "extra"]
    out = frame[[c for c in frame.columns if c not in rest and c not in STAMPS]].copy()
    if not rest:
        return out, []
    values = frame[rest].astype(object)
    records, filled = [], set()
    for row in values.itertuples(index=False, name=None):
        kept = {str(k): _json_plain(v) for k, v in zip(rest, row) if not _is_blank(v)}
        filled.update(kept)
        records.append(json.dumps(kept, ensure_ascii=False) if kept else None)
    out["extra"] = pd.Series(records, index=frame.index, dtype=object)
    return out, [str(c) for c in rest if str(c) in filled]  # an empty column holds nothing to keep


def _is_blank(value) -> bool:
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return True
    return isinstance(value, str) and value.strip() in schema.BLANKS


def _json_plain(value):
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    return value if isinstance(value, (str, int, float, bool)) else str(value)


def extra_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The `extra` JSON column spread back into the columns it came from (export, workbook)."""
    if "extra" not in frame.columns:
        return frame
    parsed = [json.loads(v) if isinstance(v, str) and v else {} for v in frame["extra"]]
    names = list(dict.fromkeys(k for d in parsed for k in d if k not in frame.columns))
    out = frame.drop(columns=["extra"])
    for name in names:
        out[name] = [d.get(name) for d in parsed]
    return out

"""A GeoPackage R-tree filled in one pass for bulk imports (packed by Sort-Tile-Recursive).

SQLite's R-tree inserts one entry at a time, choosing a leaf and splitting nodes: for 100,000
schemes that is most of an import. GDAL builds the index of a large layer the same way this
module does: it sorts every entry once, packs full nodes level by level, and writes the R-tree's
own tables (`<name>_node`, `<name>_rowid`, `<name>_parent`) in the format of SQLite's rtree
module (sqlite/ext/rtree/rtree.c): a node is a blob of the tree's node size, a 2-byte depth (root
only) and a 2-byte cell count, then cells of a 64-bit id and four 32-bit floats, big-endian;
node 1 is the root. Bounds are rounded outwards to 32-bit floats exactly as SQLite does.

`fill` runs inside the caller's transaction; `SELECT rtreecheck(name)` checks the result.
"""
from __future__ import annotations

import math

from . import lazy

np = lazy.module("numpy")

def _cell_dtype():
    return np.dtype([("id", ">i8"), ("box", ">f4", 4)])


def _outward(low, high):
    """(low, high) as 32-bit floats that still contain the 64-bit values, rounded as SQLite's
    rtreeValueDown/rtreeValueUp do (a nudge of 2^-23 away, then the nearest float)."""
    nudge = 1.0 / 8388608.0
    lo, hi = low.astype(np.float32), high.astype(np.float32)
    lo = np.where(lo > low, (low * np.where(low < 0, 1 + nudge, 1 - nudge)).astype(np.float32), lo)
    hi = np.where(hi < high, (high * np.where(high < 0, 1 - nudge, 1 + nudge)).astype(np.float32), hi)
    return lo, hi


def _str_groups(box, fanout: int) -> list:
    """Entries (rows of minx, maxx, miny, maxy) grouped into nodes of at most `fanout`, neighbours together."""
    n = len(box)
    nodes = math.ceil(n / fanout)
    per_slice = math.ceil(math.sqrt(nodes)) * fanout
    cx, cy = box[:, 0] + box[:, 1], box[:, 2] + box[:, 3]
    slice_of = np.empty(n, dtype=np.int64)
    slice_of[np.argsort(cx, kind="stable")] = np.arange(n) // per_slice
    return np.array_split(np.lexsort((cy, slice_of)), nodes)


def fill(con, table: str, ids, bounds) -> None:
    """Add entries to the R-tree `table` (ids, and bounds as shapely.bounds gives them: minx, miny,
    maxx, maxy), rebuilding it packed with the entries it already holds."""
    if not len(ids):
        return
    q = '"' + table.replace('"', '""')
    size = con.execute(f'SELECT length(data) FROM {q}_node" WHERE nodeno = 1').fetchone()[0]
    fanout = (size - 4) // _cell_dtype().itemsize
    old = con.execute(f'SELECT id, minx, maxx, miny, maxy FROM {q}"').fetchall()
    bounds = np.asarray(bounds, dtype=np.float64)
    minx, maxx = _outward(bounds[:, 0], bounds[:, 2])
    miny, maxy = _outward(bounds[:, 1], bounds[:, 3])
    entry_ids = np.concatenate([np.array([r[0] for r in old], dtype=np.int64), np.asarray(ids, dtype=np.int64)])
    box = np.concatenate([np.array([r[1:] for r in old], dtype=np.float32).reshape(-1, 4),
                          np.column_stack([minx, maxx, miny, maxy])])
    levels = []  # bottom-up: each level's nodes, as (cell ids, cell boxes); ids above the leaves are node indexes
    cell_ids = entry_ids
    while True:
        groups = _str_groups(box, fanout)
        levels.append([(cell_ids[g], box[g]) for g in groups])
        if len(groups) == 1:
            break
        box = np.array([[b[:, 0].min(), b[:, 1].max(), b[:, 2].min(), b[:, 3].max()] for _, b in levels[-1]],
                       dtype=np.float32)
        cell_ids = np.arange(len(groups), dtype=np.int64)
    first = [0] * len(levels)  # node number of each level's first node: the root is node 1
    number = 1
    for depth in range(len(levels) - 1, -1, -1):
        first[depth] = number
        number += len(levels[depth])
    nodes, parents, rowids = [], [], []
    for depth, level in enumerate(levels):
        for k, (cids, cboxes) in enumerate(level):
            nodeno = first[depth] + k
            cells = np.zeros(len(cids), dtype=_cell_dtype())
            cells["id"] = cids + (first[depth - 1] if depth else 0)
            cells["box"] = cboxes
            head = (len(levels) - 1 if nodeno == 1 else 0).to_bytes(2, "big") + len(cids).to_bytes(2, "big")
            nodes.append((nodeno, (head + cells.tobytes()).ljust(size, b"\0")))
            if depth:
                parents.extend((int(c), nodeno) for c in cells["id"])
            else:
                rowids.append((cids, nodeno))
    for shadow in ("node", "rowid", "parent"):
        con.execute(f'DELETE FROM {q}_{shadow}"')
    con.executemany(f'INSERT INTO {q}_node" (nodeno, data) VALUES (?, ?)', nodes)
    con.executemany(f'INSERT INTO {q}_parent" (nodeno, parentnode) VALUES (?, ?)', parents)
    con.executemany(f'INSERT INTO {q}_rowid" (rowid, nodeno) VALUES (?, ?)',
                    ((i, n) for cids, n in rowids for i in cids.tolist()))

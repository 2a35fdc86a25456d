"""The colours planners know, shared by the HTML maps and the QGIS styles of the store.

Chosen to stay apart for colour-blind readers: within a layer and between the three point
layers (drawn together, as circles, diamonds and triangles), every two colours differ by a
CIEDE2000 ΔE of at least 12 for normal, deuteranope and protanope vision (Machado et al. 2009
simulation; `tests/test_palette.py`). Schemes run from pale (spotted) to dark blue (delivered).
"""
from __future__ import annotations

from . import schema

STATUS_COLORS = {"repérage": "#bdbabc", "études": "#81a8fe", "PC déposé": "#e8f0b4",
                 "PC accordé": "#dd8419", "travaux": "#9d264a", "livré": "#1b69ba",
                 "abandonné": "#0a032b", "recours": "#660000", "suspendu": "#ffccff"}
FRICHE_COLORS = {"friche potentielle": "#c2b59b", "friche sans projet": "#994e11",
                 "friche avec projet": "#ffe45b", "friche reconvertie": "#2a8484"}
HORIZON_COLORS = {"court terme": "#511b7d", "moyen terme": "#b989b5", "long terme": "#e8f8f0"}
ZONE_COLORS = {"U": "#bd4b6e", "AUc": "#d9904f", "AUs": "#d8e9d7", "A": "#ffff4e", "N": "#5ca7ac"}
SECTOR_COLORS = dict(zip(schema.SECTOR_KIND, ("#420073", "#205cbb", "#0b9d86", "#e03f5b", "#421e21",
                                              "#26631a", "#ff8c0f", "#564a5d")))
# the point layers of the maps: one marker shape each, so colour is never the only cue
POINT_SHAPES = {"projects": "circle", "friches": "diamond", "plots": "triangle"}
PERMIT_COLORS = {"autorisé": "#9575cd", "commencé": "#5e35b1", "terminé": "#311b92", "annulé": "#bdbdbd"}

"""The colours planners know, shared by the HTML maps, the packs and the QGIS styles of the store.

Each list's colours are set with its values in `schema.TERMS` (chosen to stay apart for colour-blind
readers, Machado et al. 2009 simulation; `tests/test_palette.py`); this module names them per layer.
"""
from __future__ import annotations

from . import schema

STATUS_COLORS = schema.colours("project_status")
FRICHE_COLORS = schema.colours("friche_statut")
HORIZON_COLORS = schema.colours("plot_horizon")
ZONE_COLORS = schema.colours("typezone")
SECTOR_COLORS = schema.colours("sector_kind")
# the point layers of the maps: one marker shape each, so colour is never the only cue
POINT_SHAPES = {"projects": "circle", "friches": "diamond", "plots": "triangle"}
PERMIT_COLORS = schema.colours("permit_status")

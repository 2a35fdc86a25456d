"""The colours planners know, shared by the HTML maps and the QGIS styles of the store."""
from __future__ import annotations

from . import schema

STATUS_COLORS = {"repérage": "#bdbdbd", "études": "#64b5f6", "PC déposé": "#ffd54f",
                 "PC accordé": "#ffa726", "travaux": "#ef6c00", "livré": "#2e7d32",
                 "abandonné": "#424242"}
FRICHE_COLORS = {"friche potentielle": "#a1887f", "friche sans projet": "#d84315",
                 "friche avec projet": "#f9a825", "friche reconvertie": "#43a047"}
HORIZON_COLORS = {"court terme": "#0d47a1", "moyen terme": "#42a5f5", "long terme": "#b3e5fc"}
ZONE_COLORS = {"U": "#e57373", "AUc": "#ffb74d", "AUs": "#ffe0b2", "A": "#fff176", "N": "#81c784"}
SECTOR_COLORS = dict(zip(schema.SECTOR_KIND, ("#6a1b9a", "#283593", "#00838f", "#c2185b", "#5d4037",
                                              "#2e7d32", "#ef6c00", "#546e7a")))
PERMIT_COLORS = {"autorisé": "#9575cd", "commencé": "#5e35b1", "terminé": "#311b92", "annulé": "#bdbdbd"}

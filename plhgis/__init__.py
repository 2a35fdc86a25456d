"""plhgis: the housing-project table of a PLH, its friches and infill plots, as geographic layers.

The library API (what the CLI calls, and what notebooks can call too)::

    from plhgis import open_store, edits
    store = open_store("layers/plh.gpkg")
    projects = store.read("projects", commune="62950")
    edits.import_file(store, "projects", "retour-62950.xlsx", dry_run=True)
"""
from .store import GeoPackageStore, open_store

__all__ = ["GeoPackageStore", "open_store"]
__version__ = "0.1.0"

"""plhgis: the housing-project table of a PLH, its friches and infill plots, as geographic layers.

The library API (what the CLI calls, and what notebooks can call too)::

    from plhgis import open_store, edits
    store = open_store("layers/plh.gpkg")
    projects = store.read("projects", commune="62950")
    edits.import_file(store, "projects", "retour-62950.xlsx", dry_run=True)
"""
__all__ = ["GeoPackageStore", "open_store"]
__version__ = "0.1.0"


def __getattr__(name):
    """`plhgis.open_store` and `plhgis.GeoPackageStore`, imported on first use (fast CLI start)."""
    if name == "open_store":
        from .stores import open_store

        return open_store
    if name == "GeoPackageStore":
        from .store import GeoPackageStore

        return GeoPackageStore
    raise AttributeError(f"module 'plhgis' has no attribute {name!r}")

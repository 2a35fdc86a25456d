"""Which store a path names: a GeoPackage file (`store`) or a PostGIS database (`store_pg`).

The one place that knows both backends, so each of them depends only on what they share.
"""
from __future__ import annotations

from . import schema
from .store import GeoPackageStore, is_url, store_path


def open_store(path=None, user=None) -> GeoPackageStore:
    """Open the store at `path` (or $PLHGIS_STORE, or layers/plh.gpkg): a GeoPackage file, or a
    PostGIS database given as a postgresql:// connection string."""
    target = store_path(path)
    if is_url(target):
        from .store_pg import PostGISStore  # psycopg is loaded only for a PostGIS store

        return PostGISStore(target, user=user)
    return GeoPackageStore(target, user=user)


def create_store(path=None, crs=schema.STORE_CRS, overwrite=False):
    """Create an empty store: a GeoPackage file, or the tables of a PostGIS database."""
    target = store_path(path)
    if is_url(target):
        from .store_pg import PostGISStore

        return PostGISStore.create(target, crs, overwrite)
    return GeoPackageStore.create(target, crs, overwrite)

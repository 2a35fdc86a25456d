"""Heavy libraries loaded on first use, so `plhgis --help` and one-row edits start fast.

`gpd = lazy.module("geopandas")` binds a module object that imports geopandas the first time
one of its attributes is read; commands that never touch it never pay for it.
"""
from __future__ import annotations

import importlib.util
import sys


def module(name: str):
    """`name`, imported on first attribute access (the already-imported module if it is)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    loader.exec_module(mod)
    return mod

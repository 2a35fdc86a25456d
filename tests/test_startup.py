"""The CLI starts without the heavy libraries: only the commands that need them load them (issue 14)."""
import subprocess
import sys

HEAVY = ("geopandas.geodataframe", "pandas.core.frame", "shapely.geometry", "pyproj.crs", "folium.folium",
         "openpyxl.workbook", "numpy.core.multiarray")


def _loaded(code: str) -> list[str]:
    probe = code + "\nimport sys\nprint(' '.join(m for m in " + repr(HEAVY) + " if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return [word for word in out.stdout.split() if word in HEAVY]


def test_cli_import_loads_no_heavy_library():
    assert _loaded("import plhgis.cli") == []


def test_help_loads_no_heavy_library():
    assert _loaded("from plhgis.cli import cli\ntry:\n    cli(['--help'], prog_name='plhgis')\n"
                   "except SystemExit:\n    pass") == []


def test_library_api_still_loads_on_use():
    assert "geopandas.geodataframe" in _loaded("import plhgis\nplhgis.open_store\nimport geopandas\n"
                                               "geopandas.GeoDataFrame")

"""Run by tests/test_qgis.py with the system Python that has PyQGIS: opens a store as QGIS does
and prints, as JSON, what QGIS sees of each layer and how many pixels each drawing fills."""
import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from urllib.parse import unquote, urlsplit  # noqa: E402

from qgis.core import (QgsApplication, QgsDataSourceUri, QgsMapRendererParallelJob, QgsMapSettings,  # noqa: E402
                       QgsVectorLayer, QgsWkbTypes)
from qgis.PyQt.QtCore import QSize  # noqa: E402
from qgis.PyQt.QtGui import QColor  # noqa: E402


def drawn_pixels(layer) -> int:
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(layer.crs())
    settings.setExtent(layer.extent().buffered(100))
    settings.setOutputSize(QSize(400, 300))
    settings.setBackgroundColor(QColor("white"))
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    white = QColor("white").rgb()
    return sum(image.pixel(x, y) != white for x in range(0, 400, 2) for y in range(0, 300, 2))


app = QgsApplication([], False)
app.initQgis()
path, names = sys.argv[1], sys.argv[2].split(",")
out = {}


def postgis_layer(url, name):
    """A layer of a PostGIS store, opened with QGIS's postgres provider as QGIS desktop does."""
    parts = urlsplit(url)
    uri = QgsDataSourceUri()
    uri.setConnection(parts.hostname, str(parts.port), parts.path.lstrip("/"), unquote(parts.username or ""),
                      unquote(parts.password or ""))
    table, _, kind = name.partition(":")
    geometry = "" if table in ("targets", "history") else "geom"
    uri.setDataSource("public", table, geometry or None, "", "fid")
    if kind:
        uri.setWkbType(getattr(QgsWkbTypes, kind))
    return QgsVectorLayer(uri.uri(False), name, "postgres")


for name in names:
    if path.startswith("postgresql:"):
        layer = postgis_layer(path, name)
    else:
        uri = f"{path}|layername={name.split(':')[0]}"
        if ":" in name:
            uri += f"|geometrytype={name.split(':')[1]}"
        layer = QgsVectorLayer(uri, name, "ogr")
    spatial = layer.isSpatial()
    out[name] = {"valid": layer.isValid(), "features": layer.featureCount(), "crs": layer.crs().authid(),
                 "renderer": layer.renderer().type() if layer.renderer() else None,
                 "pixels": drawn_pixels(layer) if spatial and layer.featureCount() else 0}
print(json.dumps(out), flush=True)
app.exitQgis()
os._exit(0)  # PyQGIS 3.22 can crash while Python tears its objects down after exitQgis()

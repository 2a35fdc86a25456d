"""Run by tests/test_qgis.py with the system Python that has PyQGIS: opens a store as QGIS does
and prints, as JSON, what QGIS sees of each layer and how many pixels each drawing fills."""
import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from qgis.core import QgsApplication, QgsMapRendererParallelJob, QgsMapSettings, QgsVectorLayer  # noqa: E402
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
for name in names:
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

"""Leaflet and its cluster plugin, inlined into every page.

The pages plhgis writes must work with no network (meeting rooms, archives), so the map
library is never loaded from a CDN: its files come with ``pip install`` from the PyPI packages
`XStatic-Leaflet` and `XStatic-Leaflet-MarkerCluster` (dependencies of plhgis), and are inlined
into each page. CSS images (the layer-control icon) become data: URIs.

``python -m plhgis.assets`` prints where the files are and their versions.
"""
from __future__ import annotations

import base64
import functools
import importlib
import re
import sys
from pathlib import Path

from .labels import Msg
from .errors import PlhgisError

PACKAGES = {"leaflet": "xstatic.pkg.leaflet", "cluster": "xstatic.pkg.leaflet_markercluster"}
FILES = {
    "leaflet_js": ("leaflet", "leaflet.js"),
    "leaflet_css": ("leaflet", "leaflet.css"),
    "cluster_js": ("cluster", "leaflet.markercluster.js"),
    "cluster_css": ("cluster", "MarkerCluster.css"),
    "cluster_default_css": ("cluster", "MarkerCluster.Default.css"),
}


class AssetsError(PlhgisError, FileNotFoundError):
    """Leaflet's files are not installed with plhgis."""


def packages() -> dict[str, object]:
    """The XStatic modules (BASE_DIR, VERSION), by short name."""
    try:
        return {name: importlib.import_module(module) for name, module in PACKAGES.items()}
    except ImportError as exc:
        raise AssetsError(Msg("err.no_leaflet", name=exc.name), hint=Msg("hint.leaflet")) from None


@functools.lru_cache(maxsize=1)
def find_files() -> dict[str, str]:
    """The text of every file, CSS images inlined."""
    pkgs = packages()
    out = {}
    for key, (pkg, rel) in FILES.items():
        path = Path(pkgs[pkg].BASE_DIR) / rel
        if not path.is_file():
            raise AssetsError(Msg("err.asset_missing", path=path, package=PACKAGES[pkg]),
                              hint=Msg("hint.reinstall_leaflet"))
        text = path.read_text(encoding="utf-8")
        if key.endswith("css"):
            text = _inline_images(text, path.parent)
        else:
            text = re.sub(r"//# sourceMappingURL=\S+", "", text)
        out[key] = text
    return out


def _inline_images(css: str, folder: Path) -> str:
    def repl(match):
        name = match.group(1).strip("'\"")
        path = folder / name
        if not path.is_file() or not name.endswith(".png"):
            return match.group(0)
        return "url(data:image/png;base64," + base64.b64encode(path.read_bytes()).decode() + ")"

    return re.sub(r"url\(([^)#]+)\)", repl, css)


def head_html(cluster: bool = True) -> str:
    """`<style>` and `<script>` elements carrying Leaflet (and the cluster plugin) inline."""
    f = find_files()
    parts = [f"<style>{f['leaflet_css']}</style>", f"<script>{_script_safe(f['leaflet_js'])}</script>"]
    if cluster:
        parts += [f"<style>{f['cluster_css']}\n{f['cluster_default_css']}</style>",
                  f"<script>{_script_safe(f['cluster_js'])}</script>"]
    return "\n".join(parts)


def _script_safe(js: str) -> str:
    """A library inlined in <script> must not contain '</script'."""
    return re.sub(r"</(script)", r"<\\/\1", js, flags=re.I)


def main() -> int:
    try:
        for name, pkg in packages().items():
            print(f"{name} {pkg.VERSION}: {pkg.BASE_DIR}")
    except AssetsError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

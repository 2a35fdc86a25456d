"""Leaflet and its cluster plugin, found on this machine and inlined into every page.

The pages plhgis writes must work with no network (meeting rooms, archives), so the map
library is never loaded from a CDN: its files come from the npm registry packages `leaflet`
and `leaflet.markercluster`, installed once at build time (``python -m plhgis.assets install``,
which `.ci/run` calls) into ``build/npm`` of the checkout or ``~/.cache/plhgis/npm``. Their
code is not kept in the repository. CSS images (the layer-control icon) become data: URIs.

``python -m plhgis.assets`` prints where the files are.
"""
from __future__ import annotations

import base64
import functools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from .errors import PlhgisError

NPM_PACKAGES = {"leaflet": "1.9.4", "leaflet.markercluster": "1.5.3"}
FILES = {
    "leaflet_js": ("leaflet", "dist/leaflet.js"),
    "leaflet_css": ("leaflet", "dist/leaflet.css"),
    "cluster_js": ("leaflet.markercluster", "dist/leaflet.markercluster.js"),
    "cluster_css": ("leaflet.markercluster", "dist/MarkerCluster.css"),
    "cluster_default_css": ("leaflet.markercluster", "dist/MarkerCluster.Default.css"),
}


class AssetsError(PlhgisError, FileNotFoundError):
    """Leaflet's files are not installed on this machine."""


def candidates() -> list[Path]:
    """Folders holding a `node_modules` with Leaflet, most specific first."""
    out = []
    if os.environ.get("PLHGIS_ASSETS"):
        out.append(Path(os.environ["PLHGIS_ASSETS"]))
    out.append(Path(__file__).resolve().parents[1] / "build" / "npm")
    out.append(Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "plhgis" / "npm")
    return out


def _complete(prefix: Path) -> bool:
    return all((prefix / "node_modules" / pkg / rel).is_file() for pkg, rel in FILES.values())


def find() -> Path | None:
    """The first candidate folder where every file is present, or None."""
    return next((p for p in candidates() if _complete(p)), None)


def install(prefix: Path | None = None) -> Path:
    """Fetch the npm packages with `npm install` into `prefix` (default: build/npm or the cache)."""
    npm = shutil.which("npm")
    if npm is None:
        raise AssetsError("npm is not installed, so Leaflet cannot be fetched",
                          hint="install node and npm (apt-get install npm), then run "
                               "python -m plhgis.assets install")
    targets = [prefix] if prefix else candidates()[-2:]
    last = None
    for target in targets:
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            last = exc
            continue
        specs = [f"{name}@{version}" for name, version in NPM_PACKAGES.items()]
        proc = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--no-save", "--prefix",
                               str(target), *specs], capture_output=True, text=True)
        if proc.returncode == 0 and _complete(target):
            find_files.cache_clear()
            return target
        last = proc.stderr.strip().splitlines()[-1:] or proc.returncode
    raise AssetsError(f"npm could not install Leaflet ({last})",
                      hint="check that the npm registry is reachable, or set PLHGIS_ASSETS to a "
                           "folder holding node_modules/leaflet")


@functools.lru_cache(maxsize=1)
def find_files() -> dict[str, str]:
    """The text of every file, CSS images inlined; fetched with npm the first time if needed."""
    prefix = find() or install()
    out = {}
    for key, (pkg, rel) in FILES.items():
        path = prefix / "node_modules" / pkg / rel
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


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["install"]:
        prefix = find() if "--force" not in argv else None
        print(prefix or install())
        return 0
    prefix = find()
    print(prefix if prefix else "Leaflet not installed: python -m plhgis.assets install")
    return 0 if prefix else 1


if __name__ == "__main__":
    sys.exit(main())

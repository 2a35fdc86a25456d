"""Online reference data: commune outlines from geo.api.gouv.fr, QPV from the ANCT dataset.

Each fetch downloads the official answer (standard library urllib, a timeout, an optional
progress callback), keeps a copy when asked, and imports it through the same path as
`plhgis import` (sources.map_source), so the history says where every value came from.
`base_url` points elsewhere: a mirror, a proxy, or the tests' local server.
"""
from __future__ import annotations

import json
import re
import socket
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from contextlib import nullcontext
from pathlib import Path

from . import edits
from .errors import PlhgisError

GEO_API = "https://geo.api.gouv.fr"
DATA_GOUV = "https://www.data.gouv.fr"
QPV_DATASET = "quartiers-prioritaires-de-la-politique-de-la-ville-qpv"
TIMEOUT_S = 30.0
USER_AGENT = "plhgis (PLH housing-project table)"
_CHUNK = 1 << 16


class FetchError(PlhgisError, OSError):
    """An online source cannot be reached or did not answer as expected."""


def get(url: str, *, timeout: float = TIMEOUT_S, progress=None, label: str = "") -> bytes:
    """The body of `url`. `progress(length, label)` returns a context manager with `update(n)`."""
    host = urllib.parse.urlsplit(url).netloc or url
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            total = int(response.headers.get("Content-Length") or 0) or None
            chunks = []
            with (progress(total, label) if progress else nullcontext()) as bar:
                while chunk := response.read(_CHUNK):
                    chunks.append(chunk)
                    if bar is not None:
                        bar.update(len(chunk))
            return b"".join(chunks)
    except urllib.error.HTTPError as exc:
        exc.close()  # the error carries the open response
        what = "not found" if exc.code == 404 else f"HTTP {exc.code} {exc.reason}"
        raise FetchError(f"{host} answered {what} for {url}",
                         hint="check the code you asked for" if exc.code == 404 else
                         "the service may be down: try again later") from None
    except (TimeoutError, socket.timeout):
        raise _timeout(host, timeout) from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, (TimeoutError, socket.timeout)):
            raise _timeout(host, timeout) from None
        raise FetchError(f"cannot reach {host} ({exc.reason}): no network connection? (asked {url})",
                         hint="check the connection or the proxy (HTTPS_PROXY), or download the file "
                              "by hand and load it with plhgis import") from None
    except OSError as exc:  # connection reset, refused mid-way
        raise FetchError(f"the connection to {host} failed ({exc}) (asked {url})",
                         hint="try again, or download the file by hand and use plhgis import") from None


def _timeout(host, timeout):
    return FetchError(f"{host} did not answer within {timeout:g} s", hint="try again later, or raise --timeout")


def get_json(url: str, **kwargs):
    body = get(url, **kwargs)
    try:
        return json.loads(body)
    except ValueError:
        raise FetchError(f"{url} did not answer with JSON ({body[:60]!r}…)",
                         hint="check --base-url") from None


def _save(body: bytes, name: str, keep, workdir) -> Path:
    path = Path(keep) if keep else Path(workdir) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    return path


def fetch_communes(store, epci: str, *, base_url: str = GEO_API, timeout: float = TIMEOUT_S, progress=None,
                   keep=None, dry_run=False, mode="upsert"):
    """One EPCI's communes (outline, population, EPCI) from geo.api.gouv.fr into `communes`."""
    if not re.fullmatch(r"\d{9}", str(epci or "")):
        raise PlhgisError("an EPCI is named by its 9-digit SIREN", field="--epci", value=epci,
                          hint="e.g. 246200364 (CA de Lens-Liévin)")
    base = base_url.rstrip("/")
    info = get_json(f"{base}/epcis/{epci}?fields=nom,code", timeout=timeout)
    fields = "code,nom,population,codeEpci,codeDepartement"
    body = get(f"{base}/epcis/{epci}/communes?fields={fields}&format=geojson&geometry=contour",
               timeout=timeout, progress=progress, label=f"communes of {info.get('nom', epci)}")
    try:
        collection = json.loads(body)
        features = collection["features"]
    except (ValueError, KeyError, TypeError):
        raise FetchError("geo.api.gouv.fr did not answer with a GeoJSON FeatureCollection", value=base,
                         hint="check --base-url") from None
    for feature in features:
        feature.setdefault("properties", {})["nomEpci"] = info.get("nom")
    body = json.dumps(collection, ensure_ascii=False).encode()
    with tempfile.TemporaryDirectory() as tmp:
        path = _save(body, f"geo-api-epci-{epci}-communes.geojson", keep, tmp)
        return edits.import_file(store, "communes", path, source="geo-api", epci=str(epci), mode=mode,
                                 dry_run=dry_run)


def qpv_resource(dataset: dict) -> dict:
    """The GeoJSON resource of the ANCT QPV dataset, the 2024 generation first."""
    resources = [r for r in dataset.get("resources", []) if isinstance(r, dict)]
    geojson = [r for r in resources if "geojson" in f"{r.get('format', '')} {r.get('url', '')}".lower()]
    if not geojson:
        formats = sorted({str(r.get("format")) for r in resources})
        raise FetchError("the QPV dataset has no GeoJSON resource", value=", ".join(formats),
                         hint="download the perimeters by hand and use plhgis import qpv FILE")
    newest = [r for r in geojson if "2024" in f"{r.get('title', '')} {r.get('url', '')}"]
    wgs84 = [r for r in newest or geojson if "wgs84" in f"{r.get('title', '')} {r.get('url', '')}".lower()]
    return (wgs84 or newest or geojson)[0]


def fetch_qpv(store, *, base_url: str = DATA_GOUV, dataset: str = QPV_DATASET, timeout: float = TIMEOUT_S,
              progress=None, keep=None, dry_run=False, epci=None, mode="upsert"):
    """The QPV perimeters of the ANCT dataset on data.gouv.fr, kept to the store's territory."""
    base = base_url.rstrip("/")
    meta = get_json(f"{base}/api/1/datasets/{dataset}/", timeout=timeout)
    resource = qpv_resource(meta)
    url = urllib.parse.urljoin(base + "/", resource["url"])
    body = get(url, timeout=timeout, progress=progress, label=resource.get("title") or "QPV")
    name = Path(urllib.parse.urlsplit(url).path).name or "qpv.geojson"
    with tempfile.TemporaryDirectory() as tmp:
        path = _save(body, name, keep, tmp)
        return edits.import_file(store, "qpv", path, epci=epci, territory=None if epci else "store",
                                 mode=mode, dry_run=dry_run)

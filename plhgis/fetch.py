"""Online reference data: commune outlines from geo.api.gouv.fr, QPV from the ANCT dataset.

Each fetch downloads the official answer (standard library urllib, a timeout, an optional
progress callback), keeps a copy when asked, and imports it through the same path as
`plhgis import` (sources.map_source), so the history says where every value came from.
`base_url` points elsewhere: a mirror, a proxy, or the tests' local server.
"""
from __future__ import annotations

import http.client
import json
import re
import socket
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from contextlib import nullcontext
from pathlib import Path

from . import edits, outputs
from .errors import PlhgisError
from .labels import Msg

GEO_API = "https://geo.api.gouv.fr"
DATA_GOUV = "https://www.data.gouv.fr"
QPV_DATASET = "quartiers-prioritaires-de-la-politique-de-la-ville-qpv"
TIMEOUT_S = 30.0
USER_AGENT = "plhgis (PLH housing-project table)"
_CHUNK = 1 << 16


class FetchError(PlhgisError, OSError):
    """An online source cannot be reached or did not answer as expected."""


def base_url_of(base_url) -> str:
    """`--base-url` checked: an http:// or https:// address with a host, without its trailing /."""
    text = str(base_url or "").strip()
    hint = Msg("hint.base_url", url=GEO_API)
    try:
        parts = urllib.parse.urlsplit(text)
        parts.port  # noqa: B018  (a bad port raises here)
    except ValueError as exc:
        raise FetchError(Msg("err.not_url", why=exc), field="--base-url", value=base_url,
                         hint=hint) from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise FetchError(Msg("err.not_http"), field="--base-url",
                         value=base_url, hint=hint)
    return text.rstrip("/")


def _unexpected(url, what) -> FetchError:
    host = urllib.parse.urlsplit(url).netloc or url
    return FetchError(Msg("err.unexpected", host=host, what=what, url=url), hint=Msg("hint.check_base_url"))


def get(url: str, *, timeout: float = TIMEOUT_S, progress=None, label="") -> bytes:
    """The body of `url`. `progress(length, label)` returns a context manager with `update(n)`."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.netloc or url
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValueError("not an http(s) address")
        parts.port  # noqa: B018  (a bad port raises here)
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
    except ValueError as exc:
        raise FetchError(Msg("err.cannot_ask", url=repr(url), why=exc), hint=Msg("hint.check_base_url")) from None
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
        what = Msg("err.http_not_found") if exc.code == 404 else f"HTTP {exc.code} {exc.reason}"
        raise FetchError(Msg("err.http_answer", host=host, what=what, url=url),
                         hint=Msg("hint.check_code") if exc.code == 404 else Msg("hint.service_down")) from None
    except (TimeoutError, socket.timeout):
        raise _timeout(host, timeout) from None
    except (http.client.HTTPException, ValueError) as exc:  # a garbled answer, a URL urllib refuses
        raise FetchError(Msg("err.unexpected", host=host, what=f"{type(exc).__name__}: {exc}", url=url),
                         hint=Msg("hint.base_url_later")) from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, (TimeoutError, socket.timeout)):
            raise _timeout(host, timeout) from None
        raise FetchError(Msg("err.unreachable", host=host, why=exc.reason, url=url),
                         hint=Msg("hint.unreachable")) from None
    except OSError as exc:  # connection reset, refused mid-way
        raise FetchError(Msg("err.connection_failed", host=host, why=exc, url=url),
                         hint=Msg("hint.connection_failed")) from None


def _timeout(host, timeout):
    return FetchError(Msg("err.timeout", host=host, seconds=f"{timeout:g}"), hint=Msg("hint.timeout"))


def get_json(url: str, **kwargs):
    body = get(url, **kwargs)
    try:
        return json.loads(body)
    except ValueError:
        raise FetchError(Msg("err.not_json", url=url, body=repr(body[:60])), hint=Msg("hint.check_base_url")) from None


def get_object(url: str, what: str, **kwargs) -> dict:
    """A JSON object from `url`, or a clear error naming `what` the service should have sent."""
    value = get_json(url, **kwargs)
    if not isinstance(value, dict):
        raise _unexpected(url, what)
    return value


def _check_keep(keep, overwrite):
    """Refuse an existing `-o` file unless `overwrite` (before anything is downloaded)."""
    if keep:
        outputs.check_free([keep], overwrite, Msg("hint.overwrite_or_other"), "--output")


def _import(store, layer, body: bytes, name: str, keep, dry_run, **options):
    """Import the downloaded `body`; keep a copy at `keep`, except in a dry run (which writes nothing)."""
    with tempfile.TemporaryDirectory() as tmp:
        if keep and not dry_run:
            path = Path(keep)
        else:  # under the kept file's name, so the notes and the history read the same
            path = Path(tmp) / (Path(keep).name if keep else name)
        outputs.write_bytes(path, body, overwrite=True)  # `_check_keep` refused an existing one
        plan = edits.import_file(store, layer, path, dry_run=dry_run, **options)
    if keep and dry_run:
        plan.notes.append(Msg("note.dry_run_keep", path=keep))
    return plan


def fetch_communes(store, epci: str, *, base_url: str = GEO_API, timeout: float = TIMEOUT_S, progress=None,
                   keep=None, overwrite=False, dry_run=False, mode="upsert"):
    """One EPCI's communes (outline, population, EPCI) from geo.api.gouv.fr into `communes`."""
    if not re.fullmatch(r"\d{9}", str(epci or "")):
        raise PlhgisError(Msg("err.epci_siren"), field="--epci", value=epci, hint=Msg("hint.epci_siren"))
    base = base_url_of(base_url)
    _check_keep(keep, overwrite)
    info = get_object(f"{base}/epcis/{epci}?fields=nom,code", Msg("what.epci_json"), timeout=timeout)
    url = f"{base}/epcis/{epci}/communes?fields=code,nom,population,codeEpci,codeDepartement" \
          "&format=geojson&geometry=contour"
    body = get(url, timeout=timeout, progress=progress, label=Msg("progress.communes_of", name=info.get("nom") or epci))
    try:
        collection = json.loads(body)
    except ValueError:
        collection = None
    features = collection.get("features") if isinstance(collection, dict) else None
    if not isinstance(features, list) or not all(isinstance(f, dict) for f in features) \
            or not all(isinstance(f.get("properties"), (dict, type(None))) for f in features):
        raise _unexpected(url, Msg("what.geojson"))
    for feature in features:
        if feature.get("properties") is None:
            feature["properties"] = {}
        feature["properties"]["nomEpci"] = info.get("nom")
    body = json.dumps(collection, ensure_ascii=False).encode()
    return _import(store, "communes", body, f"geo-api-epci-{epci}-communes.geojson", keep, dry_run,
                   source="geo-api", epci=str(epci), mode=mode)


def qpv_resource(dataset: dict) -> dict:
    """The GeoJSON resource of the ANCT QPV dataset, the 2024 generation first."""
    resources = dataset.get("resources", []) if isinstance(dataset, dict) else None
    if not isinstance(resources, list):
        raise FetchError(Msg("err.unexpected_dgouv", what=Msg("what.dataset_resources")), hint=Msg("hint.check_base_url"))
    resources = [r for r in resources if isinstance(r, dict)]
    geojson = [r for r in resources if "geojson" in f"{r.get('format', '')} {r.get('url', '')}".lower()]
    if not geojson:
        formats = sorted({str(r.get("format")) for r in resources})
        raise FetchError(Msg("err.qpv_no_geojson"), value=", ".join(formats), hint=Msg("hint.qpv_by_hand"))
    newest = [r for r in geojson if "2024" in f"{r.get('title', '')} {r.get('url', '')}"]
    wgs84 = [r for r in newest or geojson if "wgs84" in f"{r.get('title', '')} {r.get('url', '')}".lower()]
    resource = (wgs84 or newest or geojson)[0]
    if not isinstance(resource.get("url"), str) or not resource["url"].strip():
        raise FetchError(Msg("err.unexpected_dgouv", what=Msg("what.qpv_no_url")), value=resource.get("title"),
                         hint=Msg("hint.check_base_url"))
    return resource


def fetch_qpv(store, *, base_url: str = DATA_GOUV, dataset: str = QPV_DATASET, timeout: float = TIMEOUT_S,
              progress=None, keep=None, overwrite=False, dry_run=False, epci=None, mode="upsert"):
    """The QPV perimeters of the ANCT dataset on data.gouv.fr, kept to the store's territory."""
    base = base_url_of(base_url)
    _check_keep(keep, overwrite)
    meta = get_object(f"{base}/api/1/datasets/{dataset}/", Msg("what.dataset_json"), timeout=timeout)
    resource = qpv_resource(meta)
    url = urllib.parse.urljoin(base + "/", resource["url"].strip())
    body = get(url, timeout=timeout, progress=progress, label=str(resource.get("title") or "QPV"))
    name = Path(urllib.parse.urlsplit(url).path).name.strip(".") or "qpv.geojson"
    return _import(store, "qpv", body, name, keep, dry_run, epci=epci, territory=None if epci else "store",
                   mode=mode)

"""Online fetch against a local HTTP server (127.0.0.1) answering like geo.api.gouv.fr and data.gouv.fr."""
from __future__ import annotations

import json
import socket
import threading
import time
import urllib.parse
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import snapshot
from test_sources import _read, _store
from plhgis.store import GeoPackageStore

pytestmark = [pytest.mark.shared, pytest.mark.usefixtures("english")]  # messages read in English
CALL = "246200364"
QPV_SLUG = "quartiers-prioritaires-de-la-politique-de-la-ville-qpv"


def _routes(shared_data):
    """The services' answers, built from the real files in ../shared/data."""
    epcis = {e["code"]: e for e in json.loads((shared_data / "territoire/epci_call_capso.json").read_text())}
    communes = json.loads((shared_data / "territoire/communes_call_capso.geojson").read_text())

    def epci(code):
        return {"nom": epcis[code]["nom"], "code": code} if code in epcis else None

    def epci_communes(code):  # geo.api.gouv.fr: properties code, nom, population, codeEpci, codeDepartement
        feats = [{"type": "Feature", "geometry": f["geometry"],
                  "properties": {"code": f["properties"]["code"], "nom": f["properties"]["nom"],
                                 "population": f["properties"]["population_municipale"],
                                 "codeEpci": code, "codeDepartement": "62"}}
                 for f in communes["features"] if f["properties"]["siren_epci"] == code]
        return {"type": "FeatureCollection", "features": feats} if feats else None

    def dataset(host):
        return {"id": "qpv", "slug": QPV_SLUG, "resources": [
            {"title": "QP2015 métropole (Shapefile)", "format": "zip", "url": f"http://{host}/files/qp2015.zip"},
            {"title": "Extrait QPV 2015 Occitanie (GeoJSON, WGS84)", "format": "geojson",
             "url": f"http://{host}/files/qpv2015_occitanie.geojson"}]}

    qpv = (shared_data / "qpv/qpv2015_occitanie_30_31_34.geojson").read_bytes()
    return epci, epci_communes, dataset, qpv


@contextmanager
def serving(handler):
    """A loopback HTTP server in a thread for the test's duration; yields its base URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@pytest.fixture
def server(shared_data):
    epci, epci_communes, dataset, qpv = _routes(shared_data)
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            seen.append(self.path)
            parts = url.path.strip("/").split("/")
            host = self.headers["Host"]
            body = None
            if parts[:1] == ["slow"]:
                time.sleep(1.5)
            if parts[:1] == ["epcis"] and len(parts) == 2:
                body = epci(parts[1])
            elif parts[:1] == ["epcis"] and parts[2:] == ["communes"]:
                body = epci_communes(parts[1])
            elif url.path == f"/api/1/datasets/{QPV_SLUG}/":
                body = dataset(host)
            elif url.path == "/files/qpv2015_occitanie.geojson":
                return self._send(200, qpv, "application/geo+json")
            if body is None:
                return self._send(404, json.dumps({"code": 404, "message": "Not found"}).encode())
            self._send(200, json.dumps(body).encode())

        def _send(self, code, data, kind="application/json"):
            try:
                self.send_response(code)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                pass

        def log_message(self, *args):
            pass

    with serving(Handler) as base:
        yield base, seen


@pytest.fixture
def store(tmp_path, invoke):
    return _store(tmp_path, invoke)


def test_fetch_communes_of_an_epci(server, store, invoke, tmp_path):
    base, seen = server
    kept = tmp_path / "call.geojson"
    result = invoke("fetch", "communes", "--epci", CALL, "--base-url", base, "-o", kept, "--store", store)
    assert result.exit_code == 0, result.output
    assert "communes of CA de Lens - Liévin" not in result.stderr  # piped: no progress bar
    assert "communes: changed 36 added" in result.stderr
    communes = _read(store, "communes")
    assert len(communes) == 36 and communes.population.sum() == 242587
    assert set(communes.epci_name) == {"CA de Lens - Liévin"} and set(communes.epci_siren) == {CALL}
    assert kept.exists() and f"/epcis/{CALL}/communes?fields=code,nom,population,codeEpci" in seen[-1]
    assert "format=geojson&geometry=contour" in seen[-1]
    with GeoPackageStore(store) as st:
        assert st.history("communes", "62498").source.iloc[0] == "import call.geojson"
    again = invoke("fetch", "communes", "--epci", CALL, "--base-url", base, "--store", store)
    assert "changed 0 added, 0 updated, 0 ended, 36 unchanged" in again.stderr


def test_fetch_qpv_keeps_the_territorys_quarters(server, store, invoke, shared_data):
    base, seen = server
    occitanie = shared_data / "qpv/communes_occitanie_avec_qpv.geojson"
    assert invoke("import", "communes", occitanie, "--store", store).exit_code == 0
    result = invoke("fetch", "qpv", "--base-url", base, "--store", store)
    assert result.exit_code == 0, result.output
    assert f"/api/1/datasets/{QPV_SLUG}/" in seen[0] and seen[1] == "/files/qpv2015_occitanie.geojson"
    assert "(qpv2015)" in result.stderr and "of 59 qpv (the store's communes)" in result.stderr
    qpv = _read(store, "qpv")
    assert 0 < len(qpv) <= 59 and qpv.code_qp.str.startswith("QP0").all()


def test_an_unknown_epci_is_named(server, store, invoke):
    base, _ = server
    before = snapshot(store)
    result = invoke("fetch", "communes", "--epci", "999999999", "--base-url", base, "--store", store)
    assert result.exit_code == 1
    assert f"127.0.0.1:{base.rsplit(':', 1)[1]} answered not found for {base}/epcis/999999999" in result.output
    bad = invoke("fetch", "communes", "--epci", "2462", "--base-url", base, "--store", store)
    assert bad.exit_code == 1 and "an EPCI is named by its 9-digit SIREN" in bad.output
    assert snapshot(store) == before


def _closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("base", ["http://127.0.0.1:{port}", "http://192.0.2.1"])  # closed port; blocked host
def test_offline_is_a_clear_error(store, invoke, base):
    before = snapshot(store)
    url = base.format(port=_closed_port())
    result = invoke("fetch", "communes", "--epci", CALL, "--base-url", url, "--store", store)
    assert result.exit_code == 1
    host = urllib.parse.urlsplit(url).netloc
    assert f"Error: cannot reach {host} (" in result.output and "no network connection?" in result.output
    assert "download the file by hand and load it with plhgis import" in result.output
    assert snapshot(store) == before


def test_a_silent_server_times_out(server, store, invoke):
    base, _ = server
    result = invoke("fetch", "qpv", "--base-url", base + "/slow", "--timeout", "0.3", "--store", store)
    assert result.exit_code == 1
    assert "did not answer within 0.3 s" in result.output


@pytest.mark.parametrize("url", ["notaurl", "http://[::1", "ftp://127.0.0.1/", "file:///etc", "http://",
                                 "http://127.0.0.1:99999"])
def test_a_bad_base_url_is_a_clear_error(store, invoke, url):
    before = snapshot(store)
    for args in (["communes", "--epci", CALL], ["qpv"]):
        result = invoke("fetch", *args, "--base-url", url, "--store", store)
        assert result.exit_code == 1, result.output
        assert result.output.startswith(f"Error: field '--base-url', value {url!r}: --base-url is not ")
        assert "(hint: give the service's address, e.g. --base-url https://geo.api.gouv.fr)" in result.output
    assert snapshot(store) == before


@pytest.fixture
def fake():
    """A loopback server answering each path of `routes` with its JSON (404 for the others)."""
    routes = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            path = urllib.parse.urlsplit(self.path).path
            code, data = (200, json.dumps(routes[path]).encode()) if path in routes else (404, b"{}")
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    with serving(Handler) as base:
        yield base, routes


FEATURE = {"type": "Feature", "properties": {"code": "62498", "nom": "Lens"},
           "geometry": {"type": "Polygon", "coordinates": [[[2.8, 50.4], [2.85, 50.4], [2.85, 50.45], [2.8, 50.4]]]}}


@pytest.mark.parametrize("epci, communes", [
    ([1, 2], {"type": "FeatureCollection", "features": []}),
    ("CA de Lens", {"type": "FeatureCollection", "features": []}),
    ({"nom": "CA"}, {"type": "FeatureCollection", "features": [1]}),
    ({"nom": "CA"}, {"type": "FeatureCollection", "features": {"a": 1}}),
    ({"nom": "CA"}, [FEATURE]),
    ({"nom": "CA"}, {"type": "FeatureCollection", "features": [{**FEATURE, "properties": [1]}]}),
])
def test_communes_answers_of_the_wrong_shape_are_a_clear_error(fake, store, invoke, epci, communes):
    base, routes = fake
    routes[f"/epcis/{CALL}"], routes[f"/epcis/{CALL}/communes"] = epci, communes
    before = snapshot(store)
    result = invoke("fetch", "communes", "--epci", CALL, "--base-url", base, "--store", store)
    assert result.exit_code == 1
    host = base.removeprefix("http://")
    assert f"Error: {host} did not answer as expected (" in result.output
    assert "(hint: check --base-url)" in result.output
    assert snapshot(store) == before


def test_communes_with_null_properties_still_load(fake, store, invoke):
    base, routes = fake
    routes[f"/epcis/{CALL}"] = {"nom": "CA de Lens - Liévin", "code": CALL}
    routes[f"/epcis/{CALL}/communes"] = {"type": "FeatureCollection", "features": [
        {**FEATURE, "properties": {"code": "62498", "nom": "Lens", "codeEpci": CALL}},
        {**FEATURE, "properties": None}]}
    result = invoke("fetch", "communes", "--epci", CALL, "--base-url", base, "--dry-run", "--store", store)
    assert result.exit_code == 0, result.output  # GeoJSON allows "properties": null
    assert "kept 1 of 2 communes (EPCI 246200364)" in result.stderr
    assert "communes: would change 1 added" in result.stderr


@pytest.mark.parametrize("dataset", [
    [],
    {"resources": {"format": "geojson"}},
    {"resources": [{"title": "QPV 2024 (GeoJSON)", "format": "geojson"}]},
    {"resources": [{"title": "QPV 2024 (GeoJSON)", "format": "geojson", "url": 12}]},
])
def test_a_dataset_of_the_wrong_shape_is_a_clear_error(fake, store, invoke, dataset):
    base, routes = fake
    routes[f"/api/1/datasets/{QPV_SLUG}/"] = dataset
    result = invoke("fetch", "qpv", "--base-url", base, "--store", store)
    assert result.exit_code == 1
    assert "did not answer as expected (" in result.output and "(hint: check --base-url)" in result.output


def test_a_resource_url_that_is_not_http_is_refused(fake, store, invoke, tmp_path):
    base, routes = fake
    secret = tmp_path / "secret.geojson"
    secret.write_text("{}")
    routes[f"/api/1/datasets/{QPV_SLUG}/"] = {"resources": [
        {"title": "QPV (GeoJSON)", "format": "geojson", "url": secret.as_uri()}]}
    result = invoke("fetch", "qpv", "--base-url", base, "--store", store)
    assert result.exit_code == 1
    assert f"cannot ask {secret.as_uri()!r}: not an http(s) address (hint: check --base-url)" in result.output


def test_output_is_never_overwritten_without_overwrite_nor_written_in_a_dry_run(server, store, invoke, tmp_path):
    base, seen = server
    kept = tmp_path / "call.geojson"
    dry = invoke("fetch", "communes", "--epci", CALL, "--base-url", base, "-o", kept, "--dry-run", "--store", store)
    assert dry.exit_code == 0, dry.output
    assert "communes: would change 36 added" in dry.stderr and f"--dry-run: {kept} not written" in dry.stderr
    assert not kept.exists() and _read(store, "communes").empty
    kept.write_text("mine")
    asked = len(seen)
    for extra in ([], ["--dry-run"]):
        result = invoke("fetch", "communes", "--epci", CALL, "--base-url", base, "-o", kept, *extra,
                        "--store", store)
        assert result.exit_code == 1
        assert (f"Error: {kept}, field '--output': the output file already exists "
                "(hint: use --overwrite to replace it, or give another file)") in result.output
        assert kept.read_text() == "mine" and len(seen) == asked  # refused before any download
    dry = invoke("fetch", "communes", "--epci", CALL, "--base-url", base, "-o", kept, "--overwrite", "--dry-run",
                 "--store", store)
    assert dry.exit_code == 0 and kept.read_text() == "mine"
    result = invoke("fetch", "communes", "--epci", CALL, "--base-url", base, "-o", kept, "--overwrite",
                    "--store", store)
    assert result.exit_code == 0, result.output
    assert len(json.loads(kept.read_text())["features"]) == 36 and len(_read(store, "communes")) == 36
    qpv = invoke("fetch", "qpv", "--base-url", base, "-o", kept, "--store", store)
    assert qpv.exit_code == 1 and "the output file already exists" in qpv.output

"""Department scale (issue 14): one store read for every pack, packs in worker processes, messages
formatted only in the language asked for. Speed itself is measured in benchmarks/, not here."""
from __future__ import annotations

import re
from collections import Counter

import openpyxl

from plhgis import checks, reports
from plhgis.errors import PlhgisError
from plhgis.store import GeoPackageStore


READ, HISTORY = GeoPackageStore.read, GeoPackageStore.history


def _reads(monkeypatch, demo_path, tmp_path, communes):
    """The store reads (layer, or 'history') made by write_packs for `communes` (None: all), in-process."""
    monkeypatch.setenv("PLHGIS_JOBS", "1")
    seen = Counter()
    read, history = READ, HISTORY

    def counted_read(self, layer, *args, **kwargs):
        seen[layer] += 1
        return read(self, layer, *args, **kwargs)

    def counted_history(self, *args, **kwargs):
        seen["history"] += 1
        return history(self, *args, **kwargs)

    monkeypatch.setattr(GeoPackageStore, "read", counted_read)
    monkeypatch.setattr(GeoPackageStore, "history", counted_history)
    store = GeoPackageStore(demo_path)
    out = tmp_path / ("all" if communes is None else "one")
    reports.write_packs(store, communes, out, index=communes is None)
    store.close()
    return seen, out


def test_pack_all_reads_the_store_as_often_as_one_pack(monkeypatch, demo_path, tmp_path):
    one, _ = _reads(monkeypatch, demo_path, tmp_path, ["62951"])
    every, out = _reads(monkeypatch, demo_path, tmp_path, None)
    assert len(list(out.glob("*-dossier.html"))) > 5
    assert every == one  # before: four more reads (communes, projects twice, history) for each commune


def _strip_ids(page: str) -> str:
    return re.sub(r"[0-9a-f]{32}", "", page)  # folium names each element with random hex


def test_packs_in_worker_processes_are_the_same_as_in_one(invoke, monkeypatch, demo_path, tmp_path):
    outs = {}
    for jobs in ("1", "2"):
        monkeypatch.setenv("PLHGIS_JOBS", jobs)
        outs[jobs] = tmp_path / f"jobs{jobs}"
        result = invoke("pack", "--all", "--store", demo_path, "-o", outs[jobs], "--since", "2020-01-01")
        assert result.exit_code == 0, result.output
    names = sorted(p.name for p in outs["1"].iterdir())
    assert names == sorted(p.name for p in outs["2"].iterdir()) and "index.html" in names
    assert not [n for n in names if n.startswith(".")]  # no temporary file left behind
    for name in names:
        one, two = outs["1"] / name, outs["2"] / name
        if name.endswith(".html"):
            assert _strip_ids(one.read_text()) == _strip_ids(two.read_text()), name
        else:
            a, b = openpyxl.load_workbook(one)["projets"], openpyxl.load_workbook(two)["projets"]
            assert [[c.value for c in r] for r in a.iter_rows()] == [[c.value for c in r] for r in b.iter_rows()]


def test_an_error_in_a_worker_is_one_clear_message(invoke, monkeypatch, demo_path, tmp_path):
    monkeypatch.setenv("PLHGIS_JOBS", "2")
    real = reports.write_pack

    def failing(store, insee, *args, **kwargs):
        if insee == "62951":
            raise PlhgisError("the commune's outline is broken", hint="fix it in QGIS")
        return real(store, insee, *args, **kwargs)

    monkeypatch.setattr(reports, "write_pack", failing)  # the workers are forked: they inherit it
    result = invoke("pack", "--all", "--store", demo_path, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert "62951 : the commune's outline is broken (conseil : fix it in QGIS)" in result.output
    assert "Traceback" not in result.output


def test_bad_jobs_setting_is_refused(invoke, monkeypatch, demo_path, tmp_path):
    monkeypatch.setenv("PLHGIS_JOBS", "two")
    result = invoke("pack", "--all", "--store", demo_path, "-o", tmp_path / "out")
    assert result.exit_code == 1 and "PLHGIS_JOBS" in result.output and "'two'" in result.output


def test_findings_are_formatted_only_in_the_language_read(monkeypatch, demo_store):
    langs = Counter()
    real = checks._Message.text

    def counted(self, template_key, row):
        langs[self.lang] += 1
        return real(self, template_key, row)

    monkeypatch.setattr(checks._Message, "text", counted)
    found = checks.run_checks(demo_store)
    text = checks.render_findings(found, "table", demo_store.crs, checks.commune_names(demo_store))
    assert found and langs == Counter(fr=len(found))  # before: both languages for every finding
    assert found[0].message in text
    assert found[0].text("en") == found[0].message_en != found[0].message and langs["en"] == 1

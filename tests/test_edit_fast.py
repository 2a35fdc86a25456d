"""A one-field edit is the interactive path (issue 14): it loads no heavy library, yet checks the
feature as an import would, records the history and refuses a stale version."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from plhgis import edits, schema
from plhgis.errors import ValidationError
from plhgis.store import GeoPackageStore, plain_value as _plain

HEAVY = ("pandas", "geopandas", "shapely", "pyproj", "numpy", "pyogrio", "fiona", "psycopg")
# values a sheet, a command line or QGIS put in a field, for both validators
SAMPLES = (None, "", "  ", "NA", "nan", "12", " 12 ", "12,5", "1 234", "12.0", 12, 12.5, 0, -3, "-3", "abc", "1e309",
           "inf", "+7", ".5", "1_000", "3000000000", "2024-03-31", "31/03/2024", "2024-13-01", "études", "ETUDES",
           " Etudes ", "PC accordé", "62950", "6295", "62950x", "P-62950-0001", "P-1", "1", "2100", "2101")


def _heavy_after(*args) -> list[str]:
    """The heavy libraries a process has executed after running `plhgis ARGS` (a lazy stub, see
    plhgis/lazy.py, has imported none of its submodules)."""
    probe = ("import sys\nfrom plhgis.cli import cli\ntry:\n    cli(sys.argv[1:], prog_name='plhgis')\n"
             "except SystemExit:\n    pass\n"
             f"print('HEAVY:', *(m for m in {HEAVY!r} if any(k.startswith(m + '.') for k in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", probe, *map(str, args)], capture_output=True, text=True, check=True)
    return out.stdout.split("HEAVY:")[-1].split()


def test_a_field_edit_loads_no_heavy_library_and_lands(demo_path):
    scheme = GeoPackageStore(demo_path).get("projects", "P-62950-0001", geometry=False)
    assert scheme["status"] != "travaux"
    assert _heavy_after("project", "edit", "P-62950-0001", "--store", demo_path, "--user", "anne",
                        "--status", "travaux") == []
    store = GeoPackageStore(demo_path)
    assert store.get("projects", "P-62950-0001")["status"] == "travaux"
    last = store.history("projects", "P-62950-0001").iloc[-1]
    assert (last.user, last.action, json.loads(last.before), json.loads(last.after), last.source) == (
        "anne", "update", {"status": scheme["status"]}, {"status": "travaux"}, "plhgis project edit")


def test_a_refused_field_edit_names_id_field_value_and_writes_nothing(invoke, demo_path):
    before = len(GeoPackageStore(demo_path).history())
    result = invoke("project", "edit", "P-62950-0001", "--store", demo_path, "--status", "bof", "--homes-total", "3",
                    "--commune", "99999")
    assert result.exit_code == 1
    assert "id P-62950-0001, champ 'status', valeur 'bof' : valeur hors de la liste" in result.output
    assert "champ 'homes_total', valeur '3' : hors limites (doit être au moins 5)" in result.output
    assert "champ 'commune', valeur '99999' : code INSEE de commune inconnu" in result.output
    assert "Traceback" not in result.output
    store = GeoPackageStore(demo_path)
    assert len(store.history()) == before
    assert store.get("projects", "P-62950-0001")["status"] != "bof"


def test_a_field_edit_computed_on_a_stale_version_is_refused(demo_path, monkeypatch):
    anne, bruno = GeoPackageStore(demo_path, user="anne"), GeoPackageStore(demo_path, user="bruno")
    real_get = anne.get

    def get_then_bruno(*args, **kwargs):
        out = real_get(*args, **kwargs)
        edits.edit(bruno, "projects", "P-62950-0001", {"comment": "bruno"})
        return out
    monkeypatch.setattr(anne, "get", get_then_bruno)
    with pytest.raises(Exception, match="was changed by someone else meanwhile"):
        edits.edit(anne, "projects", "P-62950-0001", {"comment": "anne"})
    assert GeoPackageStore(demo_path).get("projects", "P-62950-0001")["comment"] == "bruno"


def test_unchanged_field_edit_writes_no_history(demo_store):
    status = demo_store.get("projects", "P-62950-0001")["status"]
    before = len(demo_store.history())
    plan = edits.edit(demo_store, "projects", "P-62950-0001", {"status": status.upper()})
    assert (plan.changes, plan.unchanged, len(demo_store.history())) == ([], 1, before)


@pytest.mark.parametrize("layer", ["projects", "plots", "friches", "sru"])
def test_validate_record_agrees_with_validate(demo_store, layer):
    """The one-feature validator gives the same typed values and problems as the frame one, for
    every field of the editable layers and values of every kind."""
    import pandas as pd

    lay = schema.get_layer(layer)
    current = demo_store.read(layer, include_ended=True)
    base = ({k: _plain(v) for k, v in current.iloc[0].items() if k in schema.checked_fields(lay)}
            if len(current) else {})
    communes = demo_store.communes()
    for fld in lay.fields:  # one frame of every sample (validate), each sample alone (validate_record)
        rows = [dict(base, **{fld.name: value}) for value in SAMPLES]
        labels = pd.Series(range(len(rows)))
        typed, errors, warnings = schema.validate(lay, pd.DataFrame(rows, dtype=object), rows=labels,
                                                  known_communes=communes)
        for i, row in enumerate(rows):
            one, one_errors, one_warnings = schema.validate_record(lay, row, row=i, known_communes=communes)
            mine = _problems(errors, i)
            assert _problems(one_errors, i) == mine, (fld.name, SAMPLES[i])
            assert _problems(one_warnings, i) == _problems(warnings, i), (fld.name, SAMPLES[i])
            if not mine:
                assert {k: _plain(v) for k, v in typed.iloc[i].items()} == one, (fld.name, SAMPLES[i])


def _problems(problems, row):
    return [(p.text("en"), p.text("fr")) for p in problems if p.row == row]


def test_a_field_edit_of_a_derived_area_or_a_move_takes_the_full_path(demo_store):
    """site_area_m2 comes from a polygon footprint: giving it goes through the geometry-aware plan."""
    with pytest.raises(ValidationError):
        edits.edit(demo_store, "projects", "P-62950-0001", {"site_area_m2": "-5"})

"""Two writers on one scheme: no update is ever lost, every refusal says why, every change is journaled."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
import shapely

from plhgis import edits
from plhgis.errors import StoreError
from plhgis.store import GeoPackageStore

# the points of `edits.edit` where another writer may land: after its first read (get), after the
# read its diff is computed against (_current: an edit that moves the feature), and just before it
# writes (apply); an edit of fields only reads once (get)
STEPS = (("get", False), ("apply", False), ("get", True), ("_current", True), ("apply", True))


def _scheme(store):
    return store.read("projects").query("homes_total >= 20").iloc[0]


def _interleave(monkeypatch, store, step, other):
    """Run `other()` once, at `step` of the next edit made through `store`."""
    done = []

    def once():
        if not done:
            done.append(True)
            other()

    if step == "_current":
        real = edits._current

        def hooked(*args, **kwargs):
            out = real(*args, **kwargs)
            once()
            return out
        monkeypatch.setattr(edits, "_current", hooked)
    else:
        real = getattr(store, step)

        def hooked(*args, **kwargs):
            if step == "apply":
                once()
            out = real(*args, **kwargs)
            if step == "get":
                once()
            return out
        monkeypatch.setattr(store, step, hooked)
    return done


@pytest.mark.parametrize("step, moved", STEPS)
def test_a_change_landing_at_any_step_of_an_edit_is_never_undone(demo_path, monkeypatch, step, moved):
    anne = GeoPackageStore(demo_path, user="anne")
    bruno = GeoPackageStore(demo_path, user="bruno")
    scheme = _scheme(anne)
    total = int(scheme.homes_total) + 1
    done = _interleave(monkeypatch, anne, step,
                       lambda: edits.edit(bruno, "projects", scheme.id, {"homes_total": total}))
    where = shapely.Point(scheme.geometry.x + 10, scheme.geometry.y) if moved else None
    try:
        edits.edit(anne, "projects", scheme.id, {"comment": "vu en commission"}, where)
        refused = None
    except StoreError as exc:
        refused = str(exc)
    assert done, "the other writer never ran"
    now = GeoPackageStore(demo_path).get("projects", scheme.id)
    assert now["homes_total"] == total  # bruno's change stands
    history = GeoPackageStore(demo_path).history("projects", scheme.id)
    changes = [(u, json.loads(a)) for u, a in zip(history.user, history.after)]
    assert ("bruno", {"homes_total": total}) in changes
    assert not [a for u, a in changes if u == "anne" and "homes_total" in a]
    if refused:
        assert f"projects {scheme.id} was changed by someone else meanwhile" in refused
        assert now["comment"] != "vu en commission"
    else:
        assert now["comment"] == "vu en commission"
        assert ("anne", {"comment": "vu en commission"}) in changes


RACER = """
import json, sys
from plhgis import edits
from plhgis.errors import StoreError
from plhgis.store import GeoPackageStore
path, scheme, who, field, rounds = sys.argv[1:6]
store = GeoPackageStore(path, user=who)
for i in range(int(rounds)):
    value = 100 + i if field == "homes_total" else f"{who} {i}"
    try:
        edits.edit(store, "projects", scheme, {field: value})
        print(json.dumps(["ok", value]))
    except StoreError as exc:
        print(json.dumps(["refused", value, str(exc)]))
"""


def test_two_processes_racing_on_one_scheme_lose_nothing(demo_path):
    scheme = _scheme(GeoPackageStore(demo_path)).id
    rounds = 100
    writers = (("anne", "homes_total"), ("bruno", "comment"))
    procs = [subprocess.Popen([sys.executable, "-c", RACER, str(demo_path), scheme, who, fld, str(rounds)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for who, fld in writers]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err[-2000:] for _, err in outputs]
    store = GeoPackageStore(demo_path)
    now = store.get("projects", scheme)
    history = store.history("projects", scheme)
    tried = refused = 0
    for (who, fld), (out, _) in zip(writers, outputs):
        results = [json.loads(line) for line in out.splitlines()]
        assert len(results) == rounds
        landed = [r[1] for r in results if r[0] == "ok"]
        tried += len(results)
        refused += len(results) - len(landed)
        for r in results:
            if r[0] == "refused":
                assert f"projects {scheme} was changed by someone else meanwhile" in r[2]
        mine = [json.loads(a) for a in history.after[history.user == who]]
        assert all(set(a) == {fld} for a in mine), "a writer wrote back a field it did not change"
        assert [a[fld] for a in mine] == landed  # every change landed is in the history, in order
        assert now[fld] == landed[-1]  # the last change of each writer stands
    print(f"race: {tried} edits tried, {refused} refused with a reason, 0 lost")

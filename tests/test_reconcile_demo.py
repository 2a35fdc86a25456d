"""Reconcile on the demo with its next month's SDES list: accepted matches carry the permit's dates,
permits no scheme matches become schemes on request (issue 12)."""
from __future__ import annotations

import pytest
from conftest import snapshot

from plhgis import demo
from plhgis.store import GeoPackageStore

FEBRUARY = "Liste-des-autorisations-durbanisme-creant-des-logements.2026-02_demo-200099999.csv"


@pytest.fixture
def february(demo_path, tmp_path, invoke):
    """The demo after importing February's permit list (one started, completed, cancelled, new)."""
    with GeoPackageStore(demo_path) as store:
        demo.write_examples(store, tmp_path / "examples")
    r = invoke("import", "permits", tmp_path / "examples" / FEBRUARY, "--store", demo_path)
    assert r.exit_code == 0, r.output
    return demo_path


def test_links_and_an_accepted_match_fill_the_permit_and_works_dates(invoke, february):
    r = invoke("reconcile", "--store", february)
    assert r.exit_code == 0, r.output
    # the permit whose works started in January: status, start year and DOC date, in one line
    assert ("~ projects P-62950-0002 start_year: ∅ → 2026; doc_date: ∅ → '2026-01-12'; "
            "status: 'PC accordé' → 'travaux'; permit_date: ∅ → '2021-06-15'") in r.output
    assert "daact_date: ∅ → '2026-01-28'" in r.output
    assert "? 06295426A0101:P-62954-0006 score 0.60" in r.output  # the new permit: to review
    r = invoke("reconcile", "accept", "06295426A0101", "--store", february, "--user", "anne")
    assert r.exit_code == 0, r.output
    assert "permit_date: ∅ → '2026-01-20'" in r.output and "'PC déposé' → 'PC accordé'" in r.output
    with GeoPackageStore(february) as store:
        scheme = store.get("projects", "P-62954-0006")
        assert (scheme["permit_number"], scheme["permit_date"], scheme["permit_year"]) == \
            ("06295426A0101", "2026-01-20", 2026)
        last = store.history("projects", "P-62954-0006").iloc[-1]
        assert last["user"] == "anne" and FEBRUARY in last["source"] and "permit_date" in last["after"]


def test_unmatched_permits_are_listed_then_created_as_schemes_with_history(invoke, february):
    before = snapshot(february)
    r = invoke("reconcile", "--create", "--dry-run", "--store", february)
    assert r.exit_code == 0, r.output
    assert snapshot(february) == before
    assert "+ projects (new id) Opération (permis 06295325C0901)" in r.output
    assert "(permis 06295525C0902)" not in r.output  # cancelled in February
    assert "(permis 06295426A0101)" not in r.output  # a pair to review, not a new scheme
    assert "projects (simulation, rien n'est écrit) : ajouts : 1," in r.output
    r = invoke("reconcile", "--create", "--store", february, "--user", "anne")
    assert r.exit_code == 0, r.output
    assert "+ projects P-62953-0009 Opération (permis 06295325C0901)" in r.output
    with GeoPackageStore(february) as store:
        new = store.get("projects", "P-62953-0009")
        assert (new["homes_total"], new["status"], new["permit_year"], new["permit_date"], new["commune"]) == \
            (25, "PC accordé", 2025, "2025-04-10", "62953")
        assert "dont 10 logements locatifs sociaux" in new["comment"] and new["geometry"] is not None
        (row,) = store.history("projects", "P-62953-0009").itertuples()
        assert row.user == "anne" and row.source.startswith("reconcile --create: permits of plhgis demo")
    again = invoke("reconcile", "--create", "--dry-run", "--store", february)
    assert "ajouts : 0," in again.output and "(permis 06295325C0901)" not in again.output  # linked by number now


def test_create_on_a_store_with_no_permits(invoke, empty_store):
    r = invoke("reconcile", "--create", "--store", empty_store.path)
    assert r.exit_code == 0, r.output
    assert "projects : ajouts : 0, modifications : 0, fins : 0, inchangés : 0" in r.output

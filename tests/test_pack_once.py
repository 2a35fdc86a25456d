"""`pack --all` does its shared work once (issue 14): templates compiled once, each commune focused once."""
from __future__ import annotations

import jinja2

from plhgis import mapdata, reports


def test_a_second_pack_page_compiles_no_template(demo_store, monkeypatch):
    data = mapdata.load(demo_store)
    codes = sorted(data.layers["communes"]["insee"])[:3]
    reports.pack_html(demo_store, codes[0], data=mapdata.focus(data, codes[0]))  # compiles what it needs, once
    compiled = []
    real = jinja2.Environment.compile

    def counting(self, source, *args, **kwargs):
        compiled.append(source)
        return real(self, source, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    for code in codes[1:]:
        page, _ = reports.pack_html(demo_store, code, data=mapdata.focus(data, code))
        assert f"({code})" in page
    # branca compiled every macro's output again (some twenty templates a page); what is left is the charset
    # line of each new folium Figure, one a page
    assert len(compiled) == len(codes) - 1 and all(c.startswith("<meta http-equiv") for c in compiled)


def test_focusing_a_focused_commune_again_costs_nothing(demo_store):
    data = mapdata.load(demo_store)
    local = mapdata.focus(data, "62951")
    assert mapdata.focus(local, "62951") is local
    assert mapdata.focus(local, None) is local

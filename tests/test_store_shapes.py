"""Stores of every shape a user can reach never crash the outputs (a property-based test).

Hypothesis draws stores: no commune or a few, communes with or without outlines, schemes with any
status, years absent or inconsistent, optional fields missing, no location, only ended schemes;
no QPV, no targets, no sectors, no zoning, no friches, no plots; so also stores with no finding at
all. On each, `check` (every format), `targets`, `map`, `pack`, `review-plu`, `export` and
`history` end with exit 0 or 1 and a message, never a traceback.
"""
from __future__ import annotations

import tempfile
import traceback
from pathlib import Path

import geopandas as gpd
import pandas as pd
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, given, settings, strategies as st
from shapely.geometry import Point, box

from plhgis import edits, schema
from plhgis.cli import cli
from plhgis.store import GeoPackageStore

X0, Y0, SIDE = 700000.0, 7000000.0, 2000.0
YEARS = st.none() | st.integers(2010, 2040)

scheme = st.fixed_dictionaries({
    "commune": st.integers(0, 2),
    "homes_total": st.integers(5, 60),
    "status": st.sampled_from(schema.PROJECT_STATUS),
    "permit_year": YEARS, "start_year": YEARS, "delivery_year": YEARS,
    "lls_plai": st.none() | st.integers(0, 5),
    "lls_plus": st.none() | st.integers(0, 5),
    "land_origin": st.none() | st.sampled_from(schema.LAND_ORIGIN),
    "where": st.sampled_from(["point", "footprint", "none", "outside"]),
    "ended": st.booleans(),
})

shape = st.fixed_dictionaries({
    "communes": st.lists(st.booleans(), max_size=3),  # one per commune: has an outline
    "sru": st.booleans(), "figures": st.booleans(),  # figures: population, homes, LLS stock, polarity
    "schemes": st.lists(scheme, max_size=4),
    "all_ended": st.booleans(),
    "qpv": st.booleans(), "targets": st.booleans(), "sectors": st.booleans(), "zoning": st.booleans(),
    "friche": st.booleans(), "plot": st.booleans(),
})


def code(i):
    return f"6200{i + 1}"


def square(i, margin=0.0):
    return box(X0 + i * SIDE + margin, Y0 + margin, X0 + (i + 1) * SIDE - margin, Y0 + SIDE - margin)


def put(store, layer, rows, geoms=None):
    frame = pd.DataFrame(rows) if geoms is None else gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geoms,
                                                                       crs="EPSG:2154")
    return [c.id for c in edits.apply(store, edits.plan_rows(store, layer, frame, mode="append",
                                                             source="test")).changes]


def build(path, spec) -> list[str]:
    """The store `spec` describes; returns its commune codes."""
    store = GeoPackageStore.create(path)
    store.user = "test"
    n = len(spec["communes"])
    codes = [code(i) for i in range(n)]
    if n:
        figures = [{"population": 3000 + 1000 * i, "main_residences": 1300, "lls_stock": 100 * i,
                    "polarity": "pôle urbain", "density_min": 30} if spec["figures"] else {} for i in range(n)]
        put(store, "communes", [{"insee": c, "name": f"Commune {i}", **figures[i],
                                 "sru_rate_required": 0.25 if spec["sru"] and i == 0 else None}
                                for i, c in enumerate(codes)],
            [square(i) if outline else None for i, outline in enumerate(spec["communes"])])
    if n and spec["targets"]:
        put(store, "targets", [{"commune": codes[0], "period_start": 2023, "period_end": 2028, "homes_target": 60}])
    if spec["qpv"]:
        put(store, "qpv", [{"code_qp": "QN062001M", "lib_qp": "Quartier", "commune": "62001"}],
            [Point(X0 + 500, Y0 + 500).buffer(300)])
    if spec["sectors"]:
        put(store, "sectors", [{"name": "Centre", "kind": "centralité", **({"commune": codes[0]} if n else {})}],
            [square(0, 600)])
    if spec["zoning"]:
        put(store, "zoning", [{"libelle": "UA", "typezone": "U", "insee": "62001"},
                              {"libelle": "1AU", "typezone": "AUc", "insee": "62001"}],
            [square(0, 500), box(X0, Y0, X0 + 400, Y0 + 400)])
    if n and spec["friche"]:
        put(store, "friches", [{"site_id": f"{codes[-1]}_0001", "site_nom": "Friche", "comm_insee": codes[-1]},
                               {"site_id": f"{codes[0]}_0002", "site_nom": "Sans lieu", "comm_insee": codes[0]}],
            [box(X0 + 300, Y0 + 1500, X0 + 400, Y0 + 1700), None])
    if n and spec["plot"]:
        put(store, "plots", [{"commune": codes[0], "capacity": 4}], [box(X0 + 900, Y0 + 900, X0 + 960, Y0 + 950)])
    rows, geoms = [], []
    for k, s in enumerate(spec["schemes"] if n else []):
        i = s["commune"] % n
        x, y = X0 + i * SIDE + 200 + 150 * k, Y0 + 300 + 100 * k
        geoms.append({"point": Point(x, y), "footprint": box(x, y, x + 40, y + 30), "none": None,
                      "outside": Point(X0 - 5000, Y0)}[s["where"]])
        rows.append({"name": f"Opération {k}", "commune": codes[i],
                     **{f: v for f, v in s.items() if f not in ("commune", "where", "ended") and v is not None}})
    ids = put(store, "projects", rows, geoms) if rows else []
    for s, fid in zip(spec["schemes"], ids):
        if s["ended"] or spec["all_ended"]:
            edits.end(store, "projects", fid, reason="test")
    store.close()
    return codes


def run(runner, args):
    result = runner.invoke(cli, [str(a) for a in args], catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"plhgis {' '.join(map(str, args))} crashed:\n"
                             + "".join(traceback.format_exception(result.exception)))
    assert result.exit_code in (0, 1), f"plhgis {' '.join(map(str, args))}: exit {result.exit_code}\n{result.output}"
    assert result.output.strip() or args[0] == "history", f"plhgis {' '.join(map(str, args))} printed nothing"
    return result


@settings(max_examples=12, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(spec=shape)
def test_outputs_never_crash_on_any_store(spec):
    runner = CliRunner()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        store = d / "plh.gpkg"
        codes = build(store, spec)
        one = codes[0] if codes else "62001"
        plu = d / "zones.geojson"
        gpd.GeoDataFrame([{"libelle": "UA", "typezone": "U", "insee": one},
                          {"libelle": "1AUh", "typezone": "AUc", "insee": one}],
                         geometry=[square(0, 300), box(X0, Y0, X0 + 300, Y0 + 300)], crs="EPSG:2154").to_file(plu)
        s = ["--store", store]
        for fmt in ("table", "json", "csv", "geojson"):
            run(runner, ["check", "--format", fmt, *s])
        run(runner, ["check", "--commune", one, *s])
        run(runner, ["targets", *s])
        run(runner, ["targets", "--format", "csv", *s])
        run(runner, ["map", "-o", d / "carte.html", *s])
        run(runner, ["map", "--commune", one, "-o", d / "commune.html", *s])
        run(runner, ["pack", "--all", "-o", d / "packs", *s])
        run(runner, ["review-plu", one, "--zoning", plu, *s])
        for name in ("projets.csv", "projets.gpkg", "projets.xlsx", "projets.geojson"):
            run(runner, ["export", "projects", d / name, *s])
        run(runner, ["export", "projects", d / "avant.gpkg", "--as-of", "2024-12-31", *s])
        run(runner, ["history", *s])
        run(runner, ["history", "projects", "--format", "csv", *s])


def test_the_shapes_reach_the_edge_cases():
    """The strategy can draw the shapes the issue names (a guard against a strategy that narrows)."""
    from hypothesis import find
    assert find(shape, lambda s: not s["communes"])["communes"] == []
    assert find(shape, lambda s: s["communes"] == [False])
    assert find(shape, lambda s: len(s["communes"]) == 1 and s["schemes"] and s["all_ended"])
    assert find(shape, lambda s: s["schemes"] and all(v["permit_year"] is None and v["delivery_year"] is None
                                                       for v in s["schemes"]))

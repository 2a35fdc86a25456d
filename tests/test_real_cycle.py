"""The annual cycle on the real data of ../shared/data (CA de Lens-Liévin, EPCI 246200364), not the demo.

Real: communes and their figures, Cartofriches points, the ACV sectors. Fictional: 20 schemes placed
inside real communes, written by the test as French Excel writes a CSV (cp1252, ';', decimal comma,
French headers with PLAI/PLUS/PLS and Lambert-93 X/Y), and the PLH targets. Then check, targets, map,
pack --all; one commune's workbook edited with openpyxl (3 changes, 1 new scheme placed by its
coordinates, 1 row deleted), imported back, and pack --since showing exactly those changes.

The shared cadastre is Épinay-sous-Sénart's (91216), not a Lens-Liévin commune's: the new scheme here
is placed by lon/lat; a new workbook row placed by its parcel references is tested on 91216
(tests/test_workbook_places.py::test_a_new_row_with_parcel_references_takes_their_footprint).
"""
from __future__ import annotations

import json
import re
from datetime import date

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest

from plhgis import store as store_mod
from plhgis.store import GeoPackageStore

CALL = "246200364"
LENS = "62498"
LOADED_ON = "2026-01-15T09:00:00.000000+00:00"  # the first load, months before the commune's return
STATUSES = ("repérage", "études", "PC déposé", "PC accordé", "travaux")
OPERATORS = ("Pas-de-Calais Habitat", "Maisons & Cités", "SIA Habitat", "Flandre Opale Habitat")


def _schemes(communes: gpd.GeoDataFrame) -> pd.DataFrame:
    """20 fictional schemes, 4 in Lens, 3 in Liévin, 13 spread over other communes, inside their commune."""
    codes = [LENS] * 4 + ["62510"] * 3 + sorted(set(communes["code"]) - {LENS, "62510"})[:13]
    rows = []
    for k, code in enumerate(codes):
        shape = communes.set_index("code").geometry.loc[code]
        inner = shape.buffer(-150)
        p = (inner if not inner.is_empty else shape).representative_point()
        x, y = p.x + 40 * (k % 4), p.y - 40 * (k % 4)
        plai, plus, pls = k % 3 + 1, 4 + k % 5, k % 2
        total = plai + plus + pls + 6 + k % 7
        rows.append({"Nom de l'opération": f"Résidence fictive n°{k + 1} – {'Éloi' if k % 2 else 'Thérèse'}",
                     "Code INSEE": code, "Nb logements": total, "PLAI": plai, "PLUS": plus, "PLS": pls,
                     "Bailleur": OPERATORS[k % 4], "Statut": STATUSES[k % 5],
                     "Année de livraison": 2026 + k % 4, "X": f"{x:.2f}".replace(".", ","),
                     "Y": f"{y:.2f}".replace(".", ","), "Réf. interne": f"OP-{k:03d}"})
    return pd.DataFrame(rows)


@pytest.fixture
def cycle(tmp_path, invoke, shared_data, monkeypatch):
    """The territory loaded 'on 15 January 2026' from the real files and the schemes' CSV."""
    monkeypatch.setattr(store_mod, "now_iso", lambda: LOADED_ON)
    path = tmp_path / "plh.gpkg"
    assert invoke("init", "--store", path).exit_code == 0
    communes = gpd.read_file(shared_data / "territoire/communes_call_capso.geojson").to_crs(2154)
    communes = communes[communes["siren_epci"] == CALL]
    schemes = _schemes(communes)
    csv = tmp_path / "operations.csv"
    csv.write_bytes(schemes.to_csv(sep=";", index=False).encode("cp1252"))
    targets = tmp_path / "objectifs.csv"
    pd.DataFrame({"Code INSEE": communes["code"], "debut": 2023, "fin": 2028, "objectif": 60,
                  "objectif_lls": 20}).to_csv(targets, sep=";", index=False)
    steps = [("communes", shared_data / "territoire/communes_call_capso.geojson", "--epci", CALL),
             ("communes", shared_data / "reference/epci_communes_call_capso.csv", "--epci", CALL),
             ("friches", shared_data / "friches/cartofriches_points_call.geojson", "--epci", CALL),
             ("sectors", shared_data / "perimetres/acv_action_coeur_de_ville_62.geojson", "--kind", "ORT/ACV",
              "--name-field", "lib", "--epci", CALL),
             ("targets", targets),
             ("projects", csv, "--crs", "2154")]
    out = {}
    for layer, src, *options in steps:
        result = invoke("import", layer, src, *options, "--store", path)
        assert result.exit_code == 0, (layer, result.output)
        out[layer] = result
    monkeypatch.undo()
    return path, schemes, out


def _read(path, layer, **kw):
    with GeoPackageStore(path) as st:
        return st.read(layer, **kw)


def test_the_real_territory_loads_as_its_source_files_say(cycle, shared_data):
    path, schemes, out = cycle
    epci = next(e for e in json.loads((shared_data / "territoire/epci_call_capso.json").read_text())
                if e["code"] == CALL)
    figures = pd.read_csv(shared_data / "reference/epci_communes_call_capso.csv", dtype={"insee": str,
                                                                                        "epci_siren": str})
    figures = figures[figures["epci_siren"] == CALL]
    communes = _read(path, "communes")
    assert sorted(communes["insee"]) == sorted(m["code"] for m in epci["membres"]) and len(communes) == 36
    assert communes["population"].sum() == figures["population"].sum()  # the figures' vintage won
    assert set(json.loads(communes.set_index("insee").loc[LENS, "extra"])) >= {"codes_postaux"}
    points = json.loads((shared_data / "friches/cartofriches_points_call.geojson").read_text())["features"]
    in_call = [f for f in points if f["properties"]["comm_insee"] in set(communes["insee"])]
    assert len(_read(path, "friches")) == len(in_call)
    acv = json.loads((shared_data / "perimetres/acv_action_coeur_de_ville_62.geojson").read_text())["features"]
    sectors = _read(path, "sectors")
    assert sorted(sectors["name"]) == sorted(f["properties"]["lib"] for f in acv
                                             if f["properties"]["insee_com_derive"] in set(communes["insee"]))
    projects = _read(path, "projects")
    assert len(projects) == 20 == len(schemes)
    for field, column in (("homes_total", "Nb logements"), ("lls_plai", "PLAI"), ("lls_plus", "PLUS"),
                          ("lls_pls", "PLS")):
        assert projects[field].sum() == schemes[column].sum(), field
    assert projects.geometry.notna().all() and (projects.geometry.geom_type == "Point").all()
    assert "colonnes conservées telles quelles (extra) : Réf. interne" in out["projects"].stderr
    assert sorted(json.loads(e)["Réf. interne"] for e in projects["extra"]) == sorted(schemes["Réf. interne"])


def test_the_annual_cycle_on_real_data(cycle, invoke, tmp_path):
    path, schemes, _ = cycle
    check = invoke("check", "--format", "json", "--store", path)
    assert check.exit_code in (0, 1), check.output
    found = json.loads(check.stdout)
    found = found["findings"] if isinstance(found, dict) else found
    rules = {f["rule"] for f in found if f["layer"] == "projects"}  # the real friches have their own quirks
    assert not rules & {"DATA-GEOM", "DATA-OUTSIDE-COMMUNE", "DATA-OUTSIDE-EPCI", "DATA-LOCATE", "DATA-YEARS"}
    targets = invoke("targets", "--format", "json", "--store", path)
    assert targets.exit_code == 0, targets.output
    assert "62498" in targets.stdout
    assert invoke("map", "-o", tmp_path / "territoire.html", "--store", path).exit_code == 0
    packs = invoke("pack", "--all", "-o", tmp_path / "packs", "--store", path)
    assert packs.exit_code == 0, packs.output
    assert len(list((tmp_path / "packs").glob("*-dossier.html"))) == 36
    assert len(list((tmp_path / "packs").glob("*-projets.xlsx"))) == 36

    # Lens sends its workbook back: 3 changes, 1 new scheme placed by its coordinates, 1 row deleted
    book_path = tmp_path / "packs" / f"{LENS}-projets.xlsx"
    book = openpyxl.load_workbook(book_path)
    ws = book["projets"]
    header = [c.value for c in ws[1]]
    col = {name: i + 1 for i, name in enumerate(header)}
    rows = [r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value]
    ids = [ws.cell(r, 1).value for r in rows]
    assert len(ids) == (schemes["Code INSEE"] == LENS).sum() == 4
    ws.cell(rows[0], col["status"]).value = "PC accordé" if ws.cell(rows[0], col["status"]).value != "PC accordé" \
        else "travaux"
    ws.cell(rows[1], col["delivery_year"]).value = 2031
    ws.cell(rows[2], col["operator"]).value = "Habitat Hauts-de-France"
    deleted = ids[3]
    ws.delete_rows(rows[3])
    new = rows[3]
    for name, value in {"name": "Les Jardins de la Souchez", "commune": LENS, "homes_total": 18, "lls_plai": 4,
                        "lls_plus": 10, "status": "repérage", "lon": "2,8270", "lat": "50,4290"}.items():
        ws.cell(new, col[name]).value = value
    book.save(book_path)

    dry = invoke("import", "projects", book_path, "--dry-run", "--store", path)
    assert dry.exit_code == 0, dry.output
    assert "(simulation, rien n'est écrit) : ajouts : 1, modifications : 3, fins : 0" in dry.stderr
    assert [line.split()[2] for line in dry.stdout.splitlines() if "absente du tableur" in line] == [deleted]
    assert invoke("import", "projects", book_path, "--store", path, "--user", "mairie-lens").exit_code == 0
    assert invoke("project", "end", deleted, "--reason", "abandonnée (retour de la commune)",
                  "--store", path).exit_code == 0
    lens = _read(path, "projects", commune=LENS).set_index("name")
    assert lens.loc["Les Jardins de la Souchez"].geometry is not None

    since = date.today().isoformat()
    pack = invoke("pack", LENS, "--since", since, "-o", tmp_path / "rencontre", "--store", path)
    assert pack.exit_code == 0, pack.output
    page = (tmp_path / "rencontre" / f"{LENS}-dossier.html").read_text(encoding="utf-8")
    table = re.search(r"<table class='changes[^']*'>.*?</table>", page, re.S)
    assert table, "no 'what changed' table"
    lines = re.findall(r"<tr>(.*?)</tr>", table.group(0).split("<tbody>")[1], re.S)
    changed = sorted(re.findall(r"<td>(P-62498-\d{4})</td>", table.group(0)))
    assert len(lines) == 5 and len(changed) == 5, lines
    new_id = _read(path, "projects", commune=LENS).set_index("name").loc["Les Jardins de la Souchez", "id"]
    assert changed == sorted([*ids[:3], deleted, new_id])
    assert "2031" in table.group(0) and "Habitat Hauts-de-France" in table.group(0)

"""The issue-11 vocabulary (permit number and dates, LLI, ANAH, PLAI adapté, residence kinds, demolitions…)
reaches the import synonyms, the commune workbook and the map popups."""
from __future__ import annotations

import openpyxl

from plhgis import maps, reports, schema, sheets
from plhgis.store import GeoPackageStore

GLYCINES = "P-62953-0008"  # Résidence autonomie Les Glycines
VALUES = {"permit_date": "2024-06-15", "doc_date": "2025-03-01", "plai_adapte": 2, "lli": 4, "anah_conventionne": 3,
          "residence_kind": "résidence autonomie", "residence_places": 30, "demolished": 6, "demolished_lls": 6,
          "reconstitution": 1, "lls_sold": 1, "floor_area_m2": 2650.5, "collective": 1}


def _edit(invoke, path):
    args = [a for k, v in VALUES.items() for a in (f"--{k.replace('_', '-')}", v)]
    r = invoke("project", "edit", GLYCINES, *args, "--store", path)
    assert r.exit_code == 0, r.output


def test_a_partner_sheet_s_usual_headers_fill_the_new_fields(invoke, demo_path, tmp_path):
    head = ("Nom de l'opération;Code INSEE;Nb logements;PLAI;dont PLAI adaptés;PLUS;LLI;Conventionnés ANAH;"
            "N° de permis;Date du PC;DOC;DAACT;Type de résidence;Nombre de places;Logements démolis;"
            "dont LLS démolis;Reconstitution de l'offre;Ventes HLM;SDP;Collectif;Statut;X;Y")
    row = ("Résidence des Frênes;62953;40;10;2;12;6;4;PC 062 953 25 C0077;2025-05-12;2025-11-03;;"
           "résidence autonomie;32;8;8;1;2;2480,5;1;travaux;697250,0;7034150,0")
    path = tmp_path / "operations.csv"
    path.write_bytes(f"{head}\n{row}\n".encode("cp1252"))
    r = invoke("import", "projects", path, "--crs", "2154", "--store", demo_path)
    assert r.exit_code == 0, r.output
    assert "extra" not in r.output  # every column found its field
    with GeoPackageStore(demo_path) as store:
        p = store.read("projects")
        new = p[p["name"] == "Résidence des Frênes"].iloc[0]
    assert (new["plai_adapte"], new["lli"], new["anah_conventionne"], new["permit_number"]) == \
        (2, 6, 4, "PC 062 953 25 C0077")
    assert (new["permit_date"], new["doc_date"], new["residence_kind"], new["residence_places"]) == \
        ("2025-05-12", "2025-11-03", "résidence autonomie", 32)
    assert (new["demolished"], new["demolished_lls"], new["reconstitution"], new["lls_sold"]) == (8, 8, 1, 2)
    assert (new["floor_area_m2"], new["collective"]) == (2480.5, 1)


def test_the_workbook_carries_the_new_fields_with_lists_and_reads_back_unchanged(invoke, demo_path, tmp_path):
    _edit(invoke, demo_path)
    with GeoPackageStore(demo_path) as store:
        reports.write_packs(store, ["62953"], tmp_path / "out")
    book = tmp_path / "out" / "62953-projets.xlsx"
    ws = openpyxl.load_workbook(book)["projets"]
    header = [c.value for c in ws[1]]
    assert set(VALUES) | {"permit_number"} <= set(header)
    row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == GLYCINES)
    got = dict(zip(header, row))
    assert got["residence_kind"] == "résidence autonomie" and got["permit_date"] == "2024-06-15"
    assert got["lli"] == 4 and got["reconstitution"] == 1 and got["permit_number"] == "06295324C0042"
    assert "Type de résidence spécifique" in ws.cell(1, header.index("residence_kind") + 1).comment.text
    lists = {dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"}
    assert '"' + ",".join(schema.RESIDENCE_KIND) + '"' in lists and '"0,1"' in lists
    r = invoke("import", "projects", book, "--dry-run", "--store", demo_path)
    assert r.exit_code == 0, r.output
    assert "modifications : 0" in r.output
    assert header[:len(sheets.COLUMNS)] == list(sheets.COLUMNS)


def test_the_map_popup_shows_the_permit_dates_products_residence_and_demolitions(invoke, demo_path):
    _edit(invoke, demo_path)
    with GeoPackageStore(demo_path) as store:
        specs, _ = maps._layer_specs(maps.load(store), "fr")
        english, _ = maps._layer_specs(maps.load(store), "en")
    for spec, expected in ((specs, [["Date d'autorisation du permis", "2024-06-15"], ["dont LLI", "4"],
                                    ["Type de résidence spécifique", "résidence autonomie"],
                                    ["Logements démolis", "6"], ["Reconstitution de l'offre (ANRU)", "oui"]]),
                           (english, [["Completion date (DAACT)", None], ["Residence places", "30"],
                                      ["of which ANAH-agreed private homes", "3"], ["Rebuilt offer (ANRU)", "yes"]])):
        projects = next(c for key, _, c, _, _ in spec if key == "projects")
        rows = next(f for f in projects["features"] if f["properties"]["i"] == GLYCINES)["properties"]["p"]
        for label, shown in expected:
            if shown is None:  # no DAACT yet: no row
                assert all(r[0] != label for r in rows)
            else:
                assert [label, shown] in rows, rows
    other = next(f for f in projects["features"] if f["properties"]["i"] != GLYCINES)["properties"]["p"]
    assert not any(r[0] == "Rebuilt offer (ANRU)" for r in other)

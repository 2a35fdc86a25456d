"""Nothing a user sends is lost: French headers, X/Y with their CRS, unknown columns kept in `extra`."""
from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import shapely

from plhgis import schema, sources
from plhgis.store import GeoPackageStore

X, Y = "692018,9", "7040395,4"  # inside the demo's 62950, Lambert-93, as French Excel writes them
FRENCH_CSV = ("Nom de l'opération;Code INSEE;Nb logements;PLAI;PLUS;PLS;PSLA;BRS;Bailleur;Statut;"
              "Année de livraison;X;Y;Maître d'œuvre\n"
              f"Résidence Thérèse;62950;24;6;10;2;3;1;Pas-de-Calais Habitat;études;2027;{X};{Y};Cabinet Dupré\n")


def _write(path, text, encoding="cp1252"):
    path.write_bytes(text.encode(encoding))
    return path


def _scheme(store_path, name):
    with GeoPackageStore(store_path) as st:
        projects = st.read("projects")
    return projects[projects["name"] == name].iloc[0]


def test_french_headers_and_lambert93_xy_place_the_scheme_with_its_social_mix(demo_path, invoke, tmp_path):
    src = _write(tmp_path / "retour.csv", FRENCH_CSV)
    result = invoke("import", "projects", src, "--crs", "2154", "--store", demo_path)
    assert result.exit_code == 0, result.output
    scheme = _scheme(demo_path, "Résidence Thérèse")
    assert (scheme.commune, scheme.homes_total, scheme.lls_plai, scheme.lls_plus, scheme.lls_pls,
            scheme.psla, scheme.brs) == ("62950", 24, 6, 10, 2, 3, 1)
    assert (scheme.operator, scheme.status, scheme.delivery_year) == ("Pas-de-Calais Habitat", "études", 2027)
    assert scheme.geometry is not None
    assert (round(scheme.geometry.x, 1), round(scheme.geometry.y, 1)) == (692018.9, 7040395.4)


def test_a_lambert93_header_needs_no_crs_and_plain_xy_without_crs_is_refused(demo_path, invoke, tmp_path):
    named = _write(tmp_path / "l93.csv", FRENCH_CSV.replace(";X;Y;", ";X Lambert 93;Y Lambert 93;"))
    assert invoke("import", "projects", named, "--store", demo_path).exit_code == 0
    plain = _write(tmp_path / "xy.csv", FRENCH_CSV.replace("Thérèse", "Marcel"))
    result = invoke("import", "projects", plain, "--store", demo_path)
    assert result.exit_code != 0
    assert "'X' et 'Y' portent des coordonnées sans système déclaré" in result.stderr and "--crs 2154" in result.stderr


def test_crs_for_a_table_with_no_geometry_column_is_an_error(demo_path, invoke, tmp_path):
    src = _write(tmp_path / "sans-xy.csv", "Nom de l'opération;Code INSEE;Nb logements;Statut\nLe Pré;62950;8;études\n")
    result = invoke("import", "projects", src, "--crs", "2154", "--store", demo_path)
    assert result.exit_code != 0
    assert "--crs est donné mais le fichier n'a pas de colonne de géométrie" in result.stderr
    with GeoPackageStore(demo_path) as st:
        assert "Le Pré" not in set(st.read("projects")["name"])


def test_an_unknown_column_is_kept_shown_exported_and_reimported_unchanged(demo_path, invoke, tmp_path):
    src = _write(tmp_path / "retour.csv", FRENCH_CSV)
    dry = invoke("import", "projects", src, "--crs", "2154", "--dry-run", "--store", demo_path)
    assert "colonnes conservées telles quelles (extra) : Maître d'œuvre" in dry.stderr
    assert "ignoré" not in dry.stderr and "supprimé" not in dry.stderr
    assert invoke("import", "projects", src, "--crs", "2154", "--store", demo_path).exit_code == 0
    scheme = _scheme(demo_path, "Résidence Thérèse")
    assert json.loads(scheme.extra) == {"Maître d'œuvre": "Cabinet Dupré"}
    shown = invoke("project", "show", scheme.id, "--store", demo_path)
    assert "Maître d'œuvre: Cabinet Dupré" in shown.stdout
    out = tmp_path / "projets.csv"
    assert invoke("export", "projects", out, "--store", demo_path).exit_code == 0
    table = pd.read_csv(out, sep=";", dtype=str, keep_default_na=False)
    assert "extra" not in table.columns
    assert table.loc[table["id"] == scheme.id, "Maître d'œuvre"].tolist() == ["Cabinet Dupré"]
    again = invoke("import", "projects", out, "--dry-run", "--store", demo_path)
    assert again.exit_code == 0, again.output
    assert "ajouts : 0, modifications : 0" in again.stderr


def test_every_label_of_the_schema_names_one_field():
    for layer, fields in schema.LABELS.items():
        lay = schema.get_layer(layer)
        for name, labels in fields.items():
            assert lay.field(name) and len(labels) >= 2, (layer, name)
        keys = schema.header_fields(layer)
        assert keys[schema.header_key("Nom de l'opération")] == "name" if layer == "projects" else True
    assert sources.norm("NOM DE L’OPÉRATION") == sources.norm("nom de l'operation")


def _qpv_file(tmp_path, rows):
    src = tmp_path / "qpv2015.geojson"
    gpd.GeoDataFrame([r[0] for r in rows], geometry=[r[1] for r in rows], crs=4326).to_file(src)
    return src


def test_a_qpv_over_two_communes_keeps_both(demo_path, invoke, tmp_path):
    left, right = shapely.box(2.76, 50.38, 2.78, 50.40), shapely.box(2.78, 50.38, 2.80, 50.40)
    one_row = {"code_qp": "QP062999", "nom_qp": "Cité des Fleurs", "code_commune": "62950, 62951"}
    per_commune = [({"code_qp": "QP062998", "nom_qp": "Les Terrils", "code_commune": c}, g)
                   for c, g in (("62950", left), ("62951", right))]
    src = _qpv_file(tmp_path, [(one_row, left)] + per_commune)
    result = invoke("import", "qpv", src, "--store", demo_path)
    assert result.exit_code == 0, result.output
    with GeoPackageStore(demo_path) as st:
        qpv = st.read("qpv").set_index("code_qp")
    assert qpv.loc["QP062999", ["commune", "communes"]].tolist() == ["62950", "62950|62951"]
    assert qpv.loc["QP062998", ["commune", "communes"]].tolist() == ["62950", "62950|62951"]
    assert abs(qpv.loc["QP062998"].geometry.area - (gpd.GeoSeries([left, right], crs=4326).to_crs(2154)
                                                   .area.sum())) < 1


def test_the_library_keeps_unknown_columns_too(demo_store):
    from plhgis import edits

    frame = pd.DataFrame([{"name": "Le Clos", "commune": "62950", "homes_total": 6, "status": "études",
                           "Numéro de dossier": "PC 062 950 25 00012"}])
    plan = edits.plan_rows(demo_store, "projects", frame, mode="append")
    assert [n.text("fr") for n in plan.notes] == ["colonnes conservées telles quelles (extra) : Numéro de dossier"]
    change = edits.apply(demo_store, plan).changes[0]
    assert json.loads(demo_store.get("projects", change.id)["extra"]) == {"Numéro de dossier": "PC 062 950 25 00012"}

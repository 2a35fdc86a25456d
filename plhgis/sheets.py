"""The commune's workbook of schemes: written with the pack, filled in by the commune, imported back.

Sheet 1, *instructions*, tells the commune in French what to do; sheet 2, *projets*, holds the
commune's schemes with the store's own field names on row 1 (the French label of each column is
in a comment on its header cell and on the instructions sheet), so
``plhgis import projects <insee>-projets.xlsx --dry-run`` reads it back and shows, scheme by
scheme, each field's old → new value. The id column is locked (sheet protection without a
password, so a commune can still lift it to sort), status and land origin are dropdowns, years
and counts are checked as whole numbers, and a shaded block of empty rows takes new schemes.

The workbook's keywords carry ``plhgis-pack:<insee>``, so an import can also name the schemes
the commune *left out* of its sheet (`left_out`). It is written with XlsxWriter, row by row (a
`pack --all` writes hundreds), and read back with openpyxl.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

from . import lazy
from . import extra, io, outputs, schema
from .errors import unknown_commune

pd = lazy.module("pandas")

SHEET = "projets"
PACK_TAG = "plhgis-pack:"
IDS_SHEET = "plhgis"  # hidden: the ids the sheet was written with (see left_out)
NEW_ROWS = 20
# the columns of the workbook: store field names, in the order a commune reads them; the location
# columns (parcelles, lon/lat, Lambert-93 X/Y) place a new scheme and are read by the import
LOCATION = ("parcels", "lon", "lat", "x_l93", "y_l93")
# the permit, its works and the products the SRU inventory counts, demolitions (issue 11)
VOCABULARY = ("permit_number", "permit_date", "doc_date", "daact_date", "plai_adapte", "lli", "anah_conventionne",
              "residence_kind", "residence_places", "demolished", "demolished_lls", "reconstitution", "lls_sold",
              "floor_area_m2", "collective")
FLAGS = ("reconstitution", "collective")  # 0 or 1
DATES = ("permit_date", "doc_date", "daact_date")
COLUMNS = ("id", "name", "commune", "address", *LOCATION, "homes_total", "lls_plai", "lls_plus", "lls_pls",
           "psla", "brs", "accession_libre", "locatif_libre", "specifique", "specifique_note",
           "status", "land_origin", "operator", "permit_year", "start_year", "delivery_year",
           *VOCABULARY, "comment")
LOCATION_LABELS = {
    "parcels": ("Références cadastrales", "Nouvelle opération : parcelles séparées par des virgules "
                                          "(ex. 62498000BI0122, 62498000BI0123)."),
    "lon": ("Longitude (WGS84)", "Nouvelle opération, à défaut de parcelles : en degrés décimaux (ex. 2,8334)."),
    "lat": ("Latitude (WGS84)", "Nouvelle opération : en degrés décimaux (ex. 50,4321)."),
    "x_l93": ("X Lambert 93", "Ou bien coordonnées Lambert 93 en mètres (ex. 687512)."),
    "y_l93": ("Y Lambert 93", "Coordonnées Lambert 93 en mètres (ex. 7034567)."),
}
READ_ONLY = {  # extra sheets: the commune's friches and dents creuses, for reading only
    "friches": ("site_id", "site_nom", "site_type", "site_statut", "site_adresse", "unite_fonciere_surface",
                "capacity"),
    "dents creuses": ("id", "parcels", "area_m2", "zone_type", "horizon", "ownership", "capacity", "status",
                      "comment"),
}


def french(col) -> tuple[str, str]:
    """(French label, help) of a workbook column."""
    if col in LOCATION_LABELS:
        return LOCATION_LABELS[col]
    return schema.label("projects", col), schema.help_text("projects", col)


INSTRUCTIONS = [
    "Tableau des opérations de logements de la commune — programme local de l'habitat (PLH)",
    "",
    "Merci de vérifier et de compléter ce tableau, puis de le renvoyer au service habitat.",
    "1. Onglet « projets » : une ligne par opération de 5 logements et plus.",
    "2. Corrigez directement les cellules (état d'avancement, nombre de logements, années…).",
    "3. Nouvelle opération : utilisez les lignes grisées sous le tableau, laissez l'identifiant vide ; "
    "indiquez les références cadastrales, ou les coordonnées (longitude/latitude ou X/Y Lambert 93), et "
    "l'adresse. Sans aucune de ces informations, l'opération est placée au centre de la commune « à localiser ».",
    "4. Opération abandonnée : choisissez l'état « abandonné » plutôt que de supprimer la ligne.",
    "5. Ne modifiez pas la colonne « id » (verrouillée) ni les titres de la ligne 1 : ils permettent de "
    "réintégrer le tableau.",
    "6. Vous pouvez trier ou filtrer le tableau (Révision > Ôter la protection de la feuille, sans mot de passe).",
    "7. Les années s'écrivent sur 4 chiffres (2027) ; les nombres de logements en chiffres.",
    "8. Les onglets « friches » et « dents creuses » sont donnés pour information : ils ne sont pas réintégrés. "
    "Signalez toute correction dans la colonne « Commentaire » ou par courriel.",
    "",
    "Colonnes du tableau :",
]


def write_workbook(store, insee, path, overwrite=False, *, name=None, layers=None) -> Path:
    """Write `<insee>-projets.xlsx`: instructions, then the commune's schemes and a block for new ones.

    `name` and `layers` (the commune's projects, friches and plots in force), when the caller has read
    them already (`pack --all`), spare the store reads. Written row by row with XlsxWriter (several
    times faster than building the workbook in openpyxl, which reads it back on import).
    """
    import xlsxwriter

    from .mapdata import records

    path = Path(path)
    outputs.check_free([path], overwrite)
    if name is None:
        communes = store.read("communes", commune=insee)
        if insee not in set(communes["insee"]):
            raise unknown_commune(insee)
        name = communes.loc[communes["insee"] == insee, "name"].iloc[0]
    layers = dict(layers or {})
    for layer in ("projects", "friches", "plots"):
        if layers.get(layer) is None:
            layers[layer] = store.read(layer, commune=insee)
    projects = layers["projects"].sort_values("id")
    frame = extra.extra_columns(projects)
    extras = [c for c in frame.columns if c not in projects.columns and c not in COLUMNS]
    columns = (*COLUMNS, *extras)  # the columns the commune's own files brought, written back as they came

    with outputs.atomic_output(path, overwrite) as tmp, xlsxwriter.Workbook(str(tmp), {
            "in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
            "strings_to_urls": False, "nan_inf_to_errors": True}) as wb:
        cells = _Cells(wb)
        info = wb.add_worksheet("instructions")
        rows = [[INSTRUCTIONS[0] + f" — {name} ({insee})"], *([line] for line in INSTRUCTIONS[1:]),
                ["Colonne", "Intitulé", "Aide", "Valeurs possibles"]]
        for col in COLUMNS:
            fld = schema.PROJECTS.field(col) if col not in LOCATION else None
            rows.append([col, *french(col), ", ".join(fld.enum) if fld and fld.enum else ""])
        rows += [[], [f"Tableau préparé le {date.today().isoformat()} par plhgis."]]
        for r, row in enumerate(rows):
            style = cells.style(bold=True, font_size=13) if r == 0 else cells.style(bold=True) \
                if r == len(INSTRUCTIONS) else None
            for j, v in enumerate(row):
                cells.put(info, r, j, v, style)
        for j, width in enumerate((18, 38, 60, 70)):
            info.set_column(j, j, width)

        ws = wb.add_worksheet(SHEET)
        head = cells.style(bold=True, pattern=1, bg_color="#DDE7F0")
        for j, col in enumerate(columns):
            cells.put(ws, 0, j, col, head)
            ws.write_comment(0, j, " — ".join(p for p in french(col) if p) if col in COLUMNS
                             else "Colonne de votre fichier, conservée telle quelle.", {"author": "plhgis"})
        # one format per kind of cell: id locked, codes as text, the new rows greyed
        kinds = [{"num_format": "@"} if c == "id" else {"num_format": "@", "locked": False}
                 if c in ("commune", "parcels", "permit_number", *DATES) else {"locked": False} for c in columns]
        known = [cells.style(**kind) for kind in kinds]
        new = [cells.style(**kind, pattern=1, bg_color="#EEEEEE") for kind in kinds]
        at = {c: j for j, c in enumerate(columns)}
        recs = records(frame) if len(frame) else []
        for r, rec in enumerate(recs, start=1):
            for j, col in enumerate(columns):
                cells.put(ws, r, j, None if col in LOCATION[1:] else _cell(rec.get(col)), known[j])
        end = len(recs) + NEW_ROWS  # last row, 0-based
        for r in range(len(recs) + 1, end + 1):
            for j in range(len(columns)):
                cells.put(ws, r, j, None, new[j])
        ws.protect("", {"format_cells": True, "format_columns": True, "format_rows": True, "insert_rows": True,
                        "delete_rows": True, "sort": True, "autofilter": True, "objects": True, "scenarios": True})
        ws.freeze_panes(1, 2)
        ws.autofilter(0, 0, end, len(columns) - 1)

        def validation(col, options):
            ws.data_validation(1, at[col], end, at[col], {"ignore_blank": True, "show_input": False, **options})

        listed = {"error_title": "Valeur non prévue", "error_message": "Choisissez une valeur dans la liste."}
        for col, values in (("status", schema.PROJECT_STATUS), ("land_origin", schema.LAND_ORIGIN),
                            ("residence_kind", schema.RESIDENCE_KIND), *((f, ("0", "1")) for f in FLAGS)):
            validation(col, {"validate": "list", "source": list(values), **listed})
        validation("commune", {"validate": "list", "source": [insee],
                               "error_message": f"Le code INSEE de la commune est {insee}."})
        for col in ("homes_total", *schema.PRODUCT_FIELDS, "plai_adapte", "lli", "anah_conventionne",
                    "residence_places", "demolished", "demolished_lls", "lls_sold"):
            validation(col, {"validate": "integer", "criteria": ">=", "value": 0,
                             "error_message": "Un nombre entier de logements."})
        for col in ("permit_year", "start_year", "delivery_year"):
            validation(col, {"validate": "integer", "criteria": "between", "minimum": 1990, "maximum": 2100,
                             "error_message": "Une année sur 4 chiffres, par exemple 2027."})
        widths = {"id": 15, "name": 34, "address": 28, "parcels": 30, "operator": 22, "comment": 40, "status": 13,
                  "land_origin": 20, "specifique_note": 20, "permit_number": 16, "residence_kind": 20}
        for j, col in enumerate(columns):
            ws.set_column(j, j, widths.get(col, 11))
        for title, fields in READ_ONLY.items():
            _read_only_sheet(wb, cells, title, layers["friches" if title == "friches" else "plots"], fields)
        ids = wb.add_worksheet(IDS_SHEET)
        for r, fid in enumerate(["carried_ids", *projects["id"]]):
            cells.put(ids, r, 0, fid)
        ids.very_hidden()
        for sheet in wb.worksheets():
            print_a4_landscape(sheet)
        wb.set_properties({"title": f"Opérations de logements — {name}", "keywords": PACK_TAG + insee,
                           "author": "plhgis"})
        ws.activate()
    return path


class _Cells:
    """Writes values into XlsxWriter sheets: a text always as text, never a formula; one that Excel would
    read as a formula when typed (`io.FORMULA_START`) gets the quote prefix, as `io.append_text_row` does."""

    def __init__(self, wb):
        self.wb = wb
        self.styles: dict = {}
        self.plain = self.style()

    def style(self, **props) -> "_Style":
        """The cell format of these properties, made once per workbook."""
        key = tuple(sorted(props.items()))
        if key not in self.styles:
            self.styles[key] = _Style(self.wb, props)
        return self.styles[key]

    def put(self, ws, row, col, v, style=None) -> None:
        style = style or self.plain
        if v is None or v == "":
            if style.format is not None:
                ws.write_blank(row, col, None, style.format)
        elif isinstance(v, str):
            ws.write_string(row, col, v, style.quoted if v.startswith(io.FORMULA_START) else style.format)
        elif isinstance(v, bool):
            ws.write_boolean(row, col, v, style.format)
        elif isinstance(v, (int, float)):
            ws.write_number(row, col, v, style.format)
        else:
            ws.write_string(row, col, str(v), style.format)


class _Style:
    """A cell format (None: the default) and, made when first needed, the same with the quote prefix."""

    def __init__(self, wb, props):
        self.wb, self.props = wb, props
        self.format = wb.add_format(props) if props else None
        self._quoted = None

    @property
    def quoted(self):
        if self._quoted is None:
            self._quoted = self.wb.add_format({**self.props, "quote_prefix": True})
        return self._quoted


def print_a4_landscape(ws) -> None:
    """Print on A4 landscape, all columns on the page's width, the header row on every page."""
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages("1", 0)  # "1" as text: written out, not left to the default that openpyxl reads as none
    ws.repeat_rows(0)
    ws.hide_gridlines(0)  # gridlines printed (and shown)


def _read_only_sheet(wb, cells, title, frame, fields):
    """A protected sheet listing the commune's friches or plots; row 1 says it is not read back."""
    from .mapdata import records

    ws = wb.add_worksheet(title)
    cells.put(ws, 0, 0, f"{title.capitalize()} de la commune — pour information, non réintégré à l'import "
                        "(corrections : colonne « Commentaire » de l'onglet projets, ou par courriel)", cells.style(italic=True))
    layer = "friches" if title == "friches" else "plots"
    for j, f in enumerate(fields):
        cells.put(ws, 1, j, schema.label(layer, f) if f in schema.LABELS.get(layer, {}) else f, cells.style(bold=True))
    for r, rec in enumerate(records(frame.sort_values(frame.columns[0])) if len(frame) else [], start=2):
        for j, f in enumerate(fields):
            cells.put(ws, r, j, _cell(rec.get(f)))
    ws.protect("", {"objects": True, "scenarios": True})


def _cell(v):
    """A store value as a spreadsheet cell (None for missing, plain int for counts)."""
    if v is None:
        return None
    if pd.api.types.is_scalar(v) and pd.isna(v):
        return None
    if hasattr(v, "item"):
        v = v.item()
    return v


def pack_commune(path) -> str | None:
    """The INSEE code of the commune a pack workbook was written for, or None for another file."""
    path = Path(path)
    if path.suffix.lower() not in (".xlsx", ".xlsm") or not path.exists():
        return None
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True)
    except Exception:  # not a workbook: io reports it when it reads the file  # noqa: BLE001
        return None
    try:
        keywords = book.properties.keywords or ""
    finally:
        book.close()
    return keywords[len(PACK_TAG):].strip() if keywords.startswith(PACK_TAG) else None


def left_out(store, path) -> list[tuple[str, str]]:
    """(id, name) of the schemes in force the workbook was written with and no longer lists.

    Only the rows the sheet carried count: a scheme the commune added (and the import created)
    is never 'left out'. Nothing is done to them (an import never ends a scheme because a row
    went missing); the dry-run names them so staff can ask the commune, then end them with
    ``plhgis project end``.
    """
    insee = pack_commune(path)
    if insee is None:
        return []
    frame, _ = io.read_geodata(path)
    listed = set(frame["id"].dropna().astype(str).str.strip()) if "id" in frame else set()
    carried = _carried_ids(path)
    current = store.read("projects", commune=insee)
    return [(i, n) for i, n in zip(current["id"], current["name"])
            if i not in listed and (carried is None or i in carried)]


def _carried_ids(path) -> set[str] | None:
    """The ids the workbook was written with (None: a workbook of an older plhgis, without the list)."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    try:
        if IDS_SHEET not in book.sheetnames:
            return None
        return {str(r[0]).strip() for r in book[IDS_SHEET].iter_rows(min_row=2, values_only=True) if r and r[0]}
    finally:
        book.close()

"""The commune's workbook of schemes: written with the pack, filled in by the commune, imported back.

Sheet 1, *instructions*, tells the commune in French what to do; sheet 2, *projets*, holds the
commune's schemes with the store's own field names on row 1 (the French label of each column is
in a comment on its header cell and on the instructions sheet), so
``plhgis import projects <insee>-projets.xlsx --dry-run`` reads it back and shows, scheme by
scheme, each field's old → new value. The id column is locked (sheet protection without a
password, so a commune can still lift it to sort), status and land origin are dropdowns, years
and counts are checked as whole numbers, and a shaded block of empty rows takes new schemes.

The workbook's keywords carry ``plhgis-pack:<insee>``, so an import can also name the schemes
the commune *left out* of its sheet (`left_out`).
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

from . import lazy
from . import extra, io, outputs, schema
from .io import append_text_row
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
    them already (`pack --all`), spare the store reads.
    """
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, NamedStyle, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    path = Path(path)
    outputs.check_free([path], overwrite)
    if name is None:
        communes = store.read("communes", commune=insee)
        if insee not in set(communes["insee"]):
            raise unknown_commune(insee)
        name = communes.loc[communes["insee"] == insee, "name"].iloc[0]
    names = {insee: name}
    layers = dict(layers or {})
    for layer in ("projects", "friches", "plots"):
        if layers.get(layer) is None:
            layers[layer] = store.read(layer, commune=insee)
    projects = layers["projects"].sort_values("id")

    wb = openpyxl.Workbook()
    info = wb.active
    info.title = "instructions"
    append_text_row(info, [INSTRUCTIONS[0] + f" — {names[insee]} ({insee})"])
    info["A1"].font = Font(bold=True, size=13)
    for line in INSTRUCTIONS[1:]:
        append_text_row(info, [line])
    append_text_row(info, ["Colonne", "Intitulé", "Aide", "Valeurs possibles"])
    for cell in info[info.max_row]:
        cell.font = Font(bold=True)
    frame = extra.extra_columns(projects)
    extras = [c for c in frame.columns if c not in projects.columns and c not in COLUMNS]
    columns = (*COLUMNS, *extras)  # the columns the commune's own files brought, written back as they came
    for col in COLUMNS:
        fld = schema.PROJECTS.field(col) if col not in LOCATION else None
        label, help_text = french(col)
        append_text_row(info, [col, label, help_text, ", ".join(fld.enum) if fld and fld.enum else ""])
    info.append([])
    append_text_row(info, [f"Tableau préparé le {date.today().isoformat()} par plhgis."])
    for letter, width in zip("ABCD", (18, 38, 60, 70)):
        info.column_dimensions[letter].width = width

    ws = wb.create_sheet(SHEET)
    append_text_row(ws, list(columns))
    for j, col in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=j)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE7F0")
        cell.comment = Comment(" — ".join(p for p in french(col) if p) if col in COLUMNS
                               else "Colonne de votre fichier, conservée telle quelle.", "plhgis")
        cell.alignment = Alignment(wrap_text=False)
    for rec in frame.to_dict("records"):
        append_text_row(ws, [None if c in LOCATION[1:] else _cell(rec.get(c)) for c in columns])
    last = ws.max_row
    end = last + NEW_ROWS
    # one named style per kind of cell (id locked, codes as text, new rows greyed), set by name: styling
    # cell by cell with new style objects was most of a pack's time
    for new in (False, True):
        for kind in ("id", "code", "value"):
            wb.add_named_style(NamedStyle(
                f"plh_{kind}{'_new' if new else ''}", number_format="@" if kind != "value" else "General",
                protection=Protection(locked=kind == "id"),
                fill=PatternFill("solid", fgColor="EEEEEE") if new else PatternFill()))
    kinds = ["id" if c == "id" else "code" if c in ("commune", "parcels", "permit_number", *DATES) else "value"
             for c in columns]
    for r in range(2, end + 1):
        suffix = "_new" if r > last else ""
        for j, kind in enumerate(kinds, start=1):
            cell = ws.cell(row=r, column=j)
            quoted = cell.quotePrefix  # a formula-like text stays text (io.append_text_row)
            cell.style = f"plh_{kind}{suffix}"
            if quoted:
                cell.quotePrefix = True
    ws.protection.sheet = True
    for allowed in ("formatCells", "formatColumns", "formatRows", "insertRows", "deleteRows", "sort",
                    "autoFilter"):
        setattr(ws.protection, allowed, False)
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{end}"

    def letter(col):
        return get_column_letter(columns.index(col) + 1)

    def validation(col, dv):
        dv.add(f"{letter(col)}2:{letter(col)}{end}")
        ws.add_data_validation(dv)

    for col, values in (("status", schema.PROJECT_STATUS), ("land_origin", schema.LAND_ORIGIN),
                        ("residence_kind", schema.RESIDENCE_KIND), *((f, ("0", "1")) for f in FLAGS)):
        validation(col, DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True,
                                       showErrorMessage=True, errorTitle="Valeur non prévue",
                                       error="Choisissez une valeur dans la liste."))
    validation("commune", DataValidation(type="list", formula1=f'"{insee}"', allow_blank=True,
                                         showErrorMessage=True, error=f"Le code INSEE de la commune est {insee}."))
    for col in ("homes_total", *schema.PRODUCT_FIELDS, "plai_adapte", "lli", "anah_conventionne", "residence_places",
                "demolished", "demolished_lls", "lls_sold"):
        validation(col, DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0",
                                       allow_blank=True, showErrorMessage=True,
                                       error="Un nombre entier de logements."))
    for col in ("permit_year", "start_year", "delivery_year"):
        validation(col, DataValidation(type="whole", operator="between", formula1="1990", formula2="2100",
                                       allow_blank=True, showErrorMessage=True,
                                       error="Une année sur 4 chiffres, par exemple 2027."))
    widths = {"id": 15, "name": 34, "address": 28, "parcels": 30, "operator": 22, "comment": 40, "status": 13,
              "land_origin": 20, "specifique_note": 20, "permit_number": 16, "residence_kind": 20}
    for col in columns:
        ws.column_dimensions[letter(col)].width = widths.get(col, 11)
    for title, fields in READ_ONLY.items():
        _read_only_sheet(wb, title, layers["friches" if title == "friches" else "plots"], fields)
    ids = wb.create_sheet(IDS_SHEET)
    append_text_row(ids, ["carried_ids"])
    for fid in projects["id"]:
        append_text_row(ids, [fid])
    ids.sheet_state = "veryHidden"
    for sheet in wb.worksheets:
        print_a4_landscape(sheet)
    wb.properties.title = f"Opérations de logements — {names[insee]}"
    wb.properties.keywords = PACK_TAG + insee
    wb.properties.creator = "plhgis"
    wb.active = 1
    with outputs.atomic_output(path, overwrite) as tmp:
        wb.save(tmp)
    return path


def print_a4_landscape(ws) -> None:
    """Print on A4 landscape, all columns on the page's width, the header row on every page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.print_options.gridLines = True


def _read_only_sheet(wb, title, frame, fields):
    """A protected sheet listing the commune's friches or plots; row 1 says it is not read back."""
    from openpyxl.styles import Font

    ws = wb.create_sheet(title)
    append_text_row(ws, [f"{title.capitalize()} de la commune — pour information, non réintégré à l'import "
                         "(corrections : colonne « Commentaire » de l'onglet projets, ou par courriel)"])
    ws["A1"].font = Font(italic=True)
    layer = "friches" if title == "friches" else "plots"
    append_text_row(ws, [schema.label(layer, f) if f in schema.LABELS.get(layer, {}) else f for f in fields])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for rec in frame.sort_values(frame.columns[0]).to_dict("records") if len(frame) else []:
        append_text_row(ws, [_cell(rec.get(f)) for f in fields])
    ws.protection.sheet = True


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

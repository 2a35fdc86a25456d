"""The vocabulary every output shows, as plain data: the lists (values, English labels, colours, the
status groups) and each field's French and English labels, usual headers and workbook help.

It imports nothing of plhgis, so `labels` (the message catalogue) and `schema` can both read it.
"""
from __future__ import annotations

from dataclasses import dataclass

# -- vocabularies (DESIGN §4) -------------------------------------------------------------
@dataclass(frozen=True)
class Term:
    """One value of a list as every output shows it: its English label, its colour (maps, packs, QGIS
    styles) and, for the schemes' status, its group in the targets (certain, probable or possible)."""

    value: str
    en: str
    colour: str | None = None
    group: str | None = None


# The lists the maps draw, in their legend order. The colours stay apart for colour-blind readers: within
# a list and between the three point layers (schemes, friches, plots), every two differ by a CIEDE2000 ΔE
# of at least 12 for normal, deuteranope and protanope vision (tests/test_palette.py); schemes run from
# pale (spotted) to dark blue (delivered).
TERMS: dict[str, tuple[Term, ...]] = {
    # travaux = DOC filed, livré = DAACT filed; recours: permit under appeal (not yet certain)
    "project_status": (Term("repérage", "identified", "#bdbabc", "possible"),
                       Term("études", "studies", "#81a8fe", "probable"),
                       Term("PC déposé", "permit filed", "#e8f0b4", "probable"),
                       Term("PC accordé", "permit granted", "#dd8419", "certain"),
                       Term("travaux", "works", "#9d264a", "certain"),
                       Term("livré", "delivered", "#1b69ba", "certain"),
                       Term("abandonné", "abandoned", "#0a032b"),
                       Term("recours", "under appeal", "#660000", "probable"),
                       Term("suspendu", "on hold", "#ffccff", "possible")),
    "friche_statut": (Term("friche potentielle", "potential brownfield", "#c2b59b"),
                      Term("friche sans projet", "brownfield with no project", "#994e11"),
                      Term("friche avec projet", "brownfield with a project", "#ffe45b"),
                      Term("friche reconvertie", "redeveloped brownfield", "#2a8484"),
                      Term("inconnu", "unknown"), Term("autre", "other"), Term("sans objet", "not applicable")),
    "plot_horizon": (Term("court terme", "short term", "#511b7d"), Term("moyen terme", "medium term", "#b989b5"),
                     Term("long terme", "long term", "#e8f8f0")),
    "typezone": (Term("U", "U", "#bd4b6e"), Term("AUc", "AUc", "#d9904f"), Term("AUs", "AUs", "#d8e9d7"),
                 Term("A", "A", "#ffff4e"), Term("N", "N", "#5ca7ac")),
    "sector_kind": (Term("centralité", "town centre", "#420073"), Term("ORT/ACV", "ORT/ACV", "#205cbb"),
                    Term("PVD", "PVD", "#0b9d86"), Term("NPNRU", "NPNRU", "#e03f5b"), Term("ERBM", "ERBM", "#421e21"),
                    Term("gare/transports", "station/transport", "#26631a"),
                    Term("OPAH-RU", "OPAH-RU", "#ff8c0f"), Term("autre", "other", "#564a5d")),
    # the groups of the schemes' status in the targets and the packs' gauges
    "status_group": (Term("certain", "committed", "#2e7d32"), Term("probable", "probable", "#ffa726"),
                     Term("possible", "possible", "#bdbdbd")),
    # Sitadel ETAT_DAU 2, 5, 6, 4
    "permit_status": (Term("autorisé", "authorised", "#9575cd"), Term("commencé", "started", "#5e35b1"),
                      Term("terminé", "completed", "#311b92"), Term("annulé", "cancelled", "#bdbdbd")),
}
ENGLISH = {t.value: t.en for terms in TERMS.values() for t in terms}  # "PC accordé" → "permit granted"


def values(name: str) -> tuple[str, ...]:
    """The values of the list `name` (TERMS), in order."""
    return tuple(t.value for t in TERMS[name])


def colours(name: str) -> dict[str, str]:
    """Value → colour of the list `name`, for the values drawn in a colour of their own."""
    return {t.value: t.colour for t in TERMS[name] if t.colour}


def group(name: str, group_name: str) -> tuple[str, ...]:
    """The values of the list `name` in `group_name` (the schemes' status: certain, probable, possible)."""
    return tuple(t.value for t in TERMS[name] if t.group == group_name)


# -- labels and usual headers -----------------------------------------------------------------
# layer → field → (French label, English label, *the headers files use for it). An import matches
# a column to a field by any of these, accents, case, spaces and punctuation aside (`header_key`).
LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    "projects": {
        "id": ("Identifiant", "Id", "identifiant opération", "id opération"),
        "name": ("Nom de l'opération", "Scheme name", "nom opération", "opération", "nom du programme",
                 "programme", "nom du projet", "projet", "libellé", "nom"),
        "commune": ("Code INSEE de la commune", "Commune INSEE code", "code INSEE", "INSEE", "code commune",
                    "INSEE commune", "code INSEE commune", "codgeo", "depcom"),
        "address": ("Adresse", "Address", "adresse de l'opération", "localisation"),
        "homes_total": ("Nombre total de logements", "Total homes", "nombre de logements", "nb logements",
                        "nb de logements", "nbre de logements", "nb lgts", "logements", "total logements",
                        "nombre logements"),
        "lls_plai": ("dont PLAI", "of which PLAI", "PLAI", "nb PLAI", "logements PLAI"),
        "lls_plus": ("dont PLUS", "of which PLUS", "PLUS", "nb PLUS", "logements PLUS", "PLUS CD"),
        "lls_pls": ("dont PLS", "of which PLS", "PLS", "nb PLS", "logements PLS"),
        "psla": ("dont PSLA", "of which PSLA", "PSLA", "location-accession", "nb PSLA"),
        "brs": ("dont BRS", "of which BRS", "BRS", "bail réel solidaire", "nb BRS"),
        "accession_libre": ("dont accession libre", "of which open-market sale", "accession libre"),
        "locatif_libre": ("dont locatif libre", "of which open-market rent", "locatif libre",
                          "locatif privé"),
        "specifique": ("dont logement spécifique", "of which specific housing", "logement spécifique",
                       "hébergement"),
        "specifique_note": ("Public du logement spécifique", "Specific housing for", "public visé"),
        "operator": ("Bailleur / promoteur", "Operator", "bailleur", "promoteur", "opérateur",
                     "maître d'ouvrage", "maitre d'ouvrage", "MOA", "bailleur promoteur"),
        "land_origin": ("Origine du foncier", "Land origin", "foncier", "type de foncier"),
        "status": ("État d'avancement", "Status", "statut", "état", "avancement", "stade"),
        "permit_year": ("Année du permis de construire", "Permit year", "année PC", "année du PC",
                        "année permis", "année d'autorisation"),
        "start_year": ("Année de démarrage des travaux", "Start year", "année de démarrage",
                       "année de mise en chantier", "démarrage travaux", "année OS"),
        "delivery_year": ("Année de livraison (prévue puis réelle)", "Delivery year", "année de livraison",
                          "livraison", "année livraison", "date de livraison"),
        "site_area_m2": ("Surface du terrain (m²)", "Site area (m²)", "surface terrain", "surface m2",
                         "superficie"),
        "comment": ("Commentaire", "Comment", "observations", "remarques", "commentaires"),
        "source": ("Source", "Source"),
        "permit_number": ("Numéro du permis de construire", "Permit number", "n° PC", "n° du PC", "numéro PC",
                          "numéro de permis", "n° de permis", "numéro du permis", "num PC", "NUM_DAU", "numéro DAU"),
        "permit_date": ("Date d'autorisation du permis", "Permit date", "date PC", "date du PC",
                        "date d'obtention du PC", "date d'autorisation", "date du permis"),
        "doc_date": ("Date d'ouverture de chantier (DOC)", "Works start date (DOC)", "DOC", "date DOC",
                     "date d'ouverture de chantier", "date de démarrage des travaux"),
        "daact_date": ("Date d'achèvement des travaux (DAACT)", "Completion date (DAACT)", "DAACT", "date DAACT",
                       "date d'achèvement", "date d'achèvement des travaux"),
        "plai_adapte": ("dont PLAI adaptés", "of which adapted PLAI", "PLAI adapté", "PLAI adaptés", "PLAI-A",
                        "nb PLAI adaptés"),
        "lli": ("dont LLI", "of which LLI (intermediate rent)", "LLI", "logement locatif intermédiaire",
                "logements locatifs intermédiaires", "locatif intermédiaire", "nb LLI"),
        "anah_conventionne": ("dont conventionnés ANAH", "of which ANAH-agreed private homes", "ANAH",
                              "conventionné ANAH", "conventionnés ANAH", "conventionnement ANAH",
                              "logements conventionnés ANAH"),
        "residence_kind": ("Type de résidence spécifique", "Specific residence kind", "type de résidence",
                           "type de structure", "type d'hébergement"),
        "residence_places": ("Places de la résidence", "Residence places", "nombre de places", "nb places",
                             "places", "lits", "emplacements"),
        "demolished": ("Logements démolis", "Homes demolished", "démolitions", "nb démolis", "démolis",
                       "logements démolis"),
        "demolished_lls": ("dont LLS démolis", "of which social homes demolished", "LLS démolis",
                           "logements sociaux démolis"),
        "reconstitution": ("Reconstitution de l'offre (ANRU)", "Rebuilt offer (ANRU)", "reconstitution",
                           "reconstitution de l'offre", "reconstitution ANRU"),
        "lls_sold": ("Logements HLM vendus", "Social homes sold", "ventes HLM", "HLM vendus", "vente HLM"),
        "floor_area_m2": ("Surface de plancher (m²)", "Floor area (m²)", "SDP", "surface de plancher", "SDP m2",
                          "SDP (m²)"),
        "collective": ("Immeuble collectif", "Collective building", "collectif"),
    },
    "plots": {
        "id": ("Identifiant", "Id"),
        "commune": ("Code INSEE de la commune", "Commune INSEE code", "code INSEE", "INSEE", "code commune"),
        "parcels": ("Parcelles", "Parcels", "références cadastrales", "refs cadastrales", "parcelles cadastrales",
                    "IDU"),
        "area_m2": ("Surface (m²)", "Area (m²)", "surface", "superficie", "surface m2"),
        "zone_type": ("Type de zone du PLU", "PLU zone type", "zone PLU", "typezone"),
        "horizon": ("Horizon de mobilisation", "Horizon", "échéance"),
        "ownership": ("Propriété", "Ownership", "propriétaire", "maîtrise foncière"),
        "constraints": ("Contraintes", "Constraints"),
        "capacity": ("Capacité estimée (logements)", "Estimated capacity (homes)", "capacité",
                     "nb logements", "nombre de logements", "logements potentiels"),
        "status": ("Statut", "Status", "état"),
        "comment": ("Commentaire", "Comment", "observations", "remarques"),
    },
    "friches": {
        "site_id": ("Identifiant du site", "Site id"),
        "site_nom": ("Nom du site", "Site name"),
        "site_adresse": ("Adresse du site", "Site address"),
        "site_type": ("Type de friche", "Brownfield type"),
        "site_statut": ("Statut (CNIG)", "Status (CNIG)"),
        "unite_fonciere_surface": ("Surface (m²)", "Area (m²)"),
        "capacity": ("Capacité estimée (logements)", "Estimated capacity (homes)"),
    },
    "communes": {
        "insee": ("Code INSEE", "INSEE code"),
        "population": ("Population", "Population"),
        "polarity": ("Armature urbaine", "Polarity"),
        "sru_status": ("Situation SRU", "SRU status"),
    },
    "sectors": {"kind": ("Type", "Kind"), "priority": ("Priorité", "Priority")},
    "zoning": {"typezone": ("Type de zone", "Zone type"), "libelle": ("Zone", "Zone")},
    "permits": {"date_authorised": ("Autorisé le", "Authorised on")},
}
# the help the workbook gives under each column (French, English)
HELP: dict[str, dict[str, tuple[str, str]]] = {
    "projects": {
        "id": ("Ne pas modifier. Laisser vide pour une nouvelle opération.",
               "Do not change. Leave empty for a new scheme."),
        "name": ("Obligatoire.", "Required."),
        "commune": ("Obligatoire (5 chiffres).", "Required (5 digits)."),
        "address": ("Adresse de l'opération.", "The scheme's address."),
        "homes_total": ("Obligatoire, 5 et plus.", "Required, 5 or more."),
        "lls_plai": ("Prêt locatif aidé d'intégration : locatif social très aidé.",
                     "PLAI: social rent for the lowest incomes."),
        "lls_plus": ("Prêt locatif à usage social : locatif social.", "PLUS: social rent."),
        "lls_pls": ("Prêt locatif social : le locatif social le moins aidé (pas du LLI).",
                    "PLS: the least subsidised social rent (not intermediate rent)."),
        "psla": ("Accession sociale (location-accession).", "Social ownership (rent-to-buy)."),
        "brs": ("Bail réel solidaire.", "BRS: community land trust lease."),
        "specifique": ("Résidence seniors, jeunes, foyer…", "Homes for the elderly, the young, hostels…"),
        "status": ("Choisir dans la liste.", "Pick from the list."),
        "land_origin": ("Choisir dans la liste.", "Pick from the list."),
        "permit_year": ("Année sur 4 chiffres.", "Four-digit year."),
        "start_year": ("Année sur 4 chiffres.", "Four-digit year."),
        "delivery_year": ("Année sur 4 chiffres.", "Four-digit year."),
        "comment": ("Toute précision utile.", "Anything useful."),
        "permit_number": ("Numéro du permis (ex. PC 062 950 25 C0012).", "The permit number (e.g. PC 062 950 25 C0012)."),
        "permit_date": ("Date d'autorisation, AAAA-MM-JJ.", "Date authorised, YYYY-MM-DD."),
        "doc_date": ("Déclaration d'ouverture de chantier, AAAA-MM-JJ.", "Works started (DOC), YYYY-MM-DD."),
        "daact_date": ("Déclaration d'achèvement et de conformité, AAAA-MM-JJ.", "Works completed (DAACT), YYYY-MM-DD."),
        "plai_adapte": ("Compris dans les PLAI.", "Included in the PLAI."),
        "lli": ("Logement locatif intermédiaire.", "Intermediate rent (LLI)."),
        "anah_conventionne": ("Logements privés conventionnés avec l'ANAH.", "Private homes agreed with the ANAH."),
        "residence_kind": ("Résidence spécifique : choisir dans la liste.", "Specific residence: pick from the list."),
        "residence_places": ("Lits, places ou emplacements.", "Beds, places or pitches."),
        "demolished": ("Logements démolis par l'opération.", "Homes the scheme demolishes."),
        "demolished_lls": ("Dont logements sociaux démolis.", "Of which social homes demolished."),
        "reconstitution": ("1 : reconstitution de l'offre démolie (ANRU), sinon 0.",
                           "1: rebuilds demolished homes (ANRU), else 0."),
        "lls_sold": ("Logements HLM vendus à leurs occupants.", "Social homes sold to their tenants."),
        "floor_area_m2": ("Surface de plancher d'habitation.", "Residential floor area."),
        "collective": ("1 : immeuble collectif, 0 : maisons.", "1: collective building, 0: houses."),
    },
}
# the short label of a field whose full one is too long for a map's popup or a pack's table column
SHORT_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "projects": {"name": ("Nom", "Name"), "homes_total": ("Logements", "Homes"),
                 "permit_year": ("Année du permis", "Permit year"),
                 "delivery_year": ("Livraison prévue", "Expected delivery")},
    "plots": {"horizon": ("Horizon", "Horizon")},
}
# the catalogue's names (labels.py) for the field labels the maps and packs show: the schema's, short if any
DISPLAY_LABELS = {
    "id": ("projects", "id"), "name": ("projects", "name"), "address": ("projects", "address"),
    "homes_total": ("projects", "homes_total"), "status": ("projects", "status"),
    "land_origin": ("projects", "land_origin"), "operator": ("projects", "operator"),
    "permit_year": ("projects", "permit_year"), "delivery_year": ("projects", "delivery_year"),
    "comment": ("projects", "comment"), "parcels": ("plots", "parcels"), "horizon": ("plots", "horizon"),
    "ownership": ("plots", "ownership"), "constraints": ("plots", "constraints"), "capacity": ("plots", "capacity"),
    "plot_status": ("plots", "status"), "site_type": ("friches", "site_type"),
    "site_statut": ("friches", "site_statut"), "surface": ("friches", "unite_fonciere_surface"),
    "insee": ("communes", "insee"), "population": ("communes", "population"), "polarity": ("communes", "polarity"),
    "sru_status": ("communes", "sru_status"), "kind": ("sectors", "kind"), "priority": ("sectors", "priority"),
    "typezone": ("zoning", "typezone"), "libelle": ("zoning", "libelle"),
    "date_authorised": ("permits", "date_authorised"),
}

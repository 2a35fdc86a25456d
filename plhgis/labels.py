"""Every label the maps and commune packs show, in French (default) and English, in one place."""
from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    # layers
    "layer.communes": ("Couverture de l'objectif PLH par commune", "PLH target coverage by commune"),
    "layer.communes_focus": ("Communes", "Communes"),
    "layer.zoning": ("Zonage PLU (U / AU / A / N)", "Local plan zoning (U / AU / A / N)"),
    "layer.sectors": ("Secteurs prioritaires", "Priority sectors"),
    "layer.qpv": ("QPV et bande TVA réduite", "QPV and reduced-VAT band"),
    "layer.plots": ("Dents creuses / gisements (horizon)", "Infill plots (horizon)"),
    "layer.friches": ("Friches (statut CNIG)", "Brownfields (CNIG status)"),
    "layer.projects": ("Opérations de logements (état)", "Housing schemes (status)"),
    "base.osm": ("OpenStreetMap", "OpenStreetMap"),
    "base.ign": ("Plan IGN v2", "Plan IGN v2"),
    "base.blank": ("Fond blanc (hors ligne)", "Blank (offline)"),
    # fields
    "id": ("Identifiant", "Id"),
    "name": ("Nom", "Name"),
    "commune": ("Commune", "Commune"),
    "insee": ("Code INSEE", "INSEE code"),
    "address": ("Adresse", "Address"),
    "homes_total": ("Logements", "Homes"),
    "social_rent": ("dont locatif social (PLAI/PLUS/PLS)", "of which social rent (PLAI/PLUS/PLS)"),
    "social_own": ("dont accession sociale (PSLA/BRS)", "of which social ownership (PSLA/BRS)"),
    "status": ("État d'avancement", "Status"),
    "land_origin": ("Origine du foncier", "Land origin"),
    "operator": ("Bailleur / promoteur", "Operator"),
    "permit_year": ("Année du permis", "Permit year"),
    "delivery_year": ("Livraison prévue", "Expected delivery"),
    "comment": ("Commentaire", "Comment"),
    "site_type": ("Type de friche", "Brownfield type"),
    "site_statut": ("Statut (CNIG)", "Status (CNIG)"),
    "surface": ("Surface (m²)", "Area (m²)"),
    "capacity": ("Capacité estimée (logements)", "Estimated capacity (homes)"),
    "horizon": ("Horizon", "Horizon"),
    "parcels": ("Parcelles", "Parcels"),
    "ownership": ("Propriété", "Ownership"),
    "constraints": ("Contraintes", "Constraints"),
    "plot_status": ("Statut", "Status"),
    "kind": ("Type", "Kind"),
    "priority": ("Priorité", "Priority"),
    "typezone": ("Type de zone", "Zone type"),
    "libelle": ("Zone", "Zone"),
    "population": ("Population", "Population"),
    "polarity": ("Armature urbaine", "Polarity"),
    "sru_status": ("Situation SRU", "SRU status"),
    "target": ("Objectif PLH (logements)", "PLH target (homes)"),
    "expected": ("Logements attendus", "Homes expected"),
    "coverage": ("Couverture de l'objectif", "Target coverage"),
    "qpv_band": ("Bande de {m} m autour du QPV (TVA réduite pour l'accession sociale)",
                 "{m} m band around the QPV (reduced VAT for social ownership)"),
    "findings": ("Points à vérifier", "To check"),
    "no_data": ("sans objectif", "no target"),
    # legend and title
    "legend": ("Légende", "Legend"),
    "demo": ("données fictives — territoire de démonstration plhgis",
             "fictional data — plhgis demonstration territory"),
    "legend.errors": ("contour rouge épais : erreur à corriger", "thick red outline: an error to fix"),
    "legend.warnings": ("contour noir pointillé : point à vérifier", "dashed black outline: something to check"),
    "legend.size": ("taille : nombre de logements", "size: number of homes"),
    "title.territory": ("Programme local de l'habitat — {name}", "Local housing programme — {name}"),
    "title.commune": ("{name} ({insee}) — rencontre foncière", "{name} ({insee}) — land meeting"),
    "data_date": ("données au {date}", "data as of {date}"),
    # pack
    "pack.title": ("Rencontre foncière annuelle — {name}", "Annual land meeting — {name}"),
    "pack.index_title": ("Rencontres foncières — {name}", "Land meetings — {name}"),
    "pack.generated": ("Document préparé le {date} par le service habitat",
                       "Prepared on {date} by the housing department"),
    "pack.map": ("Carte de la commune", "Map of the commune"),
    "pack.gauge": ("Où en est l'objectif PLH ?", "Where does the PLH target stand?"),
    "pack.gauge_none": ("Aucun objectif PLH n'est enregistré pour cette commune.",
                        "No PLH target is recorded for this commune."),
    "pack.schemes": ("Opérations de logements", "Housing schemes"),
    "pack.schemes_none": ("Aucune opération enregistrée.", "No scheme recorded."),
    "pack.sort_hint": ("Cliquez sur un titre de colonne pour trier.", "Click a column title to sort."),
    "pack.friches": ("Friches", "Brownfields"),
    "pack.plots": ("Dents creuses et gisements fonciers", "Infill plots"),
    "pack.capacity_total": ("Capacité totale estimée : {n} logements", "Total estimated capacity: {n} homes"),
    "pack.none": ("Aucun.", "None."),
    "pack.findings": ("Points à vérifier ensemble", "Points to check together"),
    "pack.findings_none": ("Aucun point à signaler.", "Nothing to report."),
    "pack.changes": ("Ce qui a changé depuis la dernière rencontre ({date})",
                     "What changed since the last meeting ({date})"),
    "pack.changes_none": ("Aucun changement depuis cette date.", "No change since that date."),
    "pack.change.new": ("Nouvelle opération", "New scheme"),
    "pack.change.status": ("Changement d'état", "Status change"),
    "pack.change.delivered": ("Livrée", "Delivered"),
    "pack.change.ended": ("Retirée du tableau", "Removed from the table"),
    "pack.change.other": ("Mise à jour", "Update"),
    "pack.sheet": ("Tableur à compléter : {file}", "Spreadsheet to fill in: {file}"),
    "pack.index_commune": ("Commune", "Commune"),
    "pack.index_schemes": ("Opérations", "Schemes"),
    "pack.index_findings": ("Points à vérifier", "To check"),
    "pack.index_pack": ("Dossier", "Pack"),
    "pack.index_sheet": ("Tableur", "Spreadsheet"),
    "pack.index_map": ("Carte du territoire", "Territory map"),
    "gauge.target": ("Objectif PLH {start}–{end}", "PLH target {start}–{end}"),
    "gauge.expected": ("Logements attendus dans la période", "Homes expected within the period"),
    "gauge.certain": ("engagés (PC accordé, travaux, livrés)", "committed (permit granted, works, delivered)"),
    "gauge.probable": ("probables (PC déposé, études)", "probable (permit filed, studies)"),
    "gauge.possible": ("possibles (repérage)", "possible (identified)"),
    "gauge.midterm": ("Repère à mi-parcours (prorata)", "Mid-term mark (pro rata)"),
    "gauge.lls": ("Locatif social programmé / objectif", "Social rent programmed / target"),
    "gauge.catchup": ("rattrapage : {done} / {target}", "catch-up: {done} / {target}"),
    "gauge.sru": ("Taux SRU : {rate} (obligation {required})", "SRU rate: {rate} (required {required})"),
    "change.field": ("{field} : {old} → {new}", "{field}: {old} → {new}"),
    "change.new": ("{homes} logements, {status}", "{homes} homes, {status}"),
    "change.geometry": ("géométrie", "geometry"),
}

STATUS_EN = {"repérage": "identified", "études": "studies", "PC déposé": "permit filed",
             "PC accordé": "permit granted", "travaux": "works", "livré": "delivered",
             "abandonné": "abandoned"}


def t(key: str, lang: str = "fr", **values) -> str:
    """The label `key` in `lang`, with {placeholders} filled in."""
    fr, en = LABELS[key]
    text = en if lang == "en" else fr
    return text.format(**values) if values else text


def value(v, lang: str = "fr") -> str:
    """An enum value shown in `lang` (the French vocabulary stays as it is in French)."""
    if v is None:
        return ""
    return STATUS_EN.get(v, v) if lang == "en" else str(v)

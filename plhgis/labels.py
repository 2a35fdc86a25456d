"""Every label the maps and commune packs show, in French (default) and English, in one place."""
from __future__ import annotations

import os

LABELS: dict[str, tuple[str, str]] = {
    # layers
    "layer.communes": ("Couverture de l'objectif PLH par commune", "PLH target coverage by commune"),
    "layer.communes_focus": ("Communes", "Communes"),
    "layer.zoning": ("Zonage PLU (U / AU / A / N)", "Local plan zoning (U / AU / A / N)"),
    "layer.sectors": ("Secteurs prioritaires", "Priority sectors"),
    "layer.qpv": ("QPV et bande TVA réduite", "QPV and reduced-VAT band"),
    "layer.plots": ("Dents creuses / gisements (horizon)", "Infill plots (horizon)"),
    "layer.plots_by_commune": ("Dents creuses / gisements (par commune)", "Infill plots (by commune)"),
    "plots.count": ("Dents creuses", "Infill plots"),
    "plots.by_commune": ("À cette échelle, une marque par commune (taille : nombre de dents creuses) ; "
                         "la carte de la commune les montre une à une.",
                         "At this scale, one mark per commune (size: number of plots); "
                         "the commune's map shows each of them."),
    "layer.friches": ("Friches (statut CNIG)", "Brownfields (CNIG status)"),
    "layer.projects": ("Opérations de logements (état)", "Housing schemes (status)"),
    "layer.permits": ("Permis de construire (Sitadel)", "Building permits (Sitadel)"),
    "layer.projects_abandoned": ("Opérations abandonnées", "Abandoned schemes"),
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
    "permit": ("Permis", "Permit"),
    "date_authorised": ("Autorisé le", "Authorised on"),
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
    "qpv_band_npnru": ("Bande de {m} m autour du QPV NPNRU (TVA réduite pour l'accession sociale)",
                       "{m} m band around the NPNRU QPV (reduced VAT for social ownership)"),
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
    "pack.index_checks": ("Points à vérifier sur tout le territoire", "Points to check across the territory"),
    # the command line (errors: plhgis.errors renders them in either language)
    "cli.error": ("Erreur : {message}", "Error: {message}"),
    "cli.one_of": ("Valeurs possibles : {values}.", "One of: {values}."),
    "cli.store_created": ("base créée : {path}", "store created: {path}"),
    "cli.demo_store": ("base de démonstration ({label}) : {path}", "demo store ({label}): {path}"),
    "cli.demo_outputs": ("carte du territoire : {map}\npage des contrôles : {checks}\ndossiers des communes : {index} "
                         "(et {packs}/<insee>-dossier.html, <insee>-projets.xlsx)\nfichiers d'exemple : {examples}",
                         "territory map: {map}\ncheck report: {checks}\ncommune packs: {index} "
                         "(and {packs}/<insee>-dossier.html, <insee>-projets.xlsx)\nexample files: {examples}"),
    "cli.proposal": ("envoyé comme proposition {ids} : elle attend un agent de l'EPCI (plhgis proposals list)",
                     "sent as proposal {ids}: it waits for an EPCI editor (plhgis proposals list)"),
    "cli.nothing": ("(rien)", "(nothing)"),
    "cli.left_out": ("? projects {id} {name} : absente du tableur, gardée telle quelle (si elle n'existe plus : "
                     "plhgis project end {id})",
                     "? projects {id} {name}: left out of the sheet, kept as it is (if it is no more: "
                     "plhgis project end {id})"),
    "cli.warning": ("avertissement : {text}", "warning: {text}"),
    "cli.warnings.one": ("1 avertissement : valeurs gardées telles que lues", "1 warning: values kept as read"),
    "cli.warnings.many": ("{n} avertissements : valeurs gardées telles que lues",
                          "{n} warnings: values kept as read"),
    "cli.counts": ("{layer} : ajouts : {insert}, modifications : {update}, fins : {end}, inchangés : {unchanged}",
                   "{layer}: changed {insert} added, {update} updated, {end} ended, {unchanged} unchanged"),
    "cli.counts_dry": ("{layer} (simulation, rien n'est écrit) : ajouts : {insert}, modifications : {update}, "
                       "fins : {end}, inchangés : {unchanged}",
                       "{layer}: would change {insert} added, {update} updated, {end} ended, {unchanged} unchanged"),
    "cli.exported": ("{layer} : {n} écrits dans {path}", "{n} {layer} written to {path}"),
    "cli.nothing_changed": ("{id} : rien n'a changé", "{id}: nothing changed"),
    "cli.ended": ("{id} close le {day}", "{id} ended on {day}"),
    "cli.history": ("\nhistorique :", "\nhistory:"),
    "cli.map_written": ("carte écrite : {path}", "map written to {path}"),
    "cli.code_or_all": ("donnez un code INSEE ou --all", "give one INSEE code or --all"),
    "error.row": ("ligne {row}", "row {row}"),
    "error.id": ("id {row}", "id {row}"),
    "error.file": ("fichier {file}", "{file}"),
    "error.field": ("champ '{field}'", "field '{field}'"),
    "error.value": ("valeur {value}", "value {value}"),
    "error.where": ("{where} : {message}", "{where}: {message}"),
    "error.hint": ("{text} (conseil : {hint})", "{text} (hint: {hint})"),
    "error.problems.one": ("1 problème, rien n'a été écrit :", "1 problem, nothing was written:"),
    "error.problems.many": ("{n} problèmes, rien n'a été écrit :", "{n} problems, nothing was written:"),
    "error.more": ("… et {n} autres problèmes", "… and {n} more problems"),
    "progress.import": ("Import", "Import"),
    "progress.checks": ("Contrôles", "Checks"),
    "progress.map": ("Carte", "Map"),
    "progress.packs": ("Dossiers des communes", "Commune packs"),
    "report.summary": ("Synthèse par commune", "Summary by commune"),
    "report.total": ("Total", "Total"),
    "report.rule": ("Règle", "Rule"),
    "report.severity": ("Gravité", "Severity"),
    "report.all": ("toutes", "all"),
    "report.shown": ("constats affichés", "findings shown"),
    "report.on_map": ("voir sur la carte", "see on the map"),
    "report.closed": ("classé", "closed"),
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

# The findings' messages (`checks`), one per rule: {field} is a column of the rule's row, {label} the
# feature's id and name, {fid} its id, {layer} its layer; {x:n} is a number (n1, n2: decimals), {x:%} a
# share, {x:?} a value or "?", {x:t} the message piece whose key the row holds.
LABELS |= {
    "check.label": ("{id} « {name} »", "{id} “{name}”"),
    "check.DATA-GEOM": ("{layer} {fid}: {why_key:t}{detail}", "{layer} {fid}: {why_key:t}{detail}"),
    "check.geom.missing": ("géométrie absente", "missing geometry"),
    "check.geom.invalid": ("géométrie invalide", "invalid geometry"),
    "check.geom.polygon": ("un polygone est attendu", "a polygon is expected"),
    "check.DATA-OUTSIDE-COMMUNE": (
        "{label} est déclaré(e) sur {declared} mais se situe sur {commune_found} (la commune déclarée fait foi "
        "pour les objectifs)",
        "{label} is declared in {declared} but lies in {commune_found} (the declared commune counts for the "
        "targets)"),
    "check.DATA-OUTSIDE-EPCI": ("{label} est hors du territoire de l'EPCI", "{label} lies outside the EPCI"),
    "check.DATA-MIX": ("{label}: le détail par produit compte {mix:n} logements pour {homes:n} au total",
                       "{label}: the breakdown by product counts {mix:n} homes for {homes:n} in all"),
    "check.DATA-YEARS": ("{label}: {problem}", "{label}: {problem_en}"),
    "check.years.delivery_permit": ("livraison avant le permis", "delivery before the permit"),
    "check.years.start_permit": ("démarrage avant le permis", "start before the permit"),
    "check.years.delivery_start": ("livraison avant le démarrage", "delivery before the start"),
    "check.years.range": ("{col} hors de {lo}–{hi}", "{col} outside {lo}–{hi}"),
    "check.PERMIT-MISSING": ("{label}: permis accordé en {permit_year} selon le tableau, aucun permis Sitadel lié "
                             "après {years:n} ans (plhgis reconcile)",
                             "{label}: permit granted in {permit_year} per the table, no Sitadel permit linked "
                             "after {years:n} years (plhgis reconcile)"),
    "check.PERMIT-HOMES": ("{label}: {homes:n} logements, le permis {permit_number} en compte {permit_homes:n}",
                           "{label}: {homes:n} homes, permit {permit_number} counts {permit_homes:n}"),
    "check.DATA-DELIVERED-FUTURE": ("{label}: « {status_fr} » mais livraison prévue en {year} (nous sommes en {now})",
                                    "{label}: “{status_en}” but delivery planned in {year} (this is {now})"),
    "check.DATA-STALE-STATUS": ("{label}: encore « {status_fr} » alors que la livraison était prévue en {year} "
                                "(nous sommes en {now}): état ou année à mettre à jour",
                                "{label}: still “{status_en}” although delivery was planned in {year} (this is {now}): "
                                "update the status or the year"),
    "check.DATA-DUPLICATE": ("{label} est à {distance_m:n} m de {other}: même opération ?",
                             "{label} is {distance_m:n} m from {other}: the same scheme?"),
    "check.DATA-LOCATE": ("{label} est placé(e) au centre de la commune faute d'adresse, de coordonnées ou de "
                          "parcelles: à localiser",
                          "{label} is placed at the commune's centre for want of an address, coordinates or "
                          "parcels: to be located"),
    "check.FRICHE-ENUM": ("friche {label}: {field} = « {value} » hors de la liste CNIG",
                          "brownfield {label}: {field} = “{value}” is not in the CNIG list"),
    "check.QPV-LLS": (
        "{label}: {social:n} logements locatifs sociaux dans le QPV {qpv}, contraire à l'orientation de mixité "
        "(sauf reconstitution de l'offre, à indiquer en commentaire)",
        "{label}: {social:n} social rented homes in the QPV {qpv}, against the social mix policy (unless "
        "they replace demolished social housing, to be said in the comment)"),
    "check.QPV-TVA": (
        "{label}: {free_sale:n} logements en accession {where:t}{band_qpv} (bande de {band_m:n} m): TVA à 5,5 % "
        "possible s'ils sont vendus sous plafonds de prix et de ressources (CGI art. 278 sexies III 2°)",
        "{label}: {free_sale:n} homes for sale {where:t}{band_qpv} ({band_m:n} m band): 5.5% VAT possible if "
        "they are sold under price and income ceilings (CGI art. 278 sexies III 2°)"),
    "check.qpv.in": ("dans le QPV ", "in the QPV "),
    "check.qpv.near": ("à {qpv_distance_m:n} m du QPV ", "{qpv_distance_m:n} m from the QPV "),
    "check.QPV-SHARE": (
        "{name}: {share:%} des logements programmés sont en QPV ({homes_qpv:n} sur {expected:n}; seuil {limit:%})",
        "{name}: {share:%} of the programmed homes are in a QPV ({homes_qpv:n} of {expected:n}; "
        "threshold {limit:%})"),
    "check.SECTOR-OUT": ("{label}: {homes:n} logements hors des secteurs prioritaires",
                         "{label}: {homes:n} homes outside the priority sectors"),
    "check.SECTOR-SHARE": (
        "{name}: {share:%} des logements programmés dans les secteurs prioritaires ({homes_sectors:n} sur "
        "{expected:n}; objectif {limit:%})",
        "{name}: {share:%} of the programmed homes in the priority sectors ({homes_sectors:n} of {expected:n}; "
        "target {limit:%})"),
    "check.SECTOR-OPPORTUNITY": (
        "{label} est dans le secteur « {sector} » et aucune opération ne la mobilise (capacité {capacity_est:n} "
        "logements)",
        "{label} is in the sector “{sector}” and no scheme uses it (capacity {capacity_est:n} homes)"),
    "check.TARGET-UNDER": (
        "{name}: {expected:n} logements attendus sur la période pour un objectif de {homes_target:n} "
        "({coverage:%}; dont {certain:n} certains)",
        "{name}: {expected:n} homes expected within the period for a target of {homes_target:n} "
        "({coverage:%}; {certain:n} of them committed)"),
    "check.TARGET-OVER": (
        "{name}: {expected:n} logements attendus pour un objectif de {homes_target:n} ({coverage:%}): au-delà de "
        "l'objectif du PLH",
        "{name}: {expected:n} homes expected for a target of {homes_target:n} ({coverage:%}): beyond the PLH "
        "target"),
    "check.TARGET-MIDTERM": (
        "{name}: {midterm_expected:n} logements livrables à mi-parcours pour un prorata d'objectif de "
        "{midterm_target:n}",
        "{name}: {midterm_expected:n} homes deliverable at mid-term for a pro rata target of {midterm_target:n}"),
    "check.LLS-UNDER": (
        "{name}: {lls_programmed:n} logements locatifs sociaux programmés pour un objectif de {lls_target:n} "
        "({lls_coverage:%})",
        "{name}: {lls_programmed:n} social rented homes programmed for a target of {lls_target:n} "
        "({lls_coverage:%})"),
    "check.SRU-CATCHUP": (
        "{name}: taux SRU {sru_rate_now:%} pour {sru_rate_required:%} exigés; {sru_catchup_programmed:n} LLS "
        "financés sur la période triennale pour un objectif de rattrapage de {sru_catchup_target:n} "
        "({sru_objective_kind})",
        "{name}: SRU rate {sru_rate_now:%} for {sru_rate_required:%} required; {sru_catchup_programmed:n} "
        "social rented homes funded over the three-year period for a catch-up target of {sru_catchup_target:n} "
        "({sru_objective_kind})"),
    "check.SRU-MIX": (
        "{name}: {sru_plai_share:%} de PLAI (minimum {plai_min:%}) et {sru_pls_share:%} de PLS (maximum "
        "{pls_max:%}) sur {sru_catchup_programmed:n} LLS",
        "{name}: {sru_plai_share:%} PLAI (minimum {plai_min:%}) and {sru_pls_share:%} PLS (maximum "
        "{pls_max:%}) out of {sru_catchup_programmed:n} social rented homes"),
    "check.LLS-HIGH-SHARE": (
        "{name}: {social:n} LLS neufs dans {how_many:t} alors que la commune compte déjà {rate:%} de logements "
        "sociaux (seuil {limit:%}): justification attendue",
        "{name}: {social:n} new social rented homes in {how_many:t} where social housing is already {rate:%} of "
        "the homes (threshold {limit:%}): to be justified"),
    "check.schemes.one": ("1 opération", "1 scheme"),
    "check.schemes.many": ("{count:n} opérations", "{count:n} schemes"),
    "check.SRU-RATE": (
        "{name}: commune soumise à la loi SRU dont le taux légal est {rate_text} (CCH L302-5: 20 % ou 25 %)",
        "{name}: commune liable to the SRU law whose legal rate is {rate_text_en} (CCH L302-5: 20% or 25%)"),
    "check.SRU-CARENCE": (
        "{label}: commune carencée, {family:n} logements familiaux dont {plai_plus:n} PLAI/PLUS ({share:%}; "
        "minimum {limit:%}, PLS exclus; C. urb. L111-24)",
        "{label}: commune under a carence order, {family:n} family homes of which {plai_plus:n} PLAI/PLUS "
        "({share:%}; at least {limit:%}, PLS excluded; C. urb. L111-24)"),
    "check.ANRU-RECONSTITUTION": (
        "{label}: reconstitution de l'offre {problem}",
        "{label}: rebuilt social offer {problem_en}"),
    "check.rate.blank": ("vide", "blank"),
    "check.rate.differ": ("{rate} dans la couche communes mais {published} dans l'inventaire SRU",
                          "{rate} in the communes layer but {published} in the SRU inventory"),
    "check.anru.inside": ("dans le QPV {qpv} (en règle générale hors du quartier)",
                          "inside the QPV {qpv} (as a rule outside the quarter)"),
    "check.anru.plai": ("avec {share} de PLAI (minimum {limit})", "with {share} PLAI (at least {limit})"),
    "check.DENSITY-LOW": ("{label}: {density:n1} logements/ha pour un minimum de {minimum:n} logements/ha",
                          "{label}: {density:n1} homes/ha for a minimum of {minimum:n} homes/ha"),
    "check.ZAN-EXTENSION": (
        "{label}: {zan_ha:n2} ha d'espaces naturels ou agricoles consommés (origine {land_origin:?}, zone "
        "{zone_type:?}, livraison {delivery_year:?})",
        "{label}: {zan_ha:n2} ha of natural or farm land taken (land origin {land_origin:?}, zone "
        "{zone_type:?}, delivery {delivery_year:?})"),
    "check.PLU-AN": ("{label} est en zone {zone_lib} ({zone_type}) du PLU",
                     "{label} is in the {zone_lib} ({zone_type}) zone of the local plan"),
    "check.PLU-OAP": ("{label}: {size:n} m² sans OAP (seuil {limit:n} m²)",
                      "{label}: {size:n} m² without an OAP (threshold {limit:n} m²)"),
    "check.PLU-SMS": ("{label}: {share:%} de LLS dans le secteur de mixité sociale « {sms} » qui en exige "
                      "{required:%}",
                      "{label}: {share:%} social rent in the social mix sector “{sms}”, which requires "
                      "{required:%}"),
    "check.CAPACITY-SHORT": (
        "{name}: il reste {remaining_need:n} logements à trouver et les friches et gisements non mobilisés en "
        "portent {capacity_unlinked:n}",
        "{name}: {remaining_need:n} homes are still to be found and the unused brownfields and plots can hold "
        "{capacity_unlinked:n}"),
}

STATUS_EN = {"repérage": "identified", "études": "studies", "PC déposé": "permit filed",
             "PC accordé": "permit granted", "travaux": "works", "livré": "delivered",
             "abandonné": "abandoned", "recours": "under appeal", "suspendu": "on hold",
             "autorisé": "authorised", "commencé": "started", "terminé": "completed", "annulé": "cancelled"}


def cli_lang() -> str:
    """The command line's language: "fr", or "en" when $PLHGIS_LANG says so."""
    return "en" if os.environ.get("PLHGIS_LANG", "").strip().lower().startswith("en") else "fr"


def count(n: int, key: str, lang: str = "fr", **values) -> str:
    """`key.one` for 1 (and 0 in French), else `key.many`, with {n} and `values` filled in."""
    one = n == 1 or (n == 0 and lang != "en")
    return t(f"{key}.{'one' if one else 'many'}", lang, n=n, **values)


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

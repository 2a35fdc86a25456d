"""Every label the maps and commune packs show, in French (default) and English, in one place."""
from __future__ import annotations

import os

from . import vocabulary

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
    # what the maps and packs show besides the fields (whose labels are the schema's: schema.DISPLAY_LABELS)
    "commune": ("Commune", "Commune"),
    "social_rent": ("dont locatif social (PLAI/PLUS/PLS)", "of which social rent (PLAI/PLUS/PLS)"),
    "social_own": ("dont accession sociale (PSLA/BRS)", "of which social ownership (PSLA/BRS)"),
    "permit": ("Permis", "Permit"),
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
    "cli.cannot_write": ("impossible d'écrire {file} : {why} (conseil : choisissez un dossier où vous pouvez écrire)",
                         "cannot write {file}: {why} (hint: choose a folder you can write to)"),
    "cli.not_crs": ("{value} n'est pas un système de coordonnées ({why})", "{value} is not a CRS ({why})"),
    "cli.not_date": ("{value} n'est pas une date ; écrivez-la 2025-12-31", "{value} is not a date; write it as 2025-12-31"),
    "cli.note": ("note : {text}", "note: {text}"),
    "cli.cnig_friches": ("le format CNIG est réservé aux friches", "the CNIG format is for friches"),
    "cli.lon_lat": ("donnez à la fois --lon et --lat", "give both --lon and --lat"),
    "cli.not_degrees": ("{value} n'est pas un nombre de degrés", "{value} is not a number of degrees"),
    "cli.not_wkt": ("pas une géométrie WKT ({why})", "not a WKT geometry ({why})"),
    "cli.parcels_or_geometry": ("donnez soit --parcels, soit une géométrie (--wkt, --lon/--lat)",
                                "give either --parcels or a geometry (--wkt, --lon/--lat)"),
    "cli.nothing_to_change": ("rien à changer : donnez au moins une option --champ valeur",
                              "nothing to change: give at least one --field value"),
    "cli.schemes_commune": ("--schemes demande --commune", "--schemes needs --commune"),
    "cli.ack_args": ("donnez la RÈGLE et l'ID du constat (plhgis check les liste)",
                     "give the RULE and the ID of the finding (plhgis check lists them)"),
    "cli.ack_ground": ("dites pourquoi le constat est accepté", "say why the finding is accepted"),
    "cli.to_review": ("? {id} score {score} ({reason}) : à examiner", "? {id} score {score} ({reason}): to review"),
    "cli.proposed": ("+ nouvelle opération proposée : permis {permit}, {commune}, {homes} logements",
                     "+ new scheme proposed: permit {permit}, {commune}, {homes} homes"),
    "cli.reconciled": ("liens : {links}, à examiner : {review}, permis de 5 logements et plus sans opération : "
                       "{unmatched}",
                       "{links} link(s), {review} to review, {unmatched} permit(s) of 5+ homes with no scheme"),
    "cli.accepted": ("{id} : accepté", "{id}: accepted"),
    "cli.not_number": ("pas un nombre", "not a number"),
    "cli.usage": ("Usage : {usage}", "Usage: {usage}"),
    "cli.try_help": ("Aide : {command} --help", "Try '{command} --help' for help."),
    "cli.password": ("Mot de passe : ", "Password: "),
    "cli.password_again": ("Le même mot de passe, à nouveau : ", "Repeat for confirmation: "),
    "cli.password_mismatch": ("Les deux saisies diffèrent ; recommencez.", "The two entered values do not match."),
    "cli.help_options": ("Options :", "Options:"),
    "cli.help_commands": ("Commandes :", "Commands:"),
    "cli.help_default": ("par défaut : {value}", "default: {value}"),
    "cli.help_required": ("obligatoire", "required"),
    "cli.no_such_option": ("option inconnue : {name}", "No such option: {name}"),
    "cli.needs_value": ("l'option {name} attend une valeur", "Option '{name}' requires an argument."),
    "cli.missing_command": ("donnez une commande", "Missing command."),
    "cli.extra_args": ("argument en trop : {args}", "Got unexpected extra arguments: {args}"),
    "cli.no_such_command": ("commande inconnue '{name}' ; les commandes sont : {names}",
                            "No such command '{name}'; the commands are: {names}"),
    "cli.missing": ("{param} manque", "Missing {param}."),
    "cli.bad_value": ("valeur invalide pour {param} : {message}", "Invalid value for {param}: {message}"),
    "cli.copied": ("copié {src} → {dest} : {counts}", "copied {src} → {dest}: {counts}"),
    "cli.user_added": ("{login} : {role}", "{login}: {role}"),
    "cli.user_of": (" de {commune}", " of {commune}"),
    "cli.user_proposals": (" (propositions)", " (proposals)"),
    "cli.user_removed": ("{login} : retiré", "{login}: removed"),
    "cli.proposal_accepted": ("proposition {id} acceptée : {action} {feature}", "proposal {id} accepted: {action} {feature}"),
    "cli.proposal_rejected": ("proposition {id} rejetée", "proposal {id} rejected"),
    "cli.rejected": ("{id} : rejeté", "{id}: rejected"),
    "error.row": ("ligne {row}", "row {row}"),
    "error.id": ("id {row}", "id {row}"),
    "error.file": ("fichier {file}", "{file}"),
    "error.field": ("champ '{field}'", "field '{field}'"),
    "error.value": ("valeur {value}", "value {value}"),
    "error.where": ("{where} : {message}", "{where}: {message}"),
    "error.hint": ("{text} (conseil : {hint})", "{text} (hint: {hint})"),
    "error.problems.one": ("1 problème, rien n'a été écrit :", "1 problem, nothing was written:"),
    "error.problems.many": ("{n} problèmes, rien n'a été écrit :", "{n} problems, nothing was written:"),
    "error.unknown_commune": ("aucune commune {code!r} dans la base", "no commune {code!r} in the store"),
    "error.unknown_commune_hint": ("donnez le code INSEE d'une commune de la base ; plhgis commune list les donne",
                                   "give the INSEE code of a commune of the store; plhgis commune list shows them"),
    "error.more": ("… et {n} autres problèmes", "… and {n} more problems"),
    "error.group": ("{file}champ '{field}' : {message} ×{n}", "{file}field '{field}': {message} ×{n}"),
    "error.group_rows": (" (lignes {rows})", " (rows {rows})"),
    "error.group_values": (" ; valeurs {values}", "; values {values}"),
    "error.group_hint": (" (conseil : {hint})", " (hint: {hint})"),
    "progress.import": ("Import", "Import"),
    "progress.checks": ("Contrôles", "Checks"),
    "progress.map": ("Carte", "Map"),
    "progress.communes_of": ("communes de {name}", "communes of {name}"),
    "progress.packs": ("Dossiers des communes", "Commune packs"),
    "findings.none": ("aucun constat", "no finding"),
    "findings.epci": ("EPCI / hors commune", "EPCI / outside any commune"),
    "findings.error": ("erreurs", "errors"),
    "findings.warning": ("avertissements", "warnings"),
    "findings.info": ("informations", "information"),
    "findings.ground": (" [justifié : {ground}]", " [justified: {ground}]"),
    "findings.summary": ("{count} : {severities}", "{count}: {severities}"),
    "findings.count.one": ("{n} constat", "{n} finding"),
    "findings.count.many": ("{n} constats", "{n} findings"),
    "findings.count.error.one": ("{n} erreur", "{n} error"),
    "findings.count.error.many": ("{n} erreurs", "{n} errors"),
    "findings.count.warning.one": ("{n} avertissement", "{n} warning"),
    "findings.count.warning.many": ("{n} avertissements", "{n} warnings"),
    "findings.count.info.one": ("{n} information", "{n} info"),
    "findings.count.info.many": ("{n} informations", "{n} infos"),
    "findings.closed.one": (" ({n} justifié, clos)", " ({n} justified, closed)"),
    "findings.closed.many": (" ({n} justifiés, clos)", " ({n} justified, closed)"),
    "severity.error": ("à corriger", "to fix"),
    "severity.warning": ("à vérifier", "to check"),
    "severity.info": ("pour information", "for information"),
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

# What the library says when it refuses or warns (err.*, warn.*), how to fix it (hint.*), and what it notes
# along the way (note.*): raised as `Msg(key, **values)` and written out only in the language asked for.
LABELS |= {
    # errors.py, schema.py: values
    "err.not_number": ("pas un nombre", "not a number"),
    "hint.digits": ("écrivez seulement des chiffres, par ex. 12 ou 12,5", "write digits only, e.g. 12 or 12,5"),
    "err.not_whole": ("pas un nombre entier", "not a whole number"),
    "hint.whole": ("écrivez un nombre entier, par ex. 12", "write a whole number, e.g. 12"),
    "err.not_date": ("pas une date", "not a date"),
    "hint.date_fr": ("écrivez la date 2024-03-31 ou 31/03/2024", "write the date as 2024-03-31 or 31/03/2024"),
    "err.required_empty": ("valeur obligatoire vide", "required value is empty"),
    "hint.fill_in": ("remplissez '{field}'", "fill in '{field}'"),
    "err.not_in_list": ("valeur hors de la liste", "value not in the list"),
    "hint.one_of": ("valeurs possibles : {values}", "one of: {values}"),
    "warn.outside_list": ("valeur hors de la liste du standard (gardée)", "value outside the standard's list (kept)"),
    "hint.expected_one_of": ("valeurs attendues : {values}", "expected one of: {values}"),
    "err.badly_formed": ("valeur mal formée", "badly formed value"),
    "err.between": ("entre {lo} et {hi}", "between {lo} and {hi}"),
    "err.at_least": ("au moins {lo}", "at least {lo}"),
    "err.out_of_range": ("hors limites (doit être {range})", "out of range (must be {range})"),
    "hint.must_be": ("doit être {range}", "must be {range}"),
    "hint.homes_min": ("le tableau des opérations compte les opérations de 5 logements et plus",
                       "the project table holds schemes of 5 homes or more"),
    "err.too_large": ("hors limites (plus de {limit})", "out of range (more than {limit})"),
    "hint.count_or_year": ("vérifiez la valeur : un nombre ou une année, par ex. 12",
                           "check the value: a count or a year, e.g. 12"),
    "err.unknown_insee": ("code INSEE de commune inconnu", "unknown commune INSEE code"),
    "hint.load_commune": ("chargez d'abord la commune (plhgis import communes FICHIER) ou corrigez le code",
                          "load the commune first (plhgis import communes FILE) or fix the code"),
    "err.column_missing": ("colonne obligatoire absente", "required column is missing"),
    "hint.column_missing": ("pour ajouter des {layer}, donnez '{field}' ({doc}) : une colonne du fichier, ou "
                            "--{option} sur la ligne de commande",
                            "to add new {layer}, give '{field}' ({doc}): a column of the file, or --{option} on "
                            "the command line"),
    "hint.insee": ("un code INSEE a 5 caractères, par ex. 62498 ou 2A004",
                   "an INSEE code has 5 characters, e.g. 62498 or 2A004"),
    "hint.project_id": ("plhgis nomme les opérations P-<insee>-<numéro> (par ex. P-62498-0001) : laissez l'id vide "
                        "pour une nouvelle opération",
                        "plhgis names schemes P-<insee>-<seq> (e.g. P-62498-0001): leave the id empty for a new "
                        "scheme"),
    "hint.plot_id": ("plhgis nomme les gisements G-<insee>-<numéro> (par ex. G-62498-0001) : laissez l'id vide "
                     "pour un nouveau gisement",
                     "plhgis names plots G-<insee>-<seq> (e.g. G-62498-0001): leave the id empty for a new plot"),
    "hint.safe_id": ("un id s'écrit avec des lettres, des chiffres, '_', '-' et '.' (80 au plus), par ex. 62498_0001",
                     "an id is made of letters, digits, '_', '-' and '.' (80 at most), e.g. 62498_0001"),
    "hint.pattern": ("doit suivre le motif {pattern}", "must match {pattern}"),
    "err.mix_over": ("le détail par produit compte {mix} logements, plus que homes_total {total}",
                     "product mix adds up to {mix} homes, more than homes_total {total}"),
    "hint.mix_over": ("baissez le détail ou augmentez homes_total", "lower the mix or raise homes_total"),
    "err.unknown_layer": ("couche inconnue {name} ; les couches sont : {layers}",
                          "unknown layer {name}; layers are: {layers}"),
    # plhgis/io.py
    "hint.geodata_formats": ("utilisez GeoPackage, GeoJSON, Shapefile, CSV ou XLSX",
                             "use GeoPackage, GeoJSON, Shapefile, CSV or XLSX"),
    "err.file_not_found": ("fichier introuvable", "file not found"),
    "hint.check_path": ("vérifiez le chemin et le nom du fichier", "check the path and the file name"),
    "err.no_crs": ("le fichier ne déclare aucun système de coordonnées", "the file declares no coordinate reference system"),
    "hint.say_crs": ("précisez-le avec --crs, par ex. --crs 2154 (Lambert-93) ou --crs 4326",
                     "say which with --crs, e.g. --crs 2154 (Lambert-93) or --crs 4326"),
    "hint.say_crs_l93": ("précisez-le avec --crs, par ex. --crs 2154 (Lambert-93)",
                         "say which with --crs, e.g. --crs 2154 (Lambert-93)"),
    "err.crs_conflict": ("le fichier déclare le système {file_crs} mais --crs dit {crs}",
                         "the file says its CRS is {file_crs} but --crs says {crs}"),
    "hint.drop_crs": ("retirez --crs : le système du fichier est utilisé", "drop --crs: the file's own CRS is used"),
    "err.not_geodata": ("pas un fichier géographique lisible par GDAL ({why})", "not a geodata file GDAL can read ({why})"),
    "err.several_layers": ("le fichier contient plusieurs couches : {names}", "the file holds several layers: {names}"),
    "hint.say_layer": ("précisez laquelle avec --layer NOM", "say which with --layer NAME"),
    "err.cannot_read": ("impossible de lire le fichier ({why})", "cannot read the file ({why})"),
    "hint.open_in_qgis": ("ouvrez-le dans QGIS pour le vérifier, ou exportez-le à nouveau",
                          "open it in QGIS to check it, or export it again"),
    "err.binary": ("pas un fichier texte (contenu binaire)", "not a text file (binary content)"),
    "hint.export_csv": ("exportez la feuille en CSV, ou importez directement le .xlsx",
                        "export the sheet as CSV, or import the .xlsx directly"),
    "err.cannot_read_csv": ("impossible de lire le CSV ({why})", "cannot read the CSV ({why})"),
    "hint.csv_separator": ("vérifiez le séparateur (;) et que chaque ligne a le même nombre de colonnes",
                           "check the separator (;) and that every line has the same columns"),
    "err.byte_neither": ("l'octet {byte} n'est ni de l'UTF-8 ni du Windows-1252",
                         "byte {byte} is neither UTF-8 nor Windows-1252"),
    "err.byte_not_utf8": ("l'octet {byte} n'est pas de l'UTF-8, contrairement au reste du fichier",
                          "byte {byte} is not UTF-8, unlike the rest of the file"),
    "hint.save_utf8": ("enregistrez à nouveau le fichier en UTF-8 (LibreOffice : Enregistrer sous, jeu de "
                       "caractères UTF-8)",
                       "save the file as UTF-8 again (LibreOffice: Save As, character set UTF-8)"),
    "err.field_count": ("la ligne {row} a {n} champs, l'en-tête {width}", "row {row} has {n} fields, the header {width}"),
    "hint.quote_sep": ("une valeur contenant '{sep}' doit être entre guillemets (\"a{sep} b\"), ou enregistrez à "
                       "nouveau la feuille en CSV",
                       "a value holding '{sep}' must be quoted (\"a{sep} b\"), or save the sheet as CSV again"),
    "err.not_xlsx": ("pas un classeur XLSX ({why})", "not an XLSX workbook ({why})"),
    "hint.save_xlsx": ("enregistrez-le à nouveau en .xlsx depuis Excel ou LibreOffice",
                       "save it again as .xlsx from Excel or LibreOffice"),
    "err.header_row": ("la ligne 1 de la feuille '{sheet}' n'est pas l'en-tête des colonnes (elle contient {first}) ; "
                       "l'en-tête semble être en ligne {row}",
                       "row 1 of sheet '{sheet}' is not the column header (it reads {first}); the header seems to be "
                       "on row {row}"),
    "hint.header_row": ("supprimez les {n} ligne(s) au-dessus des noms de colonnes et importez à nouveau",
                        "delete the {n} row(s) above the column names and import again"),
    "err.no_header": ("aucune feuille n'a de ligne d'en-tête nommant des champs plhgis",
                      "no sheet has a header row naming plhgis fields"),
    "hint.no_header": ("la première ligne doit porter des noms de colonnes comme id, name, commune, homes_total",
                       "the first row must hold column names such as id, name, commune, homes_total"),
    "err.damaged_sheet": ("le classeur est endommagé : la feuille '{sheet}' est illisible ({why})",
                          "the workbook is damaged: sheet '{sheet}' cannot be read ({why})"),
    "hint.resave_sheet": ("ouvrez-le dans Excel ou LibreOffice et enregistrez-le à nouveau",
                          "open it in Excel or LibreOffice and save it again"),
    "err.crs_no_geometry": ("--crs est donné mais le fichier n'a pas de colonne de géométrie",
                            "--crs is given but the file has no geometry column"),
    "hint.table_geometry": ("un tableau est localisé par une colonne WKT, des colonnes lon/lat ou X/Y ; retirez --crs, "
                            "ou ajoutez-les (colonnes : {columns})",
                            "a table is placed by a WKT column, lon/lat or X/Y columns; drop --crs, or add them "
                            "(columns are: {columns})"),
    "err.wkt_no_crs": ("la colonne WKT '{column}' n'a pas de système de coordonnées",
                       "the WKT column '{column}' has no coordinate reference system"),
    "err.bad_wkt": ("pas une géométrie WKT valide", "not a valid WKT geometry"),
    "hint.wkt": ("par ex. POINT (652000 6812000)", "e.g. POINT (652000 6812000)"),
    "hint.degrees": ("des degrés décimaux, par ex. 2,8334 ou 2.8334", "decimal degrees, e.g. 2,8334 or 2.8334"),
    "err.not_coordinate": ("pas une coordonnée", "not a coordinate"),
    "err.xy_no_crs": ("les colonnes '{x}' et '{y}' portent des coordonnées sans système déclaré",
                      "the columns '{x}' and '{y}' hold coordinates in no stated system"),
    "hint.crs_unit": ("un nombre dans l'unité du système, par ex. 687512,4 (mètres Lambert-93)",
                      "a number in the CRS's unit, e.g. 687512,4 (Lambert-93 metres)"),
    "err.swapped": ("les coordonnées ({x}, {y}) en {crs} semblent avoir la latitude et la longitude inversées",
                    "coordinates ({x}, {y}) in {crs} look like latitude/longitude swapped"),
    "hint.swap": ("inversez-les : la longitude {y} d'abord, la latitude {x} ensuite",
                  "swap them: longitude {y} first, latitude {x} second"),
    "err.outside_area": ("les coordonnées ({x}, {y}) en {crs} tombent hors du domaine de {area}",
                         "coordinates ({x}, {y}) in {crs} fall outside the area of {area}"),
    "hint.outside_area": ("vérifiez le système de coordonnées du fichier (--crs), et que x est la longitude (ou "
                          "l'abscisse) et y la latitude (ou l'ordonnée)",
                          "check the CRS of the file (--crs), and that x is the longitude/easting and y the "
                          "latitude/northing"),
    "err.output_format": ("format de sortie inconnu pour {name}", "unknown output format for {name}"),
    "hint.use_format": ("utilisez --format {formats}", "use --format {formats}"),
    "err.shp_mixed": ("un Shapefile ne contient qu'un type de géométrie et cette couche mêle points et polygones",
                      "a Shapefile holds one kind of geometry and this layer mixes points and polygons"),
    "hint.shp_mixed": ("exportez plutôt en GeoPackage (.gpkg) ou en GeoJSON",
                       "export to GeoPackage (.gpkg) or GeoJSON instead"),
    # plhgis/edits.py
    "edit.more": ("… et {n} autres changements", "… and {n} more changes"),
    "edit.new_id": ("(nouvel id)", "(new id)"),
    "edit.ended": ("- {layer} {id} close le {day}", "- {layer} {id} ended on {day}"),
    "edit.deleted": ("- {layer} {id} supprimé(e) le {day}", "- {layer} {id} deleted on {day}"),
    "err.unknown_mode": ("mode inconnu {mode}", "unknown mode {mode}"),
    "hint.use": ("utilisez {values}", "use {values}"),
    "note.extra_kept": ("colonnes conservées telles quelles (extra) : {columns}",
                        "columns kept as they are (extra): {columns}"),
    "warn.polygon_repaired": ("polygone invalide réparé ({reason})", "invalid polygon repaired ({reason})"),
    "hint.check_outline": ("vérifiez le contour dans QGIS", "check the outline in QGIS"),
    "err.need_polygons": ("les {layer} demandent des polygones, ceci est un {kind}",
                          "{layer} need polygons, this is a {kind}"),
    "hint.give_outline": ("donnez le contour, pas un point", "give the outline, not a point"),
    "err.same_id": ("le même id apparaît aux lignes {rows}", "the same id appears on rows {rows}"),
    "hint.same_id": ("donnez à chaque entité son propre id, ou fusionnez les lignes",
                     "give each feature its own id, or merge the rows"),
    "err.already_in_store": ("{layer} {id} est déjà dans la base", "{layer} {id} is already in the store"),
    "hint.append_exists": ("utilisez --mode upsert pour la mettre à jour, ou retirez l'id pour en ajouter une nouvelle",
                           "use --mode upsert to update it, or drop the id to add a new one"),
    "err.parcels_empty": ("la couche des parcelles est vide", "the parcels layer is empty"),
    "warn.parcels_not_placed": ("parcelles non placées ({why}) : l'opération est placée sur la commune, à localiser",
                                "parcels not placed ({why}): the scheme is placed at the commune, to be located"),
    "hint.load_cadastre": ("chargez le cadastre de la commune (plhgis import parcels cadastre-<insee>-parcelles.json) "
                           "et importez à nouveau",
                           "load the commune's cadastre (plhgis import parcels cadastre-<insee>-parcelles.json) and "
                           "import again"),
    "warn.placed_at_commune": ("ni adresse, ni coordonnées, ni parcelles : placée sur la commune, à localiser",
                               "no address, coordinates nor parcels: placed at the commune, to be located"),
    "hint.move_it": ("déplacez-la (plhgis project edit ID --lon … --lat …) ou donnez ses parcelles",
                     "move it (plhgis project edit ID --lon … --lat …) or give its parcels"),
    "err.not_a_field": ("{names} n'est pas un champ de {layer}", "{names} is not a field of {layer}"),
    "hint.fields_are": ("les champs sont : {fields}", "fields are: {fields}"),
    "err.already_ended": ("{layer} {id} est déjà close depuis le {day}", "{layer} {id} already ended on {day}"),
    "hint.nothing_to_do": ("rien à faire", "nothing to do"),
    # plhgis/sources.py
    "source.admin-express": ("communes IGN ADMIN EXPRESS", "IGN ADMIN EXPRESS communes"),
    "source.geo-api": ("communes geo.api.gouv.fr", "geo.api.gouv.fr communes"),
    "source.commune-figures": ("chiffres des communes (CSV/XLSX, sans géométrie)",
                               "commune figures (CSV/XLSX, no geometry)"),
    "source.code-nom": ("communes avec code/nom", "communes with code/nom"),
    "source.targets": ("objectifs PLH par commune (CSV/XLSX)", "PLH targets per commune (CSV/XLSX)"),
    "source.qpv2024": ("QPV 2024 de l'ANCT", "ANCT QPV 2024"),
    "source.qpv2015": ("QPV 2015 de l'ANCT/CGET", "ANCT/CGET QPV 2015"),
    "source.sectors": ("secteurs prioritaires (tout fichier de polygones)", "priority sectors (any polygon file)"),
    "source.cnig-zone-urba": ("ZONE_URBA du PLU (CNIG)", "CNIG PLU ZONE_URBA"),
    "source.cnig-prescription-surf": ("PRESCRIPTION_SURF du PLU (CNIG)", "CNIG PLU PRESCRIPTION_SURF"),
    "source.etalab-cadastre": ("parcelles du cadastre Etalab", "Etalab cadastre parcels"),
    "source.cnig-friches": ("CSV Friches du CNIG", "CNIG Friches CSV"),
    "source.cartofriches-points": ("points Cartofriches (GeoJSON, sans site_nom)",
                                   "Cartofriches points (GeoJSON, no site_nom)"),
    "source.sru-inventaire": ("inventaire SRU (fichier national, présentations des DREAL)",
                              "SRU inventory (national file, DREAL layouts)"),
    "note.source": ("source : {label}", "source: {label}"),
    "note.source_named": ("source : {label} ({name})", "source: {label} ({name})"),
    "note.column_mapping": ("correspondance des colonnes : {pairs}", "column mapping: {pairs}"),
    "note.mapped": ("colonnes reprises : {pairs}", "mapped {pairs}"),
    "err.bad_mapping": ("correspondance de colonnes mal écrite {part}", "bad column mapping {part}"),
    "hint.mapping": ("écrivez des paires SOURCE=CHAMP séparées par des virgules, par ex. 'Code INSEE=commune'",
                     "write SOURCE=FIELD pairs separated by commas, e.g. 'Code INSEE=commune'"),
    "err.name_field": ("--name-field {name} n'est pas une colonne du fichier", "--name-field {name} is not a column of the file"),
    "hint.columns_are": ("les colonnes sont : {columns}", "columns are: {columns}"),
    "err.map_unknown": ("--map nomme une colonne absente du fichier : {names}", "--map names a column the file lacks: {names}"),
    "err.unknown_source": ("source inconnue {name}", "unknown source {name}"),
    "hint.sources_are": ("les sources sont : {names}", "sources are: {names}"),
    "err.source_layer": ("la source {name} charge la couche {layer}, pas {wanted}",
                         "source {name} loads the {layer} layer, not {wanted}"),
    "hint.source_layer": ("plhgis import {layer} FICHIER --source {name}", "plhgis import {layer} FILE --source {name}"),
    "err.sector_kind": ("type de secteur inconnu {kind}", "unknown sector kind {kind}"),
    "note.kind": ("type : chaque secteur est {kind} (--kind)", "kind: every sector is {kind} (--kind)"),
    "err.no_kind": ("le fichier n'a pas de colonne 'kind'", "the file has no 'kind' column"),
    "hint.kind": ("dites de quel type sont ces secteurs avec --kind, par ex. --kind 'ORT/ACV' ; types : {kinds}",
                  "say which kind these sectors are with --kind, e.g. --kind 'ORT/ACV'; kinds: {kinds}"),
    "note.insee_idurba": ("code INSEE tiré de l'IDURBA (PLU communal)", "insee taken from IDURBA (commune PLU)"),
    "note.prescriptions": ("prescriptions par code : {counts}", "prescriptions by code: {counts}"),
    "note.prescriptions_housing": ("prescriptions par code : {counts} (utiles à l'habitat : {housing})",
                                   "prescriptions by code: {counts} (housing-relevant: {housing})"),
    "note.friche_names": ("{n} friche(s) sans site_nom nommée(s) 'Friche <site_id>'",
                          "{n} friche(s) without site_nom named 'Friche <site_id>'"),
    "warn.typezone_family": ("TYPEZONE {code} n'est pas une valeur CNIG : lue comme sa famille {family} ({n} zone(s))",
                             "TYPEZONE {code} is not a CNIG value: read as its family {family} ({n} zone(s))"),
    "hint.typezone_libelle": ("le code propre de la zone reste dans LIBELLE", "the zone's own code stays in LIBELLE"),
    "note.qpv_codes": ("codes QPV : {codes} (QP = génération 2015, QN = 2024)",
                       "QPV codes: {codes} (QP = 2015 generation, QN = 2024)"),
    "note.qpv_merged": ("{n} ligne(s) répétant un QPV pour une autre commune fusionnée(s) avec lui (communes jointes "
                        "par |)",
                        "{n} row(s) repeating a QPV for another commune merged into it (communes joined by |)"),
    "err.epci_column": ("--epci demande une colonne EPCI dans le fichier (SIREN_EPCI, codeEpci, siren_epci)",
                        "--epci needs an EPCI column in the file (SIREN_EPCI, codeEpci, siren_epci)"),
    "hint.drop_epci": ("retirez --epci, ou utilisez un fichier qui en a une", "drop --epci, or use a file that has one"),
    "err.epci_geometry": ("--epci garde les {layer} qui touchent les communes de l'EPCI, et ce fichier n'a pas de "
                          "géométrie",
                          "--epci keeps the {layer} that meet the EPCI's communes, and this file has no geometry"),
    "note.of_epci": ("l'EPCI {epci}", "EPCI {epci}"),
    "note.of_store": ("les communes de la base", "the store's communes"),
    "note.kept": ("sélection : {n} {layer} sur {of} ({what})", "kept {n} of {of} {layer} ({what})"),
    "err.none_kept": ("aucune ligne du fichier ({layer}) ne concerne {what}", "no {layer} of {what} in the file"),
    "hint.epci_nothing": ("le fichier ne dit rien des communes de l'EPCI {epci} : vérifiez qu'il couvre votre "
                          "territoire",
                          "the file has nothing on EPCI {epci}'s communes: check that it covers your territory"),
    "hint.epci_in_file": ("vérifiez le SIREN ; EPCI du fichier : {epcis}", "check the SIREN; EPCI in the file: {epcis}"),
    "hint.epci_in_store": ("vérifiez le SIREN ; EPCI de la base : {epcis}", "check the SIREN; EPCI in the store: {epcis}"),
    "hint.siren": ("vérifiez le SIREN (9 chiffres, voir banatic.interieur.gouv.fr)",
                   "check the SIREN (9 digits, see banatic.interieur.gouv.fr)"),
    "warn.no_epci": ("commune sans EPCI (epci_siren vide)", "commune with no EPCI (epci_siren empty)"),
    "hint.fill_epci": ("ses chiffres ne comptent dans aucun total d'EPCI : remplissez epci_siren",
                       "its figures count in no EPCI total: fill epci_siren"),
    "warn.sector_outside": ("secteur hors des communes de la base (un autre territoire ou département ?)",
                            "sector outside the store's communes (another territory or department?)"),
    "hint.sector_epci": ("gardez les secteurs du territoire avec --epci SIREN", "keep the territory's sectors with --epci SIREN"),
    "err.no_epci_commune": ("la base n'a aucune commune de l'EPCI {epci}", "the store has no commune of EPCI {epci}"),
    "hint.load_epci": ("chargez-les d'abord : plhgis import communes FICHIER --epci {epci}",
                       "load them first: plhgis import communes FILE --epci {epci}"),
    "err.no_parcel_ref": ("aucune référence de parcelle", "no parcel reference"),
    "hint.idu_list": ("donnez un ou plusieurs IDU séparés par des virgules, par ex. 62498000BI0122,62498000BI0123",
                      "give one or more IDU separated by commas, e.g. 62498000BI0122,62498000BI0123"),
    "err.bad_parcel_ref": ("référence de parcelle mal formée", "badly formed parcel reference"),
    "hint.idu": ("un IDU a 14 caractères : INSEE + préfixe + section + numéro, par ex. 62498000BI0122",
                 "an IDU has 14 characters: INSEE + prefix + section + number, e.g. 62498000BI0122"),
    "err.unknown_parcel": ("parcelle inconnue {ids} (absente de la couche des parcelles)",
                           "unknown parcel {ids} (not in the parcels layer)"),
    "err.unknown_parcels": ("parcelles inconnues {ids} (absentes de la couche des parcelles)",
                            "unknown parcels {ids} (not in the parcels layer)"),
    "hint.load_cadastre_first": ("chargez d'abord le cadastre de la commune : plhgis import parcels "
                                 "cadastre-<insee>-parcelles.json",
                                 "load the commune's cadastre first: plhgis import parcels cadastre-<insee>-parcelles.json"),
    # plhgis/sru.py
    "err.not_sru": ("pas un inventaire SRU : aucune colonne pour {fields}", "not an SRU inventory: no column for {fields}"),
    "hint.sru_columns": ("les colonnes sont : {columns} ; nommez-les avec --map 'COLONNE=champ'",
                         "the columns are: {columns}; name them with --map 'COLUMN=field'"),
    "err.sru_year": ("l'année de l'inventaire n'est pas dans ses en-têtes", "the inventory's year is not in its headers"),
    "hint.sru_year": ("ajoutez une colonne 'vintage', ou nommez la colonne du stock par ex. --map 'Nombre LLS=vintage' … "
                      "(l'année du décompte au 1er janvier)",
                      "add a 'vintage' column, or name the stock column e.g. --map 'Nombre LLS=vintage' … (the year "
                      "of the 1 January count)"),
    "note.sru_vintage": ("millésime {year} : l'inventaire au 1er janvier (d'après '{column}')",
                         "vintage {year}: the inventory at 1 January (from '{column}')"),
    "note.sru_main_residences": ("main_residences = lls_stock / sru_rate (le fichier ne les publie pas)",
                                 "main_residences = lls_stock / sru_rate (the file does not publish them)"),
    "err.sru_epci_column": ("--epci demande la colonne EPCI du fichier (Code_SIREN_EPCI)",
                            "--epci needs the file's EPCI column (Code_SIREN_EPCI)"),
    "hint.sru_siren": ("vérifiez le SIREN (la CA de Lens-Liévin est 246200364)",
                       "check the SIREN (CA de Lens-Liévin is 246200364)"),
    "err.sru_no_rate": ("la commune {commune} {name} est soumise à la loi SRU mais n'a pas de taux légal",
                        "commune {commune} {name} is liable to SRU but has no legal rate"),
    "hint.sru_no_rate": ("importez l'inventaire SRU (plhgis import sru FICHIER) ou donnez à sru_rate_required de la "
                         "commune la valeur {low} ou {high} (CCH L302-5)",
                         "import the SRU inventory (plhgis import sru FILE) or set the commune's sru_rate_required "
                         "to {low} or {high} (CCH L302-5)"),
    # plhgis/store.py
    "err.no_store": ("pas de base à {path}", "no store at {path}"),
    "hint.create_store": ("créez-la avec : plhgis init (ou plhgis init --demo), ou faites pointer --store / "
                          "PLHGIS_STORE dessus",
                          "create it with: plhgis init (or plhgis init --demo), or point --store / PLHGIS_STORE at it"),
    "err.not_a_store": ("{path} n'est pas une base plhgis ({why})", "{path} is not a plhgis store ({why})"),
    "hint.init_store": ("créez-en une avec plhgis init --store CHEMIN", "create one with plhgis init --store PATH"),
    "note.crs_degrees": ("le système de coordonnées de la base, {crs}, est en degrés : distances et surfaces "
                         "(contrôles, objectifs, surfaces des sites) sont fausses ; une base doit utiliser un système "
                         "projeté comme EPSG:2154",
                         "the store's CRS {crs} is in degrees: distances and areas (checks, targets, site areas) are "
                         "wrong; stores should use a projected CRS such as EPSG:2154"),
    "err.crs_setting": ("le réglage crs de la base, {setting}, n'est pas un système de coordonnées, et ses couches "
                        "n'en déclarent aucun",
                        "the store's CRS setting {setting} is not a coordinate reference system, and its layers "
                        "declare none"),
    "hint.crs_setting": ("rétablissez-le, par ex. dans sqlite3 : UPDATE plhgis_settings SET value = 'EPSG:2154' "
                         "WHERE key = 'crs'",
                         "set it back, e.g. in sqlite3: UPDATE plhgis_settings SET value = 'EPSG:2154' WHERE key = "
                         "'crs'"),
    "note.crs_setting": ("le réglage crs de la base, {setting}, n'est pas un système de coordonnées : celui de ses "
                         "couches, {crs}, est utilisé",
                         "the store's CRS setting {setting} is not a CRS: using its layers' {crs}"),
    "note.upgrade_styles": ("styles QGIS", "QGIS styles"),
    "note.upgrade_layers": ("couches {names}", "layers {names}"),
    "note.upgrade_field": ("champ {name}", "field {name}"),
    "note.upgrade_journal": ("journal des modifications faites hors de plhgis", "journal of edits made outside plhgis"),
    "note.upgraded": ("base {path} mise à niveau pour ce plhgis : {done}", "upgraded the store {path} to this plhgis: {done}"),
    "err.newer_store": ("la base {path} a été écrite par un plhgis plus récent (schéma {version}, ce plhgis connaît "
                        "le {known}) : rien n'y est écrit",
                        "the store {path} was written by a newer plhgis (store schema {version}, this plhgis knows "
                        "{known}): not writing to it"),
    "hint.upgrade_plhgis": ("mettez plhgis à jour (pip install -U plhgis) ; la lecture reste possible",
                            "upgrade plhgis (pip install -U plhgis); reading still works"),
    "err.store_busy": ("la base {path} est occupée ({why})", "the store {path} is busy ({why})"),
    "hint.store_busy": ("une autre commande plhgis écrit ; réessayez", "another plhgis command is writing; try again"),
    "hint.overwrite_store": ("utilisez --overwrite pour repartir de zéro", "use --overwrite to start again"),
    "err.store_crs_degrees": ("la base demande un système projeté en mètres ; {crs} est en degrés",
                              "the store needs a projected CRS in metres; {crs} is in degrees"),
    "hint.projected_crs": ("utilisez --crs 2154 (Lambert-93), ou le système projeté de votre territoire (par ex. 2975 "
                           "pour La Réunion)",
                           "use --crs 2154 (Lambert-93), or your territory's projected CRS (e.g. 2975 for La Réunion)"),
    "err.no_feature": ("pas d'entité {layer} d'id {id}", "no {layer} feature with id {id}"),
    "hint.list_ids": ("listez les ids avec : plhgis {noun} list", "list the ids with: plhgis {noun} list"),
    "err.changed_meanwhile": ("{layer} {id} a été modifié(e) par quelqu'un d'autre entre-temps",
                              "{layer} {id} was changed by someone else meanwhile"),
    "hint.run_again": ("relancez la commande pour l'appliquer à la nouvelle version",
                       "run the command again to apply it on the new version"),
    "err.row_needs_key": ("chaque ligne de {layer} demande son '{key}'", "every {layer} row needs its '{key}'"),
    "hint.fill_column": ("remplissez la colonne {key}", "fill in the {key} column"),
    "err.id_taken": ("un id de cet import est déjà dans {layer} ({why})", "an id of this import is already in {layer} ({why})"),
    "hint.upsert": ("utilisez --mode upsert pour mettre à jour les entités existantes",
                    "use --mode upsert to update existing features"),
    "note.history_json": ("ligne d'historique {id} : sa colonne '{column}' n'est pas du JSON valide ({why}) ; ignorée "
                          "(corrigez ou supprimez cette ligne dans QGIS ou sqlite3)",
                          "history row {id}: its '{column}' is not valid JSON ({why}); ignored (fix or delete that "
                          "row in QGIS or sqlite3)"),
    "hint.date_iso": ("écrivez-la 2025-01-31", "write it as 2025-01-31"),
    # plhgis/cnig.py
    "err.cnig_twins": ("les colonnes {columns} sont la même colonne CNIG {column}",
                       "columns {columns} are the same CNIG column {column}"),
    "hint.keep_one": ("n'en gardez qu'une", "keep only one of them"),
    "warn.cnig_missing": ("colonne(s) du standard absente(s) : {columns}", "column(s) of the standard missing: {columns}"),
    "warn.cnig_old": ("colonne(s) du standard absente(s) : {columns} (un fichier du standard v1.0.3 ou antérieur)",
                      "column(s) of the standard missing: {columns} (a file of standard v1.0.3 or older)"),
    "hint.cnig_zaer": ("laissée vide ; l'export écrit 'inconnu' pour urba_zaer",
                       "left empty; the export writes 'inconnu' for urba_zaer"),
    "hint.left_empty": ("laissée vide", "left empty"),
    "note.cnig_na": ("{n} cellule(s) écrite(s) NA (la valeur manquante du standard) lue(s) comme vide(s)",
                     "{n} cell(s) written NA (the standard's missing value) read as empty"),
    "warn.cnig_date": ("date écrite jj/mm/aaaa, lue jour d'abord", "date written dd/mm/yyyy, read day first"),
    "hint.cnig_date": ("le standard écrit les dates aaaa-mm-jj", "the standard writes dates as yyyy-mm-dd"),
    "warn.cnig_pattern": ("valeur ne suivant pas le motif du standard (gardée)",
                          "value does not match the standard's pattern (kept)"),
    "hint.cnig_pattern": ("motif {pattern}", "pattern {pattern}"),
    "warn.cnig_required": ("obligatoire selon le standard mais vide", "required by the standard but empty"),
    "hint.cnig_required": ("remplissez-la avant de transmettre le fichier", "fill it in before sending the file on"),
    "err.cnig_no_geometry": ("pas de géométrie : geompoint est obligatoire", "no geometry: geompoint is required"),
    "hint.cnig_point": ("donnez le point en POINT (lon lat) en WGS84, par ex. POINT (2.83344 50.43495)",
                        "give the point as POINT (lon lat) in WGS84, e.g. POINT (2.83344 50.43495)"),
    "note.cnig_extra": ("colonnes hors standard conservées telles quelles (extra) : {columns}",
                        "columns outside the standard kept as they are (extra): {columns}"),
    "note.cnig_kinds": ("{n} friches : {surface} avec une surface (geomsurf), {point} avec un point seulement",
                        "{n} friches: {surface} with a surface (geomsurf), {point} with a point only"),
    "err.cnig_wkt": ("pas une géométrie WKT lisible", "not a readable WKT geometry"),
    "hint.cnig_wkt": ("par ex. POINT (2.83344 50.43495) ou POLYGON ((lon lat, …)) en WGS84",
                      "e.g. POINT (2.83344 50.43495) or POLYGON ((lon lat, …)) in WGS84"),
    "err.cnig_swapped": ("latitude et longitude inversées (x={x} est une latitude, y={y} une longitude)",
                         "latitude and longitude are swapped (x={x} is a latitude, y={y} a longitude)"),
    "hint.cnig_swapped": ("le WKT en WGS84 s'écrit 'longitude latitude' : écrivez POINT ({y} {x})",
                          "WKT in WGS84 is 'longitude latitude': write POINT ({y} {x})"),
    "err.cnig_not_france": ("les coordonnées ({x}, {y}) ne sont pas en France en WGS84",
                            "coordinates ({x}, {y}) are not in France in WGS84"),
    "hint.cnig_degrees": ("le WKT du standard est en degrés WGS84, longitude d'abord",
                          "the standard's WKT is in WGS84 degrees, longitude first"),
    "note.cnig_zaer": ("urba_zaer (obligatoire depuis la v1.0.4) vide pour {n} friche(s) : 'inconnu' écrit",
                       "urba_zaer (required since v1.0.4) empty for {n} friche(s): written 'inconnu'"),
    "note.cnig_required_empty": ("{column} (obligatoire selon le standard) est vide pour {n} friche(s) : le fichier ne "
                                 "sera pas valide tant qu'il n'est pas rempli",
                                 "{column} (required by the standard) is empty for {n} friche(s): the file will not "
                                 "validate until it is filled in"),
    "note.cnig_not_written": ("champ(s) plhgis hors standard, non écrit(s) : {fields}",
                              "plhgis field(s) outside the standard, not written: {fields}"),
    # plhgis/settings.py
    "err.toml": ("pas un fichier TOML valide ({why})", "not a valid TOML file ({why})"),
    "hint.toml": ("vérifiez les guillemets et l'en-tête de table [checks]", "check the quotes and the [checks] table header"),
    "err.unknown_setting": ("réglage inconnu", "unknown setting"),
    "hint.known_settings": ("réglages connus : {names}", "known settings: {names}"),
    "err.setting_table": ("doit être une table nom = nombre", "must be a table of name = number"),
    "hint.setting_table": ("[checks.{key}] puis \"{first}\" = …", "[checks.{key}] then \"{first}\" = …"),
    "err.setting_number": ("doit être un nombre", "must be a number"),
    "err.setting_negative": ("ne doit pas être négatif", "must not be negative"),
    "err.setting_whole": ("doit être un nombre entier (une année ou un effectif)", "must be a whole number (a year or a count)"),
    "err.setting_share": ("est une part, entre 0 et 1", "is a share, between 0 and 1"),
    "hint.share": ("écrivez 25 % sous la forme 0,25", "write 25 % as 0.25"),
    # plhgis/bilan.py
    "err.split_numbers": ("yearly_split n'est pas une liste de nombres", "yearly_split is not a list of numbers"),
    "hint.split": ("écrivez-la 40|40|40|40|40|40", "write it as 40|40|40|40|40|40"),
    "err.split_years": ("yearly_split compte {n} années, le PLH {years}", "yearly_split has {n} years, the PLH {years}"),
    "hint.split_years": ("un chiffre par année de {start} à {end}, séparés par |",
                         "one figure per year from {start} to {end}, separated by |"),
    "err.outside_period": ("{year} est hors de la période du PLH {start}–{end}", "{year} is outside the PLH period {start}–{end}"),
    "hint.outside_period": ("faites le bilan d'une année du PLH, ou réglez plh_start/plh_end dans layers/plhgis.toml",
                            "review a year of the PLH, or set plh_start/plh_end in layers/plhgis.toml"),
    "err.no_communes": ("la base n'a aucune commune", "the store has no commune"),
    "hint.import_communes": ("importez d'abord les communes (plhgis import communes FICHIER)",
                             "import the communes first (plhgis import communes FILE)"),
    # plhgis/checks.py
    "err.unknown_rule": ("règle inconnue", "unknown rule"),
    "hint.list_rules": ("listez-les avec : plhgis check --list-rules", "list them with: plhgis check --list-rules"),
    "err.ground": ("un motif est obligatoire", "a ground is required"),
    "hint.ground": ("dites pourquoi, par ex. --ground 'reconstitution de l\'offre ANRU'",
                    "say why, e.g. --ground 'reconstitution de l\'offre ANRU'"),
    "err.no_finding": ("aucun constat {rule} pour {id} aujourd'hui", "no {rule} finding for {id} today"),
    "hint.list_findings": ("listez-les avec : plhgis check --rule {rule}", "list them with: plhgis check --rule {rule}"),
    # plhgis/fetch.py
    "hint.base_url": ("donnez l'adresse du service, par ex. --base-url {url}", "give the service's address, e.g. --base-url {url}"),
    "err.not_url": ("--base-url n'est pas une URL ({why})", "--base-url is not a URL ({why})"),
    "err.not_http": ("--base-url n'est pas une adresse http:// ou https://", "--base-url is not an http:// or https:// address"),
    "err.unexpected": ("{host} n'a pas répondu comme prévu ({what}) pour {url}", "{host} did not answer as expected ({what}) for {url}"),
    "err.unexpected_dgouv": ("data.gouv.fr n'a pas répondu comme prévu ({what})", "data.gouv.fr did not answer as expected ({what})"),
    "what.epci_json": ("un EPCI en objet JSON", "an EPCI as a JSON object"),
    "what.geojson": ("une FeatureCollection GeoJSON", "a GeoJSON FeatureCollection"),
    "what.dataset_json": ("un jeu de données en objet JSON", "a dataset as a JSON object"),
    "what.dataset_resources": ("un jeu de données avec une liste de ressources", "a dataset with a list of resources"),
    "what.qpv_no_url": ("la ressource GeoJSON des QPV n'a pas d'url", "the QPV GeoJSON resource has no url"),
    "hint.check_base_url": ("vérifiez --base-url", "check --base-url"),
    "err.cannot_ask": ("impossible d'interroger {url} : {why}", "cannot ask {url}: {why}"),
    "err.http_not_found": ("introuvable", "not found"),
    "err.http_answer": ("{host} a répondu {what} pour {url}", "{host} answered {what} for {url}"),
    "hint.check_code": ("vérifiez le code demandé", "check the code you asked for"),
    "hint.service_down": ("le service est peut-être arrêté : réessayez plus tard", "the service may be down: try again later"),
    "hint.base_url_later": ("vérifiez --base-url, ou réessayez plus tard", "check --base-url, or try again later"),
    "err.unreachable": ("impossible de joindre {host} ({why}) : pas de connexion réseau ? (demandé : {url})",
                        "cannot reach {host} ({why}): no network connection? (asked {url})"),
    "hint.unreachable": ("vérifiez la connexion ou le proxy (HTTPS_PROXY), ou téléchargez le fichier à la main et "
                         "chargez-le avec plhgis import",
                         "check the connection or the proxy (HTTPS_PROXY), or download the file by hand and load it "
                         "with plhgis import"),
    "err.connection_failed": ("la connexion à {host} a échoué ({why}) (demandé : {url})",
                              "the connection to {host} failed ({why}) (asked {url})"),
    "hint.connection_failed": ("réessayez, ou téléchargez le fichier à la main et utilisez plhgis import",
                               "try again, or download the file by hand and use plhgis import"),
    "err.timeout": ("{host} n'a pas répondu en {seconds} s", "{host} did not answer within {seconds} s"),
    "hint.timeout": ("réessayez plus tard, ou augmentez --timeout", "try again later, or raise --timeout"),
    "err.not_json": ("{url} n'a pas répondu en JSON ({body}…)", "{url} did not answer with JSON ({body}…)"),
    "err.output_exists": ("le fichier de sortie existe déjà", "the output file already exists"),
    "hint.overwrite_or_other": ("utilisez --overwrite pour le remplacer, ou donnez un autre fichier",
                                "use --overwrite to replace it, or give another file"),
    "note.dry_run_keep": ("--dry-run : {path} non écrit", "--dry-run: {path} not written"),
    "err.epci_siren": ("un EPCI se désigne par son SIREN à 9 chiffres", "an EPCI is named by its 9-digit SIREN"),
    "hint.epci_siren": ("par ex. 246200364 (CA de Lens-Liévin)", "e.g. 246200364 (CA de Lens-Liévin)"),
    "err.qpv_no_geojson": ("le jeu de données des QPV n'a pas de ressource GeoJSON", "the QPV dataset has no GeoJSON resource"),
    "hint.qpv_by_hand": ("téléchargez les périmètres à la main et utilisez plhgis import qpv FICHIER",
                         "download the perimeters by hand and use plhgis import qpv FILE"),
    # plhgis/permits.py
    "err.not_sdes": ("pas une liste de permis du SDES : pas de colonnes NUM_DAU/Num_DAU et COMM dans les deux "
                     "premières lignes",
                     "not an SDES permits list: no NUM_DAU/Num_DAU and COMM columns in the first two lines"),
    "hint.sdes_file": ("donnez le fichier du SDES « Liste des autorisations d'urbanisme créant des logements » "
                       "(séparateur ;)",
                       "give the SDES file 'Liste des autorisations d'urbanisme créant des logements' (';' separated)"),
    "err.cut_short": ("le fichier est tronqué : sa dernière ligne a {n} champs sur {width}",
                      "the file is cut short: its last row has {n} of {width} fields"),
    "hint.download_again": ("le téléchargement a été interrompu ; téléchargez à nouveau le fichier",
                            "the download was interrupted; download the file again"),
    "err.columns_missing": ("colonne(s) absente(s) : {columns}", "column(s) {columns} missing"),
    "hint.sdes_columns": ("une liste de permis du SDES a NUM_DAU, COMM, NB_LGT_TOT_CREES, DATE_REELLE_AUTORISATION "
                          "(ou leurs anciens noms)",
                          "an SDES permits list has NUM_DAU, COMM, NB_LGT_TOT_CREES, DATE_REELLE_AUTORISATION (or "
                          "their older names)"),
    "hint.sdes_csv": ("une liste du SDES est séparée par des ; avec le texte entre guillemets doubles",
                      "an SDES list is ';' separated with text in double quotes"),
    "note.sdes_file": ("{name} : {n} permis, {header}, {codes}{encoding}", "{name}: {n} permits, {header}, {codes}{encoding}"),
    "note.sdes_two_lines": ("deux lignes d'en-tête", "two header lines"),
    "note.sdes_one_line": ("une ligne d'en-tête", "one header line"),
    "note.sdes_new": ("nouveaux codes SDES", "new SDES codes"),
    "note.sdes_old": ("anciens noms SDES (Num_DAU, …)", "older SDES names (Num_DAU, …)"),
    "note.read_as": (", lu en {encoding}", ", read as {encoding}"),
    "note.dates_converted": ("{column} : {n} date(s) dans un autre format convertie(s) en AAAA-MM-JJ",
                             "{column}: {n} date(s) in another format converted to YYYY-MM-DD"),
    "note.accents_repaired": ("{column} : {n} valeur(s) aux accents doublement encodés réparée(s) (par ex. ALLÉE)",
                              "{column}: {n} value(s) with double-encoded accents repaired (e.g. ALLÉE)"),
    "warn.accents": ("accents doublement encodés impossibles à réparer (gardés tels que lus)",
                     "double-encoded accents that could not be repaired (kept as read)"),
    "hint.accents": ("corrigez-la dans la base si besoin", "correct it in the store if needed"),
    "err.permits_no_communes": ("la base n'a pas de communes : les permis sont limités aux communes du territoire",
                                "the store has no communes: permits are kept to the territory's communes"),
    "hint.permits_communes": ("chargez-les d'abord : plhgis import communes FICHIER (ou plhgis fetch communes --epci "
                              "SIREN)",
                              "load them first: plhgis import communes FILE (or plhgis fetch communes --epci SIREN)"),
    "note.placed": ("{parcels} permis placé(s) sur leurs parcelles, {commune} sur leur commune",
                    "placed {parcels} permit(s) on their parcels, {commune} at their commune"),
    "note.placed_no_parcels": ("{parcels} permis placé(s) sur leurs parcelles, {commune} sur leur commune (pas de "
                               "couche des parcelles : plhgis import parcels FICHIER)",
                               "placed {parcels} permit(s) on their parcels, {commune} at their commune (no parcels "
                               "layer: plhgis import parcels FILE)"),
    "warn.not_insee_rows": ("{n} ligne(s) dont le code commune n'est pas un code INSEE, écartée(s) : {codes}",
                            "{n} row(s) with a commune code that is no INSEE code, left out: {codes}"),
    "hint.comm": ("la colonne COMM porte des codes INSEE à 5 caractères, par ex. 31555",
                  "the COMM column holds 5-character INSEE codes, e.g. 31555"),
    "note.of_commune": ("la commune {commune}", "commune {commune}"),
    "note.permits": ("permis", "permits"),
    "hint.permits_territory": ("vérifiez --commune / --epci, ou que le fichier couvre le territoire",
                               "check --commune / --epci, or that the file covers the territory"),
    "warn.permit_twice": ("numéro de permis aux lignes {rows} : ligne {kept} gardée (dernière mise à jour)",
                          "permit number on rows {rows}: kept row {kept} (latest update)"),
    "hint.permit_twice": ("le fichier du SDES liste ce permis deux fois", "the SDES file lists this permit twice"),
    # plhgis/reconcile.py
    "note.permit_files": ("fichiers de permis : {files}", "permit files: {files}"),
    "err.no_pair": ("pas de paire {id} dans la file d'examen", "no pair {id} in the review queue"),
    "err.several_pairs": ("{id} désigne {n} paires : donnez l'id complet", "{id} names {n} pairs: give the full id"),
    "hint.review_queue": ("listez-les avec : plhgis reconcile --review", "list them with: plhgis reconcile --review"),
    "err.already_state": ("{id} est déjà {state}", "{id} is already {state}"),
    # plhgis/rights.py
    "err.login_name": ("nom de connexion invalide", "not a valid login name"),
    "hint.login_name": ("lettres minuscules, chiffres, _ . - (par ex. mairie_62950)",
                        "lower-case letters, digits, _ . - (e.g. mairie_62950)"),
    "err.unknown_role": ("rôle inconnu", "unknown role"),
    "err.login_commune": ("une connexion de commune demande sa commune", "a commune login needs its commune"),
    "hint.login_commune": ("donnez --commune INSEE, par ex. --commune 62950", "give --commune INSEE, e.g. --commune 62950"),
    "err.commune_options": ("--commune et --proposals sont pour les connexions de commune",
                            "--commune and --proposals are for commune logins"),
    "hint.role_commune": ("utilisez --role commune", "use --role commune"),
    "err.no_user": ("pas d'utilisateur plhgis {login}", "no plhgis user {login}"),
    "hint.users_list": ("plhgis users list les montre", "plhgis users list shows them"),
    "err.may_not_decide": ("{login} ne peut pas statuer sur les propositions", "{login} may not decide on proposals"),
    "hint.editor_decides": ("un agent de l'EPCI (rôle edit) statue", "an EPCI editor (role edit) decides"),
    "err.no_proposal": ("pas de proposition {id}", "no proposal {id}"),
    "hint.proposals_list": ("plhgis proposals list", "plhgis proposals list"),
    "err.proposal_decided": ("la proposition {id} est déjà {status}", "proposal {id} is already {status}"),
    "proposal.pending": ("en attente", "pending"),
    "proposal.accepted": ("acceptée", "accepted"),
    "proposal.rejected": ("rejetée", "rejected"),
    "err.need_postgis": ("les utilisateurs et les propositions vivent dans une base PostGIS",
                         "users and proposals live in a PostGIS store"),
    "hint.need_postgis": ("donnez --store postgresql://… (un GeoPackage n'a pas de connexions)",
                          "give --store postgresql://… (a GeoPackage has no logins)"),
    # plhgis/store_pg.py
    "err.no_pg_store": ("pas de base plhgis dans {path}", "no plhgis store in {path}"),
    "hint.init_url": ("créez-la avec : plhgis init --store URL", "create it with: plhgis init --store URL"),
    "err.psycopg": ("une base PostGIS demande psycopg", "a PostGIS store needs psycopg"),
    "hint.psycopg": ("pip install 'plhgis[postgis]'", "pip install 'plhgis[postgis]'"),
    "err.pg_connect": ("impossible de se connecter à {path} : {why}", "cannot connect to {path}: {why}"),
    "hint.pg_connect": ("vérifiez l'hôte, le port, la base et la connexion (ou ~/.pgpass, PGSERVICE)",
                        "check the host, port, database and login (or ~/.pgpass, PGSERVICE)"),
    "err.pg_denied": ("{login} n'a pas le droit de faire cela sur {path} : {why}", "{login} may not do this on {path}: {why}"),
    "hint.pg_denied": ("demandez ce droit à l'administrateur de la base (plhgis users list)",
                       "ask the store's administrator for the right (plhgis users list)"),
    "err.pg_id_taken": ("un id de ce changement est déjà dans la base ({why})",
                        "an id of this change is already in the store ({why})"),
    "err.pg_failed": ("la base {path} a échoué : {why}", "the store {path} failed: {why}"),
    "hint.try_again": ("réessayez", "try again"),
    "err.pg_exists": ("{path} contient déjà une base plhgis", "{path} already holds a plhgis store"),
    "err.no_postgis": ("PostGIS n'est pas disponible dans {path} : {why}", "PostGIS is not available in {path}: {why}"),
    "hint.no_postgis": ("installez postgresql-15-postgis-3, ou demandez à l'administrateur de lancer CREATE EXTENSION "
                        "postgis",
                        "install postgresql-15-postgis-3, or ask the administrator to run CREATE EXTENSION postgis"),
    "err.may_not_edit": ("{login} ne peut pas modifier {layer} {id} (commune {code})",
                         "{login} may not edit {layer} {id} (commune {code})"),
    "err.may_not_edit_own": ("{login} ne peut pas modifier {layer} {id} (commune {code}) : cette connexion ne modifie "
                             "que les entités de la commune {mine}",
                             "{login} may not edit {layer} {id} (commune {code}): this login edits only commune "
                             "{mine}'s features"),
    "hint.ask_editor": ("demandez ce changement à un agent de l'EPCI, ou envoyez-le comme proposition",
                        "ask an EPCI editor to make this change, or send it as a proposal"),
    # plhgis/review.py
    "err.no_geometry": ("le fichier n'a pas de géométrie", "the file has no geometry"),
    "hint.cnig_layer": ("donnez la couche CNIG elle-même", "give the CNIG layer itself"),
    "err.no_field": ("pas de champ {fields}", "no {fields} field"),
    "hint.cnig_fields": ("un fichier ZONE_URBA du CNIG a TYPEZONE et LIBELLE ; un fichier PRESCRIPTION_SURF a TYPEPSC",
                         "a CNIG ZONE_URBA file has TYPEZONE and LIBELLE; a PRESCRIPTION_SURF file has TYPEPSC"),
    "err.no_feature_commune": ("le fichier n'a aucune entité pour cette commune", "the file has no feature for this commune"),
    "hint.insee_holds": ("son champ INSEE contient {codes}", "its INSEE field holds {codes}"),
    "note.plu_clipped": ("{path} : aucun champ INSEE ou IDURBA ne nomme {insee} ; ses entités sont découpées selon le "
                         "contour de la commune",
                         "{path}: no INSEE or IDURBA field names {insee}; its features are clipped to the commune's "
                         "outline"),
    "note.plu_whole": ("{path} : aucun champ INSEE ou IDURBA ne nomme {insee} ; tout le fichier est lu comme son plan",
                       "{path}: no INSEE or IDURBA field names {insee}; the whole file is read as its plan"),
    "note.typezone_other": ("valeurs de TYPEZONE hors de U/AUc/AUs/A/N, comptées comme « autre » : {codes}",
                            "TYPEZONE values outside U/AUc/AUs/A/N, counted as 'other': {codes}"),
    "err.no_zone": ("le fichier de zonage n'a aucune zone pour cette commune", "the zoning file has no zone for this commune"),
    "hint.no_zone": ("vérifiez le code INSEE, ou donnez le fichier ZONE_URBA propre à la commune",
                     "check the INSEE code, or give the commune's own ZONE_URBA file"),
    "err.zoning_cover": ("le zonage couvre {share} de la commune", "the zoning covers {share} of the commune"),
    "hint.zoning_cover": ("vérifiez que le fichier est le PLU de cette commune et que son système de coordonnées est le "
                          "bon (--crs)",
                          "check that the file is this commune's PLU and that its CRS is right (--crs)"),
    "err.no_density": ("pas de densité minimale pour cette commune", "no minimum density for this commune"),
    "hint.density": ("remplissez density_min ou polarity dans la couche des communes, ou [checks.density_min]",
                     "fill density_min or polarity in the communes layer, or [checks.density_min]"),
    # plhgis/reports.py
    "err.no_commune_pack": ("la base n'a aucune commune pour laquelle faire un dossier",
                            "the store has no commune to make a pack for"),
    "err.jobs": ("PLHGIS_JOBS n'est pas un nombre de processus", "PLHGIS_JOBS is not a number of processes"),
    "hint.jobs": ("par ex. PLHGIS_JOBS=2", "e.g. PLHGIS_JOBS=2"),
    "err.pack_failed": ("{code} : {why}", "{code}: {why}"),
    "err.pack_insee": ("la base contient un code commune qui n'est pas un code INSEE : aucun dossier n'est fait pour lui",
                       "the store holds a commune code that is not an INSEE code, so no pack is made for it"),
    "hint.pack_insee": ("corrigez le code de la commune dans la base (5 caractères, par ex. 62498 ou 2A004)",
                        "correct the commune's code in the store (5 characters, e.g. 62498 or 2A004)"),
    # plhgis/outputs.py
    "hint.overwrite_it": ("utilisez --overwrite pour le remplacer", "use --overwrite to replace it"),
    "hint.overwrite_packs": ("utilisez --overwrite pour remplacer les dossiers", "use --overwrite to replace the packs"),
    "err.nothing_written": ("rien n'a été écrit dans {name}", "nothing was written to {name}"),
    "err.cannot_write": ("impossible d'écrire le fichier ({why})", "cannot write the file ({why})"),
    "hint.cannot_write": ("vérifiez que le dossier existe et que vous pouvez y écrire",
                          "check the folder exists and that you may write there"),
    "err.leaves_folder": ("ce nom de fichier sortirait du dossier de sortie", "this file name would leave the output folder"),
    "hint.commune_code": ("une commune se désigne par son code INSEE (5 caractères, par ex. 62498 ou 2A004)",
                          "a commune is named by its INSEE code (5 characters, e.g. 62498 or 2A004)"),
    # plhgis/pdf.py
    "err.font_missing": ("le fichier de police n'existe pas", "the font file does not exist"),
    "hint.font_path": ("donnez le chemin d'une police TrueType (.ttf)", "give the path of a TrueType (.ttf) font"),
    "err.no_font": ("aucune police TrueType trouvée pour le PDF", "no TrueType font found for the PDF"),
    "hint.install_font": ("installez fonts-dejavu-core (Debian/Ubuntu) ou réglez PLHGIS_FONT=/chemin/vers/police.ttf",
                          "install fonts-dejavu-core (Debian/Ubuntu) or set PLHGIS_FONT=/path/to/font.ttf"),
    # plhgis/assets.py
    "err.no_leaflet": ("Leaflet n'est pas installé ({name})", "Leaflet is not installed ({name})"),
    "hint.leaflet": ("pip install XStatic-Leaflet XStatic-Leaflet-MarkerCluster (tous deux viennent avec pip install "
                     "plhgis)",
                     "pip install XStatic-Leaflet XStatic-Leaflet-MarkerCluster (both come with pip install plhgis)"),
    "err.asset_missing": ("{path} manque dans le paquet installé {package}", "{path} is missing from the installed {package}"),
    "hint.reinstall_leaflet": ("réinstallez-le : pip install --force-reinstall XStatic-Leaflet XStatic-Leaflet-MarkerCluster",
                               "reinstall it: pip install --force-reinstall XStatic-Leaflet XStatic-Leaflet-MarkerCluster"),
    # plhgis/demo.py
    "err.not_demo": ("{path} contient une base qui n'est pas la démonstration : la démonstration la remplacerait",
                     "{path} holds a store that is not the demo: the demo would replace it"),
    "hint.demo_elsewhere": ("construisez la démonstration ailleurs (--store demo/plh.gpkg), ou utilisez --overwrite",
                            "build the demo elsewhere (--store demo/plh.gpkg), or use --overwrite"),
    # plhgis/targets.py
    "err.no_target_period": ("aucun objectif PLH pour la période {start}–{end} : les objectifs commencent en {starts}",
                             "no PLH target for the period {start}–{end}: the targets start in {starts}"),
    "hint.target_period": ("réglez plh_start/plh_end dans layers/plhgis.toml sur la période des objectifs, ou importez "
                           "les objectifs de cette période",
                           "set plh_start/plh_end in layers/plhgis.toml to the targets' period, or import the targets "
                           "of this period"),
    # plhgis/maps.py
    "err.nothing_to_map": ("la base n'a rien à cartographier", "the store has nothing to map"),
    "err.network_asset": ("la page chargerait {url} depuis le réseau", "the page would load {url} from the network"),
    "hint.inline_assets": ("chaque script et chaque style doit être intégré à la page (voir plhgis.assets)",
                           "every script and style must be inlined (see plhgis.assets)"),
    # plhgis/sources.py
    "hint.figures": ("un tableau de chiffres met à jour des communes déjà chargées : chargez d'abord les contours des "
                     "communes (plhgis import communes FICHIER.geojson)",
                     "a table of figures updates communes already loaded: load the commune outlines first (plhgis "
                     "import communes FILE.geojson)"),
    "hint.figures_epci": ("un tableau de chiffres met à jour des communes déjà chargées : chargez d'abord les contours "
                          "des communes (plhgis import communes FICHIER.geojson), ou gardez l'EPCI de la base avec "
                          "--epci {sirens}",
                          "a table of figures updates communes already loaded: load the commune outlines first (plhgis "
                          "import communes FILE.geojson), or keep the store's EPCI with --epci {sirens}"),
    "note.typezone": ("types de zone : {counts}", "typezone: {counts}"),
}

# The findings' messages (`checks`), one per rule: {field} is a column of the rule's row, {label} the
# feature's id and name, {fid} its id, {layer} its layer; {x:n} is a number (n1, n2: decimals), {x:%} a
# share, {x:?} a value or "?", {x:t} the message piece whose key the row holds.
LABELS |= {
    "check.label": ("{id} « {name} »", "{id} “{name}”"),
    "check.DATA-GEOM": ("{layer} {fid} : {why_key:t}{detail}", "{layer} {fid}: {why_key:t}{detail}"),
    "check.geom.missing": ("géométrie absente", "missing geometry"),
    "check.geom.invalid": ("géométrie invalide", "invalid geometry"),
    "check.geom.polygon": ("un polygone est attendu", "a polygon is expected"),
    "check.DATA-OUTSIDE-COMMUNE": (
        "{label} est déclaré(e) sur {declared} mais se situe sur {commune_found} (la commune déclarée fait foi "
        "pour les objectifs)",
        "{label} is declared in {declared} but lies in {commune_found} (the declared commune counts for the "
        "targets)"),
    "check.DATA-OUTSIDE-EPCI": ("{label} est hors du territoire de l'EPCI", "{label} lies outside the EPCI"),
    "check.DATA-MIX": ("{label} : le détail par produit compte {mix:n} logements pour {homes:n} au total",
                       "{label}: the breakdown by product counts {mix:n} homes for {homes:n} in all"),
    "check.DATA-YEARS": ("{label} : {problem}", "{label}: {problem_en}"),
    "check.years.delivery_permit": ("livraison avant le permis", "delivery before the permit"),
    "check.years.start_permit": ("démarrage avant le permis", "start before the permit"),
    "check.years.delivery_start": ("livraison avant le démarrage", "delivery before the start"),
    "check.years.range": ("{col} hors de {lo}–{hi}", "{col} outside {lo}–{hi}"),
    "check.PERMIT-MISSING": ("{label} : permis accordé en {permit_year} selon le tableau, aucun permis Sitadel lié "
                             "après {years:n} ans (plhgis reconcile)",
                             "{label}: permit granted in {permit_year} per the table, no Sitadel permit linked "
                             "after {years:n} years (plhgis reconcile)"),
    "check.PERMIT-HOMES": ("{label} : {homes:n} logements, le permis {permit_number} en compte {permit_homes:n}",
                           "{label}: {homes:n} homes, permit {permit_number} counts {permit_homes:n}"),
    "check.DATA-DELIVERED-FUTURE": ("{label} : « {status_fr} » mais livraison prévue en {year} (nous sommes en {now})",
                                    "{label}: “{status_en}” but delivery planned in {year} (this is {now})"),
    "check.DATA-STALE-STATUS": ("{label} : encore « {status_fr} » alors que la livraison était prévue en {year} "
                                "(nous sommes en {now}) : état ou année à mettre à jour",
                                "{label}: still “{status_en}” although delivery was planned in {year} (this is {now}): "
                                "update the status or the year"),
    "check.DATA-DUPLICATE": ("{label} est à {distance_m:n} m de {other} : même opération ?",
                             "{label} is {distance_m:n} m from {other}: the same scheme?"),
    "check.DATA-LOCATE": ("{label} est placé(e) au centre de la commune faute d'adresse, de coordonnées ou de "
                          "parcelles : à localiser",
                          "{label} is placed at the commune's centre for want of an address, coordinates or "
                          "parcels: to be located"),
    "check.FRICHE-ENUM": ("friche {label} : {field} = « {value} » hors de la liste CNIG",
                          "brownfield {label}: {field} = “{value}” is not in the CNIG list"),
    "check.QPV-LLS": (
        "{label} : {social:n} logements locatifs sociaux dans le QPV {qpv}, contraire à l'orientation de mixité "
        "(sauf reconstitution de l'offre, à indiquer en commentaire)",
        "{label}: {social:n} social rented homes in the QPV {qpv}, against the social mix policy (unless "
        "they replace demolished social housing, to be said in the comment)"),
    "check.QPV-TVA": (
        "{label} : {free_sale:n} logements en accession {where:t}{band_qpv} (bande de {band_m:n} m) : TVA à 5,5 % "
        "possible s'ils sont vendus sous plafonds de prix et de ressources (CGI art. 278 sexies III 2°)",
        "{label}: {free_sale:n} homes for sale {where:t}{band_qpv} ({band_m:n} m band): 5.5% VAT possible if "
        "they are sold under price and income ceilings (CGI art. 278 sexies III 2°)"),
    "check.qpv.in": ("dans le QPV ", "in the QPV "),
    "check.qpv.near": ("à {qpv_distance_m:n} m du QPV ", "{qpv_distance_m:n} m from the QPV "),
    "check.QPV-SHARE": (
        "{name} : {share:%} des logements programmés sont en QPV ({homes_qpv:n} sur {expected:n} ; seuil {limit:%})",
        "{name}: {share:%} of the programmed homes are in a QPV ({homes_qpv:n} of {expected:n}; "
        "threshold {limit:%})"),
    "check.SECTOR-OUT": ("{label} : {homes:n} logements hors des secteurs prioritaires",
                         "{label}: {homes:n} homes outside the priority sectors"),
    "check.SECTOR-SHARE": (
        "{name} : {share:%} des logements programmés dans les secteurs prioritaires ({homes_sectors:n} sur "
        "{expected:n} ; objectif {limit:%})",
        "{name}: {share:%} of the programmed homes in the priority sectors ({homes_sectors:n} of {expected:n}; "
        "target {limit:%})"),
    "check.SECTOR-OPPORTUNITY": (
        "{label} est dans le secteur « {sector} » et aucune opération ne la mobilise (capacité {capacity_est:n} "
        "logements)",
        "{label} is in the sector “{sector}” and no scheme uses it (capacity {capacity_est:n} homes)"),
    "check.TARGET-UNDER": (
        "{name} : {expected:n} logements attendus sur la période pour un objectif de {homes_target:n} "
        "({coverage:%} ; dont {certain:n} certains)",
        "{name}: {expected:n} homes expected within the period for a target of {homes_target:n} "
        "({coverage:%}; {certain:n} of them committed)"),
    "check.TARGET-OVER": (
        "{name} : {expected:n} logements attendus pour un objectif de {homes_target:n} ({coverage:%}) : au-delà de "
        "l'objectif du PLH",
        "{name}: {expected:n} homes expected for a target of {homes_target:n} ({coverage:%}): beyond the PLH "
        "target"),
    "check.TARGET-MIDTERM": (
        "{name} : {midterm_expected:n} logements livrables à mi-parcours pour un prorata d'objectif de "
        "{midterm_target:n}",
        "{name}: {midterm_expected:n} homes deliverable at mid-term for a pro rata target of {midterm_target:n}"),
    "check.LLS-UNDER": (
        "{name} : {lls_programmed:n} logements locatifs sociaux programmés pour un objectif de {lls_target:n} "
        "({lls_coverage:%})",
        "{name}: {lls_programmed:n} social rented homes programmed for a target of {lls_target:n} "
        "({lls_coverage:%})"),
    "check.SRU-CATCHUP": (
        "{name} : taux SRU {sru_rate_now:%} pour {sru_rate_required:%} exigés ; {sru_catchup_programmed:n} LLS "
        "financés sur la période triennale pour un objectif de rattrapage de {sru_catchup_target:n} "
        "({sru_objective_kind})",
        "{name}: SRU rate {sru_rate_now:%} for {sru_rate_required:%} required; {sru_catchup_programmed:n} "
        "social rented homes funded over the three-year period for a catch-up target of {sru_catchup_target:n} "
        "({sru_objective_kind})"),
    "check.SRU-MIX": (
        "{name} : {sru_plai_share:%} de PLAI (minimum {plai_min:%}) et {sru_pls_share:%} de PLS (maximum "
        "{pls_max:%}) sur {sru_catchup_programmed:n} LLS",
        "{name}: {sru_plai_share:%} PLAI (minimum {plai_min:%}) and {sru_pls_share:%} PLS (maximum "
        "{pls_max:%}) out of {sru_catchup_programmed:n} social rented homes"),
    "check.LLS-HIGH-SHARE": (
        "{name} : {social:n} LLS neufs dans {how_many:t} alors que la commune compte déjà {rate:%} de logements "
        "sociaux (seuil {limit:%}) : justification attendue",
        "{name}: {social:n} new social rented homes in {how_many:t} where social housing is already {rate:%} of "
        "the homes (threshold {limit:%}): to be justified"),
    "check.schemes.one": ("1 opération", "1 scheme"),
    "check.schemes.many": ("{count:n} opérations", "{count:n} schemes"),
    "check.SRU-RATE": (
        "{name} : commune soumise à la loi SRU dont le taux légal est {rate_text} (CCH L302-5 : {low:%} ou {high:%})",
        "{name}: commune liable to the SRU law whose legal rate is {rate_text_en} (CCH L302-5: {low:%} or {high:%})"),
    "check.SRU-CARENCE": (
        "{label} : commune carencée, {family:n} logements familiaux dont {plai_plus:n} PLAI/PLUS ({share:%} ; "
        "minimum {limit:%}, PLS exclus ; C. urb. L111-24)",
        "{label}: commune under a carence order, {family:n} family homes of which {plai_plus:n} PLAI/PLUS "
        "({share:%}; at least {limit:%}, PLS excluded; C. urb. L111-24)"),
    "check.ANRU-RECONSTITUTION": (
        "{label} : reconstitution de l'offre {problem}",
        "{label}: rebuilt social offer {problem_en}"),
    "check.rate.blank": ("vide", "blank"),
    "check.rate.differ": ("{rate} dans la couche communes mais {published} dans l'inventaire SRU",
                          "{rate} in the communes layer but {published} in the SRU inventory"),
    "check.anru.inside": ("dans le QPV {qpv} (en règle générale hors du quartier)",
                          "inside the QPV {qpv} (as a rule outside the quarter)"),
    "check.anru.plai": ("avec {share} de PLAI (minimum {limit})", "with {share} PLAI (at least {limit})"),
    "check.DENSITY-LOW": ("{label} : {density:n1} logements/ha pour un minimum de {minimum:n} logements/ha",
                          "{label}: {density:n1} homes/ha for a minimum of {minimum:n} homes/ha"),
    "check.ZAN-EXTENSION": (
        "{label} : {zan_ha:n2} ha d'espaces naturels ou agricoles consommés (origine {land_origin:?}, zone "
        "{zone_type:?}, livraison {delivery_year:?})",
        "{label}: {zan_ha:n2} ha of natural or farm land taken (land origin {land_origin:?}, zone "
        "{zone_type:?}, delivery {delivery_year:?})"),
    "check.PLU-AN": ("{label} est en zone {zone_lib} ({zone_type}) du PLU",
                     "{label} is in the {zone_lib} ({zone_type}) zone of the local plan"),
    "check.PLU-OAP": ("{label} : {size:n} m² sans OAP (seuil {limit:n} m²)",
                      "{label}: {size:n} m² without an OAP (threshold {limit:n} m²)"),
    "check.PLU-SMS": ("{label} : {share:%} de LLS dans le secteur de mixité sociale « {sms} » qui en exige "
                      "{required:%}",
                      "{label}: {share:%} social rent in the social mix sector “{sms}”, which requires "
                      "{required:%}"),
    "check.CAPACITY-SHORT": (
        "{name} : il reste {remaining_need:n} logements à trouver et les friches et gisements non mobilisés en "
        "portent {capacity_unlinked:n}",
        "{name}: {remaining_need:n} homes are still to be found and the unused brownfields and plots can hold "
        "{capacity_unlinked:n}"),
}

def cli_lang() -> str:
    """The command line's language: "fr", or "en" when $PLHGIS_LANG says so."""
    return "en" if os.environ.get("PLHGIS_LANG", "").strip().lower().startswith("en") else "fr"


def count(n: int, key: str, lang: str = "fr", **values) -> str:
    """`key.one` for 1 (and 0 in French), else `key.many`, with {n} and `values` filled in."""
    one = n == 1 or (n == 0 and lang != "en")
    return t(f"{key}.{'one' if one else 'many'}", lang, n=n, **values)


def t(key: str, lang: str = "fr", **values) -> str:
    """The label `key` in `lang`, with {placeholders} filled in (a `Text` value shown in `lang` too)."""
    fr, en = LABELS[key]
    text = en if lang == "en" else fr
    if not values:
        return text
    return text.format(**{k: v.text(lang) if isinstance(v, Text) else v for k, v in values.items()})


class Text:
    """Something said to a user, written out only when shown, in the language asked for (`text(lang)`)."""

    __slots__ = ()

    def text(self, lang: str = "fr") -> str:
        raise NotImplementedError

    def __str__(self) -> str:  # the library's own str(): English, as Python's messages are
        return self.text("en")


class Msg(Text):
    """A message of the catalogue: its key and values, formatted lazily (`Msg("err.x", n=3).text("fr")`)."""

    __slots__ = ("key", "values")

    def __init__(self, key: str, **values):
        if key not in LABELS:
            raise KeyError(key)
        self.key, self.values = key, values

    def text(self, lang: str = "fr") -> str:
        return t(self.key, lang, **self.values)

    def __repr__(self) -> str:
        return f"Msg({self.key!r}, {self.values!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Msg) and (self.key, self.values) == (other.key, other.values)

    def __hash__(self) -> int:
        return hash((self.key, tuple(sorted((k, repr(v)) for k, v in self.values.items()))))


class Num(Text):
    """A number as its reader writes it: 1 000 000 000 and 12,5 in French, 1,000,000,000 and 12.5 in English."""

    __slots__ = ("x", "digits")

    def __init__(self, x, digits: int = 0):
        self.x, self.digits = x, digits

    def text(self, lang: str = "fr") -> str:
        return number(self.x, self.digits, lang)


class Join(Text):
    """Several pieces said as one, each in the language asked for: `Join("; ", [Msg(...), "text"])`."""

    __slots__ = ("sep", "items")

    def __init__(self, sep: str, items):
        self.sep, self.items = sep, list(items)

    def text(self, lang: str = "fr") -> str:
        return self.sep.join(shown(i, lang) for i in self.items)


def number(x, digits: int = 0, lang: str = "fr") -> str:
    """`x` with thousands grouped and `digits` decimals, the French way (1 234,5) or the English (1,234.5)."""
    if x is None or (isinstance(x, float) and x != x):
        return "?"
    text = f"{x:,.{digits}f}"
    return text if lang == "en" else text.replace(",", "\u202f").replace(".", ",")


def percent(x, lang: str = "fr", missing: str = "?") -> str:
    """A share as its reader writes it: 60 % in French, 60% in English; `missing` for what is not a number."""
    try:
        x = float(x)
    except (TypeError, ValueError):
        return missing
    if x != x:
        return missing
    return number(100 * x, 0, lang) + ("%" if lang == "en" else " %")


def shown(x, lang: str = "fr") -> str:
    """`x` as a user reads it in `lang`: a `Text` written out, anything else as str()."""
    return x.text(lang) if isinstance(x, Text) else str(x)


def value(v, lang: str = "fr") -> str:
    """An enum value shown in `lang`: the French vocabulary as it is, its English label (`schema.TERMS`)."""
    if v is None:
        return ""
    if lang != "en":
        return str(v)
    return vocabulary.ENGLISH.get(v, v)


# the field labels the maps and packs show (the schema's, short where there is a short one)
LABELS.update({key: vocabulary.SHORT_LABELS.get(layer, {}).get(name) or vocabulary.LABELS[layer][name][:2]
               for key, (layer, name) in vocabulary.DISPLAY_LABELS.items()})

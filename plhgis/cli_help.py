"""The help of every command and option (`plhgis … --help`), in French and English, in one place.

HELP is keyed by the command path without `plhgis` ("import", "fetch communes"; "plhgis" for the group
itself); an option's text by its command path and its long name ("import --mode"), found from the command
up to its parents, then under the bare name ("--store") for the options every command shares. A command's
examples (EXAMPLES, under the same path) read the same in both languages. The add/edit/end/list/show
commands of the editable layers share the "FEATURE" texts, filled in with the words of their layer (NOUNS). An option of a layer's field (`plhgis project add --homes-total`) is
described by the field's own label (`vocabulary`). Only `--help` and usage errors read this module.
"""
from __future__ import annotations

import inspect
import re

from . import schema, vocabulary
from .labels import t

HELP: dict[str, tuple[str, str]] = {
    # -- the group, and the options every command shares ------------------------------------------
    "plhgis": ("""plhgis : le tableau des opérations de logements du PLH, les friches et les dents creuses, en
        couches géographiques. Pour commencer, plhgis demo construit un territoire fictif de démonstration.""",
        """plhgis: the PLH housing-project table, friches and infill plots as geographic layers. To begin with,
        plhgis demo builds a fictional demo territory."""),
    "plhgis --lang": ("Langue des messages, de l'aide et des pages [par défaut : fr, ou $PLHGIS_LANG].",
                      "Language of messages, help and pages [default: fr, or $PLHGIS_LANG]."),
    "--version": ("Affiche la version et s'arrête.", "Show the version and exit."),
    "--help": ("Affiche cette aide et s'arrête.", "Show this message and exit."),
    "--store": ("La base : un GeoPackage, ou postgresql://… pour PostGIS [par défaut : layers/plh.gpkg, ou "
                "$PLHGIS_STORE].",
                "The store: a GeoPackage, or postgresql://… for PostGIS [default: layers/plh.gpkg, or $PLHGIS_STORE]."),
    "--user": ("Nom inscrit dans l'historique [par défaut : $USER].", "Name recorded in the history [default: $USER]."),
    "--crs": ("Système de coordonnées du fichier quand il n'en déclare aucun : 2154, EPSG:4326, …",
              "CRS of the input when it declares none: 2154, EPSG:4326, …"),
    "--commune": ("Code INSEE d'une commune de la base, par ex. 62498.",
                  "INSEE code of one commune of the store, e.g. 62498."),
    "--format": ("Format de sortie.", "Output format."),
    "--overwrite": ("Remplace les fichiers existants.", "Replace existing files."),
    "--lang": ("Langue de la page [par défaut : celle de la ligne de commande].",
               "Language of the page [default: the CLI's]."),
    "--as-of": ("La couche telle qu'elle était à la fin de ce jour.", "The layer as it stood at the end of this day."),
    "--dry-run": ("Montre ce qui changerait, sans rien écrire.", "Show what would change and write nothing."),
    "--reason": ("Pourquoi, inscrit dans l'historique.", "Why, recorded in the history."),
    # -- the store -------------------------------------------------------------------------------
    "init": ("Crée la base (un GeoPackage que QGIS ouvre tel quel) : vide, dans layers/plh.gpkg par défaut, ou avec "
             "le territoire fictif de démonstration (--demo).",
             "Create the store (a GeoPackage QGIS opens as it is): empty, in layers/plh.gpkg by default, or holding "
             "the fictional demo territory (--demo)."),
    "init --demo": ("Remplit la base avec le territoire fictif de démonstration.",
                    "Fill the store with the fictional demo territory."),
    "init --crs": ("Système de coordonnées de la base (projeté, en mètres).", "Storage CRS (projected, metres)."),
    "init --overwrite": ("Remplace une base existante.", "Replace an existing store."),
    "demo": ("""Construit le territoire fictif de démonstration (layers/plh.gpkg, historique antidaté à 2023),
        le contrôle, écrit sa carte, sa page des contrôles et les dossiers des communes dans maps/demo/, et
        dans examples/ les fichiers d'exemple qu'importe le README. Une base de démonstration est
        reconstruite à chaque fois ; toute autre base est gardée, sauf avec --overwrite.""",
        """Build the fictional demo territory (layers/plh.gpkg, its history back-dated to 2023), check
        it, write its map, check report and commune packs into maps/demo/, and the example files the
        README imports into examples/. A demo store is rebuilt each time; any other store is kept
        unless --overwrite."""),
    "demo --output": ("Où vont la carte, la page des contrôles et les dossiers.",
                      "Where the map, check report and packs go."),
    "demo --examples": ("Où vont les fichiers d'exemple qu'importe le README.",
                        "Where the example files the README imports go."),
    "demo --overwrite": ("Remplace une base qui n'est pas celle de démonstration.",
                         "Replace a store that is not the demo."),
    "layers": ("""Chaque couche avec son nombre d'entités, son système de coordonnées et sa dernière
        modification.""",
        """Each layer with its feature count, CRS and last change."""),
    "commune": ("Les communes de la base : les codes INSEE qu'accepte chaque --commune.",
                "The communes of the store: the INSEE codes every --commune takes."),
    "commune list": ("Chaque commune en vigueur : code INSEE, nom, polarité, statut SRU.",
                     "Each commune in force: INSEE code, name, polarity, SRU status."),
    "history": ("Le journal des modifications : quand, qui, couche, id, action, avant, après, source.",
                "The journal of changes: when, who, layer, id, action, before, after, source."),
    "history --since": ("Seulement les modifications de ce jour ou après.", "Only changes on or after this day."),
    "history --user": ("Seulement les modifications de cet utilisateur (tel que l'historique le nomme).",
                       "Only the changes made by this user (as the history names them)."),
    # -- files -----------------------------------------------------------------------------------
    "import": ("Importe un fichier dans une couche (GeoPackage, GeoJSON, Shapefile, CSV, XLSX).",
               "Import a file into a layer (GeoPackage, GeoJSON, Shapefile, CSV, XLSX)."),
    "import --mode": ("upsert : ajoute les nouvelles entités, met à jour celles qui changent ; append : ajoute "
                      "seulement ; replace : clôt aussi ce que le fichier n'a plus.",
                      "upsert: add new, update changed; append: only add; replace: also end what the file lacks."),
    "import --layer": ("Couche à lire dans un fichier qui en contient plusieurs.",
                       "Layer to read in a multi-layer file."),
    "import --source": ("Le format publié du fichier [par défaut : reconnu à ses colonnes].",
                        "The file's published format [default: detected from its columns]."),
    "import --epci": ("SIREN : garde les communes de cet EPCI (ou les entités qui les touchent).",
                      "SIREN: keep this EPCI's communes (or the features meeting them)."),
    "import --kind": ("sectors : le type de chaque secteur, par ex. 'ORT/ACV'.",
                      "sectors: the kind of every sector, e.g. 'ORT/ACV'."),
    "import --name-field": ("sectors : la colonne qui porte le nom.", "sectors: the column holding the name."),
    "import --map": ("Renomme d'abord des colonnes : 'Code INSEE=commune'.",
                     "Rename columns first: 'Code INSEE=commune'."),
    "import --strict": ("Refuse le fichier s'il s'écarte du standard.",
                        "Refuse the file when it deviates from the standard."),
    "import --verbose": ("Liste chaque avertissement ligne par ligne (par défaut : regroupés par champ).",
                         "List every warning row by row (default: grouped by field)."),
    "export": ("Exporte une couche : gpkg, geojson (WGS84), shp, csv (Excel français) ou xlsx.",
               "Export a layer: gpkg, geojson (WGS84), shp, csv (French Excel) or xlsx."),
    "export --format": ("Par défaut : selon l'extension du fichier ; cnig : CSV CNIG Friches (friches seulement).",
                        "Default: from the file suffix; cnig: CNIG Friches CSV (friches only)."),
    "export --csv-dialect": ("CSV seulement. excel-fr : ';', virgule décimale, UTF-8 avec BOM ; excel-fr-ansi : "
                             "pareil en cp1252 (Excel plus ancien) ; comma : ',', point décimal, UTF-8.",
                             "CSV only. excel-fr: ';', decimal comma, UTF-8 with BOM; excel-fr-ansi: the same in "
                             "cp1252 (older Excel); comma: ',', decimal point, UTF-8."),
    # -- online reference data -------------------------------------------------------------------
    "fetch": ("Charge les données de référence officielles depuis les API de données ouvertes (en ligne).",
              "Load official reference data from the open-data APIs (online)."),
    "fetch --base-url": ("Service à interroger.", "Service to ask."),
    "fetch --timeout": ("Secondes d'attente d'une réponse.", "Seconds to wait for an answer."),
    "fetch --output": ("Garde aussi le téléchargement ici.", "Also keep the download here."),
    "fetch --overwrite": ("Remplace un fichier --output existant.", "Replace an existing --output file."),
    "fetch communes": ("Les communes d'un EPCI (contour, population) depuis geo.api.gouv.fr.",
                       "One EPCI's communes (outline, population) from geo.api.gouv.fr."),
    "fetch communes --epci": ("SIREN de l'EPCI, par ex. 246200364.", "SIREN of the EPCI, e.g. 246200364."),
    "fetch qpv": ("Les périmètres des QPV (jeu de données de l'ANCT sur data.gouv.fr), limités au territoire.",
                  "QPV perimeters (ANCT dataset on data.gouv.fr), kept to the territory."),
    "fetch qpv --epci": ("Garde les QPV qui touchent les communes de cet EPCI [par défaut : les communes de la base].",
                         "Keep the QPV meeting this EPCI's communes [default: the store's communes]."),
    # -- plhgis project|friche|plot|sru add|edit|end|list|show: {the words of NOUNS} ----------------------
    "FEATURE": ("{Many} : ajouter, modifier, clore, lister, afficher (add, edit, end, list, show).",
                "Edit {many}: add, edit, end, list, show."),
    "FEATURE --crs": ("Système de coordonnées de --wkt [par défaut : celui de la base].",
                      "CRS of --wkt [default: the store's]."),
    "FEATURE --wkt": ("Géométrie en WKT (dans le système --crs).", "Geometry as WKT (in --crs)."),
    "FEATURE --lon": ("Longitude (WGS84), avec --lat.", "Longitude (WGS84), with --lat."),
    "FEATURE --lat": ("Latitude (WGS84), avec --lon.", "Latitude (WGS84), with --lon."),
    "FEATURE add": ("Ajoute {a} ; affiche son nouvel identifiant.",
                    "Add {a}; prints its new id."),
    "FEATURE add --parcels": ("Emprise = union de ces parcelles cadastrales (couche parcels).",
                              "Footprint = union of these cadastral parcels (from the parcels layer)."),
    "FEATURE edit": ("Modifie des champs de {the} ID ; l'historique garde les anciennes valeurs.",
                     "Change fields of {the} ID; the history keeps the old values."),
    "FEATURE end": ("Clôt {the} ID : elle reste dans la base et l'historique, hors des listes courantes.",
                    "End {the} ID (kept in the store and the history, out of current lists)."),
    "FEATURE end --date": ("Date de fin [par défaut : aujourd'hui].", "End date [default: today]."),
    "FEATURE list": ("Liste les {many} en vigueur (ou à la date --as-of).",
                     "List the {many} in force (or on --as-of)."),
    "FEATURE list --all": ("Inclut les entités closes.", "Include ended features."),
    "FEATURE show": ("Tous les champs de {the} ID, et son historique.",
                     "Every field of {the} ID, and its history."),
    "sru": ("L'inventaire SRU par millésime : add, edit, end, list, show ; figures (les chiffres SRU).",
            "The SRU inventory by vintage: add, edit, end, list, show; figures (the SRU figures)."),
    "sru figures": ("""Le SRU par commune soumise : inventaire, objectif triennal (notifié, ou « estimation »
        selon le CCH L302-8), logements sociaux financés sur la période avec la répartition PLAI/PLS, taux
        projetés.""",
        """SRU per liable commune: inventory, triennial objective (notified, or 'estimation' from
        CCH L302-8), social homes financed this period with the PLAI/PLS mix, projected rates."""),
    "sru figures --schemes": ("Avec --commune : les opérations derrière les chiffres, une à une.",
                              "With --commune: the schemes behind the figures, one by one."),
    # -- maps and packs --------------------------------------------------------------------------
    "map": ("Une carte HTML du territoire, ou d'une commune, qui fonctionne sans réseau.",
            "An HTML map of the territory, or of one commune, that works with no network."),
    "map --output": ("Fichier HTML [par défaut : maps/<insee|territoire>.html].",
                     "HTML file [default: maps/<insee|territoire>.html]."),
    "pack": ("""Le dossier de la rencontre annuelle : une page HTML et un classeur XLSX par commune.

        Avec --all, aussi la carte du territoire, la page des contrôles et un index qui les relie.""",
        """The annual-meeting pack: one HTML page and one XLSX workbook per commune.

        With --all, also the territory map, the findings page and an index linking them."""),
    "pack --all": ("Toutes les communes, plus une page d'index.", "Every commune, plus an index page."),
    "pack --output": ("Dossier où écrire les dossiers.", "Folder the packs go to."),
    "pack --since": ("Date de la dernière rencontre, pour « ce qui a changé » [par défaut : il y a un an].",
                     "Date of the last meeting, for 'what changed' [default: a year ago]."),
    "pack --pdf": ("Chaque dossier aussi en PDF, avec une carte statique (sans navigateur).",
                   "Each pack as a PDF too, with a static map (no browser needed)."),
    # -- checks, targets, PLU review ---------------------------------------------------------------
    "check": ("""Contrôle le tableau des opérations : données, QPV, secteurs, objectifs, SRU, densité, ZAN, PLU,
        capacité.

        Code de sortie 1 quand un constat est une erreur (avec --strict, un avertissement aussi) ; --format geojson
        en fait une couche pour QGIS.""",
        """Check the pipeline: data, QPV, sectors, targets, SRU, density, ZAN, PLU, capacity.

        Exit 1 when a finding is an error (with --strict, a warning too); --format geojson makes it a layer for
        QGIS."""),
    "check --rule": ("Seulement cette règle, ou une famille (QPV) ; répétable.",
                     "Only this rule, or a family (QPV); repeatable."),
    "check --strict": ("Les avertissements comptent comme des erreurs pour le code de sortie.",
                       "Warnings count as errors for the exit code."),
    "check --list-rules": ("Liste les règles (code, gravité, description) et s'arrête.",
                           "List the rules (code, severity, description) and stop."),
    "ack": ("""Clôt un constat avec un motif (gardé dans l'historique) : `plhgis check` le montre justifié et
        ne le compte plus pour le code de sortie.""",
        """Close a finding with a recorded ground (kept in the history); `plhgis check` shows it as
        justified and no longer counts it for the exit code."""),
    "ack --ground": ("Pourquoi le constat est accepté (reconstitution, public spécifique, diversification…).",
                     "Why the finding is accepted (reconstitution, public spécifique, diversification…)."),
    "ack --list": ("Liste les constats justifiés et s'arrête.", "List the acknowledged findings and stop."),
    "targets": ("""Le tableau des opérations face aux objectifs du PLH, par commune et pour l'EPCI.

        Une opération compte une fois, pour la commune que nomme son champ `commune`.""",
        """Pipeline vs PLH targets, per commune and for the EPCI.

        A scheme counts once, for the commune its `commune` field names."""),
    "targets --format": ("Format de sortie (csv et json portent toutes les colonnes).",
                         "Output format (csv and json carry every column)."),
    "bilan": ("""Le bilan annuel du PLH (CCH L302-3) : logements autorisés, commencés et livrés face à la
        répartition annuelle ; financements, accession aidée, démolitions et production nette, foncier,
        mi-parcours ; trajectoire SRU. Les logements autorisés et commencés viennent des permis (Sitadel)
        quand la couche permits en contient ; --compare met deux années côte à côte.""",
        """The yearly PLH review (CCH L302-3): homes authorised, started and delivered against the yearly
        split; loans, assisted ownership, demolitions and net output, land, mid-term; SRU trajectory.
        Homes authorised and started come from the permits (Sitadel) when the permits layer holds any;
        --compare sets the two years side by side."""),
    "bilan --year": ("L'année du bilan, par ex. 2025.", "The year reviewed, e.g. 2025."),
    "bilan --compare": ("Une seconde année mise en regard, par ex. 2024.", "A second year set side by side, e.g. 2024."),
    "bilan --output": ("Fichier HTML [par défaut : maps/bilan-ANNÉE.html] ; le XLSX va à côté.",
                       "HTML file [default: maps/bilan-YEAR.html]; the XLSX goes next to it."),
    "review-plu": ("Examine le zonage du PLU d'une commune face à son objectif PLH (avis PPA).",
                   "Review a commune's PLU zoning against its PLH target (avis PPA)."),
    "review-plu --zoning": ("Fichier ZONE_URBA du CNIG (GeoJSON, Shapefile, GeoPackage).",
                            "CNIG ZONE_URBA file (GeoJSON, Shapefile, GeoPackage)."),
    "review-plu --prescriptions": ("Fichier PRESCRIPTION_SURF du CNIG (OAP 18, mixité sociale 17-00) [par défaut : "
                                   "celles de la base].",
                                   "CNIG PRESCRIPTION_SURF file (OAP 18, mixité sociale 17-00) [default: the "
                                   "store's]."),
    "settings": ("""Les seuils et les chiffres légaux qu'utilisent les contrôles, avec leurs sources
        (layers/plhgis.toml).""",
        """The thresholds and legal figures the checks use, with their sources (layers/plhgis.toml)."""),
    "settings --format": ("toml : un plhgis.toml commenté qui liste chaque réglage.",
                          "toml: a commented plhgis.toml listing every setting."),
    # -- building permits (Sitadel) ----------------------------------------------------------------
    "reconcile": ("""Rapproche les permis (5 logements et plus) des opérations ; un lien fait avancer l'état et
        les années de l'opération.""",
        """Match the permits (5+ homes) to the schemes; links move the schemes' status and years."""),
    "reconcile --dry-run": ("Montre le plan, sans rien écrire.", "Show the plan and write nothing."),
    "reconcile --review": ("Liste les paires en attente de décision et s'arrête.",
                           "List the pairs waiting for a decision and stop."),
    "reconcile --create": ("Crée aussi une opération pour chaque permis de 5 logements et plus qu'aucune opération "
                           "ne rejoint.",
                           "Also create a scheme for each permit of 5+ homes no scheme matches."),
    "reconcile accept": ("Accepte une paire à examiner : la relie et fait avancer l'opération (NUM_DAU ou "
                         "NUM_DAU:OPÉRATION).",
                         "Accept a pair of the review queue: link it and move the scheme (NUM_DAU or "
                         "NUM_DAU:PROJECT)."),
    "reconcile reject": ("Rejette une paire à examiner : elle ne sera plus proposée.",
                         "Reject a pair of the review queue: it is not proposed again."),
    "permits": ("Les permis de construire créant des logements (Sitadel) : liste, chiffres annuels.",
                "Building permits creating homes (Sitadel): list, yearly figures."),
    "permits list": ("Les permis de la base.",
                     "The permits in the store."),
    "permits summary": ("""Logements autorisés, commencés et terminés par année et par commune, à côté des
        chiffres des opérations.""",
        """Homes authorised, started and completed per year and commune, next to the schemes' figures."""),
    "permits summary --by-type": ("Une ligne par type de permis (PC, DP, PA) en plus.",
                                  "One line per permit type (PC, DP, PA) too."),
    # -- the shared store (PostGIS rights) -----------------------------------------------------------
    "store": ("Déplace une base entre un GeoPackage et PostGIS.", "Move a store between a GeoPackage and PostGIS."),
    "store copy": ("Copie une base entière, historique compris, GeoPackage ⇄ PostGIS.",
                   "Copy a whole store, history included, GeoPackage ⇄ PostGIS."),
    "store copy --overwrite": ("Remplace une base déjà présente à DESTINATION.", "Replace a store already at DEST."),
    "users": ("Les identifiants d'une base PostGIS : read (lecture), edit (agents de l'EPCI), commune (ses "
              "seules entités).",
              "Logins of a PostGIS store: read, edit (EPCI staff), commune (its own features only)."),
    "users add": ("Crée un identifiant, ou change son rôle.",
                  "Create a login, or change its role."),
    "users add --role": ("read : cartes, dossiers, exports ; edit : toutes les couches ; commune : les opérations, "
                         "dents creuses et friches de sa commune.",
                         "read: maps, packs, exports; edit: every layer; commune: its commune's schemes, plots, "
                         "friches."),
    "users add --proposals": ("Les modifications de la commune attendent la décision d'un agent de l'EPCI.",
                              "The commune's changes wait for an EPCI editor's decision."),
    "users add --password": ("Définit un mot de passe (demandé, jamais affiché ; sans cette option, l'identifiant "
                             "garde le sien).",
                             "Set a password (asked, never echoed; leave out to use the login's existing one)."),
    "users list": ("Les identifiants et leurs droits.", "The logins and their rights."),
    "users remove": ("Retire ses droits à un identifiant.", "Take a login's rights away."),
    "proposals": ("Les modifications proposées par les communes, qu'un agent de l'EPCI accepte ou rejette.",
                  "Changes communes proposed, for an EPCI editor to accept or reject."),
    "proposals list": ("Les propositions en attente de décision.",
                       "Proposals waiting for a decision."),
    "proposals list --all": ("Aussi celles déjà décidées.", "Decided ones too."),
    "proposals accept": ("Applique une proposition (avec contrôle de version : refusée si l'entité a changé depuis).",
                         "Apply a proposal (with the version check: refused if the feature changed since)."),
    "proposals reject": ("Refuse une proposition.", "Turn a proposal down."),
}

# the examples each command's help ends with (the same in both languages)
EXAMPLES: dict[str, str] = {
    "plhgis": """
        plhgis demo
        plhgis project list --commune 62950
        plhgis import projects retour-commune.xlsx --dry-run""",
    "init": """
        plhgis init
        plhgis init --demo --overwrite""",
    "demo": """
        plhgis demo
        plhgis demo --store /tmp/demo/plh.gpkg -o /tmp/demo/maps --examples /tmp/demo/examples""",
    "layers": "plhgis layers",
    "commune list": "plhgis commune list",
    "history": """
        plhgis history
        plhgis history projects P-62950-0003 --since 2025-01-01
        plhgis history --commune 62950 --user mairie""",
    "import": """
        plhgis import projects retour-62950.xlsx --dry-run
        plhgis import communes communes.geojson --mode upsert
        plhgis import plots gisements.csv --crs 2154
        plhgis import communes communes.geojson --epci 246200364
        plhgis import friches cartofriches.csv --epci 246200364 --strict
        plhgis import sectors acv.geojson --kind ORT/ACV --name-field lib
        plhgis import permits Liste-des-autorisations-durbanisme-creant-des-logements.csv --epci 243100518""",
    "export": """
        plhgis export projects projets.csv
        plhgis export projects projets.csv --csv-dialect excel-fr-ansi --overwrite
        plhgis export projects projets-2024.gpkg --as-of 2024-12-31
        plhgis export friches friches-cnig.csv --format cnig""",
    "fetch": """
        plhgis fetch communes --epci 246200364
        plhgis fetch qpv""",
    "fetch communes": "plhgis fetch communes --epci 246200364",
    "fetch qpv": "plhgis fetch qpv --epci 246200364",
    "FEATURE add": "plhgis {noun} add {add}",
    "FEATURE edit": "plhgis {noun} edit ID {edit}",
    "FEATURE end": "plhgis {noun} end ID --reason 'saisie en double'",
    "FEATURE list": "plhgis {noun} list --commune 62950 --format csv",
    "FEATURE show": "plhgis {noun} show ID",
    "sru figures": """
        plhgis import sru donnees-sru-2025.csv --epci 246200364
        plhgis sru edit 62033-2024 --notified-objective 34 --period-start 2026
        plhgis sru figures
        plhgis sru figures --commune 62033 --schemes""",
    "map": """
        plhgis map -o maps/territoire.html
        plhgis map --commune 62950 --overwrite""",
    "pack": """
        plhgis pack 62950 --since 2024-11-15
        plhgis pack 62950 --pdf
        plhgis pack --all -o maps/rencontres-2025""",
    "check": """
        plhgis check --commune 62950
        plhgis check --rule QPV --rule SRU-MIX --format csv > constats.csv
        plhgis check --format geojson > constats.geojson""",
    "ack": """
        plhgis ack LLS-HIGH-SHARE P-62498-0004 --ground "reconstitution de l'offre ANRU"
        plhgis ack --list""",
    "targets": """
        plhgis targets
        plhgis targets --commune 62950 --format json""",
    "bilan": """
        plhgis bilan --year 2025
        plhgis bilan --year 2025 --compare 2024 -o maps/bilan-2025.html --overwrite""",
    "review-plu": "plhgis review-plu 62950 --zoning 62950_ZONE_URBA.shp --prescriptions 62950_PRESCRIPTION_SURF.shp",
    "settings": """
        plhgis settings
        plhgis settings --format toml > layers/plhgis.toml""",
    "reconcile": """
        plhgis reconcile --dry-run
        plhgis reconcile --review
        plhgis reconcile accept 03155513C0302
        plhgis reconcile reject 03155513C0302:P-31555-0004
        plhgis reconcile --create --dry-run""",
    "permits": """
        plhgis import permits Liste-des-autorisations.csv --epci 243100518
        plhgis permits summary --commune 31555""",
    "permits list": "plhgis permits list --commune 31555 --format csv",
    "permits summary": "plhgis permits summary --commune 31555 --format csv",
    "store copy": """
        plhgis store copy layers/plh.gpkg postgresql://plh@sig.example.fr/plh
        plhgis store copy postgresql:///plh?service=plh reunion/plh.gpkg --overwrite""",
    "users add": """
        plhgis users add mairie_62950 --role commune --commune 62950 --password
        plhgis users add mairie_62951 --role commune --commune 62951 --proposals --password
        plhgis users add charge_plh --role edit""",
    "proposals list": "plhgis proposals list",
}

# the words of the FEATURE texts, per command: French, English; and the examples of add and edit
NOUNS: dict[str, dict[str, tuple[str, str] | str]] = {
    "project": {"Many": ("Les opérations de logements", "Housing schemes"),
                "many": ("opérations de logements", "housing schemes"),
                "a": ("une opération de logements", "a housing scheme"), "the": ("l'opération", "the scheme"),
                "add": "--name 'Résidence des Tilleuls' --commune 62950 --homes-total 24 --status études "
                       "--lon 2.77 --lat 50.39",
                "edit": "--status 'PC accordé'"},
    "friche": {"Many": ("Les friches", "Friches"), "many": ("friches", "friches"), "a": ("une friche", "a friche"),
               "the": ("la friche", "the friche"),
               "add": "--site-id 62950_0100 --site-nom 'Ancienne filature' --comm-insee 62950 --lon 2.77 --lat 50.39",
               "edit": "--site-statut 'friche avec projet'"},
    "plot": {"Many": ("Les dents creuses et gisements fonciers", "Infill plots"),
             "many": ("dents creuses", "infill plots"), "a": ("une dent creuse", "an infill plot"),
             "the": ("la dent creuse", "the plot"),
             "add": "--commune 62950 --parcels 62950000AB0123 --capacity 8 --lon 2.77 --lat 50.39",
             "edit": "--horizon 'court terme'"},
    "sru": {"Many": ("Les lignes de l'inventaire SRU", "SRU inventory rows"),
            "many": ("lignes de l'inventaire SRU", "SRU inventory rows"),
            "a": ("une ligne de l'inventaire SRU", "an SRU inventory row"), "the": ("la ligne", "the row"),
            "add": "--commune 62033 --vintage 2025 --lls-stock 340 --main-residences 1850 --target-rate 0.2 "
                   "--liable 1",
            "edit": "--notified-objective 34"},
}

# an option of a field the vocabulary gives no label (`vocabulary.LABELS`): layer.field → French, English
FIELDS: dict[str, tuple[str, str]] = {
    "projects.friche_id": ("Identifiant de la friche où se fait l'opération.", "Id of the friche the scheme is on."),
    "projects.plot_id": ("Identifiant de la dent creuse où se fait l'opération.", "Id of the plot the scheme is on."),
    "friches.comm_insee": ("Code INSEE de la commune.", "Commune INSEE code."),
    "friches.comm_nom": ("Nom de la commune.", "Commune name."),
    "friches.geompoint": ("Point du site (WKT, WGS84), gardé quand la friche a une surface.",
                          "The site's point (WKT, WGS84), kept when the friche has a surface."),
    "sru.id": ("Identifiant <insee>-<millésime>, par ex. 62033-2025.", "Id <insee>-<vintage>, e.g. 62033-2025."),
    "sru.commune": ("Code INSEE de la commune.", "Commune INSEE code."),
    "sru.name": ("Nom de la commune.", "Commune name."),
    "sru.vintage": ("Inventaire au 1er janvier de cette année.", "Inventory at 1 January of this year."),
    "sru.epci_siren": ("SIREN de l'EPCI.", "SIREN of the EPCI."),
    "sru.population": ("Population municipale.", "Municipal population."),
    "sru.liable": ("1 : commune soumise (CCH L302-5).", "1: liable commune (CCH L302-5)."),
    "sru.newly_liable": ("1 : entrée dans le dispositif SRU (CCH L302-8).", "1: newly liable (CCH L302-8)."),
    "sru.lls_stock": ("Logements sociaux décomptés à l'inventaire.", "Social homes counted in the inventory."),
    "sru.main_residences": ("Résidences principales (publiées, sinon stock / taux).",
                            "Main residences (published, else stock / rate)."),
    "sru.sru_rate": ("Taux SRU publié (logements sociaux / résidences principales).",
                     "Published SRU rate (social homes / main residences)."),
    "sru.target_rate": ("Taux légal de la commune (0,2 ou 0,25).", "The commune's legal rate (0.2 or 0.25)."),
    "sru.deficient": ("1 : commune déficitaire.", "1: commune short of its rate."),
    "sru.carencee": ("1 : arrêté de carence (CCH L302-9-1).", "1: under a carence order (CCH L302-9-1)."),
    "sru.exempt": ("1 : exemptée pour la période triennale.", "1: exempted for the triennial period."),
    "sru.cms": ("1 : contrat de mixité sociale signé (CCH L302-8-1).", "1: social mix contract signed (CCH L302-8-1)."),
    "sru.levy_eur": ("Prélèvement net (euros).", "Net levy (euros)."),
    "sru.period_start": ("Première année de la période triennale de l'objectif.",
                         "First year of the objective's triennial period."),
    "sru.notified_objective": ("Objectif triennal notifié par le préfet (logements).",
                               "Triennial objective notified by the prefect (homes)."),
    "sru.source": ("Source de la ligne.", "Where the row comes from."),
    "CNIG": ("Champ « {field} » du standard CNIG Friches.", "The CNIG Friches field '{field}'."),
}

# the placeholders click shows (types, arguments, metavars), in French
METAVARS = {"TEXT": "TEXTE", "INTEGER": "ENTIER", "FLOAT": "NOMBRE", "PATH": "CHEMIN", "FILE": "FICHIER",
            "DIRECTORY": "DOSSIER", "FILENAME": "FICHIER", "LAYER": "COUCHE", "FEATURE_ID": "ID", "RULE": "RÈGLE",
            "COMMAND": "COMMANDE", "YYYY-MM-DD": "AAAA-MM-JJ", "FIELD": "CHAMP", "SRC": "SOURCE",
            "DEST": "DESTINATION", "LOGIN": "IDENTIFIANT", "PROPOSAL_ID": "PROPOSITION", "MATCH_ID": "PAIRE"}


def command_help(paths, lang: str) -> str | None:
    """The help of a command, from the first of `paths` (its own path, then its FEATURE path) the catalogue has,
    and its examples."""
    for path, values in paths:
        if path in HELP:
            text = _fill(HELP[path], lang, values)
            if path in EXAMPLES:
                lines = inspect.cleandoc(EXAMPLES[path]).format(**_words(values, lang)).splitlines()
                text += "\n\n\b\n" + "\n".join("    " + line for line in lines)
            return text
    return None


def option_help(paths, option: str, lang: str) -> str | None:
    """The help of `option` of a command: under the command's paths, then their parents', then the bare name."""
    for path, values in paths:
        words = path.split()
        for k in range(len(words), 0, -1):
            key = " ".join(words[:k]) + " " + option
            if key in HELP:
                return _fill(HELP[key], lang, values)
    return _fill(HELP[option], lang, {}) if option in HELP else None


def field_help(layer: str, field, lang: str) -> str:
    """A field's option: its label and the workbook's help (`schema.label`, `schema.help_text`), the values it
    takes."""
    if field.name in vocabulary.LABELS.get(layer, {}):
        text = " ".join(filter(None, (schema.label(layer, field.name, lang) + ".",
                                      schema.help_text(layer, field.name, lang))))
    elif f"{layer}.{field.name}" in FIELDS:
        text = FIELDS[f"{layer}.{field.name}"][lang == "en"]
    else:  # the CNIG Friches fields keep the standard's names
        text = FIELDS["CNIG"][lang == "en"].format(field=field.name)
    if field.enum:
        text += " " + t("cli.one_of", lang, values=", ".join(field.enum))
    return text


def metavar(text: str, lang: str) -> str:
    """The placeholders of a usage line or an option (FILE, TEXT, YYYY-MM-DD) in `lang`."""
    if lang == "en":
        return text
    return re.sub(r"\b[A-Z][A-Z_]*(?:-[A-Z]+)*\b", lambda m: METAVARS.get(m.group(), m.group()), text)


def _fill(texts: tuple[str, str], lang: str, values: dict) -> str:
    text = inspect.cleandoc(texts[lang == "en"])
    return text.format(**_words(values, lang)) if values else text


def _words(values: dict, lang: str) -> dict:
    """The NOUNS words in `lang` (an example, the same in both, as it is)."""
    return {k: v if isinstance(v, str) else v[lang == "en"] for k, v in values.items()}

"""The data model: layers, fields, types, enums, required fields and the write rules.

This is the one place that says what a valid feature is. `validate()` coerces a frame of
incoming rows to the layer's types and returns the problems found, column by column
(vectorised, so a 100,000-row import is checked as fast as a single edit).
"""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from dataclasses import dataclass, field as dc_field

from . import lazy
from .errors import Problem
from .labels import Msg, Num
from .vocabulary import (DISPLAY_LABELS, ENGLISH, HELP, LABELS, SHORT_LABELS, TERMS, Term,  # noqa: F401 (schema.X)
                         colours, group, values)

np = lazy.module("numpy")
pd = lazy.module("pandas")

STORE_CRS = "EPSG:2154"  # default storage CRS (Lambert-93); a workspace setting
INSEE_RE = r"^(?:\d{5}|2[AB]\d{3})$"
IDU_RE = r"^(?:\d{5}|2[AB]\d{3})[0-9]{3}[0-9A-Z]{2}\d{4}$"
# ids end up in file names and links: the ones plhgis gives (P-62498-0001), and a safe token for the others
PROJECT_ID_RE = r"^P-(?:\d{5}|2[AB]\d{3})-\d{4,}$"
PLOT_ID_RE = r"^G-(?:\d{5}|2[AB]\d{3})-\d{4,}$"
SAFE_ID_RE = r"^[0-9A-Za-z][0-9A-Za-z_.\-]{0,79}$"  # CNIG site_id "12083_22-12.0017", sector ids…


@dataclass(frozen=True)
class Field:
    """One attribute of a layer."""

    name: str
    type: str = "str"  # str | int | float | date
    required: bool = False
    enum: tuple[str, ...] | None = None
    strict_enum: bool = True  # False: a value outside the enum is kept and reported as a finding
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    doc: str = ""


@dataclass(frozen=True)
class Layer:
    """A layer of the store: its key, its fields and its geometry."""

    name: str
    key: str
    fields: tuple[Field, ...]
    geometry: str | None = "any"  # point | polygon | any | None (attribute table)
    commune_field: str | None = None
    id_prefix: str | None = None  # projects: P → P-62498-0001
    natural_key: tuple[str, ...] = ()  # matches an incoming row without id to an existing feature
    id_fields: tuple[str, ...] = ()  # targets: <commune>-<period_start>
    label: str = ""
    extra: dict = dc_field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields] + [f.name for f in SYSTEM_FIELDS]

    def field(self, name: str) -> Field:
        for f in self.fields + SYSTEM_FIELDS:
            if f.name == name:
                return f
        raise KeyError(name)


PROJECT_STATUS = values("project_status")
LAND_ORIGIN = ("friche", "dent creuse", "renouvellement urbain", "extension")
PRODUCT_FIELDS = ("lls_plai", "lls_plus", "lls_pls", "psla", "brs", "accession_libre",
                  "locatif_libre", "specifique")
SOCIAL_RENT_FIELDS = ("lls_plai", "lls_plus", "lls_pls")
PLOT_HORIZON = values("plot_horizon")
PLOT_OWNERSHIP = ("public", "privé", "EPF")
PLOT_STATUS = ("identifié", "mobilisable", "en projet", "bâti")
SRU_STATUS = ("soumise", "carencée", "exemptée", "non soumise")
RESIDENCE_KIND = ("résidence autonomie", "résidence étudiante", "FJT", "pension de famille", "résidence sociale",
                  "aire d'accueil des gens du voyage", "terrain familial locatif", "autre")
SECTOR_KIND = values("sector_kind")
TYPEZONE = values("typezone")


def typezone_family(value) -> str | None:
    """The CNIG TYPEZONE family of a zone code: 'Nh' → N, '1AUh' → AUc, '2AU' → AUs, 'Ua' → U (None: none).

    CNIG PLU standard (ZoneUrbaType): U, AUc (à urbaniser), AUs (à urbaniser bloquée), A, N; local
    codes put a number before AU (1AU opens with the PLU, 2AU needs a change of the plan) and a
    letter after the family.
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value).strip()
    canon = {fold(z): z for z in TYPEZONE}
    if fold(text) in canon:
        return canon[fold(text)]
    m = re.match(r"^([12]?)\s*(AU|U|A|N)", text.upper())
    if not m:
        return None
    if m.group(2) == "AU":
        return "AUs" if m.group(1) == "2" else "AUc"
    return m.group(2)

# CNIG Friches v1.0.6 enums (facts of the standard, schema.data.gouv.fr cnigfr/schema-friches)
CNIG_SITE_TYPE = (
    "friche industrielle", "friche commerciale", "friche hospitalière", "friche agro-industrielle",
    "friche carrière ou mine", "friche militaire", "friche d'habitat", "friche d'équipement public",
    "friche portuaire", "friche aéroportuaire", "friche ferroviaire", "friche logistique",
    "friche loisir tourisme hôtellerie", "friche enseignement", "friche cultuelle",
    "mixte - dominante habitat", "mixte - autre", "inconnu", "autre", "sans objet")
CNIG_SITE_STATUT = values("friche_statut")
CNIG_ZONE_TYPE = ("U", "AUc", "AUs", "A", "N", "Zc", "ZCa", "ZnC", "RNU", "inconnu", "autre", "sans objet")
CNIG_DOC_TYPE = ("RNU", "CC", "PLU", "PLUI", "PSMV", "inconnu", "autre", "sans objet")
CNIG_ZAER = ("oui", "non", "inconnu")
_NSP = ("inconnu", "autre", "sans objet")
CNIG_ENUMS = {  # the other enums of the CNIG Friches v1.0.6 Table Schema
    "site_securite": ("évacuation des produits dangereux et déchets présents sur le site",
                      "interdictions ou limitations d'accès au site",
                      "suppression des risques d'incendie et d'explosion",
                      "surveillance des effets de l'installation sur son environnement",
                      "mesures de gestion de pollution ou restrictions temporaires",
                      "existence d'une attestation de mise en sécurité", *_NSP),
    "site_occupation": ("totalement inoccupé", "partiellement inoccupé",
                        "occupation transitoire ou temporaire", "occupation illicite supposée",
                        "occupation illicite avérée", *_NSP),
    "site_reconv_type": ("habitat", "bureau", "commerce", "industrie", "autres activités économiques",
                         "équipement public", "aménagement d'espace public", "renaturation",
                         "panneaux photovoltaïques", "énergie, hors photovoltaïque", "mixte", *_NSP),
    "bati_pollution": ("amiante", "plomb", *_NSP),
    "bati_vacance": ("occupé", "partiellement occupé", "vacant", *_NSP),
    "bati_patrimoine": ("aucun", "présence d'un bâtiment d'intérêt", "présence d'un bâtiment classé", *_NSP),
    "bati_etat": ("dégradation inexistante ou faible", "dégradation moyenne",
                  "dégradation très importante", "dégradation hétérogène", *_NSP),
    "sol_pollution_existe": ("pollution inexistante", "pollution traitée", "pollution peu probable",
                             "pollution supposée", "pollution avérée", *_NSP),
    "sol_pollution_origine": ("dépôt de déchets, stockages de produits",
                              "pollution due au fonctionnement de l'installation",
                              "origine accidentelle (transport, transbordement, manipulation,...)",
                              "retombées atmosphériques", *_NSP),
}

SYSTEM_FIELDS = (
    Field("created_at", "str", doc="when the feature entered the store (UTC, ISO 8601)"),
    Field("updated_at", "str", doc="last change (UTC, ISO 8601)"),
    Field("end_date", "date", doc="soft end: the feature no longer counts from this day"),
    Field("extra", doc="the source file's columns plhgis has no field for, kept as they were (JSON)"),
)


def _year(name, doc=""):
    return Field(name, "int", min=1900, max=2100, doc=doc)


def _count(name, doc=""):
    return Field(name, "int", min=0, doc=doc)


PROJECTS = Layer(
    "projects", key="id", geometry="any", commune_field="commune", id_prefix="P",
    natural_key=("commune", "name"), label="opérations de logements",
    extra={"list_columns": ("id", "name", "commune", "homes_total", "status", "land_origin",
                            "delivery_year", "operator")},
    fields=(
        Field("id", pattern=PROJECT_ID_RE, doc="P-<insee>-<seq>, given by plhgis when absent"),
        Field("name", required=True, doc="nom de l'opération"),
        Field("commune", required=True, pattern=INSEE_RE, doc="code INSEE"),
        Field("address"),
        Field("homes_total", "int", required=True, min=5, doc="logements (5 et plus)"),
        *(_count(n) for n in PRODUCT_FIELDS),
        Field("specifique_note", doc="public visé par le logement spécifique"),
        Field("operator", doc="bailleur / promoteur"),
        Field("land_origin", enum=LAND_ORIGIN, doc="origine du foncier"),
        Field("status", required=True, enum=PROJECT_STATUS, doc="état d'avancement"),
        _year("permit_year"), _year("start_year"), _year("delivery_year"),
        Field("friche_id"), Field("plot_id"),
        Field("site_area_m2", "float", min=0, doc="from the footprint when there is one"),
        Field("source"), Field("comment"),
        Field("permit_number", doc="numéro du permis (Sitadel NUM_DAU, e.g. 06249823C0012)"),
        Field("permit_date", "date", doc="date d'autorisation du permis"),
        Field("doc_date", "date", doc="déclaration d'ouverture de chantier (DOC)"),
        Field("daact_date", "date", doc="déclaration attestant l'achèvement et la conformité des travaux (DAACT)"),
        _count("plai_adapte", doc="dont PLAI adaptés (inclus dans lls_plai)"),
        _count("lli", doc="logements locatifs intermédiaires (LLI)"),
        _count("anah_conventionne", doc="logements privés conventionnés ANAH (social, très social)"),
        Field("residence_kind", enum=RESIDENCE_KIND, doc="type de résidence spécifique (décompte SRU)"),
        _count("residence_places", doc="lits, places ou emplacements de la résidence spécifique"),
        _count("demolished", doc="logements démolis par l'opération"),
        _count("demolished_lls", doc="dont logements locatifs sociaux démolis"),
        Field("reconstitution", "int", min=0, max=1, doc="1: reconstitution de l'offre démolie (ANRU/NPNRU)"),
        _count("lls_sold", doc="logements HLM vendus à leurs occupants (année de vente: delivery_year)"),
        Field("floor_area_m2", "float", min=0, doc="surface de plancher d'habitation (m²)"),
        Field("collective", "int", min=0, max=1, doc="1: immeuble collectif (règle L111-24)"),
    ),
)

PLOTS = Layer(
    "plots", key="id", geometry="any", commune_field="commune", id_prefix="G",
    natural_key=("commune", "parcels"), label="dents creuses / gisements fonciers",
    extra={"list_columns": ("id", "commune", "parcels", "area_m2", "zone_type", "horizon",
                            "capacity", "status")},
    fields=(
        Field("id", pattern=PLOT_ID_RE, doc="G-<insee>-<seq>"),
        Field("commune", required=True, pattern=INSEE_RE),
        Field("parcels", doc="IDU cadastraux séparés par |"),
        Field("area_m2", "float", min=0),
        Field("zone_type", enum=TYPEZONE, strict_enum=False),
        Field("horizon", enum=PLOT_HORIZON),
        Field("ownership", enum=PLOT_OWNERSHIP),
        Field("constraints", doc="inondation, affaissement minier, pollution…"),
        _count("capacity", doc="capacité estimée en logements"),
        Field("status", enum=PLOT_STATUS),
        Field("comment"),
    ),
)

_CNIG_TEXT = ("site_adresse", "site_url", "site_ademe_url", "site_securite", "site_occupation",
              "site_projet_url", "site_reconv_type", "activite_libelle", "activite_code",
              "comm_nom", "bati_type", "bati_pollution", "bati_vacance", "bati_patrimoine",
              "bati_etat", "proprio_type", "proprio_personne", "proprio_nom",
              "sol_pollution_existe", "sol_pollution_origine", "sol_pollution_commentaire",
              "sol_depollution_fiche", "unite_fonciere_refcad", "urba_zone_lib",
              "urba_zone_formdomi", "desserte_distance", "desserte_commentaire", "source_nom",
              "source_url", "source_producteur", "source_contact")
FRICHES = Layer(
    "friches", key="site_id", geometry="any", commune_field="comm_insee",
    natural_key=(), label="friches (standard CNIG Friches v1.0.6)",
    extra={"list_columns": ("site_id", "site_nom", "comm_insee", "site_type", "site_statut",
                            "unite_fonciere_surface", "capacity")},
    fields=(
        Field("site_id", required=True, pattern=SAFE_ID_RE, doc="<insee>_<seq> (CNIG)"),
        Field("site_nom", required=True),
        Field("site_type", enum=CNIG_SITE_TYPE, strict_enum=False),
        Field("site_statut", enum=CNIG_SITE_STATUT, strict_enum=False),
        Field("comm_insee", required=True, pattern=INSEE_RE),
        Field("site_identif_date", "date"), Field("site_actu_date", "date"),
        _year("site_reconv_annee"), _year("activite_fin_annee"), _year("local_ancien_annee"),
        _year("local_recent_annee"), _year("sol_pollution_annee"),
        _count("bati_nombre"), _count("bati_surface"), _count("unite_fonciere_surface"),
        Field("urba_zone_type", enum=CNIG_ZONE_TYPE, strict_enum=False),
        Field("urba_doc_type", enum=CNIG_DOC_TYPE, strict_enum=False),
        Field("urba_zaer", enum=CNIG_ZAER, strict_enum=False),
        *(Field(n, enum=CNIG_ENUMS.get(n), strict_enum=False) for n in _CNIG_TEXT),
        _count("capacity", doc="capacité estimée en logements (plhgis, hors standard)"),
        Field("geompoint", doc="CNIG geompoint (WKT, WGS84) kept when the friche has a surface"),
    ),
)

COMMUNES = Layer(
    "communes", key="insee", geometry="polygon", commune_field="insee", label="communes",
    fields=(
        Field("insee", required=True, pattern=INSEE_RE),
        Field("name", required=True),
        Field("epci_siren", pattern=r"^\d{9}$"),
        Field("epci_name"),
        _count("population"),
        _count("main_residences", doc="résidences principales"),
        _count("lls_stock", doc="logements locatifs sociaux (inventaire SRU)"),
        Field("sru_rate_required", "float", min=0, max=1,
              doc="0 or a legal rate (settings sru_rate_low, sru_rate_high; SRU-RATE checks it)"),
        Field("sru_status", enum=SRU_STATUS),
        Field("polarity", doc="armature urbaine: a level the territory defines (setting polarity_levels)"),
        Field("density_min", "float", min=0, doc="logements/ha minimum"),
    ),
)

TARGETS = Layer(
    "targets", key="id", geometry=None, commune_field="commune", label="objectifs PLH",
    natural_key=("commune", "period_start"), id_fields=("commune", "period_start"),
    fields=(
        Field("id", pattern=SAFE_ID_RE, doc="<insee>-<period_start>"),
        Field("commune", required=True, pattern=INSEE_RE),
        _year("period_start"), _year("period_end"),
        _count("homes_target"), _count("lls_target"), _count("accession_aidee_target"),
        Field("yearly_split", doc="e.g. 40|40|40|40|40|40"),
        _count("net_homes_target", doc="objectif de production nette (logements neufs moins démolitions)"),
    ),
)

QPV = Layer(
    "qpv", key="code_qp", geometry="polygon", commune_field="commune", label="quartiers prioritaires",
    extra={"commune_check": False},  # reference data: a QPV may lie across the EPCI border
    fields=(
        Field("code_qp", required=True, pattern=r"^Q[PN][0-9A-Z]{5,7}$"),
        Field("lib_qp", required=True),
        Field("commune", pattern=INSEE_RE, doc="commune principale"),
        Field("communes", doc="codes INSEE séparés par |"),
        Field("npnru", "int", min=0, max=1, doc="1 when an NPNRU renewal quarter"),
    ),
)

SECTORS = Layer(
    "sectors", key="id", geometry="polygon", commune_field="commune", id_prefix="S",
    natural_key=("name",), label="secteurs prioritaires",
    fields=(
        Field("id", pattern=SAFE_ID_RE), Field("name", required=True),
        Field("kind", required=True, enum=SECTOR_KIND),
        Field("priority", "int", min=1, max=3, doc="1 = highest"),
        Field("commune", pattern=INSEE_RE),
    ),
)

ZONING = Layer(
    "zoning", key="id", geometry="polygon", commune_field="insee", id_prefix="Z",
    natural_key=(), label="zonage PLU (CNIG ZONE_URBA)",
    extra={"commune_check": False},
    fields=(
        Field("id", pattern=SAFE_ID_RE), Field("libelle", required=True), Field("libelong"),
        Field("typezone", required=True, enum=TYPEZONE, strict_enum=False),
        Field("idurba"), Field("insee", pattern=INSEE_RE),
    ),
)

PRESCRIPTIONS = Layer(
    "prescriptions", key="id", geometry="polygon", commune_field="insee", id_prefix="R",
    natural_key=(), label="prescriptions PLU surfaciques (CNIG)",
    extra={"commune_check": False},
    fields=(
        Field("id", pattern=SAFE_ID_RE), Field("libelle"), Field("txt"),
        Field("typepsc", required=True), Field("stypepsc"),
        Field("idurba"), Field("insee", pattern=INSEE_RE),
        Field("lls_share", "float", min=0, max=1, doc="part de LLS exigée (secteur 17-00)"),
    ),
)

PARCELS = Layer(
    "parcels", key="id", geometry="polygon", commune_field="commune", label="parcelles cadastrales (Etalab)",
    extra={"commune_check": False},
    fields=(
        Field("id", required=True, pattern=IDU_RE, doc="IDU, 14 caractères: INSEE + préfixe + section + numéro"),
        Field("commune", required=True, pattern=INSEE_RE),
        Field("prefixe"), Field("section"), Field("numero"),
        _count("contenance", doc="surface cadastrale (m²)"),
    ),
)

PERMIT_STATUS = values("permit_status")
PERMITS = Layer(
    "permits", key="num_dau", geometry="point", commune_field="commune",
    label="permis créant des logements (Sitadel, SDES)",
    extra={"list_columns": ("num_dau", "commune", "type_dau", "status", "date_authorised",
                            "homes_total", "homes_social_rent", "applicant")},
    fields=(
        Field("num_dau", required=True, doc="numéro du permis (NUM_DAU)"),
        Field("type_dau", doc="PC, DP or PA"),
        Field("commune", required=True, pattern=INSEE_RE),
        Field("status", enum=PERMIT_STATUS, strict_enum=False, doc="ETAT_DAU: autorisé, annulé, commencé, terminé"),
        Field("date_authorised", "date"), Field("date_started", "date"), Field("date_completed", "date"),
        Field("last_update", doc="DPC_DERN, month of the last Sitadel event"),
        _count("homes_total"), _count("homes_individual"), _count("homes_collective"),
        _count("homes_residence"), _count("homes_social_rent", doc="NB_LGT_PRET_LOC_SOCIAL"),
        _count("homes_social_ownership", doc="NB_LGT_ACC_SOC_HORS_PTZ"), _count("homes_ptz"),
        _count("homes_demolished"),
        Field("applicant", doc="DENOM_DEM (legal persons only)"),
        Field("applicant_siren", pattern=r"^\d{9}$"),
        Field("applicant_category", doc="CAT_DEM (21 = organisme HLM …)"),
        Field("address"),
        Field("parcels", doc="IDU cadastraux séparés par |"),
        Field("located", enum=("parcelles", "commune"), doc="where the point was placed"),
        _count("land_area_m2", doc="SUPERFICIE_TERRAIN"),
    ),
)
MATCH_STATE = ("lié", "à revoir", "accepté", "rejeté")
PERMIT_MATCHES = Layer(
    "permit_matches", key="id", geometry=None, commune_field="commune", label="rapprochements permis ↔ opérations",
    extra={"commune_check": False},
    fields=(
        Field("id", required=True, doc="<num_dau>><project id>"),
        Field("num_dau", required=True), Field("project_id", required=True),
        Field("commune", pattern=INSEE_RE),
        Field("score", "float", min=0, max=1), Field("pass", doc="number, parcels or location"),
        Field("reason"), Field("state", required=True, enum=MATCH_STATE),
    ),
)

LOCATION_HEADERS = {  # the columns that place a feature, besides a geometry
    "x": ("x", "x l93", "x lambert 93", "x lambert93", "lambert 93 x", "coord x", "coordonnée x", "xl93",
          "x (lambert 93)", "x_lambert93", "x 2154"),
    "y": ("y", "y l93", "y lambert 93", "y lambert93", "lambert 93 y", "coord y", "coordonnée y", "yl93",
          "y (lambert 93)", "y_lambert93", "y 2154"),
    "parcels": ("parcels", "parcelles", "références cadastrales", "références cadastrales (IDU)",
                "refs cadastrales", "parcelles cadastrales", "IDU"),
}


def header_key(text) -> str:
    """'Nom de l'opération' → 'nom_de_l_operation': how a file's header is matched to a field."""
    return re.sub(r"[^a-z0-9]+", "_", fold(text)).strip("_")


def label(layer: str, field_name: str, lang: str = "fr") -> str:
    """The French (or English) label of a field; the field's name when it has none."""
    names = LABELS.get(layer, {}).get(field_name)
    return names[0 if lang == "fr" else 1] if names else field_name


def help_text(layer: str, field_name: str, lang: str = "fr") -> str:
    """The help of a field (the workbook's, under its column), "" when it has none."""
    texts = HELP.get(layer, {}).get(field_name)
    return texts[0 if lang == "fr" else 1] if texts else ""


def header_fields(layer: str) -> dict[str, str]:
    """header_key(header) → field for every label and usual header of `layer`'s fields."""
    out = {}
    for name, names in LABELS.get(layer, {}).items():
        for text in (name, *names):
            out.setdefault(header_key(text), name)
    return out


SRU = Layer(
    "sru", key="id", geometry=None, commune_field="commune", label="inventaire SRU par millésime",
    natural_key=("commune", "vintage"), id_fields=("commune", "vintage"),
    extra={"commune_check": False,  # reference data: the national file names communes not loaded
           "list_columns": ("id", "commune", "name", "vintage", "lls_stock", "sru_rate", "target_rate",
                            "deficient", "carencee", "exempt", "notified_objective")},
    fields=(
        Field("id", doc="<insee>-<vintage>"),
        Field("commune", required=True, pattern=INSEE_RE, doc="code INSEE"),
        Field("name", doc="nom de la commune"),
        Field("vintage", "int", required=True, min=1990, max=2100, doc="inventaire au 1er janvier de cette année"),
        Field("epci_siren", pattern=r"^\d{9}$"),
        _count("population", doc="population municipale"),
        Field("liable", "int", min=0, max=1, doc="1: commune soumise (CCH L302-5)"),
        Field("newly_liable", "int", min=0, max=1, doc="1: entrée dans le dispositif SRU (CCH L302-8)"),
        _count("lls_stock", doc="logements sociaux décomptés à l'inventaire"),
        _count("main_residences", doc="résidences principales (publiées, sinon stock / taux)"),
        Field("sru_rate", "float", min=0, max=1, doc="taux SRU publié (logements sociaux / résidences principales)"),
        Field("target_rate", "float", min=0, max=1,
              doc="taux légal de la commune (réglages sru_rate_low, sru_rate_high ; SRU-RATE le contrôle)"),
        Field("deficient", "int", min=0, max=1, doc="1: commune déficitaire"),
        Field("carencee", "int", min=0, max=1, doc="1: arrêté de carence (CCH L302-9-1)"),
        Field("exempt", "int", min=0, max=1, doc="1: exemptée pour la période triennale"),
        Field("cms", "int", min=0, max=1, doc="1: contrat de mixité sociale signé (CCH L302-8-1)"),
        Field("levy_eur", "float", doc="prélèvement net (euros)"),
        _year("period_start", doc="première année de la période triennale de l'objectif"),
        _count("notified_objective", doc="objectif triennal notifié par le préfet (logements)"),
        Field("source"),
    ),
)

ACKNOWLEDGEMENTS = Layer(
    "acknowledgements", key="id", geometry=None, commune_field="commune", label="constats justifiés",
    natural_key=("rule", "feature_id"), id_fields=("rule", "feature_id"),
    extra={"commune_check": False, "list_columns": ("id", "rule", "feature_id", "commune", "ground")},
    fields=(
        Field("id", doc="<rule>-<feature_id>"),
        Field("rule", required=True, doc="code de la règle, e.g. LLS-HIGH-SHARE"),
        Field("feature_id", required=True, doc="identifiant de l'élément du constat"),
        Field("commune", pattern=INSEE_RE),
        Field("ground", required=True, doc="motif (reconstitution, public spécifique, diversification…)"),
    ),
)

LAYERS: dict[str, Layer] = {
    lay.name: lay for lay in (PROJECTS, FRICHES, PLOTS, COMMUNES, TARGETS, QPV, SECTORS, ZONING,
                              PRESCRIPTIONS, PARCELS, SRU, ACKNOWLEDGEMENTS, PERMITS, PERMIT_MATCHES)
}
HISTORY_TABLE = "history"
HISTORY_COLUMNS = ("ts", "user", "layer", "feature_id", "action", "before", "after", "source")
LAYER_ALIASES = {"project": "projects", "friche": "friches", "plot": "plots", "commune": "communes",
                 "target": "targets", "sector": "sectors", "prescription": "prescriptions",
                 "parcel": "parcels", "acknowledgement": "acknowledgements", "ack": "acknowledgements",
                 "permit": "permits"}


def get_layer(name: str) -> Layer:
    """The layer called `name` (singular accepted), or a KeyError listing the layers."""
    name = LAYER_ALIASES.get(name, name)
    if name not in LAYERS:
        raise KeyError(Msg("err.unknown_layer", name=repr(name), layers=", ".join(LAYERS)))
    return LAYERS[name]


# -- validation ---------------------------------------------------------------------------
def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced: the key used to match enum values."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[\s_]+", " ", text).strip().lower()


INT_LIMIT = 10**9  # the largest whole number a field holds: no count or year comes near it
BLANKS = ("", "NA", "N/A", "nan", "None", "NULL")
TEXT = "string[pyarrow]"  # pandas' text held by Arrow: strip, match and isin run over a whole column at once


def strip_text(series: pd.Series) -> pd.Series:
    """As text (pandas' string dtype, held by Arrow: one vectorised pass) without surrounding spaces."""
    return series.astype(TEXT).str.strip()


def per_value(values: pd.Series, function) -> pd.Series:
    """`function` (of a Series) of each distinct value, looked up for every row, as text (pandas' str
    dtype); nulls stay null. A national file repeats its codes and dates: each is worked out once."""
    codes, uniques = pd.factorize(values)
    mapped = function(pd.Series(uniques)).astype("str")
    return pd.Series(pd.api.extensions.take(mapped.array, codes, allow_fill=True), index=values.index)


def blank_cells(series: pd.Series) -> pd.Series:
    """Empty cells, and the words spreadsheets and R write for them."""
    if pd.api.types.is_numeric_dtype(series):
        return series.isna()
    as_text = strip_text(series)
    return series.isna() | as_text.isna() | as_text.isin(BLANKS)


def to_number(series: pd.Series) -> pd.Series:
    """Numbers as French Excel writes them too: '1 234,5' → 1234.5."""
    if pd.api.types.is_numeric_dtype(series):
        return series.astype("float64")
    text = series.astype(TEXT).str.replace(r"[\s\u00a0\u202f]", "", regex=True)
    text = text.str.replace(",", ".", regex=False)
    return pd.to_numeric(text, errors="coerce").astype("float64")


def _to_date(series: pd.Series) -> pd.Series:
    """ISO dates, or dd/mm/yyyy as French files write them; NaT where neither parses."""
    text = strip_text(series).str.slice(0, 10)
    iso = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    fr = pd.to_datetime(text, format="%d/%m/%Y", errors="coerce")
    return iso.fillna(fr)


COERCE_PROBLEM = {  # field type: (message, hint) for a value that is not of it
    "float": (Msg("err.not_number"), Msg("hint.digits")),
    "int": (Msg("err.not_whole"), Msg("hint.whole")),
    "date": (Msg("err.not_date"), Msg("hint.date_fr")),
}
HUGE_PROBLEM = (Msg("err.too_large", limit=Num(INT_LIMIT)), Msg("hint.count_or_year"))
UNKNOWN_COMMUNE = (Msg("err.unknown_insee"), Msg("hint.load_commune"))


def _range_problem(fld: Field) -> tuple:
    """(message, hint) for a value outside the field's min/max."""
    rng = (Msg("err.between", lo=Num(fld.min), hi=Num(fld.max)) if fld.max is not None
           else Msg("err.at_least", lo=Num(fld.min)))
    hint = Msg("hint.homes_min") if fld.name == "homes_total" else Msg("hint.must_be", range=rng)
    return Msg("err.out_of_range", range=rng), hint


def _enum_problem(fld: Field) -> tuple:
    """(message, hint) for a value outside the field's list."""
    if fld.strict_enum:
        return Msg("err.not_in_list"), Msg("hint.one_of", values=", ".join(fld.enum))
    return Msg("warn.outside_list"), Msg("hint.expected_one_of", values=", ".join(fld.enum))


def coerce(fld: Field, raw: pd.Series, blank: pd.Series):
    """(values, bad mask, message, hint) for one column."""
    if fld.type in ("int", "float"):
        num = to_number(raw)
        bad = (num.isna() | np.isinf(num)) & ~blank  # 'inf', '1e309'
        msg, hint = COERCE_PROBLEM[fld.type]
        if fld.type == "int":
            frac = num.notna() & (num != np.floor(num.fillna(0)))
            bad |= frac
            values = num.where(num.abs() <= INT_LIMIT).round().astype("Int64")  # larger: out of range
        else:
            values = num
        return values, bad, msg, hint
    if fld.type == "date":  # each distinct value parsed once: a national file repeats its dates
        iso = per_value(raw, lambda dates: _to_date(dates).dt.strftime("%Y-%m-%d"))
        return iso.astype(object).where(iso.notna(), None), iso.isna() & ~blank, *COERCE_PROBLEM["date"]
    text = strip_text(raw)
    values = text.astype(object).where(~blank, None)
    return values, pd.Series(False, index=raw.index), "", ""


def validate(layer: Layer, frame: pd.DataFrame, *, file=None, rows=None, known_communes=None):
    """Coerce `frame` to the layer's types and check every write rule.

    Parameters
    ----------
    layer : Layer
    frame : DataFrame with (a subset of) the layer's columns, as text or typed values.
    file : name used in messages.
    rows : Series of row labels for messages (line numbers, or ids); defaults to the index.
    known_communes : set of INSEE codes the commune field must belong to (None: not checked).

    Returns
    -------
    (DataFrame of typed values, list of Problem errors, list of Problem warnings)
    """
    rows = frame.index.to_series() if rows is None else rows
    out = pd.DataFrame(index=frame.index)
    errors: list[Problem] = []
    warnings: list[Problem] = []

    def report(target, mask, fld, message, hint, values):
        for i in np.flatnonzero(mask.to_numpy()):
            v = values.iloc[i]
            target.append(Problem(message, file, rows.iloc[i], fld, None if pd.isna(v) else v, hint))

    for fld in layer.fields:
        if fld.name not in frame.columns:
            continue  # a partial file updates what it carries; see missing_required()
        raw = frame[fld.name]
        blank = blank_cells(raw)
        if blank.all():  # an empty column (common in one-row edits): nothing to coerce or check
            if fld.required:
                report(errors, blank, fld.name, Msg("err.required_empty"), Msg("hint.fill_in", field=fld.name), raw)
            out[fld.name] = pd.Series([None] * len(raw), index=raw.index, dtype=object)
            continue
        values, bad, msg, hint = coerce(fld, raw, blank)
        report(errors, bad, fld.name, msg, hint, raw)
        if fld.required:
            report(errors, blank, fld.name, Msg("err.required_empty"), Msg("hint.fill_in", field=fld.name), raw)
        ok = ~bad & ~blank
        if fld.enum:
            canon = {fold(v): v for v in fld.enum}
            lookup = {v: canon.get(fold(v)) for v in values[ok].unique()}  # fold each distinct value once
            folded = values.where(ok, None).map(lookup)
            outside = ok & folded.isna()
            report(errors if fld.strict_enum else warnings, outside, fld.name, *_enum_problem(fld), raw)
            values = folded.where(~outside, values)
        if fld.pattern:
            if fld.pattern == INSEE_RE:  # Excel turns 01001 into 1001: restore the zero
                text = values.astype(TEXT)
                digits = text.str.isdigit().fillna(False).to_numpy(bool)
                values = values.where(~digits, text.str.zfill(5).astype(object))
            badpat = ok & ~values.astype(TEXT).str.fullmatch(fld.pattern).fillna(False)
            report(errors, badpat, fld.name, Msg("err.badly_formed"), _pattern_hint(fld), raw)
        if fld.min is not None or fld.max is not None:
            num = pd.to_numeric(values, errors="coerce").astype("float64")  # NA (too large) → NaN
            low = ok & (num < fld.min) if fld.min is not None else pd.Series(False, index=raw.index)
            high = ok & (num > fld.max) if fld.max is not None else pd.Series(False, index=raw.index)
            report(errors, low | high, fld.name, *_range_problem(fld), raw)
        if fld.type == "int":  # beyond what any count or year reaches (and what Int64 holds)
            huge = ~bad & ~blank & (to_number(raw).abs() > INT_LIMIT)
            report(errors, huge, fld.name, *HUGE_PROBLEM, raw)
        out[fld.name] = values
    for rule in RULES.get(layer.name, ()):
        errors.extend(rule(out, file, rows))
    if known_communes is not None and layer.commune_field in out.columns:
        codes = out[layer.commune_field]
        unknown = codes.notna() & ~codes.isin(known_communes)
        report(errors, unknown, layer.commune_field, *UNKNOWN_COMMUNE, codes)
    return out, errors, warnings


def validate_record(layer: Layer, values: dict, *, file=None, row=None, known_communes=None):
    """`validate` for one feature given as a dict, in plain Python (no pandas: a one-row edit
    starts in a fraction of a second); the same typed values and problems, in the same order
    (tests/test_edit_fast.py compares the two)."""
    typed: dict = {}
    errors: list[Problem] = []
    warnings: list[Problem] = []
    for fld in layer.fields:
        if fld.name not in values:
            continue
        raw = values[fld.name]
        shown = None if _is_blank_scalar(raw, text=False) else raw
        blank = _is_blank_scalar(raw)
        value, bad = (None, False) if blank else _coerce_scalar(fld, raw)
        if bad:
            message, hint = COERCE_PROBLEM[fld.type]
            errors.append(Problem(message, file, row, fld.name, shown, hint))
        if fld.required and blank:
            errors.append(Problem(Msg("err.required_empty"), file, row, fld.name, shown,
                                  Msg("hint.fill_in", field=fld.name)))
        ok = not bad and not blank
        if ok and fld.enum:
            canon = {fold(v): v for v in fld.enum}.get(fold(value))
            if canon is None:
                message, hint = _enum_problem(fld)
                (errors if fld.strict_enum else warnings).append(Problem(message, file, row, fld.name, shown, hint))
            else:
                value = canon
        if ok and fld.pattern:
            if fld.pattern == INSEE_RE and isinstance(value, str) and value.isdigit():
                value = value.zfill(5)
            if not re.fullmatch(fld.pattern, str(value)):
                errors.append(Problem(Msg("err.badly_formed"), file, row, fld.name, shown, _pattern_hint(fld)))
        if ok and (fld.min is not None or fld.max is not None):
            number = _number_scalar(value)
            if number == number and ((fld.min is not None and number < fld.min)
                                     or (fld.max is not None and number > fld.max)):
                message, hint = _range_problem(fld)
                errors.append(Problem(message, file, row, fld.name, shown, hint))
        if fld.type == "int" and not bad and not blank and abs(_number_scalar(raw)) > INT_LIMIT:
            errors.append(Problem(HUGE_PROBLEM[0], file, row, fld.name, shown, HUGE_PROBLEM[1]))
        typed[fld.name] = value
    for rule in RECORD_RULES.get(layer.name, ()):
        errors.extend(rule(typed, file, row))
    code = typed.get(layer.commune_field) if layer.commune_field else None
    if known_communes is not None and code is not None and code not in known_communes:
        errors.append(Problem(UNKNOWN_COMMUNE[0], file, row, layer.commune_field, code, UNKNOWN_COMMUNE[1]))
    return typed, errors, warnings


def _is_blank_scalar(value, text: bool = True) -> bool:
    """`blank_cells` for one value (`text`: also the words spreadsheets write for an empty cell)."""
    if value is None or (isinstance(value, float) and value != value):
        return True
    return text and not isinstance(value, (int, float)) and str(value).strip() in BLANKS


def _number_scalar(value) -> float:
    """`to_number` for one value (NaN when it is not a number)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = re.sub(r"[\s\u00a0\u202f]", "", str(value)).replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?(inf|infinity)", text, re.I):
        return float("nan")
    return float(text)


def _coerce_scalar(fld: Field, raw):
    """`coerce` for one non-blank value: (typed value, is it bad)."""
    if fld.type in ("int", "float"):
        number = _number_scalar(raw)
        bad = number != number or number in (float("inf"), float("-inf"))
        if fld.type == "float":
            return number, bad
        whole = round(number) if abs(number) <= INT_LIMIT else None  # larger: out of range
        return whole, bad or number != int(number)
    if fld.type == "date":
        text = str(raw).strip()[:10]
        for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                return datetime.strptime(text, fmt).strftime("%Y-%m-%d"), False
            except ValueError:
                continue
        return None, True
    return str(raw).strip(), False


def missing_required(layer: Layer, columns, file=None) -> list[Problem]:
    """Problems for the required fields a file lacks (needed only to add new features)."""
    generated = layer.id_prefix or layer.id_fields
    return [Problem(Msg("err.column_missing"), file, None, f.name, None,
                    Msg("hint.column_missing", layer=layer.name, field=f.name, doc=f.doc or f.type,
                        option=f.name.replace('_', '-')))
            for f in layer.fields if f.required and f.name not in columns
            and not (f.name == layer.key and generated)]


def _pattern_hint(fld: Field) -> Msg:
    key = {INSEE_RE: "hint.insee", PROJECT_ID_RE: "hint.project_id", PLOT_ID_RE: "hint.plot_id",
           SAFE_ID_RE: "hint.safe_id"}.get(fld.pattern)
    return Msg(key) if key else Msg("hint.pattern", pattern=fld.pattern)


def _rule_product_mix(frame, file, rows):
    """Projects: the product mix may not exceed homes_total."""
    present = [c for c in PRODUCT_FIELDS if c in frame.columns]
    if not present or "homes_total" not in frame.columns:
        return []
    mix = frame[present].astype("Float64").fillna(0).sum(axis=1)
    total = frame["homes_total"].astype("Float64")
    over = (total.notna() & (mix > total)).fillna(False)
    return [_mix_over(mix.iloc[i], total.iloc[i], file, rows.iloc[i]) for i in np.flatnonzero(over.to_numpy())]


def _record_product_mix(values: dict, file, row):
    """`_rule_product_mix` for one feature's typed values."""
    present = [values[c] for c in PRODUCT_FIELDS if c in values]
    total = values.get("homes_total")
    if not present or total is None:
        return []
    mix = sum(v for v in present if v is not None)
    return [_mix_over(mix, total, file, row)] if mix > total else []


def _mix_over(mix, total, file, row) -> Problem:
    return Problem(Msg("err.mix_over", mix=int(mix), total=int(total)), file, row, "homes_total", int(total),
                   Msg("hint.mix_over"))


RULES = {"projects": (_rule_product_mix,)}
RECORD_RULES = {"projects": (_record_product_mix,)}  # the same rules, for one feature (validate_record)
RULE_FIELDS = {"projects": ("homes_total", *PRODUCT_FIELDS)}  # what the rules above read


def checked_fields(layer: Layer) -> set[str]:
    """The fields any write must carry for the rules to judge a row: key, required, rule inputs."""
    return ({layer.key} | {f.name for f in layer.fields if f.required}
            | set(RULE_FIELDS.get(layer.name, ())))

"""The rules: each one reads the territory and returns findings; none prints, none raises.

Every rule has a stable code (``QPV-LLS``), a severity (error / warning / info) and a one-line
description (`RULES`); its thresholds are named settings (`plhgis.settings`). The spatial work
(commune, QPV band, sector, PLU zone of every feature) is done once, with vectorised
spatial-index queries, by `territory.Territory`; the rules are then column operations, and the only
Python loop left is the one that writes the findings themselves.

    from plhgis import open_store, checks
    findings = checks.run_checks(open_store(), commune="62950", rules=["QPV"])
"""
from __future__ import annotations

import functools
import json
import re
import string
from collections import Counter
from dataclasses import dataclass, field as dc_field
from typing import Callable

from . import lazy
from . import schema
from .errors import PlhgisError
from .labels import LABELS, Msg, count, number as _fmt, percent, t as label, value
from .progress import steps
from .render import render
from .settings import Settings, shown
from .targets import EPCI, progress, sms_share
from .territory import Territory, commune_point, covered, first_within, pick, points

gpd = lazy.module("geopandas")
np = lazy.module("numpy")
pd = lazy.module("pandas")
shapely = lazy.module("shapely")

SEVERITIES = ("error", "warning", "info")
GEOM_LAYERS = ("projects", "friches", "plots", "communes", "qpv", "sectors", "zoning")
PLACED = ("projects", "friches", "plots")
KEYS = {"projects": "id", "friches": "site_id", "plots": "id"}
NAMES = {"projects": "name", "friches": "site_nom", "plots": "parcels"}
# CNIG Friches v1.0.6 code lists for text fields the schema keeps free (facts of the standard,
# schema.data.gouv.fr cnigfr/schema-friches); the schema's own enums are added below.
_CNIG_MORE = {
    "site_type": ("mixte - dominante habitat", "mixte - autre", "sans objet"),
    "site_occupation": ("totalement inoccupé", "partiellement inoccupé", "occupation transitoire ou temporaire",
                        "occupation illicite supposée", "occupation illicite avérée", "inconnu", "autre",
                        "sans objet"),
    "bati_etat": ("dégradation inexistante ou faible", "dégradation moyenne", "dégradation très importante",
                  "dégradation hétérogène", "inconnu", "autre", "sans objet"),
    "bati_vacance": ("occupé", "partiellement occupé", "vacant", "inconnu", "autre", "sans objet"),
    "bati_pollution": ("amiante", "plomb", "inconnu", "autre", "sans objet"),
    "sol_pollution_existe": ("pollution inexistante", "pollution traitée", "pollution peu probable",
                             "pollution supposée", "pollution avérée", "inconnu", "autre", "sans objet"),
}


@dataclass
class Finding:
    """One thing out of line: which rule, how bad, where, what, and the numbers behind it.

    Its message is filled from the rule's template ("check.RULE") and `row` only when read, in the
    language asked for: `message` (French), `message_en`, `text(lang)`.
    """

    rule: str
    severity: str  # "error" | "warning" | "info"
    layer: str
    feature_id: str | None
    commune: str | None
    figures: dict
    geometry: object = None  # shapely geometry in the store CRS, may be None
    row: dict = dc_field(default_factory=dict, repr=False)  # the values the templates read
    key: str | None = None  # the row's id column
    _texts: dict = dc_field(default_factory=dict, repr=False, compare=False)
    ground: str | None = None  # acknowledged: the recorded ground (the finding is closed)

    @property
    def acknowledged(self) -> bool:
        """Closed by an acknowledgement (rule, feature, ground): shown as closed, out of the to-do list."""
        return bool(self.ground)

    @property
    def message(self) -> str:
        """Plain French."""
        return self.text("fr")

    @property
    def message_en(self) -> str:
        """The same in English (the packs and maps in English)."""
        return self.text("en")

    def text(self, lang="fr") -> str:
        """The message in `lang` ("fr" or "en"), formatted once."""
        lang = "en" if lang == "en" else "fr"
        if lang not in self._texts:
            self._texts[lang] = _message(lang, self.layer, self.key).text("check." + self.rule, self.row)
        return self._texts[lang]

    def __str__(self) -> str:
        return f"{self.rule} {self.feature_id or self.commune or ''}: {self.message}"

    def to_dict(self) -> dict:
        return {"rule": self.rule, "severity": self.severity, "layer": self.layer, "feature_id": self.feature_id,
                "commune": self.commune, "message": self.message, "figures": self.figures, "ground": self.ground}


@dataclass(frozen=True)
class Rule:
    """A rule: its `description` quotes its thresholds as {setting} fields (`describe` fills them in)."""

    code: str
    severity: str
    description: str
    function: Callable

    def describe(self, settings: Settings) -> str:
        """The description with the thresholds of `settings`."""
        return self.description.format_map(shown(settings))


RULES: dict[str, Rule] = {}


def rule(code, severity, description):
    def register(function):
        RULES[code] = Rule(code, severity, description, function)
        return function
    return register


class RuleError(PlhgisError, KeyError):
    def __str__(self):
        return str(self.problem)


def select_rules(rules=None) -> list[Rule]:
    """Rules by code, or by family prefix (`QPV` → every QPV-… rule); all when None."""
    if not rules:
        return list(RULES.values())
    chosen = []
    for wanted in ([rules] if isinstance(rules, str) else rules):
        code = wanted.strip().upper()
        hits = [r for c, r in RULES.items() if c == code or c.startswith(code + "-")]
        if not hits:
            raise RuleError(Msg("err.unknown_rule"), field="--rule", value=wanted, hint=Msg("hint.list_rules"))
        chosen += [r for r in hits if r not in chosen]
    return chosen


def run_checks(store, commune=None, rules=None, settings=None, territory=None, progress=None) -> list[Finding]:
    """Run the rules over the store; the findings sorted by commune, severity, rule and id.

    `progress`: see `plhgis.progress` (one step per rule).
    """
    chosen = select_rules(rules)
    t = territory or Territory(store, settings)
    t.require_commune(commune)
    findings = []
    with steps(progress, len(chosen), Msg("progress.checks")) as bar:
        for r in chosen:
            findings.extend(r.function(t))
            bar.update(1)
    if commune:
        findings = [f for f in findings if f.commune == commune]
    _close_acknowledged(t, findings)
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    findings.sort(key=lambda f: (f.commune or "~", rank[f.severity], f.rule, f.feature_id or ""))
    return findings


# -- writing findings ----------------------------------------------------------------------------
def _plain(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if np.isnan(value) else round(float(value), 3)
    if value is pd.NA or value is None:
        return None
    return value


class _Message:
    """Fills a finding's template (`labels`, "check.CODE") from a row, in one language."""

    def __init__(self, lang, layer, key):
        self.lang, self.layer, self.key = lang, layer, key
        self.en = lang == "en"

    def text(self, template_key, row) -> str:
        return self._fill(LABELS[template_key][self.en], row)

    def _fill(self, text, row) -> str:
        """The template, parsed once, filled field by field (the checks write tens of thousands of messages)."""
        out = []
        for literal, name, spec, conversion in _parsed(text):
            out.append(literal)
            if name is None:
                continue
            if name == "label":
                value = _label(row, self.layer, self.lang)
            elif name == "fid":
                value = row[self.key]
            else:
                value = self.layer if name == "layer" else row[name]
            if conversion:
                value = _FORMATTER.convert_field(value, conversion)
            out.append(value if not spec and type(value) is str else self._field(value, spec, row))
        return "".join(out)

    def _field(self, value, spec, row) -> str:
        if spec[:1] == "n":
            return _fmt(value, int(spec[1:] or 0), self.lang)
        if spec == "%":
            return percent(value, self.lang)
        if spec == "?":
            return str(_plain(value) or "?")
        if spec == "t":
            return self._fill(LABELS[value][self.en], row)
        return format(value, spec)


_FORMATTER = string.Formatter()
_message = functools.lru_cache(maxsize=None)(_Message)  # one filler per language, layer and key


@functools.lru_cache(maxsize=None)
def _parsed(text) -> tuple:
    """A message template as (literal, field, spec, conversion) pieces (`string.Formatter.parse`)."""
    return tuple(string.Formatter().parse(text))


def _fields(template_key, frame) -> set:
    """The columns a template reads, in both languages (and those of the pieces its rows name)."""
    out = set()
    for text in LABELS[template_key]:
        for _, name, spec, _ in string.Formatter().parse(text):
            if name:
                out.add(name)
            if spec == "t" and name in frame:
                out = out.union(*(_fields(k, frame) for k in frame[name].dropna().unique()))
    return out


def _emit(code, frame, layer, key, figures, commune="declared", geometry="pt") -> list[Finding]:
    """One finding per row of `frame`: its messages (template "check.CODE") and `figures` (column → name).

    Only the columns the findings use are turned into Python values: a wide frame of 100,000 rows
    stays cheap.
    """
    if frame is None or not len(frame):
        return []
    template = "check." + code
    named = [KEYS.get(layer), NAMES.get(layer)]
    used = [*_fields(template, frame), *named, key, commune, geometry]
    cols = [c for c in dict.fromkeys(used) if c and c in frame]
    values = [frame[c].to_numpy(dtype=object).tolist() for c in cols]
    figs = [(name, _plain_list(frame[col]) if col in frame else [None] * len(frame)) for col, name in figures.items()]
    sev = RULES[code].severity
    out = []
    for i, items in enumerate(zip(*values)):
        row = dict(zip(cols, items))
        out.append(Finding(code, sev, layer, _plain(row.get(key)) if key else None, row.get(commune),
                           {name: v[i] for name, v in figs}, row.get(geometry), row, key))
    return out


def _plain_list(series) -> list:
    """JSON-ready values of a column: numbers rounded to 3 decimals, NaN/NA as None."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        arr = np.round(pd.to_numeric(series, errors="coerce").to_numpy(dtype=float), 3)
        whole = pd.api.types.is_integer_dtype(series)
        return [None if v != v else (int(v) if whole else v) for v in arr.tolist()]
    return [_plain(v) for v in series.to_numpy(dtype=object).tolist()]


def _label(row, layer="projects", lang="fr"):
    name = row.get(NAMES[layer])
    key = row.get(KEYS[layer])
    return LABELS["check.label"][lang == "en"].format(id=key, name=name) if name else str(key)


def _commune_rows(t: Territory) -> pd.DataFrame:
    """The progress table of the communes, with each commune's representative point."""
    def build():
        rows = progress(t.store, territory=t)
        rows = rows[rows["commune"] != EPCI].copy()
        com = t.communes
        pts = dict(zip(com["insee"], points(com.geometry.to_numpy())))
        rows["pt"] = rows["commune"].map(pts)
        return rows
    return t.cached("commune_rows", build)


def _active(t, period=False):
    p = t.projects
    return p[p["in_period"]] if period else p[p["active"]]


# -- data -------------------------------------------------------------------------------------------
@rule("DATA-GEOM", "error", "Géométrie absente, vide, invalide ou du mauvais type.")
def data_geom(t):
    out = []
    for name in GEOM_LAYERS:
        lay = schema.get_layer(name)
        frame = t.layer(name)
        if not len(frame):
            continue
        g = frame.geometry.to_numpy()
        missing = shapely.is_missing(g) | shapely.is_empty(g)
        invalid = ~missing & ~shapely.is_valid(g)
        wrong = ~missing & ~np.isin(shapely.get_type_id(g), (3, 6)) if lay.geometry == "polygon" else \
            np.zeros(len(g), dtype=bool)
        bad = missing | invalid | wrong
        if not bad.any():
            continue
        sub = frame[bad].copy()
        sub["why_key"] = np.where(missing[bad], "check.geom.missing",
                                  np.where(invalid[bad], "check.geom.invalid", "check.geom.polygon"))
        sub["why"] = [label(k) for k in sub["why_key"]]
        sub["reason"] = np.where(invalid[bad], shapely.is_valid_reason(g[bad]), None)
        sub["detail"] = [f" ({r})" if r else "" for r in sub["reason"]]
        sub["pt"] = np.where(missing[bad], None, points(sub.geometry.to_numpy()))
        sub["commune_code"] = sub[lay.commune_field] if lay.commune_field else None
        out += _emit("DATA-GEOM", sub, name, lay.key, {"why": "problem", "reason": "reason"},
                     commune="commune_code")
    return out


@rule("DATA-OUTSIDE-COMMUNE", "warning",
      "Opération, friche ou gisement dont le point tombe dans une autre commune que celle déclarée.")
def data_outside_commune(t):
    out = []
    for name in PLACED:
        f = t.placed(name)
        sub = f[f["commune_found"].notna() & f["declared"].notna() & (f["commune_found"] != f["declared"])]
        out += _emit("DATA-OUTSIDE-COMMUNE", sub, name, KEYS[name],
                     {"declared": "declared", "commune_found": "found"})
    return out


@rule("DATA-OUTSIDE-EPCI", "warning", "Élément situé hors de toutes les communes du territoire.")
def data_outside_epci(t):
    if not len(t.communes):
        return []
    out = []
    for name in PLACED:
        f = t.placed(name)
        sub = f[f["pt"].notna() & f["commune_found"].isna()]
        out += _emit("DATA-OUTSIDE-EPCI", sub, name, KEYS[name], {"declared": "declared"})
    return out


@rule("DATA-MIX", "info", "Le détail par produit (PLAI, PLUS, PLS, PSLA, BRS, libre…) ne fait pas le total.")
def data_mix(t):
    p = _active(t)
    mix = sum(pd.to_numeric(p[c], errors="coerce").fillna(0) for c in schema.PRODUCT_FIELDS)
    sub = p.assign(mix=mix)[(mix != p["homes"]).to_numpy()]
    return _emit("DATA-MIX", sub, "projects", "id", {"mix": "mix", "homes": "homes_total"})


@rule("DATA-YEARS", "error", "Années incohérentes: livraison avant le permis, ou hors d'une plage plausible.")
def data_years(t):
    s = t.settings
    p = t.projects
    y = {c: pd.to_numeric(p[c], errors="coerce") for c in ("permit_year", "start_year", "delivery_year")}
    bad = [((y[col] < y[other]).fillna(False), key, {}) for col, other, key in (
        ("delivery_year", "permit_year", "check.years.delivery_permit"),
        ("start_year", "permit_year", "check.years.start_permit"),
        ("delivery_year", "start_year", "check.years.delivery_start"))]
    bad += [(((v < s.year_min) | (v > s.year_max)).fillna(False), "check.years.range",
             {"col": col, "lo": s.year_min, "hi": s.year_max}) for col, v in y.items()]

    def problems(lang):
        text = pd.Series("", index=p.index)
        for mask, key, values in bad:
            text = text.where(~mask, text + label(key, lang, **values) + "; ")
        return text.str.rstrip("; ")
    fr = problems("fr")
    keep = (fr != "").to_numpy()  # assign() on an empty frame would add rows back (pandas 3)
    sub = p[keep].assign(problem=fr[keep], problem_en=problems("en")[keep])
    return _emit("DATA-YEARS", sub, "projects", "id",
                 {"permit_year": "permit_year", "start_year": "start_year", "delivery_year": "delivery_year"})


EARLY_STATUS = ("repérage", "études", "PC déposé")  # a scheme at these stages cannot be delivered yet


def _status_years(t, mask_of):
    """Active schemes with a delivery year picked by `mask_of(status, year, now)`, ready for `_emit`."""
    p = _active(t)
    year = pd.to_numeric(p["delivery_year"], errors="coerce")
    now = t.settings.year_now()
    sub = p[mask_of(p["status"], year, now).fillna(False).to_numpy()]
    years = pd.to_numeric(sub["delivery_year"], errors="coerce").astype(int).astype(str)
    return sub.assign(year=years, now=str(now), status_fr=[value(v, "fr") for v in sub["status"]],
                      status_en=[value(v, "en") for v in sub["status"]])


@rule("DATA-DELIVERED-FUTURE", "error", "Opération « livré » dont l'année de livraison n'est pas encore arrivée.")
def data_delivered_future(t):
    sub = _status_years(t, lambda status, year, now: (status == "livré") & (year > now))
    return _emit("DATA-DELIVERED-FUTURE", sub, "projects", "id", {"status": "status", "delivery_year": "delivery_year"})


@rule("DATA-STALE-STATUS", "warning",
      "Opération encore au repérage, aux études ou au PC déposé alors que son année de livraison est passée.")
def data_stale_status(t):
    sub = _status_years(t, lambda status, year, now: status.isin(EARLY_STATUS) & (year < now))
    return _emit("DATA-STALE-STATUS", sub, "projects", "id", {"status": "status", "delivery_year": "delivery_year"})


@rule("DATA-DUPLICATE", "warning", "Deux opérations d'une même commune à moins de {duplicate_distance_m} m: doublon probable.")
def data_duplicate(t):
    p = _active(t)
    p = p[p["pt"].notna()]
    if len(p) < 2:
        return []
    pts = p["pt"].to_numpy()
    left, right = shapely.STRtree(pts).query(pts, predicate="dwithin", distance=t.settings.duplicate_distance_m)
    keep = left < right
    left, right = left[keep], right[keep]
    same = p["declared"].to_numpy()[left] == p["declared"].to_numpy()[right]
    left, right = left[same], right[same]
    sub = p.iloc[right].copy()
    sub["other"] = p["id"].to_numpy()[left]
    sub["distance_m"] = shapely.distance(pts[left], pts[right])
    return _emit("DATA-DUPLICATE", sub, "projects", "id", {"other": "other_id", "distance_m": "distance_m"})


@rule("DATA-LOCATE", "warning", "Opération placée au centre de la commune faute de localisation: à localiser.")
def data_locate(t):
    p = _active(t)
    if not len(p) or not len(t.communes):
        return []
    points = dict(zip(t.communes["insee"], commune_point(t.communes.geometry.to_numpy())))
    anchor = np.array([points.get(c) for c in p["declared"]], dtype=object)  # None where no such commune
    geoms = p.geometry.to_numpy()
    at = ~shapely.is_missing(anchor) & (shapely.get_type_id(geoms) == 0)
    at[at] = shapely.distance(geoms[at], anchor[at]) < 1.0
    return _emit("DATA-LOCATE", p[at], "projects", "id", {})


def _cnig_enums():
    enums = {f.name: set(map(schema.fold, f.enum)) for f in schema.FRICHES.fields if f.enum}
    for name, values in _CNIG_MORE.items():
        enums.setdefault(name, set()).update(map(schema.fold, values))
    return enums


@rule("FRICHE-ENUM", "warning", "Valeur d'un champ de friche hors des listes du standard CNIG Friches.")
def friche_enum(t):
    f = t.placed("friches")
    out = []
    for name, allowed in _cnig_enums().items():
        if name not in f or not len(f):
            continue
        values = f[name]
        present = values.notna() & values.astype(str).str.strip().ne("")
        bad = present & ~values.astype(str).map(schema.fold).isin(allowed)
        sub = f[bad].assign(field=name, value=values[bad])
        out += _emit("FRICHE-ENUM", sub, "friches", "site_id", {"field": "field", "value": "value"})
    return out


# -- QPV ----------------------------------------------------------------------------------------------
RECONSTITUTION = re.compile(r"reconstitution", re.I)


@rule("QPV-LLS", "warning", "Logement locatif social neuf dans un QPV (hors reconstitution de l'offre NPNRU).")
def qpv_lls(t):
    p = _active(t)
    text = p["name"].fillna("") + " " + p["comment"].fillna("") + " " + p["specifique_note"].fillna("")
    sub = p[(p["social"] > 0) & p["qpv"].notna() & ~text.str.contains(RECONSTITUTION)]
    return _emit("QPV-LLS", sub, "projects", "id", {"social": "lls", "qpv": "code_qp"})


@rule("QPV-TVA", "info", "Accession dans un QPV ou sa bande de {vat_band_m} m ({vat_band_npnru_m} m NPNRU): TVA à 5,5 % "
                         "possible "
                         "sous plafonds (le PSLA et le BRS y ont droit partout).")
def qpv_tva(t):
    p = _active(t)
    sub = p[(p["free_sale"] > 0) & p["band_qpv"].notna()]
    sub = sub.assign(where=np.where(sub["qpv_distance_m"] == 0, "check.qpv.in", "check.qpv.near"))
    return _emit("QPV-TVA", sub, "projects", "id", {"free_sale": "homes_accession", "band_qpv": "code_qp",
                                                    "qpv_distance_m": "distance_m", "band_m": "band_m"})


@rule("QPV-SHARE", "warning", "Part des logements programmés de la commune située en QPV au-dessus de "
                            "{qpv_share_max}.")
def qpv_share(t):
    rows = _commune_rows(t)
    rows = rows.assign(share=rows["homes_qpv"] / rows["expected"].where(rows["expected"] > 0))
    sub = rows[rows["share"] > t.settings.qpv_share_max].assign(limit=t.settings.qpv_share_max)
    return _emit("QPV-SHARE", sub, "communes", "commune",
                 {"homes_qpv": "homes_qpv", "expected": "expected", "share": "share", "limit": "threshold"},
                 commune="commune")


# -- priority sectors ------------------------------------------------------------------------------------
def _sector_communes(t) -> set:
    sectors = t.layer("sectors")
    if not len(sectors):
        return set()
    found = pick(t.communes, first_within(points(sectors.geometry.to_numpy()), t.communes), "insee")
    return set(sectors["commune"].dropna()) | {c for c in found if c}


@rule("SECTOR-OUT", "info", "Opération hors de tout secteur prioritaire d'une commune qui en a.")
def sector_out(t):
    p = _active(t, period=True)
    sub = p[p["pt"].notna() & p["sector"].isna() & p["declared"].isin(_sector_communes(t))]
    return _emit("SECTOR-OUT", sub, "projects", "id", {"homes": "homes_total"})


@rule("SECTOR-SHARE", "warning", "Part des logements programmés dans les secteurs prioritaires sous "
                                 "{sector_share_min} (commune et EPCI).")
def sector_share(t):
    rows = _commune_rows(t)
    rows = rows[rows["commune"].isin(_sector_communes(t))]
    total = pd.DataFrame([{"commune": None, "name": "EPCI", "homes_sectors": _commune_rows(t)["homes_sectors"].sum(),
                           "expected": _commune_rows(t)["expected"].sum(), "pt": None}])
    rows = pd.concat([rows, total], ignore_index=True) if len(rows) else rows
    rows = rows.assign(share=rows["homes_sectors"] / rows["expected"].where(rows["expected"] > 0),
                       limit=t.settings.sector_share_min)
    sub = rows[rows["share"] < rows["limit"]]
    return _emit("SECTOR-SHARE", sub, "communes", "commune",
                 {"homes_sectors": "homes_sectors", "expected": "expected", "share": "share",
                  "limit": "threshold"}, commune="commune")


@rule("SECTOR-OPPORTUNITY", "info", "Friche ou gisement dans un secteur prioritaire sans opération: "
                                    "une opportunité.")
def sector_opportunity(t):
    sectors = t.layer("sectors")
    out = []
    for name in ("friches", "plots"):
        f = t.unlinked(name)
        pos = first_within(f["pt"].to_numpy(), sectors)
        sub = f[pos >= 0].assign(sector=pick(sectors, pos, "name")[pos >= 0])
        out += _emit("SECTOR-OPPORTUNITY", sub, name, KEYS[name],
                     {"sector": "sector", "capacity_est": "capacity"})
    return out


# -- targets and SRU ----------------------------------------------------------------------------------------
def _target_rule(code, mask, figures):
    def run(t):
        rows = _commune_rows(t)
        rows = rows.assign(under=t.settings.target_under, over=t.settings.target_over,
                           lls_under=t.settings.lls_under)
        return _emit(code, rows[mask(rows)], "targets", "commune", figures, commune="commune")
    return run


_TARGET_FIGS = {"homes_target": "homes_target", "expected": "expected", "coverage": "coverage",
                "certain": "certain", "probable": "probable", "possible": "possible"}
rule("TARGET-UNDER", "warning", "Logements attendus sur la période du PLH sous {target_under} de l'objectif.")(
    _target_rule("TARGET-UNDER", lambda r: r["coverage"] < r["under"], _TARGET_FIGS))
rule("TARGET-OVER", "warning", "Logements attendus sur la période du PLH au-dessus de {target_over} de "
                                "l'objectif.")(
    _target_rule("TARGET-OVER", lambda r: r["coverage"] > r["over"], _TARGET_FIGS))
rule("TARGET-MIDTERM", "warning", "À mi-parcours, logements livrables sous {target_under} du prorata de "
                                   "l'objectif.")(
    _target_rule("TARGET-MIDTERM", lambda r: (r["midterm_target"] > 0)
                 & (r["midterm_expected"] < r["midterm_target"] * r["under"]),
                 {"midterm_target": "midterm_target", "midterm_expected": "midterm_expected"}))
rule("LLS-UNDER", "warning", "Logements locatifs sociaux programmés sous {lls_under} de l'objectif LLS du PLH.")(
    _target_rule("LLS-UNDER", lambda r: (r["lls_target"] > 0) & (r["lls_programmed"] < r["lls_target"] * r["lls_under"]),
                 {"lls_target": "lls_target", "lls_programmed": "lls_programmed", "lls_coverage": "coverage"}))
rule("SRU-CATCHUP", "warning", "Commune SRU déficitaire: le locatif social financé sur la période triennale "
                               "n'atteint pas l'objectif de rattrapage (CCH L302-8).")(
    _target_rule("SRU-CATCHUP", lambda r: (r["sru_catchup_target"] > 0)
                 & (r["sru_catchup_programmed"] < r["sru_catchup_target"]),
                 {"sru_rate_now": "sru_rate_now", "sru_rate_required": "sru_rate_required",
                  "sru_missing": "missing", "sru_catchup_target": "catchup_target",
                  "sru_catchup_programmed": "catchup_programmed", "sru_objective_kind": "objective_kind"}))


@rule("SRU-MIX", "warning", "Commune SRU déficitaire: moins de {plai_min_share} de PLAI ou plus de {pls_max_share} de PLS "
                            "dans le locatif social programmé (CCH L302-8 III).")
def sru_mix(t):
    s = t.settings
    rows = _commune_rows(t)
    bad = (rows["sru_catchup_target"] > 0) & (rows["sru_catchup_programmed"] > 0) & (
        (rows["sru_plai_share"] < s.plai_min_share) | (rows["sru_pls_share"] > s.pls_max_share))
    sub = rows[bad].assign(plai_min=s.plai_min_share, pls_max=s.pls_max_share)
    return _emit("SRU-MIX", sub, "targets", "commune",
                 {"sru_plai_share": "plai_share", "sru_pls_share": "pls_share",
                  "sru_catchup_programmed": "lls"}, commune="commune")


@rule("LLS-HIGH-SHARE", "warning", "Nouveau locatif social dans une commune déjà au-dessus de {lls_high_share} de LLS: "
                                   "à justifier.")
def lls_high_share(t):
    """One finding per commune: the new social rent of its schemes, the schemes listed in the figures."""
    p = _active(t, period=True)
    rate = dict(zip(t.communes["insee"], t.communes["sru_rate_now"]))
    rate.update(_inventory_rates(t))  # the SRU inventory's rate, where loaded
    acks = t.layer("acknowledgements")
    justified = set(acks.loc[acks["rule"].eq("LLS-HIGH-SHARE"), "feature_id"]) if len(acks) else set()
    new_social = (p["social"] > 0) & (p["declared"].map(rate).astype(float) > t.settings.lls_high_share)
    hit = p[(new_social & ~p["id"].isin(justified)).to_numpy()]  # a scheme with its recorded ground is closed
    by = hit.groupby("declared")
    rows = _commune_rows(t)
    sub = rows[rows["commune"].isin(by.groups)]
    count = sub["commune"].map(by.size())
    sub = sub.assign(social=sub["commune"].map(by["social"].sum()), count=count, rate=sub["commune"].map(rate),
                     limit=t.settings.lls_high_share,
                     schemes=sub["commune"].map(by["id"].agg(lambda ids: sorted(map(str, ids)))),
                     how_many=np.where(count == 1, "check.schemes.one", "check.schemes.many"))
    return _emit("LLS-HIGH-SHARE", sub, "communes", "commune",
                 {"social": "lls", "rate": "commune_lls_rate", "count": "schemes_count", "schemes": "schemes"},
                 commune="commune")


def _inventory(t) -> pd.DataFrame | None:
    """The latest SRU inventory row of each commune (None when the sru layer is empty)."""
    return t.inventory


def _inventory_rates(t) -> dict:
    inv = _inventory(t)
    return {} if inv is None else inv["sru_rate"].dropna().to_dict()


@rule("SRU-RATE", "error", "Commune soumise à la loi SRU sans taux légal, avec un taux que la loi ne fixe pas "
                           "(CCH L302-5: {sru_rate_low} ou {sru_rate_high}), ou dont le taux diffère de celui de "
                           "l'inventaire SRU.")
def sru_rate(t):
    com = t.communes
    s = t.settings
    inv = _inventory(t)
    own = pd.to_numeric(com["sru_rate_required"], errors="coerce").astype(float)
    published = com["insee"].map(inv["target_rate"]).astype(float) if inv is not None else own * np.nan
    rate = own.fillna(published)
    liable = com["sru_status"].isin(["soumise", "carencée"])
    legal = rate.round(4).isin([0.0, round(s.sru_rate_low, 4), round(s.sru_rate_high, 4)])
    differ = own.notna() & published.notna() & (own.round(4) != published.round(4))
    bad = (liable & (~legal | differ)).to_numpy()
    if not bad.any():
        return []
    sub = com[bad].assign(rate=rate[bad].to_numpy(), published=published[bad].to_numpy(), low=s.sru_rate_low,
                          high=s.sru_rate_high)
    for lang, col in (("fr", "rate_text"), ("en", "rate_text_en")):
        sub[col] = [_rate_text(r, p, lang) for r, p in zip(sub["rate"], sub["published"])]
    sub["pt"] = points(sub.geometry.to_numpy())
    return _emit("SRU-RATE", sub, "communes", "insee", {"rate": "sru_rate_required", "published": "inventory_rate",
                                                         "sru_status": "sru_status"}, commune="insee")


def _rate_text(rate, published, lang):
    if rate != rate:
        return label("check.rate.blank", lang)
    if published == published and round(published, 4) != round(rate, 4):
        return label("check.rate.differ", lang, rate=percent(rate, lang), published=percent(published, lang))
    return percent(rate, lang)


@rule("SRU-CARENCE", "warning", "Commune carencée: opération collective de plus de {carence_min_homes} logements ou "
                                "{carence_min_floor_m2} m² de surface de plancher avec moins de {carence_lls_share} de "
                                "PLAI/PLUS (C. urb. L111-24).")
def sru_carence(t):
    s = t.settings
    inv = _inventory(t)
    carencee = set(t.communes.loc[t.communes["sru_status"].eq("carencée").to_numpy(), "insee"])
    if inv is not None:
        carencee |= set(inv.index[pd.to_numeric(inv["carencee"], errors="coerce").eq(1).fillna(False).to_numpy()])
    p = _active(t)
    homes = p["homes"]
    floor = pd.to_numeric(p["floor_area_m2"], errors="coerce")
    collective = pd.to_numeric(p["collective"], errors="coerce").astype(float).fillna(1).eq(1)  # blank: collective
    big = (homes > s.carence_min_homes) | (floor > s.carence_min_floor_m2).fillna(False)
    family = (homes - pd.to_numeric(p["specifique"], errors="coerce").fillna(0)).clip(lower=0)
    plai_plus = sum(pd.to_numeric(p[c], errors="coerce").fillna(0) for c in ("lls_plai", "lls_plus"))
    share = plai_plus / family.where(family > 0)
    bad = p["declared"].isin(carencee) & collective & big & (share.fillna(0) < s.carence_lls_share)
    sub = p.assign(family=family, plai_plus=plai_plus, share=share.fillna(0),
                   limit=s.carence_lls_share)[bad.to_numpy()]
    return _emit("SRU-CARENCE", sub, "projects", "id",
                 {"family": "family_homes", "plai_plus": "plai_plus", "share": "share", "limit": "minimum"})


@rule("ANRU-RECONSTITUTION", "warning", "Reconstitution de l'offre démolie (NPNRU) dans le QPV, ou avec moins "
                                        "de {anru_plai_min_share} de PLAI.")
def anru_reconstitution(t):
    s = t.settings
    p = _active(t)
    text = p["name"].fillna("") + " " + p["comment"].fillna("")
    rebuilt = (pd.to_numeric(p["reconstitution"], errors="coerce").eq(1).fillna(False)
               | text.str.contains(RECONSTITUTION).fillna(False)).astype(bool)
    plai = pd.to_numeric(p["lls_plai"], errors="coerce").fillna(0)
    share = plai / p["social"].where(p["social"] > 0)
    inside = p["qpv"].notna()
    low = share.fillna(0) < s.anru_plai_min_share
    sub = p.assign(share=share.fillna(0), limit=s.anru_plai_min_share)[(rebuilt & (inside | low)).to_numpy()]
    sub["problem"] = [_anru_text(q, lo, sh, s, "fr") for q, lo, sh in zip(sub["qpv"], low[sub.index], sub["share"])]
    sub["problem_en"] = [_anru_text(q, lo, sh, s, "en") for q, lo, sh in zip(sub["qpv"], low[sub.index], sub["share"])]
    return _emit("ANRU-RECONSTITUTION", sub, "projects", "id", {"qpv": "code_qp", "share": "plai_share",
                                                                 "limit": "plai_min"})


def _anru_text(qpv, low, share, s, lang):
    parts = []
    if isinstance(qpv, str):
        parts.append(label("check.anru.inside", lang, qpv=qpv))
    if low:
        parts.append(label("check.anru.plai", lang, share=percent(share, lang), limit=percent(s.anru_plai_min_share, lang)))
    return "; ".join(parts)


# -- acknowledgements: a finding closed by a recorded ground -----------------------------------------------------
def _close_acknowledged(t, findings):
    """Mark the findings whose (rule, feature id) the acknowledgements layer holds with its ground."""
    acks = t.layer("acknowledgements")
    if not len(acks) or not findings:
        return
    grounds = dict(zip(zip(acks["rule"], acks["feature_id"]), acks["ground"]))
    for f in findings:
        f.ground = grounds.get((f.rule, str(f.feature_id)))


def acknowledge(store, rule_code, feature_id, ground, source="plhgis ack"):
    """Close one finding with a ground (kept in the acknowledgements layer and its history).

    The finding must exist today: its rule is run to find it (and its commune).
    """
    from . import edits

    code = rule_code.strip().upper()
    if code not in RULES:
        raise RuleError(Msg("err.unknown_rule"), field="RULE", value=rule_code, hint=Msg("hint.list_rules"))
    if not (ground or "").strip():
        raise PlhgisError(Msg("err.ground"), field="--ground", hint=Msg("hint.ground"))
    found = [f for f in run_checks(store, rules=[code])  # a commune's finding lists its schemes in its figures
             if str(f.feature_id) == str(feature_id) or str(feature_id) in f.figures.get("schemes", ())]
    if not found:
        raise PlhgisError(Msg("err.no_finding", rule=code, id=feature_id), field="ID", value=feature_id,
                          hint=Msg("hint.list_findings", rule=code))
    values = {"rule": code, "feature_id": str(feature_id), "commune": found[0].commune, "ground": ground.strip()}
    lay = schema.get_layer("acknowledgements")
    current = store.read(lay.name, ids=[f"{code}-{feature_id}"])
    if len(current):
        return edits.edit(store, lay.name, current[lay.key].iloc[0], values, source=source).changes
    return [edits.add(store, lay.name, values, source=source)]


# -- density, ZAN, PLU, capacity ------------------------------------------------------------------------------
@rule("DENSITY-LOW", "warning", "Densité (logements/ha) d'une opération sous le minimum de sa polarité.")
def density_low(t):
    p = _active(t)
    density = p["declared"].map(dict(zip(t.communes["insee"], t.communes["density"]))).astype(float)
    area = pd.Series(p["area_m2_geom"], index=p.index).astype(float)
    dens = p["homes"] / (area.where(area > 0) / 10000)
    sub = p.assign(density=dens, minimum=density)[(dens.round(1) < density).fillna(False).to_numpy()]
    return _emit("DENSITY-LOW", sub, "projects", "id",
                 {"density": "homes_per_ha", "minimum": "minimum", "area_m2_geom": "area_m2"})


@rule("ZAN-EXTENSION", "warning", "Opération en extension ou sur zone A/N: consommation d'espaces naturels "
                                  "et agricoles (ZAN).")
def zan_extension(t):
    p = _active(t, period=True)
    sub = p[p["consumes"]]
    return _emit("ZAN-EXTENSION", sub, "projects", "id",
                 {"zan_ha": "hectares", "land_origin": "land_origin", "zone_type": "zone_type",
                  "delivery_year": "year"})


@rule("PLU-AN", "warning", "Opération sur une zone agricole (A) ou naturelle (N) du PLU.")
def plu_an(t):
    p = _active(t)
    sub = p[p["zone_type"].isin(["A", "N"])]
    return _emit("PLU-AN", sub, "projects", "id", {"zone_type": "zone_type", "zone_lib": "zone"})


def _communes_with_prescriptions(t) -> set:
    """Communes whose PLU prescriptions are in the store: only there can a missing OAP be told."""
    pr = t.layer("prescriptions")
    if not len(pr):
        return set()
    com = t.communes
    return set(com.loc[com.intersects(pr.geometry.union_all()).to_numpy(), "insee"])


def _prescriptions(t, typepsc):
    pr = t.layer("prescriptions")
    code = pr["typepsc"].astype(str).str.replace(r"\D", "", regex=True).str[:2]
    return pr[code == typepsc]


@rule("PLU-OAP", "warning", "Opération ou gisement de plus de {oap_min_area_m2} m² sans OAP (communes dont les "
                            "prescriptions du PLU sont chargées).")
def plu_oap(t):
    oap = _prescriptions(t, "18")
    limit = t.settings.oap_min_area_m2
    loaded = _communes_with_prescriptions(t)
    out = []
    for name, frame, area in (("projects", _active(t), "site_m2_known"),
                               ("plots", t.unlinked("plots"), "area_m2_geom")):
        frame = frame[frame["declared"].isin(loaded).to_numpy() & frame.geometry.notna().to_numpy()]
        size = pd.to_numeric(frame[area], errors="coerce")
        if name == "plots":
            size = size.fillna(pd.to_numeric(frame["area_m2"], errors="coerce"))
        big = frame[(size >= limit).fillna(False).to_numpy()]
        big = big.assign(size=size[big.index], limit=limit)
        inside = covered(big.geometry.to_numpy(), oap, t.settings.oap_min_cover)
        out += _emit("PLU-OAP", big[~inside], name, KEYS[name], {"size": "area_m2"})
    return out


@rule("PLU-SMS", "warning", "Opération de {sms_min_homes} logements ou plus dans un secteur de mixité sociale (17-00) "
                            "sans la part de LLS exigée.")
def plu_sms(t):
    sms = _prescriptions(t, "17")
    sms = sms.assign(share=sms_share(sms)) if len(sms) else sms
    p = _active(t)
    pos = first_within(p["pt"].to_numpy(), sms)
    sub = p.assign(required=pick(sms, pos, "share") if len(sms) else None,
                   sms=pick(sms, pos, "libelle") if len(sms) else None)
    sub = sub[(pos >= 0)]
    sub = sub.assign(share=sub["social"] / sub["homes"].where(sub["homes"] > 0))
    sub = sub[(sub["homes"] >= t.settings.sms_min_homes) & (sub["share"] < sub["required"].astype(float))]
    return _emit("PLU-SMS", sub, "projects", "id",
                 {"share": "lls_share", "required": "required", "sms": "sms"})


@rule("CAPACITY-SHORT", "warning", "Besoin restant au-delà de la capacité des friches et gisements non mobilisés.")
def capacity_short(t):
    rows = _commune_rows(t)
    sub = rows[(rows["remaining_need"] > 0) & (rows["capacity_unlinked"] < rows["remaining_need"])]
    return _emit("CAPACITY-SHORT", sub, "targets", "commune",
                 {"remaining_need": "remaining_need", "capacity_unlinked": "capacity"}, commune="commune")


@rule("PERMIT-MISSING", "warning", "Opération « PC accordé » depuis {permit_delay_years} ans ou plus sans permis Sitadel lié.")
def permit_missing(t):
    permits = t.layer("permits")
    if permits.empty:  # no permit file loaded: nothing to compare with
        return []
    p = _active(t)
    since = t.settings.year_now() - pd.to_numeric(p["permit_year"], errors="coerce").astype(float)
    with_permits = p["declared"].isin(set(permits["commune"]))
    late = (p["status"] == "PC accordé") & p["permit_number"].isna() & (since >= t.settings.permit_delay_years)
    sub = p.assign(years=since)[(late & with_permits).to_numpy()]  # assign first: an empty frame would take
    # the index of the assigned series
    return _emit("PERMIT-MISSING", sub, "projects", "id", {"permit_year": "permit_year", "years": "years"})


@rule("PERMIT-HOMES", "warning", "Le permis lié compte un autre nombre de logements que l'opération (écart de plus de "
                           "{permit_homes_tolerance} et de 2 logements).")
def permit_homes(t):
    permits = t.layer("permits")
    p = _active(t)
    if permits.empty or p.empty:
        return []
    homes = dict(zip(permits["num_dau"], permits["homes_total"]))
    sub = p.assign(permit_homes=p["permit_number"].map(homes))
    a, b = sub["homes"].astype(float), pd.to_numeric(sub["permit_homes"], errors="coerce").astype(float)
    off = (a - b).abs() > np.maximum(2, t.settings.permit_homes_tolerance * np.maximum(a, b))
    sub = sub[off.fillna(False).to_numpy()]
    return _emit("PERMIT-HOMES", sub, "projects", "id", {"homes": "homes_total", "permit_homes": "permit_homes",
                                                        "permit_number": "permit_number"})


# -- reporting -------------------------------------------------------------------------------------------------
def findings_frame(findings, crs="EPSG:2154") -> gpd.GeoDataFrame:
    """The findings as a GeoDataFrame (figures as a JSON string, so QGIS reads it as text)."""
    rows = [dict(f.to_dict(), figures=json.dumps(f.figures, ensure_ascii=False, default=str)) for f in findings]
    frame = pd.DataFrame(rows, columns=["rule", "severity", "layer", "feature_id", "commune", "message", "figures",
                                        "ground"])
    return gpd.GeoDataFrame(frame, geometry=[f.geometry for f in findings], crs=crs)


def render_findings(findings, fmt="table", crs="EPSG:2154", names=None, lang="fr") -> str:
    """Findings as text in `lang`: a table grouped by commune and severity, or csv, json, geojson."""
    if fmt == "json":
        return json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=1, default=str)
    if fmt in ("csv", "geojson"):
        return render(findings_frame(findings, crs), fmt)
    if not findings:
        return label("findings.none", lang)
    names = names or {}
    lines = []
    by_commune: dict = {}
    for f in findings:
        by_commune.setdefault(f.commune, {}).setdefault(f.severity, []).append(f)
    headings = {sev: label("findings." + sev, lang) for sev in SEVERITIES}
    for commune, groups in by_commune.items():
        title = f"{commune} {names.get(commune, '')}".strip() if commune else label("findings.epci", lang)
        lines.append(f"== {title} ==")
        for sev in SEVERITIES:
            some = groups.get(sev)
            if some:
                lines.append(f"  {headings[sev]} ({len(some)})")
                lines += [f"    {f.rule:<20} {f.text(lang)}"
                          + (label("findings.ground", lang, ground=f.ground) if f.ground else "") for f in some]
    lines.append(summary(findings, lang))
    return "\n".join(lines)


def summary(findings, lang="fr") -> str:
    """One line of counts by severity (in `lang`), then the count of each rule that fired."""
    sev = Counter(f.severity for f in findings)
    rules = Counter(f.rule for f in findings)
    head = label("findings.summary", lang, count=count(len(findings), "findings.count", lang),
                 severities=", ".join(count(sev.get(s, 0), "findings.count." + s, lang) for s in SEVERITIES))
    closed = sum(1 for f in findings if f.ground)
    head += count(closed, "findings.closed", lang) if closed else ""
    return head + ("\n  " + ", ".join(f"{c} {n}" for c, n in sorted(rules.items())) if rules else "")


def exit_code(findings, strict=False) -> int:
    """1 when an error-level finding (or, strict, any warning), else 0."""
    worst = {"error"} | ({"warning"} if strict else set())
    return int(any(f.severity in worst and not f.ground for f in findings))


def commune_names(store) -> dict:
    """INSEE code → name, for headings."""
    com = store.read("communes")
    return dict(zip(com["insee"], com["name"]))


def check_summary(store, settings=None, lang="fr") -> str:
    """The summary line of all checks of a store (what `plhgis demo` prints)."""
    return summary(run_checks(store, settings=settings), lang)


def catalogue(settings: Settings | None = None) -> pd.DataFrame:
    """The rules: code, severity, description (with the thresholds of `settings`, the defaults when None)."""
    settings = settings or Settings()
    return pd.DataFrame([{"rule": r.code, "severity": r.severity, "description": r.describe(settings)}
                         for r in RULES.values()])

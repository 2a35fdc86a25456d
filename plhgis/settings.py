"""Workspace settings: every threshold and legal figure the checks use, with its source.

They are read from ``plhgis.toml`` next to the store (``layers/plhgis.toml`` for the default
store), table ``[checks]``; anything absent takes its default. Legal figures change with the law:
each one names the article it comes from, so the day the law changes the fix is one line of
TOML, never a code change::

    [checks]
    plh_start = 2023
    plh_end = 2028
    target_under = 0.8
    vat_band_m = 300

    [checks.density_min]          # logements/ha by polarity (armature urbaine), when the
    "pôle urbain" = 45            # commune's own density_min field is empty

Other tables of ``plhgis.toml`` belong to other modules and are left alone.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path

from . import lazy
from .labels import Msg
from .errors import PlhgisError

pd = lazy.module("pandas")

SETTINGS_FILE = "plhgis.toml"
TABLE = "checks"


class SettingsError(PlhgisError, ValueError):
    """plhgis.toml holds a setting plhgis does not know, or a value of the wrong type."""


def _s(default, source, doc):
    return field(default=default, metadata={"source": source, "doc": doc})


CCH_L302_5 = "CCH art. L302-5 I (loi SRU, art. 55, as amended by loi 3DS n° 2022-217)"
CCH_L302_8 = "CCH art. L302-8 (loi 3DS n° 2022-217, art. 68)"
CGI_278 = "CGI art. 278 sexies III 2° (TVA à 5,5 % en accession, QPV)"
PLH_PERIOD = "CCH art. L302-1 (PLH adopted for six years) — the dates of the EPCI's PLH"
OBSERVATORY = "PLH action « observatoire de l'habitat et du foncier » (CCH art. L302-1 III): alert threshold"
RECONCILE = ("PLH action « observatoire de l'habitat et du foncier » (CCH art. L302-1 III): Sitadel permits "
             "matched to the schemes (plhgis reconcile default, measured on the real Toulouse permits)")
DATA_CHECK = "PLH action « observatoire de l'habitat et du foncier » (CCH art. L302-1 III): data-entry check"
CCH_L302_8_3DS = ("CCH art. L302-8 in force since 23 Feb 2022 (loi 3DS n° 2022-217, art. 68; Légifrance "
                  "LEGIARTI000045211201)")
UNCONFIRMED = " — NOT CONFIRMED against the article text (sections VII to X not found); check with the DDT(M)"
CCH_L302_5_IV = "CCH art. L302-5 IV (what the SRU inventory counts)" + UNCONFIRMED
C_URB_L111_24 = ("Code de l'urbanisme art. L111-24 = CCH L302-9-1-2 (commune carencée by an arrêté CCH L302-9-1; "
                 "800 m² of floor area for housing: CE 11 Feb 2025 n° 491009)")
NPNRU_RGA = ("Règlement général de l'ANRU relatif au NPNRU (RGA): reconstitution de l'offre hors QPV, "
             "PLAI majoritaires" + UNCONFIRMED)


@dataclass(frozen=True)
class Settings:
    """The named thresholds of the checks and of the targets figures."""

    # PLH period
    plh_start: int | None = _s(None, PLH_PERIOD, "first year of the PLH (default: from the targets layer)")
    plh_end: int | None = _s(None, PLH_PERIOD, "last year of the PLH (default: from the targets layer)")
    midterm_year: int | None = _s(None, "CCH art. L302-3 (bilan à mi-parcours)",
                                  "last year counted at mid-term (default: third year of the PLH)")
    reference_year: int | None = _s(None, CCH_L302_8 + " I (triennial periods)",
                                    "the year 'now' for SRU periods (default: this year)")
    # targets
    target_under: float = _s(0.80, OBSERVATORY, "pipeline below this share of the PLH target: TARGET-UNDER")
    target_over: float = _s(1.20, OBSERVATORY, "pipeline above this share of the PLH target: TARGET-OVER")
    lls_under: float = _s(0.80, OBSERVATORY, "social rent below this share of the LLS target: LLS-UNDER")
    lls_high_share: float = _s(0.40, "PLH de la CA de Lens-Liévin (orientation mixité sociale)",
                               "social-rent share of main residences above which new LLS needs a justification")
    # SRU
    sru_rate_high: float = _s(0.25, CCH_L302_5, "the legal SRU rate (share of main residences); a liable "
                              "commune's rate is 0, this or sru_rate_low, never assumed when blank")
    sru_rate_low: float = _s(0.20, CCH_L302_5 + " (20 % for the communes a decree lists)",
                             "the reduced legal SRU rate: a commune's rate must be 0, this or sru_rate_high")
    sru_catchup_rate: float = _s(0.33, CCH_L302_8_3DS + " VII (confirmed: 'un tiers' in the 3DS debates)",
                                 "share of the missing social homes to finance per triennial period")
    sru_catchup_mid_gap: float = _s(0.04, CCH_L302_8_3DS + " VII" + UNCONFIRMED,
                                    "rate gap (legal rate minus the commune's) at or below which the catch-up "
                                    "is sru_catchup_mid_rate")
    sru_catchup_mid_rate: float = _s(0.50, CCH_L302_8_3DS + " VII" + UNCONFIRMED,
                                     "catch-up share when the commune is near its rate (gap ≤ sru_catchup_mid_gap)")
    sru_catchup_near_gap: float = _s(0.02, CCH_L302_8_3DS + " VII" + UNCONFIRMED,
                                     "rate gap at or below which the whole gap is to finance")
    sru_catchup_near_rate: float = _s(1.00, CCH_L302_8_3DS + " VII" + UNCONFIRMED,
                                      "catch-up share when the gap is ≤ sru_catchup_near_gap")
    sru_catchup_new_rate: float = _s(0.15, CCH_L302_8_3DS + " VIII (first full triennial period of a "
                                           "newly liable commune; 25 % the second)" + UNCONFIRMED,
                                     "catch-up share of a commune newly liable to SRU")
    sru_catchup_cms_rate: float = _s(0.25, "CCH art. L302-8-1 (contrat de mixité sociale; 'un quart' in the 3DS "
                                           "debates); the contract's own rate prevails: import the notified "
                                           "objective", "catch-up share under a contrat de mixité sociale")
    pls_max_share_low: float = _s(0.20, CCH_L302_8_3DS + " III (commune under 10 % of social rent, no PLH)",
                                  "PLS at most this share when the commune has under pls_low_stock_rate of "
                                  "social rent and no PLH")
    pls_low_stock_rate: float = _s(0.10, CCH_L302_8_3DS + " III", "social-rent rate under which PLS is held to "
                                                                  "pls_max_share_low")
    psla_count_years: int = _s(5, CCH_L302_5_IV, "PSLA homes stay in the inventory this many years after "
                                                 "purchase (assumed at delivery)")
    hlm_sold_years: int = _s(10, CCH_L302_5_IV, "HLM homes sold to their occupants stay in the inventory this "
                                                "many years after the sale")
    sru_equivalence: dict = _s(None, CCH_L302_5_IV, "homes counted per bed, place or pitch of each kind of "
                                                    "specific residence")
    carence_min_homes: int = _s(12, C_URB_L111_24, "collective schemes above this many homes must hold "
                                                   "carence_lls_share of PLAI/PLUS in a commune carencée")
    carence_min_floor_m2: float = _s(800.0, C_URB_L111_24, "… or above this floor area (m²)")
    carence_lls_share: float = _s(0.30, C_URB_L111_24, "PLAI/PLUS share of the family homes (PLS excluded)")
    anru_plai_min_share: float = _s(0.60, NPNRU_RGA, "PLAI at least this share of the rebuilt social rent")
    sru_period_start: int = _s(2002, CCH_L302_8 + " I", "triennial periods run in threes from 1 January 2002")
    plai_min_share: float = _s(0.30, CCH_L302_8 + " III", "PLAI at least this share of the social rent to produce")
    pls_max_share: float = _s(0.30, CCH_L302_8 + " III", "PLS at most this share of the social rent to produce")
    # QPV
    vat_band_m: float = _s(300.0, CGI_278 + " a", "reduced-VAT band around a QPV: the scheme entirely "
                                                 "within it (metres)")
    vat_band_npnru_m: float = _s(500.0, CGI_278 + " b", "reduced-VAT band around an NPNRU quarter: the scheme "
                                                       "entirely within it and partly within vat_band_m (metres)")
    qpv_share_max: float = _s(0.25, "CCH art. L302-1 II (the PLH's orientations for its QPV): threshold of the PLH",
                              "share of a commune's programmed homes in QPV above which QPV-SHARE fires")
    # priority sectors
    sector_share_min: float = _s(0.50, "CCH art. L302-1 IV (programme of actions by commune and sector): "
                                       "threshold of the PLH",
                                 "share of programmed homes inside priority sectors below which SECTOR-SHARE fires")
    # PLU, density, ZAN
    oap_min_area_m2: float = _s(5000.0, "C. urb. art. L151-6 and L151-7 (OAP): threshold of the PLUi",
                                "site area from which an OAP is expected")
    oap_min_cover: float = _s(0.5, "C. urb. art. R151-20 (an AU zone opens through OAP covering it): threshold of "
                                   "the PLU review; a site or zone counts as covered from this share of its area",
                              "share of a site's or AU zone's area an OAP must cover (checks and PLU review alike)")
    sms_min_homes: int = _s(12, "C. urb. art. L151-15 (secteur de mixité sociale): threshold of the PLU",
                            "schemes from this size must meet the SMS share")
    au_net_share: float = _s(0.75, "C. urb. art. R151-20 (zones AU) and L151-7 (OAP): net share set by the PLU review",
                             "share of an AU zone left for housing once roads and public space are set aside "
                             "(PLU review)")
    zoning_min_cover: float = _s(0.5, "C. urb. art. L153-1 (a PLU covers the whole territory): data-entry check",
                                 "share of the commune a zoning file must cover for the PLU review to accept it "
                                 "as that commune's plan")
    density_min: dict = _s(None, "SCoT (armature urbaine); demo values — set those of your SCoT",
                           "minimum homes/ha by polarity, when the commune's density_min is empty")
    # data
    year_min: int = _s(2000, DATA_CHECK, "earliest sane permit/start/delivery year")
    year_max: int = _s(2045, DATA_CHECK, "latest sane permit/start/delivery year")
    duplicate_distance_m: float = _s(15.0, DATA_CHECK, "two schemes of one commune closer than this: DATA-DUPLICATE")
    polarity_levels: dict = _s(None, "SCoT (armature urbaine): the territory's own levels, ranked",
                               "the polarity levels of the territory (level = rank, 1 the highest)")
    # building permits (Sitadel) and plhgis reconcile
    permit_homes_tolerance: float = _s(0.20, RECONCILE, "a permit and a scheme agree on homes within this share "
                                                    "(and at least 2 homes): reconcile and PERMIT-HOMES")
    permit_distance_m: float = _s(300.0, RECONCILE, "a permit placed on its parcels farther than this from a scheme "
                                                "is no location match")
    permit_delay_years: int = _s(2, DATA_CHECK, "a scheme 'PC accordé' this many years ago with no permit: PERMIT-MISSING")
    permit_match_confident: float = _s(0.80, RECONCILE, "match score from which reconcile proposes the link "
                                                    "(below: review queue)")
    permit_match_review: float = _s(0.50, RECONCILE, "match score below which a pair is no candidate")

    def __post_init__(self):
        for name, default in (("density_min", DEFAULT_DENSITY), ("sru_equivalence", DEFAULT_EQUIVALENCE),
                              ("polarity_levels", DEFAULT_POLARITY)):
            if getattr(self, name) is None:
                object.__setattr__(self, name, dict(default))

    # derived values
    def year_now(self) -> int:
        return self.reference_year or date.today().year

    def period(self, targets=None) -> tuple[int, int, int]:
        """(start, end, midterm year) of the PLH: the settings, else the targets layer, else 2023–2028."""
        start, end = self.plh_start, self.plh_end
        if (start is None or end is None) and targets is not None and len(targets):
            latest = targets.dropna(subset=["period_start"]).sort_values("period_start").iloc[-1:]
            if len(latest):
                start = start or int(latest.period_start.iloc[0])
                end = end or int(latest.period_end.iloc[0] if latest.period_end.notna().all() else start + 5)
        start = start or 2023
        end = end or start + 5
        midterm = self.midterm_year or start + (end - start + 1) // 2 - 1
        return start, end, midterm

    def triennial(self) -> tuple[int, int]:
        """The SRU triennial period holding `reference_year` (2023–2025, 2026–2028, …)."""
        year = self.year_now()
        start = self.sru_period_start + (year - self.sru_period_start) // 3 * 3
        return start, start + 2

    def density_for(self, polarity) -> float | None:
        return self.density_min.get(polarity) if isinstance(polarity, str) else None


DEFAULT_DENSITY = {"pôle urbain": 40.0, "pôle relais": 30.0, "pôle de proximité": 25.0, "commune rurale": 18.0}
DEFAULT_POLARITY = {"pôle urbain": 1.0, "pôle relais": 2.0, "pôle de proximité": 3.0, "commune rurale": 4.0}
DEFAULT_EQUIVALENCE = {"résidence autonomie": 1 / 3, "résidence étudiante": 1 / 3, "FJT": 1 / 3,
                       "pension de famille": 1.0, "résidence sociale": 1.0,
                       "aire d'accueil des gens du voyage": 1.0, "terrain familial locatif": 1.0, "autre": 0.0}
TABLES = {"density_min": DEFAULT_DENSITY, "sru_equivalence": DEFAULT_EQUIVALENCE, "polarity_levels": DEFAULT_POLARITY}


def settings_path(store_path_or_store) -> Path:
    path = getattr(store_path_or_store, "url", None) or getattr(store_path_or_store, "path", store_path_or_store)
    if str(path).startswith(("postgresql:", "postgres:")):  # a PostGIS store: the workspace's layers/ folder
        return Path("layers") / SETTINGS_FILE
    return Path(path).parent / SETTINGS_FILE


def load_settings(store_path_or_store) -> Settings:
    """The settings of the workspace of this store (defaults when there is no plhgis.toml)."""
    path = settings_path(store_path_or_store)
    if not path.exists():
        return Settings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(Msg("err.toml", why=exc), file=str(path), hint=Msg("hint.toml")) from None
    return from_dict(data.get(TABLE, {}), file=str(path))


def from_dict(values: dict, file=None) -> Settings:
    """Settings from a mapping of overrides, each checked against its default's type."""
    known = {f.name: f for f in fields(Settings)}
    changes = {}
    for key, value in values.items():
        if key not in known:
            raise SettingsError(Msg("err.unknown_setting"), file=file, field=key, value=value,
                                hint=Msg("hint.known_settings", names=", ".join(known)))
        if key in TABLES:
            if not isinstance(value, dict) or not all(isinstance(v, (int, float)) for v in value.values()):
                raise SettingsError(Msg("err.setting_table"), file=file, field=key,
                                    hint=Msg("hint.setting_table", key=key, first=next(iter(TABLES[key]))))
            value = {k: float(v) for k, v in value.items()}
            if key != "polarity_levels":  # the territory's own levels replace the defaults
                value = {**TABLES[key], **value}
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SettingsError(Msg("err.setting_number"), file=file, field=key, value=value,
                                hint=known[key].metadata["doc"])
        else:
            _check_range(key, value, str(known[key].type), file)
        changes[key] = value
    return replace(Settings(), **changes)


SHARES = re.compile(r"(share|rate|cover|tolerance)|^(target_under|target_over|lls_under)$")


def _check_range(key, value, annotation, file):
    """Numbers that cannot be: negative figures, fractional years or counts, shares above 1."""
    if value < 0:
        raise SettingsError(Msg("err.setting_negative"), file=file, field=key, value=value)
    if annotation.startswith("int") and value != int(value):
        raise SettingsError(Msg("err.setting_whole"), file=file, field=key, value=value)
    if SHARES.search(key) and key != "target_over" and value > 1:
        raise SettingsError(Msg("err.setting_share"), file=file, field=key, value=value, hint=Msg("hint.share"))


def shown(settings: Settings) -> dict[str, str]:
    """Each number setting as a sentence writes it: 80 %, 300, 5 000 (for texts that quote a threshold)."""
    out = {}
    for f in fields(Settings):
        value = getattr(settings, f.name)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        if SHARES.search(f.name):
            out[f.name] = f"{100 * value:g} %"
        else:
            out[f.name] = f"{value:,.0f}".replace(",", "\u202f") if value == int(value) else f"{value:g}"
    return out


def describe(settings: Settings) -> pd.DataFrame:
    """Each setting: name, value, default, meaning and source (for `plhgis settings`)."""
    default = Settings()
    return pd.DataFrame([{"setting": f.name, "value": _show(getattr(settings, f.name)),
             "default": _show(getattr(default, f.name)), "meaning": f.metadata["doc"],
             "source": f.metadata["source"]} for f in fields(Settings)])


def toml_template(settings: Settings) -> str:
    """A plhgis.toml with every setting, commented out unless it differs from its default."""
    default = Settings()
    lines = ["# plhgis workspace settings: uncomment a line to change a threshold.",
             "# `plhgis settings` lists them with their current values.", "", f"[{TABLE}]"]
    tables = []
    for f in fields(Settings):
        value, mark = getattr(settings, f.name), "" if getattr(settings, f.name) != getattr(default, f.name) else "# "
        comment = f"  # {f.metadata['doc']} — {f.metadata['source']}"
        if isinstance(value, dict):
            tables.append(f"\n# {f.metadata['doc']} — {f.metadata['source']}\n{mark}[{TABLE}.{f.name}]")
            tables += [f'{mark}"{k}" = {v:.6g}' for k, v in value.items()]
        elif value is None:
            lines.append(f"# {f.name} = ...{comment}")
        else:
            lines.append(f"{mark}{f.name} = {value!r}{comment}")
    return "\n".join(lines + tables) + "\n"


def _show(value):
    if isinstance(value, dict):
        return ", ".join(f"{k} {v:.3g}" for k, v in value.items())
    return "" if value is None else value

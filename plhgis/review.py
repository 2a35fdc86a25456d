"""The local-plan review (*avis PPA sur le PLU*): can the zoning carry the commune's PLH target?

Reads a CNIG ``ZONE_URBA`` file (2014 or 2017 standard, field names in any case) and, when
given, a ``PRESCRIPTION_SURF`` file, and sets them against the store: the commune's target and
pipeline, its plots and friches, its schemes. The figures:

- housing capacity of the U zones (plots and friches no scheme uses yet, at their capacity) and
  of the AU zones (area × `au_net_share` × the polarity's minimum density), vs the remaining need;
- AU area vs the area the need calls for (too much extension for ZAN?);
- schemes on A or N zones; schemes and plots over `oap_min_area_m2` with no OAP; AU zones with
  no OAP (Code de l'urbanisme R151-20);
- social-mix sectors (prescription 17-00) vs the schemes inside them.

`review_plu()` returns a plain dict (what `--format json` prints); `render_text()` writes the
report a planner can paste into the EPCI's opinion.
"""
from __future__ import annotations

import json
import math
import re

from . import lazy
from . import io, schema
from .labels import Msg, shown
from .errors import InputFileError, PlhgisError
from .targets import progress, sms_share
from .territory import Territory, covered, first_within, pick

gpd = lazy.module("geopandas")
np = lazy.module("numpy")
pd = lazy.module("pandas")

ZONE_TYPES = {schema.fold(z): z for z in schema.TYPEZONE}


def _lower(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    geom = frame.geometry.name
    return frame.rename(columns={c: c.lower() for c in frame.columns if c != geom})


def read_plu_layer(path, store_crs, insee, *, required=("typezone", "libelle"), crs=None, outline=None):
    """A CNIG PLU layer of one commune in the store CRS, with lower-case field names, and notes.

    The commune's features are those its INSEE field or its IDURBA names; a file that names no
    commune (a PLUi's IDURBA starts with the EPCI's SIREN) is clipped to the commune's `outline`.
    """
    frame, rows = io.read_geodata(path, crs=crs)
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputFileError(Msg("err.no_geometry"), file=str(path), hint=Msg("hint.cnig_layer"))
    frame = _lower(io.to_store_crs(frame, store_crs, file=str(path), rows=rows))
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputFileError(Msg("err.no_field", fields=", ".join(c.upper() for c in missing)), file=str(path),
                             hint=Msg("hint.cnig_fields"))
    notes = []
    codes = set(frame["insee"].dropna().astype(str)) if "insee" in frame else set()
    if codes and insee not in codes:
        raise PlhgisError(Msg("err.no_feature_commune"), file=str(path), value=insee,
                          hint=Msg("hint.insee_holds", codes=", ".join(sorted(codes)[:10])))
    if codes:
        frame = frame[frame["insee"].astype(str).eq(insee)]
    elif "idurba" in frame and frame["idurba"].astype(str).str.startswith(insee).any():
        frame = frame[frame["idurba"].astype(str).str.startswith(insee)]
    elif outline is not None and not outline.is_empty:
        frame = frame.clip(outline)
        frame = frame[~frame.geometry.is_empty & frame.geometry.area.gt(1)]
        notes.append(Msg("note.plu_clipped", path=path, insee=insee))
    else:
        notes.append(Msg("note.plu_whole", path=path, insee=insee))
    return frame.reset_index(drop=True), notes


# CNIG destinations that allow housing: DESTDOMI (2014 standard) 01 habitat, 03 mixte habitat/activité;
# FORMDOMI (2017/2024 registers, FormDomiType) 1xx habitat, 300 mixte; 0/00 "sans objet" says nothing
HOUSING_DESTINATIONS = re.compile(r"^(?:0{1,2}|01|03|1\d\d|300)$")
DESTINATION_FIELDS = ("destdomi", "formdomi")


def _zones(path, store, insee, crs, outline):
    zoning, notes = read_plu_layer(path, store.crs, insee, crs=crs, outline=outline)
    raw = zoning["typezone"].astype(str)
    canon = raw.map(schema.typezone_family)
    for code, n in raw[canon.notna() & (canon != raw)].value_counts().items():
        notes.append(Msg("warn.typezone_family", code=repr(code), family=schema.typezone_family(code), n=n))
    odd = sorted(set(raw[canon.isna()]))
    if odd:
        notes.append(Msg("note.typezone_other", codes=", ".join(odd)))
    zoning["typezone"] = canon.fillna("other")
    zoning["housing"] = _housing_destination(zoning)
    if zoning.empty:
        raise PlhgisError(Msg("err.no_zone"), file=str(path), value=insee, hint=Msg("hint.no_zone"))
    return zoning, notes


def _housing_destination(zones) -> pd.Series:
    """False for a zone whose CNIG destination (DESTDOMI/FORMDOMI) is not housing (economic, leisure…)."""
    field = next((f for f in DESTINATION_FIELDS if f in zones.columns), None)
    if field is None:
        return pd.Series(True, index=zones.index)
    code = zones[field].astype("string").str.strip().fillna("")
    return code.eq("") | code.str.fullmatch(HOUSING_DESTINATIONS.pattern).fillna(False)


def _require_overlap(zones, commune, path, minimum):
    """Refuse a zoning that barely meets the commune: another commune's plan, or a wrong CRS."""
    if commune is None or commune.is_empty:
        return
    cover = zones.geometry.union_all().intersection(commune).area / commune.area
    if cover < minimum:
        raise PlhgisError(Msg("err.zoning_cover", share=f"{cover:.0%}"), file=str(path),
                          value=", ".join(sorted(set(zones.get("idurba", pd.Series(dtype=str)).dropna().astype(str)))),
                          hint=Msg("hint.zoning_cover"))


def _prescriptions(path, store, insee, crs, notes, outline):
    """The file's surface prescriptions, else those of the store for this commune (or None)."""
    if path:
        pr, more = read_plu_layer(path, store.crs, insee, required=("typepsc",), crs=crs, outline=outline)
        notes += more
        source = str(path)
    else:
        pr = store.read("prescriptions", commune=insee)
        source = "store" if len(pr) else None
    if pr is None or not len(pr):
        return None, source
    pr = pr.copy()
    for col in ("libelle", "txt", "lls_share"):
        if col not in pr:
            pr[col] = None
    pr["code"] = pr["typepsc"].astype(str).str.replace(r"\D", "", regex=True).str[:2]
    return pr, source


def _r(x, digits=1):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return round(float(x), digits)


def review_plu(store, insee, zoning, prescriptions=None, *, crs=None, settings=None, territory=None) -> dict:
    """The review of `insee`'s PLU zoning (file path) against the store; a JSON-ready dict."""
    t = territory or Territory(store, settings)
    s = t.settings
    t.require_commune(insee)
    com = t.communes[t.communes["insee"] == insee]
    c = com.iloc[0]
    density = float(c["density"]) if pd.notna(c["density"]) else None
    if not density:
        raise PlhgisError(Msg("err.no_density"), field="density_min", value=insee, hint=Msg("hint.density"))
    zones, notes = _zones(zoning, store, insee, crs, c.geometry)
    _require_overlap(zones, c.geometry, zoning, s.zoning_min_cover)
    pr, pr_source = _prescriptions(prescriptions, store, insee, crs, notes, c.geometry)
    areas = zones.assign(ha=zones.geometry.area / 10000).groupby("typezone")["ha"].sum()
    zones_ha = {z: _r(areas.get(z, 0.0), 2) for z in (*schema.TYPEZONE, "other")}

    row = progress(store, commune=insee, territory=t).iloc[0]
    start, end, _ = t.period
    need = float(row["remaining_need"]) if pd.notna(row["remaining_need"]) else None

    # capacity: U-zone infill (plots and friches nobody uses yet) and AU zones at the density, in the
    # zones whose destination allows housing
    housing = zones[zones["housing"].to_numpy()]
    u = housing[housing["typezone"] == "U"]
    infill = {}
    for layer in ("plots", "friches"):
        f = t.unlinked(layer)
        f = f[f["declared"] == insee]
        inside = first_within(f["pt"].to_numpy(), u) >= 0
        infill[layer] = int(f.loc[inside, "capacity_est"].sum())
    housing_ha = housing.assign(ha=housing.geometry.area / 10000).groupby("typezone")["ha"].sum()
    au = {z: float(housing_ha.get(z, 0.0)) for z in ("AUc", "AUs")}
    not_housing = zones[~zones["housing"].to_numpy() & zones["typezone"].isin(["U", "AUc", "AUs"]).to_numpy()]
    au_cap = {z: int(math.floor(ha * s.au_net_share * density)) for z, ha in au.items()}
    total = infill["plots"] + infill["friches"] + au_cap["AUc"] + au_cap["AUs"]
    after_infill = None if need is None else max(need - infill["plots"] - infill["friches"], 0)
    needed_ha = None if after_infill is None else after_infill / (density * s.au_net_share)
    au_ha = au["AUc"] + au["AUs"]

    # schemes of the commune on A/N zones, large sites with no OAP, SMS sectors
    p = t.projects
    p = p[p["active"] & (p["declared"] == insee)]
    zpos = first_within(p["pt"].to_numpy(), zones)
    ztype = pick(zones, zpos, "typezone")
    on_an = p[np.isin(ztype, ["A", "N"])].assign(zone=pick(zones, zpos, "libelle")[np.isin(ztype, ["A", "N"])])
    schemes_an = [{"id": r["id"], "name": r["name"], "homes": int(r["homes"]), "zone": r["zone"]}
                  for r in on_an.to_dict("records")]
    oap = pr[pr["code"] == "18"] if pr is not None else None
    large, au_no_oap = _without_oap(t, insee, p, zones, oap, s.oap_min_area_m2, s.oap_min_cover)
    sms = _sms(p, pr)
    report = {
        "commune": {"insee": insee, "name": c["name"], "polarity": c["polarity"], "density_min": density},
        "zoning": {"file": str(zoning), "zones": int(len(zones)),
                   "idurba": sorted(set(zones["idurba"].dropna().astype(str))) if "idurba" in zones else [],
                   "prescriptions": pr_source},
        "zones_ha": zones_ha,
        "target": {"period": f"{start}–{end}", "homes_target": _r(row["homes_target"], 0),
                   "expected": _r(row["expected"], 0), "remaining_need": _r(need, 0)},
        "capacity": {"u_infill_plots": infill["plots"], "u_infill_friches": infill["friches"],
                     "auc_ha": _r(au["AUc"], 2), "auc_homes": au_cap["AUc"], "aus_ha": _r(au["AUs"], 2),
                     "aus_homes": au_cap["AUs"], "au_net_share": s.au_net_share, "total": total,
                     "zones_not_housing": [{"zone": r["libelle"], "typezone": r["typezone"],
                                            "ha": _r(r["geometry"].area / 10000, 2)}
                                           for r in not_housing.to_dict("records")],
                     "coverage_of_need": _r(total / need, 2) if need else None},
        "extension": {"au_ha": _r(au_ha, 2), "au_needed_ha": _r(needed_ha, 2),
                      "excess_ha": _r(au_ha - needed_ha, 2) if needed_ha is not None else None,
                      "oversized": bool(needed_ha is not None and au_ha > max(needed_ha, 0) * s.target_over
                                        and au_ha > 0)},
        "schemes_on_a_n": schemes_an,
        "large_sites_without_oap": large,
        "au_zones_without_oap": au_no_oap,
        "social_mix_sectors": sms,
        "notes": [shown(n, "fr") for n in notes],  # the avis is a French document
    }
    return report


def _without_oap(t, insee, projects, zones, oap, limit, share):
    """Schemes and unused plots over the OAP threshold, and AU zones, that OAP do not cover (`share`)."""
    if oap is None:
        return None, None
    out = []
    plots = t.unlinked("plots")
    plots = plots[plots["declared"] == insee]
    for layer, frame, key, area in (("projects", projects, "id", "site_m2_known"), ("plots", plots, "id", "area_m2_geom")):
        size = pd.to_numeric(frame[area], errors="coerce")
        big = frame[(size >= limit).fillna(False).to_numpy() & frame.geometry.notna().to_numpy()]
        big = big.assign(size=size[big.index])
        inside = covered(big.geometry.to_numpy(), oap, share)
        out += [{"layer": layer, "id": r[key], "area_m2": int(round(r["size"]))}
                for r in big[~inside].to_dict("records")]
    au = zones[zones["typezone"].isin(["AUc", "AUs"])]
    inside = covered(au.geometry.to_numpy(), oap, share)
    au_zones = [{"zone": r["libelle"], "typezone": r["typezone"], "ha": _r(r["geometry"].area / 10000, 2)}
                for r in au[~inside].to_dict("records")]
    return out, au_zones


def _sms(projects, pr):
    if pr is None:
        return None
    sms = pr[pr["code"] == "17"]
    if sms.empty:
        return []
    sms = sms.assign(share=sms_share(sms)).reset_index(drop=True)
    pos = first_within(projects["pt"].to_numpy(), sms)
    out = []
    for i, sector in sms.iterrows():
        inside = projects[pos == i]
        schemes = []
        for r in inside.to_dict("records"):
            share = r["social"] / r["homes"] if r["homes"] else None
            schemes.append({"id": r["id"], "name": r["name"], "homes": int(r["homes"]), "lls": int(r["social"]),
                            "lls_share": _r(share, 3),
                            "meets": None if pd.isna(sector["share"]) or share is None else share >= sector["share"]})
        out.append({"sector": sector["libelle"], "required_share": _r(sector["share"], 3), "schemes": schemes})
    return out


def render_json(report: dict) -> str:
    return json.dumps(report, ensure_ascii=False, indent=1, default=str)


# -- the text report -------------------------------------------------------------------------------
def _n(x, digits=0):
    if x is None:
        return "?"
    return f"{x:,.{digits}f}".replace(",", "\u202f").replace(".", ",")


def render_text(report: dict) -> str:
    """The review as French text, one paragraph per question."""
    c, z, tg, cap, ext = (report[k] for k in ("commune", "zones_ha", "target", "capacity", "extension"))
    lines = [f"Avis sur le PLU de {c['name']} ({c['insee']}) — {c['polarity'] or 'polarité non renseignée'}, "
             f"densité minimale {_n(c['density_min'])} logements/ha",
             f"Zonage: {report['zoning']['zones']} zones ({', '.join(report['zoning']['idurba']) or 'sans IDURBA'}); "
             + ", ".join(f"{k} {_n(v, 1)} ha" for k, v in z.items() if v), ""]
    if tg["homes_target"] is None:
        lines.append(f"Objectif PLH {tg['period']}: aucun objectif n'est saisi pour la commune.")
    else:
        lines.append(f"Objectif PLH {tg['period']}: {_n(tg['homes_target'])} logements; {_n(tg['expected'])} déjà "
                     f"attendus dans les opérations recensées; reste à produire: {_n(tg['remaining_need'])}.")
    lines.append(f"Capacité du PLU: {_n(cap['u_infill_plots'])} logements en dents creuses et "
                 f"{_n(cap['u_infill_friches'])} en friches dans les zones U; zones AUc {_n(cap['auc_ha'], 2)} ha, "
                 f"soit {_n(cap['auc_homes'])} logements; zones AUs {_n(cap['aus_ha'], 2)} ha, soit "
                 f"{_n(cap['aus_homes'])} logements ({_n(100 * cap['au_net_share'])} % de surface cessible). "
                 f"Total {_n(cap['total'])} logements"
                 + (f", {_n(100 * cap['coverage_of_need'])} % du besoin restant." if cap["coverage_of_need"]
                    is not None else "."))
    other = cap.get("zones_not_housing") or []
    if other:
        lines.append("Zones U/AU à destination autre que l'habitat (DESTDOMI/FORMDOMI), sans capacité comptée: "
                     + "; ".join(f"{o['zone']} ({o['typezone']}, {_n(o['ha'], 2)} ha)" for o in other) + ".")
    if ext["au_needed_ha"] is not None:
        verdict = ("les zones AU excèdent le besoin: extension à réduire au regard du ZAN"
                   if ext["oversized"] else "les zones AU restent proportionnées au besoin")
        lines.append(f"Extension: {_n(ext['au_ha'], 2)} ha de zones AU pour un besoin, après renouvellement, de "
                     f"{_n(ext['au_needed_ha'], 2)} ha: {verdict}.")
    an = report["schemes_on_a_n"]
    lines.append("Opérations en zone A ou N: " + ("aucune." if not an else "; ".join(
        f"{s['id']} « {s['name']} » ({s['homes']} logements, zone {s['zone']})" for s in an) + "."))
    if report["large_sites_without_oap"] is None:
        lines.append("OAP: aucune prescription fournie (--prescriptions), non vérifié.")
    else:
        big, au = report["large_sites_without_oap"], report["au_zones_without_oap"]
        lines.append("Sites de plus de 5 000 m² sans OAP: " + ("aucun." if not big else "; ".join(
            f"{b['id']} ({_n(b['area_m2'])} m²)" for b in big) + "."))
        lines.append("Zones AU sans OAP (R151-20 C. urb.): " + ("aucune." if not au else "; ".join(
            f"{a['zone']} ({_n(a['ha'], 2)} ha)" for a in au) + "."))
    sms = report["social_mix_sectors"]
    if sms:
        for sector in sms:
            req = sector["required_share"]
            head = f"Secteur de mixité sociale « {sector['sector']} » ({_n(100 * req) + ' % de LLS' if req else 'part non lue'}): "
            lines.append(head + ("aucune opération." if not sector["schemes"] else "; ".join(
                f"{s['id']} {_n(100 * (s['lls_share'] or 0))} % {'conforme' if s['meets'] else 'non conforme'}"
                for s in sector["schemes"]) + "."))
    for note in report["notes"]:
        lines.append(f"Note: {note}")
    return "\n".join(lines)

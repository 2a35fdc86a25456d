"""Tie the building permits (Sitadel) to the schemes of the project table.

Each permit of 5 homes or more (not cancelled) is matched to a scheme in passes of decreasing
certainty, each pair with a score and the reason:

1. **number**: the scheme's `permit_number` is the permit's (score 1);
2. **parcels**: the permit's parcels overlap the scheme's footprint (or hold its point);
3. **location**: same commune, homes within `permit_homes_tolerance`, then the applicant (social
   landlords by SIREN, others by name), the distance (for permits placed on their parcels) and the
   permit year add to the score.

Pairs are taken best first, one permit per scheme. From `permit_match_confident` a pair is a
link: the scheme takes the permit number, and its status, years and dates follow the permit's
(authorised → "PC accordé", permit_year and permit_date; works started → "travaux", start_year and
doc_date; completed → "livré", delivery_year and daact_date; a status never moves back). Below, down
to `permit_match_review`, it goes to the review queue (the `permit_matches` layer) for `accept` or
`reject`. The permits no scheme matches can become schemes (`new_schemes`, `reconcile --create`).
Every change goes through `store.apply`, so the history says which permit file moved what.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import edits, schema
from .labels import Msg
from .errors import NotFoundError, PlhgisError
from .settings import Settings, load_settings
from .store import Change

MIN_HOMES = 5
PAST_PC = ("PC accordé", "travaux", "livré")
RANK = {s: i for i, s in enumerate(schema.PROJECT_STATUS)}
STEPS = (("date_completed", "livré", "delivery_year"), ("date_started", "travaux", "start_year"),
         ("date_authorised", "PC accordé", "permit_year"))
# the permit's dates a scheme keeps, where the schema has the field (authorised, DOC, DAACT)
DATES = {d: f for d, f in (("date_authorised", "permit_date"), ("date_started", "doc_date"),
                           ("date_completed", "daact_date")) if f in schema.PROJECTS.columns}


@dataclass
class Reconciliation:
    """What reconcile found: links (with the scheme changes), the review queue, new schemes, the report."""

    matches: pd.DataFrame  # num_dau, project_id, commune, score, pass, reason, confident
    plan: edits.Plan  # the scheme changes of the confident links
    queue: edits.Plan  # permit_matches rows to write (links and pairs to review)
    unmatched: pd.DataFrame  # permits of 5+ homes with no scheme: proposed as new schemes
    report: pd.DataFrame  # per commune: shares linked
    sources: dict = field(default_factory=dict)  # num_dau → the file the permit came from


def norm_number(values: pd.Series) -> pd.Series:
    """'PC 031 555 13 C0302' → '03155513C0302': the key permit numbers are compared on."""
    text = values.astype("string").str.upper().str.replace(r"[^0-9A-Z]", "", regex=True)
    return text.str.replace(r"^(PC|DP|PA)(?=\d)", "", regex=True)


def _fold_words(values: pd.Series) -> list[set]:
    """Each value's words of 3+ letters, folded (a list of sets: Arrow-backed text would turn sets into lists)."""
    return [set(re.findall(r"[a-z0-9]{3,}", schema.fold(v))) for v in values.astype("string").fillna("").tolist()]


def _permits(store, commune):
    permits = store.read("permits", commune=commune)
    big = (permits["homes_total"].fillna(0) >= MIN_HOMES) & (permits["status"] != "annulé")
    return permits[big.to_numpy()].reset_index(drop=True)


def _schemes(store, commune):
    schemes = store.read("projects", commune=commune)
    return schemes[schemes["status"] != "abandonné"].reset_index(drop=True)


def _homes_ok(a, b, tol):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.abs(a - b) <= np.maximum(2, tol * np.maximum(a, b))


def pass_number(permits, schemes):
    """Pairs whose permit number is the scheme's."""
    key = norm_number(schemes["permit_number"])
    s = schemes.assign(_key=key)[key.notna().to_numpy()]
    pairs = permits[["num_dau"]].merge(s[["id", "_key"]], left_on="num_dau", right_on="_key")
    return pd.DataFrame({"num_dau": pairs["num_dau"], "project_id": pairs["id"], "score": 1.0,
                         "pass": "number", "reason": "numéro de permis"})


def pass_parcels(store, permits, schemes, tol):
    """Pairs whose permit parcels overlap the scheme's footprint (or hold its point)."""
    empty = pd.DataFrame(columns=["num_dau", "project_id", "score", "pass", "reason"])
    if not store.count("parcels") or permits["parcels"].isna().all():
        return empty
    refs = permits[["num_dau", "parcels"]].dropna().assign(idu=lambda f: f["parcels"].str.split("|")).explode("idu")
    parcels = store.read("parcels", ids=set(refs["idu"]))
    refs = refs.merge(parcels[["id", "geometry"]], left_on="idu", right_on="id")
    if refs.empty:
        return empty
    foot = refs.groupby("num_dau")["geometry"].agg(lambda g: shapely.union_all(g.to_numpy()))
    geoms = schemes.geometry.to_numpy()
    tree = shapely.STRtree(geoms)
    left, right = tree.query(foot.to_numpy(), predicate="intersects")
    if not len(left):
        return empty
    pf, sg = foot.to_numpy()[left], geoms[right]
    inter = shapely.area(shapely.intersection(pf, sg))
    smaller = np.minimum(shapely.area(pf), np.where(shapely.area(sg) > 0, shapely.area(sg), np.inf))
    share = np.where(shapely.area(sg) > 0, inter / np.maximum(smaller, 1e-9), 1.0)  # a point inside: 1
    cols = ["homes_total", "applicant", "applicant_siren", "date_authorised"]
    pairs = permits.set_index("num_dau").loc[foot.index[left], cols].rename(columns={"homes_total": "ph"})
    pairs = pairs.reset_index(drop=True).assign(**{c: schemes[c].to_numpy()[right]
                                                   for c in ("operator", "permit_year")},
                                                sh=schemes["homes_total"].to_numpy(float)[right])
    homes_p, homes_s = pairs["ph"].to_numpy(float), pairs["sh"].to_numpy(float)
    ok = _homes_ok(homes_p, homes_s, tol)
    closeness, applicant, year_ok = _agreement(pairs, tol)  # tie-breakers between permits of one site
    score = np.clip(0.7 + 0.1 * np.minimum(share, 1) + np.where(ok, 0.1, -0.25) + 0.05 * closeness
                    + 0.03 * applicant + 0.02 * year_ok, 0, 1)
    keep = share >= 0.1
    reason = [f"parcelles ({100 * min(s, 1):.0f} % d'emprise commune), logements {int(a)} / {int(b)}"
              for s, a, b in zip(share[keep], homes_p[keep], homes_s[keep])]
    return pd.DataFrame({"num_dau": foot.index[left][keep], "project_id": schemes["id"].to_numpy()[right][keep],
                         "score": np.round(score[keep], 3), "pass": "parcels", "reason": reason})


def _agreement(pairs, tol):
    """(homes closeness 0–1, same applicant, permit year within 1) of permit/scheme pairs
    (columns ph, sh, applicant, applicant_siren, operator, date_authorised, permit_year)."""
    diff = np.abs(pairs["ph"].to_numpy(float) - pairs["sh"].to_numpy(float))
    closeness = np.clip(1 - diff / np.maximum(2, tol * np.maximum(pairs["ph"], pairs["sh"]).to_numpy(float)), 0, 1)
    op = pairs["operator"].astype("string").fillna("")
    siren = pairs["applicant_siren"].astype("string")
    by_siren = siren.notna() & pd.Series([bool(a) and a in b for a, b in zip(siren.fillna(""), op)], index=pairs.index)
    words_a, words_o = _fold_words(pairs["applicant"]), _fold_words(op)
    by_name = pd.Series([len(a & b) >= 1 for a, b in zip(words_a, words_o)], index=pairs.index)
    year = pd.to_datetime(pairs["date_authorised"], errors="coerce").dt.year.to_numpy(float)
    year_ok = np.abs(year - pairs["permit_year"].to_numpy(float)) <= 1
    return closeness, (by_siren | by_name).to_numpy(), year_ok


def pass_location(permits, schemes, s: Settings):
    """Same commune and homes within the tolerance; the applicant, the distance and the year add to the score."""
    p = permits[["num_dau", "commune", "homes_total", "applicant", "applicant_siren", "date_authorised",
                 "located", "geometry"]].rename(columns={"geometry": "pg", "homes_total": "ph"})
    q = schemes[["id", "commune", "homes_total", "operator", "permit_year", "geometry"]].rename(
        columns={"geometry": "sg", "homes_total": "sh"})
    pairs = p.merge(q, on="commune")
    pairs = pairs[_homes_ok(pairs["ph"], pairs["sh"], s.permit_homes_tolerance)]
    if pairs.empty:
        return pd.DataFrame(columns=["num_dau", "project_id", "score", "pass", "reason"])
    closeness, applicant, year_ok = _agreement(pairs, s.permit_homes_tolerance)
    on_parcels = (pairs["located"] == "parcelles").to_numpy()
    dist = shapely.distance(pairs["pg"].to_numpy(), pairs["sg"].to_numpy())
    dist = np.where(on_parcels, dist, np.nan)
    near = np.where(np.isnan(dist), 0.0, np.clip(1 - dist / s.permit_distance_m, 0, 1))
    far = on_parcels & (dist > s.permit_distance_m)
    score = 0.3 + 0.2 * closeness + 0.2 * applicant + 0.2 * near + 0.1 * year_ok
    score = np.clip(np.where(far, score - 0.3, score), 0, 1)
    reason = [f"commune, logements {int(a)} / {int(b)}" + (", demandeur" if ap else "")
              + (f", à {d:.0f} m" if d == d else "") + (", année du permis" if y else "")
              for a, b, ap, d, y in zip(pairs["ph"], pairs["sh"], applicant, dist, year_ok)]
    return pd.DataFrame({"num_dau": pairs["num_dau"].to_numpy(), "project_id": pairs["id"].to_numpy(),
                         "score": np.round(score, 3), "pass": "location", "reason": reason})


def _greedy(c: pd.DataFrame) -> pd.DataFrame:
    """Exact greedy one-to-one: walk the pairs best first, take those whose permit and scheme are both free."""
    used_p, used_s, keep = set(), set(), []
    for i, (p, s) in enumerate(zip(c["num_dau"], c["project_id"])):
        if p not in used_p and s not in used_s:
            used_p.add(p)
            used_s.add(s)
            keep.append(i)
    return c.iloc[keep].reset_index(drop=True)


def scheme_changes(permit: dict, scheme: dict) -> dict:
    """The fields a scheme takes from its permit: number, status (never backwards), years and dates."""
    after = {}
    if scheme.get("permit_number") != permit["num_dau"]:
        after["permit_number"] = permit["num_dau"]
    if permit.get("status") == "annulé":
        return after
    for date_col, status, year_col in STEPS:
        day = permit.get(date_col)
        if not day:
            continue
        year = int(str(day)[:4])
        if scheme.get(year_col) != year:
            after[year_col] = year
        if date_col in DATES and scheme.get(DATES[date_col]) != str(day)[:10]:
            after[DATES[date_col]] = str(day)[:10]
        current = scheme.get("status")
        if current not in ("abandonné",) and RANK.get(status, 0) > RANK.get(current, -1) and "status" not in after:
            after["status"] = status
    return after


def reconcile(store, commune=None, settings: Settings | None = None) -> Reconciliation:
    """Match the permits to the schemes; nothing is written (see `apply`)."""
    s = settings or load_settings(store)
    permits, schemes = _permits(store, commune), _schemes(store, commune)
    decided = store.read("permit_matches", commune=commune)
    rejected = set(decided.loc[decided["state"] == "rejeté", "id"])
    accepted = set(decided.loc[decided["state"] == "accepté", "id"])
    parts = [pass_number(permits, schemes), pass_parcels(store, permits, schemes, s.permit_homes_tolerance),
             pass_location(permits, schemes, s)]
    parts = [p for p in parts if len(p)]
    cols = ["num_dau", "project_id", "score", "pass", "reason"]
    candidates = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
    candidates = candidates[candidates["score"] >= s.permit_match_review]
    order = {"number": 0, "parcels": 1, "location": 2}
    candidates = candidates.assign(_p=candidates["pass"].map(order)).sort_values(
        ["score", "_p"], ascending=[False, True], kind="stable").drop(columns="_p")
    candidates = candidates[~(candidates["num_dau"] + ":" + candidates["project_id"]).isin(rejected)]
    matches = _greedy(candidates)
    ids = matches["num_dau"] + ":" + matches["project_id"]
    matches["commune"] = matches["num_dau"].map(dict(zip(permits["num_dau"], permits["commune"])))
    matches["confident"] = (matches["score"] >= s.permit_match_confident) | ids.isin(accepted)
    matches.insert(0, "id", ids)
    sources = _sources(store, permits[permits["num_dau"].isin(matches["num_dau"])])
    plan = _scheme_plan(matches[matches["confident"]], permits, schemes, sources)
    queue = _queue_plan(store, matches, decided)
    unmatched = permits[~permits["num_dau"].isin(matches["num_dau"])]
    unmatched = pd.DataFrame(unmatched[["num_dau", "commune", "homes_total", "homes_social_rent", "applicant",
                                        "date_authorised", "date_started", "date_completed", "status", "address",
                                        "updated_at", "geometry"]]).reset_index(drop=True)
    links = matches[matches["confident"]]
    return Reconciliation(matches, plan, queue, unmatched, commune_report(permits, schemes, links), sources)


def new_schemes(store, result: Reconciliation) -> edits.Plan:
    """The permits of 5+ homes no scheme matches (not even for review), as new schemes: status, years and
    dates from the permit, placed where the permit is, the permit file as their source."""
    u = result.unmatched
    if u.empty:
        return edits.Plan("projects", source="reconcile --create")
    files = _sources(store, u)
    rows = []
    for r in u.to_dict("records"):
        num, social = r["num_dau"], _val(r.get("homes_social_rent"))
        address = r["address"] if isinstance(r.get("address"), str) else None
        row = {"name": f"{_street(address) if address else 'Opération'} (permis {num})", "commune": r["commune"],
               "homes_total": int(r["homes_total"]), "operator": r["applicant"], "address": address,
               "permit_number": num, "status": "PC accordé", "source": f"permis {num} ({files.get(num, '?')})",
               "comment": f"créée depuis le permis {num}" + (f", dont {social} logements locatifs sociaux "
                                                            "à ventiler PLAI/PLUS/PLS" if social else "")}
        for date_col, status, year_col in reversed(STEPS):  # authorised, started, completed
            day = r.get(date_col)
            if isinstance(day, str) and day:
                row.update({year_col: int(day[:4]), "status": status})
                if date_col in DATES:
                    row[DATES[date_col]] = day[:10]
        rows.append(row)
    frame = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=list(u["geometry"]), crs=store.crs)
    source = "reconcile --create: permits of " + ", ".join(sorted(set(files.values())))
    return edits.plan_rows(store, "projects", frame, mode="append", source=source)


def _street(address: str) -> str:
    """'34 RUE DU CAPITAINE ESCUDIE' → '34 Rue du Capitaine Escudie'."""
    return re.sub(r"(?<=\s)(?:De|Du|Des|La|Le|Les|Et|Au|Aux)(?=\s)|(?<=\s)[DL]'(?=\w)", lambda m: m.group(0).lower(),
                  address.title())


def _sources(store, permits: pd.DataFrame) -> dict:
    """num_dau → the file of its last import. One history lookup per import run (the rows one run
    wrote share its time stamp, which is the permits' updated_at), not the whole history."""
    by_stamp = {}
    for num, stamp in permits.drop_duplicates("updated_at")[["num_dau", "updated_at"]].itertuples(index=False):
        hist = store.history("permits", num)
        hit = hist[hist["ts"] == stamp]
        by_stamp[stamp] = (hit if len(hit) else hist)["source"].iloc[-1] if len(hist) else "?"
    files = permits["updated_at"].map(by_stamp).astype("string").str.replace(r"^import ", "", regex=True)
    return dict(zip(permits["num_dau"], files))


def _scheme_plan(links, permits, schemes, sources) -> edits.Plan:
    """The scheme changes of the links (number, status, years), as a plan."""
    plan = edits.Plan("projects", source="reconcile")
    cols = ["num_dau", "status", *(d for d, _, _ in STEPS)]
    p = pd.DataFrame(permits.loc[permits["num_dau"].isin(links["num_dau"]), cols]).set_index("num_dau", drop=False)
    p = p.astype(object).where(p.notna(), None).to_dict("index")
    cols = ["id", "status", "permit_number", "updated_at", *(y for _, _, y in STEPS), *DATES.values()]
    sc = pd.DataFrame(schemes.loc[schemes["id"].isin(links["project_id"]), cols]).set_index("id", drop=False)
    sc = sc.astype(object).where(sc.notna(), None).to_dict("index")
    for row in links.itertuples(index=False):
        permit = p[row.num_dau]
        scheme = {k: _val(v) for k, v in sc[row.project_id].items()}
        after = scheme_changes(permit, scheme)
        if after:
            plan.changes.append(Change("update", row.project_id, after, {k: scheme.get(k) for k in after},
                                       updated_at=scheme["updated_at"]))
        else:
            plan.unchanged += 1
    if len(links):
        plan.notes.append(Msg("note.permit_files", files=", ".join(sorted(set(sources.get(n, "?") for n in links["num_dau"])))))
    return plan


def _val(v):
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return None
    return int(v) if isinstance(v, (np.integer,)) else v


def _queue_plan(store, matches, decided) -> edits.Plan:
    """The permit_matches rows: links ('lié'), pairs to review ('à revoir'); decisions are kept."""
    rows = matches.assign(state=np.where(matches["confident"], "lié", "à revoir"))
    kept = decided[decided["state"].isin(["accepté", "rejeté"])]
    rows = rows[~rows["id"].isin(set(kept["id"]))]
    frame = pd.DataFrame(rows[["id", "num_dau", "project_id", "commune", "score", "pass", "reason", "state"]])
    return edits.plan_rows(store, "permit_matches", frame, source="reconcile")


def commune_report(permits, schemes, links) -> pd.DataFrame:
    """Per commune: permits of 5+ homes linked to a scheme, schemes past 'PC accordé' linked to a permit."""
    linked_p = permits["num_dau"].isin(links["num_dau"])
    known = set(permits["num_dau"])
    past = schemes[schemes["status"].isin(PAST_PC)]
    linked_s = past["id"].isin(links["project_id"]) | norm_number(past["permit_number"]).isin(known).fillna(False)
    a = permits.assign(linked=linked_p).groupby("commune").agg(permits_5plus=("num_dau", "count"),
                                                               permits_linked=("linked", "sum"))
    b = past.assign(linked=linked_s).groupby("commune").agg(schemes_past_pc=("id", "count"),
                                                            schemes_linked=("linked", "sum"))
    out = pd.concat([a, b], axis=1).fillna(0).astype(int)
    out["permits_linked_share"] = (out["permits_linked"] / out["permits_5plus"].where(out["permits_5plus"] > 0)).round(3)
    out["schemes_linked_share"] = (out["schemes_linked"] / out["schemes_past_pc"].where(out["schemes_past_pc"] > 0)).round(3)
    return out.reset_index(names="commune")


def apply(store, result: Reconciliation) -> Reconciliation:
    """Write the links' scheme changes (one transaction per permit file) and the review queue."""
    links = result.matches[result.matches["confident"]]
    permit_of = dict(zip(links["project_id"], links["num_dau"]))
    by_file: dict[str, list] = {}
    for c in result.plan.changes:
        by_file.setdefault(result.sources.get(permit_of[c.id], "?"), []).append(c)
    for file, changes in by_file.items():
        store.apply("projects", changes, f"reconcile: permits of {file}")
    edits.apply(store, result.queue)
    return result


def decide(store, match_id: str, accept: bool) -> edits.Plan:
    """Accept (link, and move the scheme) or reject one pair of the review queue; returns the scheme plan."""
    queue = store.read("permit_matches")
    row = queue[(queue["id"] == match_id) | (queue["num_dau"] == match_id)]
    if len(row) != 1:
        raise NotFoundError(Msg("err.no_pair", id=repr(match_id)) if row.empty else
                            Msg("err.several_pairs", id=repr(match_id), n=len(row)), row=match_id,
                            hint=Msg("hint.review_queue"))
    row = row.iloc[0]
    state = "accepté" if accept else "rejeté"
    if row["state"] in ("accepté", "rejeté"):
        raise PlhgisError(Msg("err.already_state", id=row["id"], state=row["state"]), row=row["id"],
                          hint=Msg("hint.nothing_to_do"))
    plan = edits.Plan("projects", source="reconcile accept")
    if accept:
        permit = {k: _val(v) for k, v in store.get("permits", row["num_dau"]).items()}
        scheme = store.get("projects", row["project_id"])
        after = scheme_changes(permit, scheme)
        if after:
            plan.changes.append(Change("update", scheme["id"], after, {k: scheme.get(k) for k in after},
                                       updated_at=scheme["updated_at"]))
            source = _sources(store, pd.DataFrame([permit]))[row["num_dau"]]
            store.apply("projects", plan.changes, f"reconcile accept: permits of {source}")
    store.apply("permit_matches", [Change("update", row["id"], {"state": state}, {"state": row["state"]},
                                          updated_at=row["updated_at"])], f"reconcile {'accept' if accept else 'reject'}")
    return plan


def review_queue(store, commune=None) -> pd.DataFrame:
    """The pairs waiting for a decision, best score first."""
    queue = store.read("permit_matches", commune=commune)
    queue = queue[queue["state"] == "à revoir"]
    cols = ["id", "commune", "num_dau", "project_id", "score", "pass", "reason"]
    return pd.DataFrame(queue[cols]).sort_values("score", ascending=False).reset_index(drop=True)

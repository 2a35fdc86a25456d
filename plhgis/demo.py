"""The fictional demo territory: « Communauté d'agglomération du Val de Souchez » (données fictives).

Twelve communes tessellated around a fictional town in Lambert-93, with their housing figures,
PLH 2023–2028 targets, QPV, priority sectors, PLU zoning, schemes, friches and infill plots, and
a history back-dated to the PLH's start (so --as-of and --since show real changes), plus the
example files the README imports (`write_examples`).
Everything is generated from a fixed seed, so every run gives the same store, and it is built
to make every check of DESIGN §6 find something (social rent in a QPV, a scheme on farmland,
a low-density scheme, a commune far below target, an SRU-deficient commune…).
"""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point, box

from . import edits
from .labels import Msg
from .errors import PlhgisError, StoreError
from .store import GeoPackageStore, is_url, mask, store_path
from .stores import create_store, open_store
from .territory import commune_point

SEED = 2154
EPCI_SIREN, EPCI_NAME = "200099999", "CA du Val de Souchez (fictive)"
LABEL = "données fictives — territoire de démonstration plhgis"
ORIGIN = (680000.0, 7030000.0)  # a corner in Lambert-93 (Artois), the territory is 24 × 18 km
SOURCE = "plhgis demo (fictif)"

# name, polarity, population, share of social rent, SRU rate required, (x, y) in km from ORIGIN
COMMUNES = [
    ("Souchez-la-Grande", "pôle urbain", 31200, 0.46, 0.25, (12.0, 9.0)),
    ("Méricourt-les-Fosses", "pôle relais", 11800, 0.31, 0.25, (6.0, 13.0)),
    ("Haillicourt-sur-Deûle", "pôle relais", 9400, 0.12, 0.25, (18.5, 12.5)),
    ("Vimy-le-Haut", "pôle relais", 7200, 0.22, 0.20, (17.0, 4.0)),
    ("Ablain-Saint-Fiacre", "pôle de proximité", 4600, 0.09, 0.25, (6.5, 4.5)),
    ("Carency-en-Gohelle", "pôle de proximité", 3900, 0.27, 0.25, (2.5, 9.0)),
    ("Givenchy-les-Terrils", "pôle de proximité", 4100, 0.18, 0.20, (21.5, 8.5)),
    ("Angres-Village", "commune rurale", 1800, 0.04, 0.0, (11.0, 15.5)),
    ("Éleu-dit-Leauwette-le-Petit", "commune rurale", 1200, 0.03, 0.0, (1.5, 15.0)),
    ("Bouvigny-l'Abbaye", "commune rurale", 950, 0.02, 0.0, (22.5, 15.5)),
    ("Servins-Chapelle", "commune rurale", 1450, 0.05, 0.0, (11.5, 2.0)),
    ("Noulette-d'Œuf", "commune rurale", 780, 0.00, 0.0, (1.5, 2.5)),
]
DENSITY = {"pôle urbain": 40.0, "pôle relais": 30.0, "pôle de proximité": 25.0, "commune rurale": 18.0}
STATUS_WEIGHTS = {"repérage": 0.12, "études": 0.18, "PC déposé": 0.12, "PC accordé": 0.18,
                  "travaux": 0.15, "livré": 0.2, "abandonné": 0.05}


def insee(i: int) -> str:
    """Fictional INSEE codes (62950…62961 exist in no real département list)."""
    return f"{62950 + i}"


# The demo's history, back-dated: the PLH adopted early 2023 (first load), a yearly update each
# March, and one land meeting with the communes in late 2024 (the README's --since / --as-of dates).
START, UPDATE_2024, MEETING, UPDATE_2025 = "2023-02-06", "2024-03-11", "2024-11-14", "2025-03-10"
LAST_MEETING = "2024-11-15"  # the day after the meeting: what changed since is the 2025 update
N_RANDOM, N_PLACED = 46, 7  # the schemes drawn at random, then placed by hand (then the check cases)
STAGES = ("repérage", "études", "PC déposé", "PC accordé", "travaux", "livré")


def build(path, overwrite=False) -> GeoPackageStore:
    """Create the demo store at `path` and fill every layer, with a history from 2023 on.

    An existing demo store is rebuilt; any other store is replaced only with `overwrite`.
    """
    path = store_path(path)
    if not overwrite and _holds_store(path) and not is_demo(path):
        raise StoreError(Msg("err.not_demo", path=mask(path)), hint=Msg("hint.demo_elsewhere"))
    store = create_store(path, overwrite=True)
    store.set_setting("demo", LABEL)
    store.user = "demo"
    rng = np.random.default_rng(SEED)
    communes = _communes()
    layers = {"communes": communes, "targets": _targets(communes), "qpv": _qpv(communes),
              "sectors": None, "zoning": _zoning(communes), "prescriptions": None}
    layers["sectors"] = _sectors(communes, layers["qpv"])
    layers["prescriptions"] = _prescriptions(communes)
    layers["friches"] = _friches(communes, rng)
    layers["plots"] = _plots(communes, layers["zoning"], rng)
    layers["sru"] = _sru(communes)
    projects = _projects(communes, layers, rng)
    layers["permits"] = _permits(projects, communes)  # already reconciled: the schemes carry their permit numbers
    _at(store, START)
    for name, frame in layers.items():
        edits.apply(store, edits.plan_rows(store, name, frame, mode="append", source=SOURCE))
    _history(store, projects)
    store.clock = None
    return store


def _at(store, day: str) -> None:
    store.clock = lambda: f"{day}T09:30:00+00:00"


def _history(store, projects) -> None:
    """The schemes as the years brought them: most known at the start two stages back, others
    entered at the 2024 update, at the meeting or at the 2025 update; every status as it is today
    after the 2025 update."""
    projects = projects.copy()
    seq = projects.groupby("commune").cumcount() + 1
    projects.insert(0, "id", [f"P-{c}-{n:04d}" for c, n in zip(projects["commune"], seq)])
    i = np.arange(len(projects))
    entered = np.select([i >= len(projects) - 2, i >= N_RANDOM + N_PLACED, i >= N_RANDOM, i % 4 == 3],
                        [MEETING, UPDATE_2025, UPDATE_2024, UPDATE_2024], START)
    progress = ["id", "status", "permit_year", "start_year"]
    steps = ((START, 2, "chargement initial du PLH 2023–2028"), (UPDATE_2024, 1, "mise à jour annuelle 2024"),
             (MEETING, 1, "rencontre foncière du 14/11/2024"), (UPDATE_2025, 0, "mise à jour annuelle 2025"))
    for day, back, why in steps:
        _at(store, day)
        known = projects[entered < day]
        if day in (UPDATE_2024, UPDATE_2025) and len(known):
            _plan(store, pd.DataFrame(_stage(known, back)[progress]), why)
        _plan(store, _stage(projects[entered == day], back), why, mode="append")


def _earlier(status, permit, back):
    if status == "abandonné":  # it was going on: at its permit when it had one, else in studies
        status, back = ("PC accordé" if permit else "études"), back - 1
    return STAGES[max(STAGES.index(status) - back, 0)]


def _plan(store, frame, why, mode="upsert") -> None:
    edits.apply(store, edits.plan_rows(store, "projects", frame, mode=mode, source=f"{SOURCE}: {why}"))


def _stage(frame, back: int):
    """The schemes `back` stages before their status today (years not known yet left blank)."""
    out = frame.copy()
    if not back:
        return out
    out["status"] = [_earlier(st, pd.notna(py), back) for st, py in zip(out["status"], out["permit_year"])]
    permit = ~out["status"].isin(["repérage", "études"])
    out["permit_year"] = out["permit_year"].where(permit, None)
    out["start_year"] = out["start_year"].where(out["status"].isin(["travaux", "livré"]), None)
    return out


def is_demo(path) -> bool:
    """True when `path` is a store this module built (so rebuilding it loses nothing)."""
    try:
        with open_store(path) as store:
            return store.setting("demo") is not None
    except PlhgisError:
        return False


def _holds_store(path) -> bool:
    if not is_url(path):
        return Path(path).exists()
    try:
        open_store(path).close()
        return True
    except PlhgisError:
        return False


def _km(x, y):
    return ORIGIN[0] + x * 1000, ORIGIN[1] + y * 1000


def _communes() -> gpd.GeoDataFrame:
    seeds = shapely.MultiPoint([_km(*c[5]) for c in COMMUNES])
    extent = box(*_km(0, 0), *_km(24, 18))
    cells = shapely.voronoi_polygons(seeds, extend_to=extent)
    polys = [shapely.intersection(cell, extent) for cell in cells.geoms]
    rows, geoms = [], []
    for i, (name, pol, pop, lls, sru, xy) in enumerate(COMMUNES):
        seed = Point(_km(*xy))
        poly = next(p for p in polys if p.contains(seed))
        rp = int(pop / 2.25)
        rows.append({"insee": insee(i), "name": name, "epci_siren": EPCI_SIREN, "epci_name": EPCI_NAME,
                     "population": pop, "main_residences": rp, "lls_stock": int(rp * lls),
                     "sru_rate_required": sru,
                     "sru_status": ("non soumise" if sru == 0 else
                                    "carencée" if name.startswith("Haillicourt") else "soumise"),
                     "polarity": pol, "density_min": DENSITY[pol]})
        geoms.append(poly)
    return gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:2154")


def _sru(communes) -> pd.DataFrame:
    """The SRU inventory of the liable communes (vintage 2024); Givenchy's says 25 % where the
    communes layer says 20 %: SRU-RATE asks which is right."""
    liable = communes[communes["sru_rate_required"] > 0]
    rate = (liable["lls_stock"] / liable["main_residences"]).round(4)
    return pd.DataFrame({
        "commune": liable["insee"], "name": liable["name"], "vintage": 2024, "epci_siren": EPCI_SIREN,
        "population": liable["population"], "liable": 1, "lls_stock": liable["lls_stock"],
        "main_residences": liable["main_residences"], "sru_rate": rate,
        "target_rate": np.where(liable["name"].str.startswith("Givenchy"), 0.25, liable["sru_rate_required"]),
        "deficient": (rate < liable["sru_rate_required"]).astype(int),
        "carencee": (liable["sru_status"] == "carencée").astype(int), "exempt": 0, "period_start": 2023,
        "source": "démo (fictif)"}).reset_index(drop=True)


def _centre(communes, i) -> Point:
    return Point(_km(*COMMUNES[i][5]))


def _targets(communes) -> pd.DataFrame:
    rows = []
    for _, c in communes.iterrows():
        homes = int(round(c.population * 0.0075 * 6 / 10) * 10)
        lls = int(homes * (0.1 if c.polarity == "pôle urbain" else 0.3 if c.sru_rate_required else 0.1))
        rows.append({"commune": c.insee, "period_start": 2023, "period_end": 2028,
                     "homes_target": homes, "lls_target": lls,
                     "accession_aidee_target": int(homes * 0.1), "yearly_split": ""})
    return pd.DataFrame(rows)


def _qpv(communes) -> gpd.GeoDataFrame:
    spots = [(0, "QN062950M", "Cité des Provinces", (-1.3, 0.9), 1),
             (0, "QN062951M", "Quartier de la Gare", (1.4, -1.2), 0),
             (1, "QN062952M", "Cité 4 – Fosse Saint-Pierre", (0.8, 0.7), 1)]
    rows, geoms = [], []
    for i, code, name, (dx, dy), npnru in spots:
        c = _centre(communes, i)
        rows.append({"code_qp": code, "lib_qp": name, "commune": insee(i), "communes": insee(i),
                     "npnru": npnru})
        geoms.append(Point(c.x + dx * 1000, c.y + dy * 1000).buffer(550, quad_segs=3))
    return gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:2154")


def _sectors(communes, qpv) -> gpd.GeoDataFrame:
    c0, c1, c2 = (_centre(communes, i) for i in (0, 1, 2))
    items = [
        ("Centralité de Souchez-la-Grande", "centralité", 1, 0, c0.buffer(1200)),
        ("ORT cœur d'agglomération", "ORT/ACV", 1, 0, box(c0.x - 600, c0.y - 2200, c0.x + 2500, c0.y + 600)),
        ("NPNRU Cité 4", "NPNRU", 1, 1, qpv.geometry.iloc[2].buffer(250)),
        ("Quartier de gare de Méricourt", "gare/transports", 2, 1, Point(c1.x - 900, c1.y - 600).buffer(800)),
        ("Petite ville de demain Haillicourt", "PVD", 2, 2, c2.buffer(900)),
        ("ERBM Cité des Provinces", "ERBM", 2, 0, qpv.geometry.iloc[0].buffer(100)),
    ]
    return gpd.GeoDataFrame(
        [{"name": n, "kind": k, "priority": p, "commune": insee(i)} for n, k, p, i, _ in items],
        geometry=[g for *_, g in items], crs="EPSG:2154")


def _zoning(communes) -> gpd.GeoDataFrame:
    """Per commune: U around the centre, an AUc ring piece, a N river band, A elsewhere."""
    river = shapely.LineString([_km(0, 7), _km(8, 8.5), _km(14, 6.5), _km(24, 8)]).buffer(400)
    rows, geoms = [], []
    for i, c in communes.iterrows():
        centre, poly = _centre(communes, i), c.geometry
        radius = 600 + 12 * np.sqrt(c.population)
        u = poly.intersection(centre.buffer(radius))
        au = poly.intersection(Point(centre.x + radius, centre.y).buffer(radius * 0.45)).difference(u)
        n = poly.intersection(river).difference(u).difference(au)
        a = poly.difference(u).difference(au).difference(n)
        idurba = f"{c.insee}_PLU_20210615"
        for lib, typ, geom in (("UA", "U", u), ("1AUh", "AUc", au), ("N", "N", n), ("A", "A", a)):
            if not geom.is_empty and geom.area > 1:
                rows.append({"libelle": lib, "libelong": f"Zone {lib} de {c['name']}", "typezone": typ,
                             "idurba": idurba, "insee": c.insee})
                geoms.append(geom)
    return gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:2154")


def _prescriptions(communes) -> gpd.GeoDataFrame:
    c0, c2 = _centre(communes, 0), _centre(communes, 2)
    return gpd.GeoDataFrame(
        [{"libelle": "SMS centre", "txt": "30 % de LLS pour les opérations de 12 logements et plus",
          "typepsc": "17", "stypepsc": "00", "idurba": f"{insee(0)}_PLU_20210615", "insee": insee(0),
          "lls_share": 0.3},
         {"libelle": "OAP Les Hauts de Deûle", "txt": "OAP habitat", "typepsc": "18", "stypepsc": "06",
          "idurba": f"{insee(2)}_PLU_20210615", "insee": insee(2), "lls_share": None}],
        geometry=[box(c0.x + 200, c0.y + 200, c0.x + 900, c0.y + 800),
                  box(c2.x + 700, c2.y - 400, c2.x + 1300, c2.y + 200)], crs="EPSG:2154")


FRICHE_TYPES = ["friche industrielle", "friche commerciale", "friche ferroviaire", "friche d'habitat",
                "friche carrière ou mine", "friche d'équipement public"]
FRICHE_NAMES = ["Ancienne cokerie", "Carreau de fosse n°{}", "Garage Delattre", "Filature du Moulin",
                "Ancienne gare de marchandises", "École Jules-Ferry", "Brasserie Caulier",
                "Cavalier minier", "Supermarché fermé", "Dépôt SNCF"]


def _friches(communes, rng) -> gpd.GeoDataFrame:
    rows, geoms = [], []
    for k in range(18):
        i = int(rng.choice(len(communes), p=_weights(communes)))
        c, centre = communes.iloc[i], _centre(communes, i)
        p = _inside(c.geometry, centre, 1800, rng)
        side = float(rng.uniform(60, 180))
        surf = box(p.x, p.y, p.x + side, p.y + side * rng.uniform(0.6, 1.4)).intersection(c.geometry)
        statut = ["friche potentielle", "friche sans projet", "friche avec projet", "friche reconvertie"][k % 4]
        rows.append({
            "site_id": f"{c.insee}_{k + 1:04d}", "site_nom": FRICHE_NAMES[k % len(FRICHE_NAMES)].format(k),
            "site_type": FRICHE_TYPES[k % len(FRICHE_TYPES)], "site_statut": statut,
            "comm_insee": c.insee, "comm_nom": c["name"], "site_identif_date": f"20{18 + k % 6}-0{1 + k % 9}-15",
            "site_actu_date": "2024-09-30", "unite_fonciere_surface": int(surf.area),
            "unite_fonciere_refcad": f"{c.insee}000A{k % 10}{k + 10:04d}",
            "urba_zone_type": "U" if k % 5 else "AUc", "urba_doc_type": "PLU", "urba_zaer": "non",
            "site_occupation": "totalement inoccupé", "sol_pollution_existe":
                "pollution supposée" if k % 3 == 0 else "pollution peu probable",
            "source_nom": SOURCE, "source_producteur": "plhgis",
            "capacity": int(surf.area / 10000 * DENSITY[c.polarity]),
            # one deviation from the CNIG enums, for the checks to find
            "bati_etat": "en ruine" if k == 7 else "dégradation moyenne",
        })
        geoms.append(surf)
    return gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:2154")


def _weights(communes):
    w = np.sqrt(communes.population.to_numpy(dtype=float))
    return w / w.sum()


def _inside(poly, centre, spread, rng) -> Point:
    """A random point inside `poly`, around `centre`."""
    for _ in range(200):
        p = Point(centre.x + rng.normal(0, spread), centre.y + rng.normal(0, spread))
        if poly.buffer(-150).contains(p):
            return p
    return poly.representative_point()


def _plots(communes, zoning, rng) -> gpd.GeoDataFrame:
    rows, geoms = [], []
    for k in range(60):
        i = int(rng.choice(len(communes), p=_weights(communes)))
        c = communes.iloc[i]
        p = _inside(c.geometry, _centre(communes, i), 900, rng)
        w, h = rng.uniform(25, 70, size=2)
        if k in (5, 17):  # large plots without OAP
            w, h = 90, 75
        poly = box(p.x, p.y, p.x + w, p.y + h)
        zone = zoning[(zoning.insee == c.insee) & zoning.contains(poly.centroid)]
        rows.append({"commune": c.insee, "parcels": f"{c.insee}000B{k % 10}{k + 100:04d}",
                     "zone_type": zone.typezone.iloc[0] if len(zone) else None,
                     "horizon": ["court terme", "moyen terme", "long terme"][k % 3],
                     "ownership": ["privé", "public", "EPF", "privé"][k % 4],
                     "constraints": ["", "affaissement minier", "inondation", "", "pollution"][k % 5],
                     "capacity": max(1, int(w * h / 10000 * DENSITY[c.polarity])),
                     "status": ["identifié", "mobilisable", "en projet", "identifié", "bâti"][k % 5]})
        geoms.append(poly)
    return gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:2154")


STREETS = ["rue Émile-Zola", "rue Jean-Jaurès", "avenue de la Fosse 7", "rue des Corons", "place Salengro",
           "rue du Onze-Novembre", "chemin du Terril", "rue Pasteur", "rue de l'Égalité", "boulevard Basly"]
OPERATORS = ["Maisons & Cités", "Pas-de-Calais habitat", "SIA Habitat", "Promogim Nord", "Nexity", "Commune",
             "Flandre Opale Habitat", "Sigh"]


def _projects(communes, layers, rng) -> gpd.GeoDataFrame:
    """46 schemes, plus the hand-placed ones the checks must find."""
    rows, geoms = [], []
    statuses = list(STATUS_WEIGHTS)
    far_below = insee(2)  # Haillicourt: SRU-deficient and far below its target
    for k in range(N_RANDOM):
        i = int(rng.choice(len(communes), p=_weights(communes)))
        c = communes.iloc[i]
        if c.insee == far_below and k % 3:
            i, c = 0, communes.iloc[0]
        status = statuses[int(rng.choice(len(statuses), p=list(STATUS_WEIGHTS.values())))]
        total = int(rng.integers(5, 90 if c.polarity == "pôle urbain" else 40))
        mix = _mix(total, rng, social=c.sru_rate_required > 0)
        p = _inside(c.geometry, _centre(communes, i), 1100, rng)
        footprint = total > 20 and k % 2 == 0
        geom = p.buffer(np.sqrt(total / DENSITY[c.polarity] * 10000) / 2, cap_style="square") if footprint else p
        permit = int(rng.integers(2019, 2027))
        rows.append({"name": f"{['Résidence', 'Les Jardins', 'Îlot', 'Domaine', 'Le Clos'][k % 5]} "
                             f"{['des Tilleuls', 'Saint-Éloi', 'du Onze', 'Bellevue', 'des Mineurs', 'Lamartine'][k % 6]}",
                     "commune": c.insee, "address": f"{int(rng.integers(1, 120))} {STREETS[k % len(STREETS)]}",
                     "homes_total": total, **mix, "operator": OPERATORS[k % len(OPERATORS)],
                     "land_origin": ["renouvellement urbain", "dent creuse", "friche", "extension"][k % 4],
                     "status": status, "permit_year": permit if status not in ("repérage", "études") else None,
                     "start_year": permit + 1 if status in ("travaux", "livré") else None,
                     "delivery_year": permit + int(rng.integers(2, 4)), "source": SOURCE,
                     "comment": "" if k % 4 else "Opération suivie en comité technique"})
        geoms.append(geom)
    rows, geoms = _special_projects(communes, layers, rows, geoms)
    return gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:2154")


def _permits(projects, communes) -> gpd.GeoDataFrame:
    """Fictional Sitadel permits for two thirds of the schemes past 'PC accordé' (linked to them), and three
    with no scheme (one of 8 homes that looks like the duplicate Sucrerie scheme: a pair to review). Each is
    placed at its commune, as `plhgis import permits` places a permit when no parcels are loaded."""
    rows, geoms = [], []
    at = dict(zip(communes["insee"], shapely.point_on_surface(communes.geometry.to_numpy())))
    past = projects[projects["status"].isin(["PC accordé", "travaux", "livré"]) & projects["permit_year"].notna()
                    & projects.geometry.notna()]
    for k, (i, p) in enumerate(past.iterrows()):
        glycines = p["name"] == "Résidence autonomie Les Glycines"
        if k % 3 == 0 and not glycines:
            continue
        year = int(p["permit_year"])
        start = p.get("start_year")
        start = None if pd.isna(start) or start > 2025 else int(start)  # works started so far
        done = p["status"] == "livré" and p["delivery_year"] <= 2025
        number = p.get("permit_number")
        number = number if isinstance(number, str) else f"0{p['commune']}{year % 100:02d}C{i:04d}"
        projects.loc[i, "permit_number"] = number  # the demo is already reconciled
        rows.append({"num_dau": number, "last_update": f"{start or year}-0{4 if start else 7}",
                     "type_dau": "PC", "commune": p["commune"], "date_authorised": f"{year}-06-15",
                     "date_started": f"{start}-03-01" if start else None,
                     "date_completed": f"{int(p['delivery_year'])}-09-30" if done else None,
                     "status": "terminé" if done else "commencé" if start else "autorisé",
                     "homes_total": 30 if glycines else int(p["homes_total"]),  # PERMIT-HOMES
                     "homes_social_rent": int(np.nansum([p.get(c) for c in ("lls_plai", "lls_plus", "lls_pls")],
                                                             dtype=float)),
                     "applicant": p.get("operator"), "located": "commune"})
        geoms.append(at[p["commune"]])
    for j, (code, homes, social) in enumerate(((insee(0), 8, 0), (insee(3), 25, 10), (insee(5), 8, 0))):
        rows.append({"num_dau": f"0{code}25C09{j:02d}", "last_update": "2025-05", "type_dau": "PC",
                     "commune": code, "date_authorised": "2025-04-10", "status": "autorisé", "homes_total": homes,
                     "homes_social_rent": social, "located": "commune"})  # no scheme yet
        geoms.append(at[code])
    return gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:2154")


def _mix(total, rng, social):
    shares = rng.dirichlet(np.ones(5))
    if not social:
        shares[:3] *= 0.3
    parts = np.floor(shares / shares.sum() * total).astype(int)
    parts[-1] += total - parts.sum()  # the rounding remainder goes to free-market sale
    names = ("lls_plai", "lls_plus", "lls_pls", "psla", "accession_libre")
    return dict(zip(names, map(int, parts)))


def _special_projects(communes, layers, rows, geoms):
    """Schemes placed by hand so that each check has a case to find."""
    qpv, friches, plots, zoning = layers["qpv"], layers["friches"], layers["plots"], layers["zoning"]
    q0 = qpv.geometry.iloc[0].centroid
    a_zone = zoning[(zoning.typezone == "A") & (zoning.insee == insee(4))].geometry.iloc[0]
    c0, c3 = _centre(communes, 0), _centre(communes, 3)
    fr = friches.iloc[0]
    plot = plots.iloc[3]
    special = [
        ({"name": "Résidence du Chevalement (QPV)", "commune": insee(0), "homes_total": 40, "lls_plai": 12,
          "lls_plus": 20, "lls_pls": 8, "status": "PC accordé", "land_origin": "renouvellement urbain",
          "operator": "Maisons & Cités", "permit_year": 2024, "delivery_year": 2026}, q0),
        ({"name": "Accession sociale Les Provinces", "commune": insee(0), "homes_total": 18, "psla": 10, "brs": 8,
          "status": "études", "land_origin": "renouvellement urbain", "delivery_year": 2027},
         Point(q0.x + 700, q0.y)),
        ({"name": "Lotissement du Champ Bleu", "commune": insee(4), "homes_total": 24, "accession_libre": 24,
          "status": "PC déposé", "land_origin": "extension", "permit_year": 2025, "delivery_year": 2027},
         a_zone.representative_point().buffer(110, cap_style="square")),
        ({"name": "Pavillons de la Sucrerie", "commune": insee(0), "homes_total": 8, "accession_libre": 8,
          "status": "PC accordé", "land_origin": "dent creuse", "permit_year": 2024, "delivery_year": 2026},
         Point(c0.x + 300, c0.y - 300).buffer(90, cap_style="square")),
        ({"name": "Reconversion " + fr.site_nom, "commune": fr.comm_insee, "homes_total": 30, "lls_plus": 10,
          "accession_libre": 20, "status": "études", "land_origin": "friche", "friche_id": fr.site_id,
          "delivery_year": 2028}, fr.geometry.centroid),
        ({"name": "Îlot Pasteur (SMS)", "commune": insee(0), "homes_total": 20, "accession_libre": 20,
          "status": "PC déposé", "land_origin": "renouvellement urbain", "permit_year": 2025,
          "delivery_year": 2024, "comment": "livraison saisie avant le permis: à corriger"},
         Point(c0.x + 500, c0.y + 500)),
        ({"name": "Clos du Marais <b>(à vérifier)</b>", "commune": plot.commune, "homes_total": 6,
          "status": "repérage", "land_origin": "dent creuse", "plot_id": None},
         plot.geometry.centroid),
    ] + _check_cases(communes, qpv) + [
        ({"name": "Résidence autonomie Les Glycines", "commune": insee(3), "homes_total": 42, "lls_plus": 12,
          "specifique": 30, "specifique_note": "résidence autonomie pour personnes âgées",
          "operator": "Pas-de-Calais habitat", "status": "travaux", "land_origin": "renouvellement urbain",
          "permit_year": 2024, "start_year": 2025, "delivery_year": 2026, "permit_number": f"0{insee(3)}24C0042"},
         Point(c3.x + 250, c3.y - 150)),
        ({"name": "Immeuble du Boulevard", "commune": insee(0), "homes_total": 22, "locatif_libre": 12,
          "accession_libre": 10, "operator": "Promogim Nord", "status": "PC accordé",
          "land_origin": "renouvellement urbain", "permit_year": 2025, "delivery_year": 2027},
         Point(c0.x - 250, c0.y + 150)),
    ]
    for values, geom in special:
        rows.append({**values, "source": SOURCE})
        geoms.append(geom)
    return rows, geoms


def _check_cases(communes, qpv):
    """More hand-placed schemes, one per check that the ones above leave silent (issue 4)."""
    c0 = _centre(communes, 0)
    bouvigny, haillicourt = communes.geometry.iloc[9], communes.geometry.iloc[2]
    across = haillicourt.intersection(bouvigny.buffer(60)).representative_point()  # in Haillicourt
    return [
        # DATA-OUTSIDE-COMMUNE, and TARGET-OVER for Bouvigny (the declared commune counts)
        ({"name": "Les Terrasses du Bois", "commune": insee(9), "homes_total": 20, "accession_libre": 12,
          "psla": 8, "status": "PC accordé", "land_origin": "dent creuse", "permit_year": 2025,
          "delivery_year": 2027}, across),
        # DATA-OUTSIDE-EPCI: beyond the territory's western edge
        ({"name": "Résidence de la Frontière", "commune": insee(11), "homes_total": 6, "accession_libre": 6,
          "status": "repérage", "land_origin": "dent creuse", "delivery_year": 2028}, Point(_km(-0.4, 1.0))),
        # DATA-DUPLICATE: the Sucrerie scheme entered a second time by the commune
        ({"name": "Pavillons Sucrerie (saisie commune)", "commune": insee(0), "homes_total": 8,
          "accession_libre": 8, "status": "PC accordé", "land_origin": "dent creuse", "permit_year": 2024,
          "delivery_year": 2026}, Point(c0.x + 305, c0.y - 300)),
        # DATA-GEOM (no location yet) and SECTOR-SHARE for Haillicourt
        ({"name": "Résidence des Aubépines (à localiser)", "commune": insee(2), "homes_total": 24,
          "accession_libre": 24, "status": "études", "land_origin": "dent creuse", "delivery_year": 2027},
         None),
        # DATA-LOCATE: sent by the commune with no address, coordinates nor parcels, so put at its centre
        ({"name": "Résidence du Parc (sans adresse)", "commune": insee(5), "homes_total": 10,
          "accession_libre": 10, "status": "repérage", "land_origin": "dent creuse", "delivery_year": 2029},
         commune_point(communes.geometry.iloc[5])),
        # QPV-SHARE for Méricourt; NPNRU rebuilding, so QPV-LLS must stay silent on it
        ({"name": "Cité 4 – reconstitution de l'offre", "commune": insee(1), "homes_total": 30, "lls_plai": 12,
          "lls_plus": 18, "status": "PC déposé", "land_origin": "renouvellement urbain", "permit_year": 2025,
          "delivery_year": 2027, "comment": "reconstitution de l'offre démolie (NPNRU)"},
         qpv.geometry.iloc[2].centroid),
    ]


# -- the example files the README imports ----------------------------------------------------------
SITADEL = "Liste-des-autorisations-durbanisme-creant-des-logements.{month}_demo-{siren}.csv"
EXAMPLES = ("retour-62950.csv", "secteurs.shp", "gisements.csv", "objectifs-plh.csv", "62952_ZONE_URBA.shp",
            "62952_PRESCRIPTION_SURF.shp", "operations.csv", "donnees-sru-2026.csv",
            SITADEL.format(month="2026-01", siren=EPCI_SIREN), SITADEL.format(month="2026-02", siren=EPCI_SIREN))


def write_examples(store, folder="examples") -> list[Path]:
    """The files the README imports, as communes and staff send them (fictional, for the demo
    territory): a commune's return (cp1252 `;` CSV), priority sectors (Shapefile), infill plots
    (`;` CSV, decimal comma, WKT in Lambert-93), the PLH targets sheet, and commune 62952's revised
    PLU in the CNIG standard (Shapefiles, upper-case CNIG names), the SRU inventory as the ministry
    publishes it (cp1252, `;`, `26,10%`), and two monthly SDES permit lists (Sitadel) of the territory."""
    from . import io

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = [folder / name for name in EXAMPLES]
    io.export_frame(_retour(store), out[0], overwrite=True, **io.CSV_DIALECTS["excel-fr-ansi"])
    io.export_frame(_secteurs(store), out[1], overwrite=True)
    _gisements(store).to_csv(out[2], sep=";", decimal=",", index=False, encoding="utf-8-sig")
    _objectifs(store).to_csv(out[3], sep=";", index=False, encoding="utf-8-sig")
    zoning, prescriptions = _revised_plu(store, insee(2))
    io.export_frame(zoning, out[4], overwrite=True)
    io.export_frame(prescriptions, out[5], overwrite=True)
    _operations().to_csv(out[6], sep=";", index=False, encoding="cp1252")
    _inventaire_sru(store).to_csv(out[7], sep=";", index=False, encoding="cp1252")
    january = _sitadel(store)
    _write_sdes(january, out[8])
    _write_sdes(_sitadel_next_month(january, store), out[9])
    return out


def _retour(store) -> pd.DataFrame:
    """Commune 62950's sheet back from the town hall: two schemes moved on, one new (an address,
    no location yet)."""
    cols = ["id", "name", "commune", "address", "homes_total", "lls_plai", "lls_plus", "lls_pls", "status",
            "permit_year", "delivery_year", "operator", "comment"]
    p = pd.DataFrame(store.read("projects", commune=insee(0)))[cols].sort_values("id").reset_index(drop=True)
    studies = p.index[p["status"].eq("études")][:1]
    filed = p.index[p["status"].eq("PC déposé")][:1]
    p.loc[studies, ["status", "comment"]] = ["PC déposé", "permis déposé en janvier"]
    p.loc[filed, ["status", "permit_year"]] = ["PC accordé", 2025]
    new = {"name": "Résidence du Parc Salengro", "commune": insee(0), "address": "12 place Salengro",
           "homes_total": 16, "lls_plus": 6, "lls_plai": 2, "status": "études", "delivery_year": 2028,
           "operator": "SIA Habitat", "comment": "nouvelle opération signalée par la commune"}
    return pd.concat([p, pd.DataFrame([new])], ignore_index=True)


def _secteurs(store) -> gpd.GeoDataFrame:
    """The priority sectors redrawn: one widened, one dropped (ended by --mode replace), one new."""
    s = store.read("sectors")[["name", "kind", "priority", "commune", "geometry"]]
    s = s[s["kind"] != "ERBM"].copy()
    wide = s["kind"].eq("centralité")
    s.loc[wide, "geometry"] = s.loc[wide].geometry.buffer(150)
    c3 = _centre(None, 3)
    new = gpd.GeoDataFrame([{"name": "Quartier de gare de Vimy-le-Haut", "kind": "gare/transports", "priority": 2,
                             "commune": insee(3)}], geometry=[Point(c3.x - 400, c3.y + 300).buffer(600)],
                           crs=s.crs)
    return gpd.GeoDataFrame(pd.concat([s, new], ignore_index=True), crs=s.crs)


def _gisements(store) -> pd.DataFrame:
    """Three new infill plots, as a planning office lists them: WKT in Lambert-93 with no CRS named."""
    rows = []
    for k, (i, dx, dy, w, h) in enumerate([(1, 300, -200, 48.5, 32.0), (3, -250, 350, 61.0, 40.5),
                                           (6, 150, 400, 35.5, 29.0)]):
        c = _centre(None, i)
        poly = box(c.x + dx, c.y + dy, c.x + dx + w, c.y + dy + h)
        rows.append({"commune": insee(i), "parcels": f"{insee(i)}000C{k}{k + 200:04d}", "area_m2": round(poly.area, 1),
                     "horizon": ["court terme", "moyen terme", "long terme"][k], "ownership": ["privé", "public", "EPF"][k],
                     "capacity": max(1, int(poly.area / 10000 * 25)), "status": "identifié",
                     "wkt": shapely.to_wkt(poly, rounding_precision=1)})
    return pd.DataFrame(rows)


def _operations() -> pd.DataFrame:
    """New schemes as a partner's spreadsheet lists them: French headers, X/Y in Lambert-93 with
    decimal commas, a column of its own (kept with the scheme)."""
    rows = []
    for k, (i, dx, dy) in enumerate([(0, -700, 900), (3, 350, -500), (6, -300, 250)]):
        c = _centre(None, i)
        rows.append({"Nom de l'opération": ["Résidence Thérèse", "Les Hauts d'Éloi", "Îlot de la Brasserie"][k],
                     "Code INSEE": insee(i), "Nb logements": [24, 12, 8][k], "PLAI": [6, 3, 0][k],
                     "PLUS": [10, 5, 0][k], "PLS": [2, 0, 0][k], "Bailleur": OPERATORS[k], "Statut": "études",
                     "Année de livraison": 2027 + k, "X": f"{c.x + dx:.1f}".replace(".", ","),
                     "Y": f"{c.y + dy:.1f}".replace(".", ","), "Réf. interne": f"OP-{k + 1:03d}"})
    return pd.DataFrame(rows)


def _objectifs(store) -> pd.DataFrame:
    """The PLH targets sheet staff keep, with its own column names (imported with --map), two revised."""
    t = store.read("targets").sort_values("commune")
    homes = t["homes_target"].to_numpy().copy()
    homes[t["commune"].isin([insee(2)]).to_numpy()] += 30
    homes[t["commune"].isin([insee(5)]).to_numpy()] -= 10
    return pd.DataFrame({"Code commune": t["commune"], "period_start": t["period_start"],
                         "period_end": t["period_end"], "Prod. totale": homes, "lls_target": t["lls_target"]})


def _revised_plu(store, code):
    """Commune `code`'s PLU revised in 2025 (its AUc zone grown), with an OAP and a new social-mix
    sector, under the CNIG ZONE_URBA / PRESCRIPTION_SURF field names."""
    idurba = f"{code}_PLU_20250301"
    z = store.read("zoning", commune=code)[["libelle", "libelong", "typezone", "insee", "geometry"]].copy()
    outline = store.read("communes", ids=[code]).geometry.iloc[0]
    au = z["typezone"].eq("AUc")
    z.loc[au, "geometry"] = z.loc[au].geometry.buffer(120).intersection(outline)
    others = z.loc[au].geometry.union_all()
    z.loc[~au, "geometry"] = z.loc[~au].geometry.difference(others)
    z = z.assign(idurba=idurba)
    p = store.read("prescriptions", commune=code)[["libelle", "txt", "typepsc", "stypepsc", "insee", "geometry"]]
    c = _centre(None, 2)
    sms = gpd.GeoDataFrame([{"libelle": "SMS gare", "txt": "25 % de LLS pour 10 logements et plus", "typepsc": "17",
                             "stypepsc": "00", "insee": code}], geometry=[box(c.x - 500, c.y - 300, c.x, c.y + 200)],
                           crs=z.crs)
    p = gpd.GeoDataFrame(pd.concat([p, sms], ignore_index=True), crs=z.crs).assign(idurba=idurba)
    upper = {c: c.upper() for c in z.columns if c != "geometry"}
    return z.rename(columns=upper), p.rename(columns={c: c.upper() for c in p.columns if c != "geometry"})


def _inventaire_sru(store) -> pd.DataFrame:
    """The 2026 SRU file of the liable communes, in the national layout (inventory at 1 January 2025,
    target rates of the 2026–2028 period, rates as '26,10%', levies as '46 559,19 €')."""
    sru = store.read("sru").sort_values("commune")
    com = store.read("communes").set_index("insee")
    stock = (sru["lls_stock"] + (sru["main_residences"] * 0.004).round()).astype(int)
    rate = stock / sru["main_residences"]
    target = com.loc[sru["commune"], "sru_rate_required"].to_numpy()
    deficient = rate.to_numpy() < target
    gap = np.maximum(target * sru["main_residences"].to_numpy() - stock.to_numpy(), 0)
    levy = np.where(deficient, gap * 0.2 * 330.0, 0.0)  # 20 % of the per-capita fiscal potential, roughly

    def pct(values):
        return [f"{100 * v:.2f}%".replace(".", ",") for v in values]

    def euros(values):
        return [f"{v:,.2f} €".replace(",", " ").replace(".", ",") for v in values]

    return pd.DataFrame({
        "hexagone_drom": "Hexagone", "Region": "Hauts-de-France", "Departement": "Pas-de-Calais",
        "Code_Departement": "62", "Code_INSEE_commune": sru["commune"].to_numpy(),
        "Nom_commune": com.loc[sru["commune"], "name"].str.upper().to_numpy(),
        "Population_municipale_01_01_2026": com.loc[sru["commune"], "population"].to_numpy(),
        "Code_SIREN_EPCI": EPCI_SIREN, "Nom_EPCI": EPCI_NAME, "EPCI_SRU": 1, "Code_unité_urbaine": "62701",
        "Nom_unité_urbaine": "Souchez-la-Grande (fictive)", "UU_SRU": 1, "Commune_isolée_article_L_302_5_CCH": 0,
        "Commune_sru_au_01_01_2026": 1, "Commune_sru_au_01_01_2025": 1,
        "Nombre_lls_ Inventaire_au_01_01_2025": stock.to_numpy(), "Taux_SRU_au_01_01_2025": pct(rate),
        "commune_deficitaire": deficient.astype(int), "Commune_carencée": sru["carencee"].fillna(0).astype(int).to_numpy(),
        "Commune_exemptée_2026_2028": 0, "Taux_cible_commune_2026_2028": [f"{100 * t:.0f}%" for t in target],
        "Prélèvement_net_2026_dont_majoration": euros(levy)})


# the SDES columns the demo's permit lists carry (the published file has more), code → label (line 1)
SDES_COLUMNS = {
    "REG_CODE": "Code de la région du lieu des travaux - Code de la zone",
    "REG_LIBELLE": "Code de la région du lieu des travaux - Libellé de la zone",
    "DEP_CODE": "Code du département du lieu des travaux - Code de la zone",
    "DEP_LIBELLE": "Code du département du lieu des travaux - Libellé de la zone",
    "COMM": "Code de la commune du lieu des travaux",
    "TYPE_DAU": "Type de DAU -- demande d’autorisation d’urbanisme (PC ou DP généralement, rarement PA)",
    "NUM_DAU": "Numéro d’enregistrement de la DAU", "ETAT_DAU": "Etat d’avancement du projet",
    "DATE_REELLE_AUTORISATION": "Date réelle d’autorisation (PC) ou de non-opposition (DP) initiale",
    "DATE_REELLE_DOC": "Date réelle d’ouverture de chantier",
    "DATE_REELLE_DAACT": "Date réelle d’achèvement des travaux", "AN_DEPOT": "Année de dépôt de la DAU",
    "DPC_AUT": "Date (mois) de prise en compte (DPC) de l’autorisation initiale",
    "DPC_DERN": "Date (mois) (DPC) de dernière mise à jour des données",
    "CAT_DEM": "Catégorie du demandeur (maître d’ouvrage) selon Sitadel",
    "DENOM_DEM": "Dénomination d’un demandeur avéré en tant que personne morale",
    "SIREN_DEM": "Numéro SIREN d’un demandeur avéré en tant que personne morale",
    "ADR_NUM_TER": "Numéro de voie du terrain", "ADR_TYPEVOIE_TER": "Type de voie du terrain",
    "ADR_LIBVOIE_TER": "Libellé de la voie du terrain", "ADR_LOCALITE_TER": "Localité du terrain",
    "SEC_CADASTRE1": "Section cadastrale 1", "NUM_CADASTRE1": "Numéro parcelle cadastrale 1",
    "SEC_CADASTRE2": "Section cadastrale 2", "NUM_CADASTRE2": "Numéro parcelle cadastrale 2",
    "SEC_CADASTRE3": "Section cadastrale 3", "NUM_CADASTRE3": "Numéro parcelle cadastrale 3",
    "SUPERFICIE_TERRAIN": "Superficie du terrain", "NB_LGT_TOT_CREES": "Nombre total de logements créés",
    "NB_LGT_IND_CREES": "Nombre de logements individuels créés",
    "NB_LGT_COL_CREES": "Nombre de logements collectifs créés", "NB_LGT_RES": "Nombre de logements en résidence créés",
    "NB_LGT_DEMOLIS": "Nombre de logements démolis", "NB_LGT_PRET_LOC_SOCIAL": "Nb de logements locatifs sociaux",
    "NB_LGT_ACC_SOC_HORS_PTZ": "Nb de logements aidé (hors ptz)", "NB_LGT_PTZ": "Nb de logements ptz",
}


def _sitadel(store) -> pd.DataFrame:
    """The demo's permits as the SDES list of January 2026 gives them (its codes, text values):
    importing it into the demo changes nothing."""
    from . import permits

    p = pd.DataFrame(store.read("permits").drop(columns="geometry")).sort_values("num_dau").reset_index(drop=True)
    out = pd.DataFrame({code: pd.Series([None] * len(p), dtype=object) for code in SDES_COLUMNS})
    out[["REG_CODE", "REG_LIBELLE", "DEP_CODE", "DEP_LIBELLE"]] = ["32", "Hauts-de-France", "62", "Pas-de-Calais"]
    for code, name in permits.COLUMNS.items():
        if code in out and name in p:
            values = p[name]
            if pd.api.types.is_numeric_dtype(values):
                values = values.astype("Int64").astype("string")
            out[code] = values.astype(object).where(values.notna(), None)
    out["ETAT_DAU"] = p["status"].map({v: k for k, v in permits.ETAT_DAU.items()})
    out["ADR_LIBVOIE_TER"] = p["address"].where(p["address"].notna(), None) if "address" in p else None
    out["AN_DEPOT"] = (p["date_authorised"].str[:4].astype(int) - 1).astype(str)
    out["DPC_AUT"] = p["date_authorised"].str[:7]
    return out


def _sitadel_next_month(january: pd.DataFrame, store) -> pd.DataFrame:
    """February 2026's list: one permit's works started, one completed, one cancelled, one new (the
    Champ Bleu allotment, which the schemes hold with no permit number: a pair for the review queue)."""
    feb = january.copy()
    linked = set(store.read("projects")["permit_number"].dropna())
    authorised = feb.index[(feb["ETAT_DAU"] == "2") & feb["NUM_DAU"].isin(linked)]
    started = feb.index[feb["ETAT_DAU"] == "5"]
    feb.loc[authorised[0], ["ETAT_DAU", "DATE_REELLE_DOC", "DPC_DERN"]] = ["5", "2026-01-12", "2026-02"]
    feb.loc[started[0], ["ETAT_DAU", "DATE_REELLE_DAACT", "DPC_DERN"]] = ["6", "2026-01-28", "2026-02"]
    cancelled = feb.index[feb["NUM_DAU"] == f"0{insee(5)}25C0902"]
    feb.loc[cancelled, ["ETAT_DAU", "DPC_DERN"]] = ["4", "2026-02"]
    new = {**dict.fromkeys(SDES_COLUMNS), "REG_CODE": "32", "REG_LIBELLE": "Hauts-de-France", "DEP_CODE": "62",
           "DEP_LIBELLE": "Pas-de-Calais", "COMM": insee(4), "TYPE_DAU": "PA", "NUM_DAU": f"0{insee(4)}26A0101",
           "ETAT_DAU": "2", "DATE_REELLE_AUTORISATION": "2026-01-20", "AN_DEPOT": "2025", "DPC_AUT": "2026-02",
           "DPC_DERN": "2026-02", "ADR_LIBVOIE_TER": "CHEMIN DU CHAMP BLEU", "NB_LGT_TOT_CREES": "24",
           "NB_LGT_IND_CREES": "24", "NB_LGT_COL_CREES": "0", "NB_LGT_PRET_LOC_SOCIAL": "0"}
    return pd.concat([feb, pd.DataFrame([new])], ignore_index=True)


def _write_sdes(frame: pd.DataFrame, path: Path) -> None:
    """A `;` file as the SDES publishes it: the labels line, the codes line, text in double quotes."""
    import csv

    numeric = {"ETAT_DAU", "AN_DEPOT", "CAT_DEM", "SUPERFICIE_TERRAIN"} | {c for c in frame if c.startswith("NB_LGT")}
    with open(path, "w", encoding="utf-8", newline="") as fh:
        quoted = csv.writer(fh, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\n")
        quoted.writerow(SDES_COLUMNS.values())
        quoted.writerow(SDES_COLUMNS)
        for row in frame[list(SDES_COLUMNS)].itertuples(index=False):
            fh.write(";".join("" if v is None or v is pd.NA or v != v else v if c in numeric else '"' + v.replace('"', '""') + '"'
                              for c, v in zip(SDES_COLUMNS, row)) + "\n")

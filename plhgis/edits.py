"""Changes to a layer: imports, add, edit and end, as plans that are previewed then applied.

Every path goes through `plan_rows`: validate with the schema, match rows to the features
already in the store, and compute the inserts, updates and ends. `--dry-run` prints the plan;
`apply` writes it in one transaction with one history row per feature.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from . import lazy
from . import bulk, extra, io, schema, sources
from .errors import PlhgisError, Problem, ValidationError
from .labels import Msg, t
from .progress import steps
from .store import Change, is_geometry, plain_value

gpd = lazy.module("geopandas")
np = lazy.module("numpy")
pd = lazy.module("pandas")
shapely = lazy.module("shapely")

MODES = ("upsert", "append", "replace")
GEOMETRY_TOLERANCE_M = 0.05  # an outline moved by less is unchanged (store CRS units: metres)


@dataclass
class Plan:
    """What a change would do: the feature changes, plus what was left alone and why."""

    layer: str
    changes: list[Change] = field(default_factory=list)
    unchanged: int = 0
    warnings: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what a source mapping did (sources.py)
    source: str = ""

    def counts(self) -> dict[str, int]:
        out = {"insert": 0, "update": 0, "end": 0}
        for c in self.changes:
            out[c.action] += 1
        out["unchanged"] = self.unchanged
        return out

    def describe(self, lang: str = "fr", limit: int = 200) -> list[str]:
        """One line per change in `lang`: + added, ~ field old → new, - ended."""
        lines = [describe_change(self.layer, c, lang) for c in self.changes[:limit]]
        if len(self.changes) > limit:
            lines.append(t("edit.more", lang, n=len(self.changes) - limit))
        return lines


def describe_change(layer: str, c: Change, lang: str = "fr") -> str:
    """A change in one line: `+ projects P-… name`, `~ projects P-… status: 'a' → 'b'`, `- … ended`."""
    label = c.id or t("edit.new_id", lang)
    if c.action == "insert":
        name = c.after.get("name") or c.after.get("site_nom") or c.after.get("libelle") or ""
        return f"+ {layer} {label} {name}".rstrip()
    if c.action == "end":
        return t("edit.ended", lang, layer=layer, id=label, day=c.after["end_date"])
    if c.action == "delete":  # only another tool deletes (journal.py); plhgis ends
        return t("edit.deleted", lang, layer=layer, id=label, day=c.after.get("end_date"))
    diffs = "; ".join(f"{k}: {_show(c.before.get(k))} → {_show(v)}" for k, v in c.after.items())
    return f"~ {layer} {label} {diffs}"


def history_lines(history, lang: str = "fr") -> list[str]:
    """The store's history rows (store.history()) as the same one-line changes, with when and who."""
    out = []
    for row in history.itertuples(index=False):
        change = Change(row.action, row.feature_id, _loads(row.after), _loads(row.before))
        out.append(f"{row.ts[:19].replace('T', ' ')}  {row.user or '?'}  "
                   f"{describe_change(row.layer, change, lang)}  [{row.source or ''}]")
    return out


def _loads(text) -> dict:
    """A history JSON column back to values, the geometry (WKT there) as a shapely geometry."""
    values = json.loads(text) if isinstance(text, str) and text else {}
    if isinstance(values.get("geometry"), str):
        values["geometry"] = shapely.from_wkt(values["geometry"])
    return values


def _show(value) -> str:
    if is_geometry(value):
        return value.geom_type.lower()
    return "∅" if value is None else repr(value)


def plan_rows(store, layer: str, frame, *, mode: str = "upsert", file=None, rows=None,
              source: str = "", problems=()) -> Plan:
    """Plan the changes that bring the store in line with `frame` (already in the store CRS).

    Only the columns present in `frame` are compared and written, so a partial sheet never
    blanks the fields it does not carry. `problems` found upstream (e.g. coordinates outside
    the CRS area) are reported with the schema's, all at once.
    """
    if mode not in MODES:
        raise PlhgisError(Msg("err.unknown_mode", mode=repr(mode)), hint=Msg("hint.use", values=", ".join(MODES)))
    lay = schema.get_layer(layer)
    rows = frame.index.to_series() if rows is None else rows
    plan = Plan(lay.name, source=source)
    known_fields = set(lay.columns) - {"created_at", "updated_at"}  # stamps are the store's own
    geometry = frame.geometry if isinstance(frame, gpd.GeoDataFrame) and lay.geometry else None
    attrs = pd.DataFrame(frame.drop(columns=frame.geometry.name) if geometry is not None else frame)
    attrs, kept = extra.keep_extra(attrs, set(lay.columns) | {"geometry"})  # nothing a caller sends is lost
    if kept:
        plan.notes.append(Msg("note.extra_kept", columns=", ".join(kept)))
    attrs = attrs[[c for c in attrs.columns if c in known_fields]]
    check = lay.commune_field and lay.name != "communes" and lay.extra.get("commune_check", True)
    communes = store.communes() if check else None
    typed, errors, warnings = schema.validate(lay, attrs, file=file, rows=rows, known_communes=communes)
    plan.warnings.extend(warnings)
    if "end_date" in attrs:
        end_field = schema.SYSTEM_FIELDS[2]
        typed["end_date"], bad, msg, hint = schema.coerce(end_field, attrs["end_date"],
                                                           schema.blank_cells(attrs["end_date"]))
        errors.extend(Problem(msg, file, rows.iloc[i], end_field.name, attrs["end_date"].iloc[i], hint)
                      for i in np.flatnonzero(bad.to_numpy()))
    if "extra" in attrs:  # the file's own columns (extra.keep_extra), JSON text as it is
        typed["extra"] = attrs["extra"].astype(object).where(~schema.blank_cells(attrs["extra"]), None)
    if geometry is not None:
        typed["geometry"], geo_problems = _checked_geometry(geometry, lay, file, rows)
        plan.warnings.extend(geo_problems)
        _derive_areas(lay, typed)
    errors.extend(_duplicates(lay, typed, file, rows))
    current = _current(store, lay, typed, mode)
    if mode != "append":  # append only adds: a same-named scheme is a new one
        _match_natural_keys(lay, typed, current)
    elif lay.key not in typed:
        typed[lay.key] = None
    if lay.key not in typed or not typed[lay.key].isin(current[lay.key]).all():
        errors.extend(schema.missing_required(lay, attrs.columns, file))  # some rows are new
    errors = list(problems) + errors
    if errors:
        raise ValidationError(sorted(errors, key=_problem_order))
    _diff(lay, typed, current, mode, plan, file, rows, given_columns=set(attrs.columns))
    return plan


def _problem_order(problem: Problem):
    row = problem.row
    return (row is not None, row if isinstance(row, int) else 0, str(row), problem.field or "")


def _checked_geometry(geometry, lay, file, rows):
    """Repair invalid polygons (make_valid) with one warning each; refuse wrong geometry kinds."""
    geoms = geometry.to_numpy().copy()
    warnings = []
    invalid = np.flatnonzero(~shapely.is_missing(geoms) & ~shapely.is_valid(geoms))
    for i in invalid:
        reason = shapely.is_valid_reason(geoms[i])
        repaired = shapely.make_valid(geoms[i])
        if repaired.geom_type == "GeometryCollection":
            polys = [g for g in repaired.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
            repaired = shapely.union_all(polys) if polys else repaired
        geoms[i] = repaired
        warnings.append(Problem(Msg("warn.polygon_repaired", reason=reason), file, rows.iloc[i],
                                "geometry", None, Msg("hint.check_outline")))
    if lay.geometry == "polygon":
        kinds = shapely.get_type_id(geoms)
        wrong = np.flatnonzero(~shapely.is_missing(geoms) & ~np.isin(kinds, (3, 6)))
        if len(wrong):
            raise ValidationError([Problem(Msg("err.need_polygons", layer=lay.name, kind=geoms[i].geom_type),
                                           file, rows.iloc[i], "geometry", None, Msg("hint.give_outline"))
                                   for i in wrong])
    return pd.Series(list(geoms), index=geometry.index, dtype=object), warnings


DERIVED_AREA = {"projects": "site_area_m2", "plots": "area_m2"}


def _derive_areas(lay, typed):
    """site_area_m2 / area_m2 come from the footprint when there is one."""
    target = DERIVED_AREA.get(lay.name)
    if not target:
        return
    geoms = np.asarray(typed["geometry"].to_numpy(), dtype=object)
    area = shapely.area(geoms)
    polygon = np.isin(shapely.get_type_id(geoms), (3, 6))
    derived = pd.Series(np.where(polygon, np.round(area, 1), np.nan), index=typed.index)
    typed[target] = derived.where(polygon, typed[target] if target in typed else np.nan)


def _duplicates(lay, typed, file, rows):
    if lay.key not in typed:
        return []
    keys = typed[lay.key]
    dup = keys.notna() & keys.duplicated(keep=False)
    problems = []
    for key, group in typed[dup].groupby(lay.key, sort=False):
        lines = [str(rows.loc[i]) for i in group.index]
        problems.append(Problem(Msg("err.same_id", rows=", ".join(lines)), file,
                                rows.loc[group.index[1]], lay.key, key, Msg("hint.same_id")))
    return problems


def _current(store, lay, typed, mode):
    """The store's features the incoming rows may match (all of them for replace)."""
    if mode == "replace" or len(typed) > 500 or lay.key not in typed:
        return store.read(lay.name, include_ended=True)
    ids = set(typed[lay.key].dropna())
    frame = store.read(lay.name, ids=ids, include_ended=True)
    if lay.natural_key and typed[lay.key].isna().any() and lay.commune_field in typed:
        communes = set(typed.loc[typed[lay.key].isna(), lay.commune_field].dropna())
        extra = [store.read(lay.name, commune=c, include_ended=True) for c in communes]
        frame = pd.concat([frame, *extra], ignore_index=True).drop_duplicates(lay.key)
    return frame


def _natural(frame, cols):
    return frame[list(cols)].astype(str).apply(lambda col: col.map(schema.fold)).agg("|".join, axis=1)


def _match_natural_keys(lay, typed, current):
    """Rows without an id take the id of the feature with the same natural key (e.g. commune+name)."""
    if lay.key not in typed:
        typed[lay.key] = None
    if not lay.natural_key or not set(lay.natural_key) <= set(typed.columns) or current.empty:
        return
    missing = typed[lay.key].isna()
    if not missing.any():
        return
    lookup = dict(zip(_natural(current, lay.natural_key), current[lay.key]))
    keys = _natural(typed[missing], lay.natural_key)
    typed.loc[missing, lay.key] = keys.map(lookup).where(keys.map(lookup).notna(), None)


def _diff(lay, typed, current, mode, plan, file, rows, given_columns=frozenset()):
    cols = [c for c in typed.columns if c not in (lay.key, "geometry")]
    has_geom = "geometry" in typed
    index = {k: i for i, k in enumerate(current[lay.key])} if len(current) else {}
    pos = typed[lay.key].map(index)
    matched = pos.notna().to_numpy()
    if mode == "append" and matched.any():
        raise ValidationError([Problem(Msg("err.already_in_store", layer=lay.name, id=k), file,
                                       rows.loc[i], lay.key, k, Msg("hint.append_exists"))
                               for i, k in typed.loc[matched, lay.key].items()])
    new = typed[~matched]
    for after in _records(new, has_geom):
        plan.changes.append(Change("insert", after.get(lay.key), after))
    old = typed[matched]
    if len(old):
        cur = current.iloc[pos[matched].astype(int).to_numpy()].reset_index(drop=True)
        inc = old.reset_index(drop=True)
        changed = pd.DataFrame(False, index=inc.index, columns=cols + (["geometry"] if has_geom else []))
        if "extra" in cols:  # a file's own columns add to those kept before, never blank them
            inc["extra"] = [_merged_extra(o, n) for o, n in zip(cur["extra"], inc["extra"])]
        for c in cols:
            a, b = inc[c], cur[c]
            changed[c] = ~((a == b).fillna(False) | (a.isna() & b.isna()))
        if has_geom:
            ga = np.asarray(inc["geometry"].to_numpy(), dtype=object)
            gb = cur.geometry.to_numpy()
            # within 5 cm: the same outline read from another format (GeoJSON keeps 7 decimals of a degree)
            same = shapely.equals_exact(ga, gb, tolerance=GEOMETRY_TOLERANCE_M) | shapely.is_missing(ga)
            changed["geometry"] = ~same
            area = DERIVED_AREA.get(lay.name)
            if area in changed and area not in given_columns:  # a row with no geometry keeps its area
                changed[area] &= ~shapely.is_missing(ga)
        flags = changed.to_numpy()
        dirty = np.flatnonzero(flags.any(axis=1))
        plan.unchanged += len(inc) - len(dirty)
        # whole columns to plain values at once (per-cell pandas access made 30,000 updates take 30 s)
        names = [c for j, c in enumerate(changed.columns) if flags[dirty, j].any()]
        new_values = {c: _plain_list(inc[c].iloc[dirty]) for c in names}
        old_values = {c: _plain_list((cur.geometry if c == "geometry" else cur[c]).iloc[dirty]) for c in names}
        keys = inc[lay.key].iloc[dirty].tolist()
        versions = [v or "" for v in cur["updated_at"].iloc[dirty].tolist()]
        columns = [changed.columns.get_loc(c) for c in names]
        for k, i in enumerate(dirty):
            fields = [c for c, j in zip(names, columns) if flags[i, j]]
            plan.changes.append(Change("update", keys[k], {c: new_values[c][k] for c in fields},
                                       {c: old_values[c][k] for c in fields}, updated_at=versions[k]))
    if mode == "replace" and len(current):
        seen = set(typed[lay.key].dropna())
        today = date.today().isoformat()
        active = current[current["end_date"].isna() & ~current[lay.key].isin(seen)]
        for key, version in zip(active[lay.key], active["updated_at"]):
            plan.changes.append(Change("end", key, {"end_date": today}, {"end_date": None},
                                       updated_at=version or ""))


def _plain_list(series) -> list:
    """A column as plain Python values (None for missing ones), as `plain_value` gives one by one."""
    return [plain_value(v) for v in series.astype(object).tolist()]


def _merged_extra(old, new):
    """Two `extra` JSON texts as one: the new file's values over the old ones."""
    if not isinstance(new, str) or not isinstance(old, str) or not old:
        return old if new is None or (not isinstance(new, str) and pd.isna(new)) else new
    return json.dumps({**json.loads(old), **json.loads(new)}, ensure_ascii=False)


def _records(frame, has_geom) -> list[dict]:
    """Rows as dicts of plain Python values, empty fields left out (geometry always in)."""
    cols = [c for c in frame.columns if c != "geometry"]
    values = [frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in cols]
    records = [{k: v for k, v in zip(cols, row) if v is not None} for row in zip(*values)]
    if has_geom:
        for rec, geom in zip(records, frame["geometry"].to_numpy()):
            rec["geometry"] = geom
    return records


# -- the library verbs ------------------------------------------------------------------------
def apply(store, plan: Plan) -> Plan:
    """Write the plan in one transaction."""
    store.apply(plan.layer, plan.changes, plan.source)
    return plan


def import_file(store, layer, path, *, mode="upsert", crs=None, dry_run=False, source_layer=None,
                source=None, strict=False, progress=None, **options) -> Plan:
    """Import a file into a layer: read, map its source's fields, check, reproject, plan, and
    (unless dry_run) apply. `source`/`options`: see sources.map_source; `strict`: warnings refuse;
    `progress`: see `plhgis.progress` (read, map, plan, apply)."""
    lay = schema.get_layer(layer)
    with steps(progress, 4, Msg("progress.import")) as bar, bulk.no_cyclic_gc():  # bulk.py: millions of rows
        frame, rows = io.read_geodata(path, crs=crs, layer=source_layer, target_layer=lay.name,
                                      header_names=sources.parse_map(options.get("column_map")))
        bar.update(1)
        mapped = sources.map_source(frame, lay.name, source, file=str(path), rows=rows, store=store, **options)
        frame, rows = mapped.frame, mapped.rows
        problems = list(mapped.errors)
        frame = io.to_store_crs(frame, store.crs, file=str(path), rows=rows, problems=problems)
        placing = []
        if lay.name == "projects":
            frame = _placed_by_parcels(store, frame, rows, str(path), placing)
        bar.update(1)
        plan = plan_rows(store, lay.name, frame, mode=mode, file=str(path), rows=rows,
                         source=f"import {Path(path).name}", problems=problems)
        if lay.name == "projects":
            _place_at_commune(store, plan, str(path), placing)
        plan.notes, plan.warnings = mapped.notes + plan.notes, mapped.warnings + placing + plan.warnings
        bar.update(1)
        if strict and plan.warnings:
            raise ValidationError(plan.warnings)
        plan = plan if dry_run else apply(store, plan)
        bar.update(1)
    return plan


def _parcel_refs(frame) -> pd.Series:
    """Each row's cadastral references, from the file's parcels column (kept in `extra`)."""
    keys = {schema.header_key(h) for h in schema.LOCATION_HEADERS["parcels"]}
    if "extra" not in frame.columns:
        return pd.Series(None, index=frame.index, dtype=object)

    def refs(text):
        values = json.loads(text) if isinstance(text, str) and text else {}
        return next((str(v) for k, v in values.items() if schema.header_key(k) in keys and str(v).strip()), None)
    return frame["extra"].map(refs)


def _placed_by_parcels(store, frame, rows, file, warnings):
    """Rows with parcel references and no geometry take the parcels' footprint (parcels layer loaded);
    a reference the layer lacks is a warning, and the row is placed at the commune."""
    refs = _parcel_refs(frame)
    geoms = (frame.geometry.to_numpy().copy() if isinstance(frame, gpd.GeoDataFrame)
             else np.full(len(frame), None, dtype=object))
    todo = np.flatnonzero(refs.notna().to_numpy() & shapely.is_missing(geoms))
    if not len(todo):
        return frame
    loaded = store.count("parcels") > 0
    for i in todo:
        try:
            if not loaded:
                raise PlhgisError(Msg("err.parcels_empty"))
            geoms[i] = sources.parcels_footprint(store, refs.iloc[i])
        except PlhgisError as exc:
            warnings.append(Problem(Msg("warn.parcels_not_placed", why=exc.problem.message), file, rows.iloc[i],
                                    "parcels", refs.iloc[i], Msg("hint.load_cadastre")))
    attrs = pd.DataFrame(frame.drop(columns=frame.geometry.name) if isinstance(frame, gpd.GeoDataFrame) else frame)
    return gpd.GeoDataFrame(attrs, geometry=list(geoms), crs=store.crs)


def _place_at_commune(store, plan, file, warnings):
    """A new scheme with no location at all is placed on its commune (a finding DATA-LOCATE says
    'à localiser' until someone moves it)."""
    from .territory import commune_point

    for change in plan.changes:
        if change.action != "insert" or change.after.get("geometry") is not None:
            continue
        commune = change.after.get("commune")
        outline = store.read("communes", commune=commune).geometry if commune else None
        if outline is None or not len(outline) or outline.iloc[0] is None:
            continue
        change.after["geometry"] = commune_point(outline.iloc[0])
        warnings.append(Problem(Msg("warn.placed_at_commune"), file, None, "geometry", change.after.get("name"),
                                Msg("hint.move_it")))


def one_row(values: dict, geometry=None, crs=None):
    """A one-row frame for add/edit, with its geometry (in `crs`) if given; None is an empty field."""
    frame = pd.DataFrame([values], dtype=object)
    if geometry is None:
        return frame
    return gpd.GeoDataFrame(frame, geometry=[geometry], crs=crs)


def add(store, layer, values: dict, geometry=None, crs=None, source="plhgis add", parcels=None) -> Change:
    """Add one feature (fields left None are not given); returns the change with its new id.

    `parcels` (or a layer's own `parcels` field): cadastral references whose union is the
    footprint when no geometry is given, for every layer alike.
    """
    lay = schema.get_layer(layer)
    given = {k: v for k, v in values.items() if v is not None}
    refs = parcels or given.get("parcels")
    if refs and geometry is None:
        geometry, crs = sources.parcels_footprint(store, refs), store.crs
    if refs and "parcels" in given:  # the field holds them as the schema says: IDU separated by |
        given["parcels"] = "|".join(r for r in re.split(r"[,|;\s]+", str(refs).upper()) if r)
    frame = io.to_store_crs(one_row(given, geometry, crs or store.crs), store.crs, rows=pd.Series(["new"]))
    plan = plan_rows(store, lay.name, frame, mode="append", rows=pd.Series(["new"]), source=source)
    return apply(store, plan).changes[0]


def edit(store, layer, feature_id, values: dict, geometry=None, crs=None, source="plhgis edit") -> Plan:
    """Change some fields (and/or the geometry) of one feature; the rules see every field they read."""
    lay = schema.get_layer(layer)
    fields_only = geometry is None and DERIVED_AREA.get(lay.name) not in values and \
        set(values) <= {f.name for f in lay.fields}
    current = store.get(lay.name, feature_id, geometry=not fields_only)
    unknown = set(values) - set(lay.columns)
    if unknown:
        raise PlhgisError(Msg("err.not_a_field", names=", ".join(sorted(unknown)), layer=lay.name),
                          hint=Msg("hint.fields_are", fields=", ".join(f.name for f in lay.fields)))
    row = {k: v for k, v in current.items() if k in schema.checked_fields(lay)}
    row.update(values)
    if fields_only:
        return apply(store, _fields_plan(store, lay, current, row, source))
    if geometry is None:  # the current geometry, so the rules see the whole feature
        geometry, crs = current.get("geometry"), store.crs
    frame = io.to_store_crs(one_row(row, geometry, crs or store.crs), store.crs, rows=pd.Series([feature_id]))
    plan = plan_rows(store, lay.name, frame, mode="upsert", rows=pd.Series([feature_id]), source=source)
    for change in plan.changes:  # the version the new row was built from, not a later read's
        change.updated_at = current["updated_at"] or ""
    return apply(store, plan)


def _fields_plan(store, lay, current: dict, row: dict, source: str) -> Plan:
    """The plan of an edit that leaves the geometry (and the area derived from it) alone:
    `plan_rows` for one feature in plain Python (schema.validate_record), so the edit loads
    neither pandas nor shapely."""
    check = lay.commune_field and lay.name != "communes" and lay.extra.get("commune_check", True)
    key = current[lay.key]
    typed, errors, warnings = schema.validate_record(lay, row, row=key,
                                                     known_communes=store.communes() if check else None)
    if errors:
        raise ValidationError(sorted(errors, key=_problem_order))
    plan = Plan(lay.name, warnings=warnings, source=source)
    changed = [c for c, v in typed.items() if c != lay.key and v != current.get(c)]
    if changed:
        plan.changes.append(Change("update", key, {c: typed[c] for c in changed},
                                   {c: current.get(c) for c in changed}, updated_at=current["updated_at"] or ""))
    else:
        plan.unchanged = 1
    return plan


def end(store, layer, feature_id, on=None, reason=None) -> Change:
    """Soft-end a feature: it stays in the store and the history, out of current lists."""
    lay = schema.get_layer(layer)
    current = store.get(lay.name, feature_id)
    if current.get("end_date"):
        raise PlhgisError(Msg("err.already_ended", layer=lay.name, id=feature_id, day=current["end_date"]),
                          row=feature_id, hint=Msg("hint.nothing_to_do"))
    day = (on or date.today()).isoformat() if not isinstance(on, str) else on
    change = Change("end", feature_id, {"end_date": day}, {"end_date": None},
                    updated_at=current["updated_at"] or "")
    source = "plhgis end" + (f" ({reason})" if reason else "")
    store.apply(lay.name, [change], source)
    return change


def history(store, layer=None, feature_id=None, since=None, commune=None, user=None) -> pd.DataFrame:
    """The journal (`store.history`), narrowed to one commune's features and to one user's changes.

    A feature is the commune's when it is now (ended ones included) or was, in a change's before
    or after values: a scheme moved from one commune to another shows in both.
    """
    rows = store.history(layer, feature_id, since)
    if user:
        rows = rows[rows["user"].fillna("").str.casefold() == user.casefold()]
    if commune:
        from .territory import require_commune

        require_commune(store, commune)
        owned = set()
        for name in rows["layer"].unique():
            lay = schema.LAYERS.get(name)
            if lay is not None and lay.commune_field:
                frame = store.read(name, include_ended=True)
                owned |= {(name, str(k)) for k in frame.loc[frame[lay.commune_field] == commune, lay.key]}

        def mine(row) -> bool:
            lay = schema.LAYERS.get(row.layer)
            was = [_loads(row.before).get(lay.commune_field), _loads(row.after).get(lay.commune_field)] if lay else []
            return (row.layer, str(row.feature_id)) in owned or commune in was

        rows = rows[[mine(r) for r in rows.itertuples(index=False)]]
    return rows.reset_index(drop=True)

"""The plhgis command line: thin click adapters over the library.

What `--help` says of each command and option, in French and English: `cli_help.HELP`, keyed by the
command path ("import", "import --mode").
"""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import click

from . import lazy
from . import cnig, edits, extra, io, schema, sources
from . import cli_store, fetch as fetch_mod
from .cli_options import (LANG as _LANG, LANGS, FieldOption, PlhgisGroup, commune_option, crs_option, date_option,
                          format_option, formats_option, layer_argument, open_command_store as _open, overwrite_option,
                          page_lang_option, say as _say, set_lang, show as _show, store_option, user_option)
from .errors import grouped
from .labels import count
from .progress import steps
from .render import render
from .store import store_path
from .stores import create_store

# loaded by the commands that use them (a one-field edit does not)
checks_mod, review_mod, settings_mod, targets_mod = (lazy.module(f"plhgis.{name}")
                                                    for name in ("checks", "review", "settings", "targets"))

shapely = lazy.module("shapely")
@click.group(cls=PlhgisGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="plhgis")
@click.option("--lang", type=click.Choice(LANGS), envvar="PLHGIS_LANG", callback=set_lang, is_eager=True,
              expose_value=False)
def cli():
    pass


# -- store -------------------------------------------------------------------------------------
@cli.command()
@store_option
@click.option("--demo", is_flag=True)
@click.option("--crs", default=schema.STORE_CRS, show_default=True)
@overwrite_option()
def init(store, demo, crs, overwrite):
    from . import demo as demo_mod

    path = store_path(store)
    created = demo_mod.build(path, overwrite=overwrite) if demo else create_store(path, crs, overwrite)
    click.echo(_say("cli.store_created", path=created.path), err=True)
    if demo:
        click.echo(render(created.layer_info()))


@cli.command()
@store_option
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False), default="maps/demo", show_default=True)
@click.option("--examples", "examples_dir", type=click.Path(file_okay=False), default="examples", show_default=True)
@overwrite_option()
def demo(store, out_dir, examples_dir, overwrite):
    from . import demo as demo_mod

    path = store_path(store)
    built = demo_mod.build(path, overwrite=overwrite)
    examples = demo_mod.write_examples(built, examples_dir)
    click.echo(_say("cli.demo_store", label=demo_mod.LABEL, path=built.path), err=True)
    click.echo(render(built.layer_info()))
    click.echo(checks_mod.check_summary(built, lang=_LANG["value"]))
    from . import reports

    outputs = reports.write_demo_outputs(built, out_dir, lang=_LANG["value"])
    click.echo(_say("cli.demo_outputs", examples=examples[0].parent, **outputs), err=True)


@cli.command()
@store_option
@format_option
def layers(store, fmt):
    click.echo(render(_open(store).layer_info(), fmt))


@cli.group("commune", cls=PlhgisGroup)
def commune_group():
    pass


@commune_group.command("list")
@store_option
@format_option
def commune_list(store, fmt):
    frame = _open(store).read("communes")
    click.echo(render(frame, fmt, ("insee", "name", "polarity", "sru_status") if fmt == "table" else None))


@cli.command()
@store_option
@click.argument("layer", required=False)
@click.argument("feature_id", required=False)
@date_option("--since")
@commune_option
@click.option("--user")
@format_option
def history(store, layer, feature_id, since, commune, user, fmt):
    if layer:
        layer = _layer_name(layer)
    rows = edits.history(_open(store), layer, feature_id, since, commune=commune, user=user)
    if fmt == "table":  # one readable line per change; csv/json give the raw before/after
        click.echo("\n".join(edits.history_lines(rows, _LANG["value"])) or _say("cli.nothing"))
    else:
        click.echo(render(rows, fmt))


def _layer_name(value):
    try:
        return schema.get_layer(value).name
    except KeyError as exc:
        raise click.BadParameter(_show(exc.args[0]), param_hint="LAYER") from None


# -- files -------------------------------------------------------------------------------------
@cli.command("import")
@store_option
@user_option
@layer_argument
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--mode", type=click.Choice(edits.MODES), default="upsert", show_default=True)
@crs_option
@click.option("--layer", "source_layer")
@click.option("--dry-run", is_flag=True)
@click.option("--source", "source_name", type=click.Choice(list(sources.SOURCES)))
@click.option("--epci")
@click.option("--kind")
@click.option("--name-field")
@click.option("--map", "column_map", metavar="COL=FIELD,…")
@click.option("--strict", is_flag=True)
@click.option("--verbose", "-v", is_flag=True)
@commune_option
def import_(store, user, layer, file, mode, crs, source_layer, dry_run, source_name, epci, kind, name_field,
            column_map, strict, verbose, commune):
    st = _open(store, user)
    if layer == "permits":  # the SDES file has its own reader (two header lines, old and new codes)
        from . import permits

        _report(permits.import_permits(st, file, epci=epci, commune=commune, dry_run=dry_run), layer, dry_run,
                verbose)
        return
    plan = edits.import_file(st, layer, file, mode=mode, crs=crs, dry_run=dry_run, source_layer=source_layer,
                             source=source_name, strict=strict, epci=epci, kind=kind, name_field=name_field,
                             column_map=column_map, progress=_progress)
    _report(plan, layer, dry_run, verbose)
    if layer == "projects":
        from . import sheets

        for fid, name in sheets.left_out(st, file):
            click.echo(_say("cli.left_out", id=fid, name=name))


def _report(plan, layer, dry_run, verbose=False):
    """An import's plan: notes and warnings (grouped by field and kind unless `verbose`) to stderr,
    the changes to stdout, then the counts."""
    for note in plan.notes:
        click.echo(_show(note), err=True)
    for line in ([w.text(_LANG["value"]) for w in plan.warnings] if verbose
                 else grouped(plan.warnings, lang=_LANG["value"])):
        click.echo(_say("cli.warning", text=line), err=True)
    if plan.warnings:
        click.echo(count(len(plan.warnings), "cli.warnings", _LANG["value"]), err=True)
    for line in plan.describe(_LANG["value"]):
        click.echo(line)
    click.echo(_say("cli.counts_dry" if dry_run else "cli.counts", layer=layer, **plan.counts()), err=True)
    _proposal_note(plan.changes)


def _proposal_note(changes) -> bool:
    """Say so when changes were sent as proposals (a PostGIS commune login set to propose)."""
    ids = [str(c.proposal) for c in changes if getattr(c, "proposal", None)]
    if ids:
        click.echo(_say("cli.proposal", ids=", ".join(ids)), err=True)
    return bool(ids)


@cli.command()
@store_option
@layer_argument
@click.argument("file", type=click.Path(dir_okay=False))
@formats_option([*io.FORMATS, "cnig"], default=None)
@commune_option
@date_option("--as-of")
@overwrite_option()
@click.option("--csv-dialect", type=click.Choice(list(io.CSV_DIALECTS)), default="excel-fr", show_default=True)
def export(store, layer, file, fmt, commune, as_of, overwrite, csv_dialect):
    if fmt == "cnig" and layer != "friches":
        raise click.BadParameter(_say("cli.cnig_friches"), param_hint="--format")
    frame = _open(store).read(layer, commune=commune, as_of=as_of)
    if fmt == "cnig":
        path, notes = cnig.write_cnig(frame, file, overwrite=overwrite)
        for note in notes:
            click.echo(_show(note), err=True)
    else:
        path = io.export_frame(extra.extra_columns(frame), file, fmt, overwrite=overwrite,
                               **io.CSV_DIALECTS[csv_dialect])
    click.echo(_say("cli.exported", n=len(frame), layer=layer, path=path), err=True)


# -- online reference data -------------------------------------------------------------------------
@cli.group(cls=PlhgisGroup)
def fetch():
    pass


def _fetch_options(default_url):
    def decorate(f):
        for opt in reversed((
                click.option("--base-url", default=default_url, show_default=True),
                click.option("--timeout", type=float, default=fetch_mod.TIMEOUT_S, show_default=True),
                click.option("-o", "--output", type=click.Path(dir_okay=False)),
                overwrite_option(),
                click.option("--dry-run", is_flag=True))):
            f = opt(f)
        return user_option(store_option(f))
    return decorate


def _progress(length, label):
    """The progress callback of every long command: a bar on a terminal's stderr, nothing when piped."""
    if not sys.stderr.isatty():
        return steps(None, length, label)
    return click.progressbar(length=length or 0, label=_show(label), file=sys.stderr)


@fetch.command("communes")
@click.option("--epci", required=True)
@_fetch_options(fetch_mod.GEO_API)
def fetch_communes(epci, store, user, base_url, timeout, output, overwrite, dry_run):
    plan = fetch_mod.fetch_communes(_open(store, user), epci, base_url=base_url, timeout=timeout,
                                    progress=_progress, keep=output, overwrite=overwrite, dry_run=dry_run)
    _report(plan, "communes", dry_run)


@fetch.command("qpv")
@click.option("--epci")
@_fetch_options(fetch_mod.DATA_GOUV)
def fetch_qpv(epci, store, user, base_url, timeout, output, overwrite, dry_run):
    plan = fetch_mod.fetch_qpv(_open(store, user), base_url=base_url, timeout=timeout, progress=_progress,
                               keep=output, overwrite=overwrite, dry_run=dry_run, epci=epci)
    _report(plan, "qpv", dry_run)


# -- feature verbs: plhgis project|friche|plot add|edit|end|list|show ---------------------------------
def _field_options(lay: schema.Layer):
    """One --option per schema field, so add/edit speak the layer's own vocabulary."""
    def decorate(f):
        for fld in reversed(lay.fields):
            if fld.name == lay.key and lay.id_prefix:
                continue  # given by plhgis
            f = click.option("--" + fld.name.replace("_", "-"), fld.name, cls=FieldOption, layer=lay.name, field=fld)(f)
        return f
    return decorate


def _geometry_options(f):
    f = click.option("--wkt")(f)
    f = click.option("--lon", type=float)(f)
    f = click.option("--lat", type=float)(f)
    return crs_option(f)


def _geometry(lon, lat, wkt, crs):
    if (lon is None) != (lat is None):
        raise click.UsageError(_say("cli.lon_lat"))
    if lon is not None:
        for name, value in (("--lon", lon), ("--lat", lat)):
            if not math.isfinite(value):
                raise click.BadParameter(_say("cli.not_degrees", value=value), param_hint=name)
        return shapely.Point(lon, lat), io.crs_of(4326)
    if wkt:
        try:
            return shapely.from_wkt(wkt), crs
        except shapely.errors.GEOSException as exc:
            raise click.BadParameter(_say("cli.not_wkt", why=exc), param_hint="--wkt") from None
    return None, None


def _parcels_option(lay):
    if lay.name != "projects":
        return lambda f: f
    return click.option("--parcels", "parcel_refs", metavar="IDU,IDU")


def feature_group(lay: schema.Layer, noun: str):
    """The add/edit/end/list/show commands of one editable layer."""

    @cli.group(noun, cls=PlhgisGroup)
    def group():
        pass
    group.help_template = "FEATURE"  # its help and its commands': cli_help.HELP["FEATURE …"], NOUNS[noun]

    @group.command()
    @store_option
    @user_option
    @_field_options(lay)
    @_geometry_options
    @_parcels_option(lay)
    def add(store, user, lon, lat, wkt, crs, parcel_refs=None, **values):
        geom, gcrs = _geometry(lon, lat, wkt, crs)
        if parcel_refs and geom is not None:
            raise click.UsageError(_say("cli.parcels_or_geometry"))
        change = edits.add(_open(store, user), lay.name, values, geom, gcrs, source=f"plhgis {noun} add",
                           parcels=parcel_refs)
        if not _proposal_note([change]):
            click.echo(change.id)

    @group.command()
    @store_option
    @user_option
    @click.argument("feature_id")
    @_field_options(lay)
    @_geometry_options
    def edit(store, user, feature_id, lon, lat, wkt, crs, **values):
        values = {k: v for k, v in values.items() if v is not None}
        geom, gcrs = _geometry(lon, lat, wkt, crs)
        if not values and geom is None:
            raise click.UsageError(_say("cli.nothing_to_change"))
        plan = edits.edit(_open(store, user), lay.name, feature_id, values, geom, gcrs,
                          source=f"plhgis {noun} edit")
        click.echo("\n".join(plan.describe(_LANG["value"])) or _say("cli.nothing_changed", id=feature_id))
        _proposal_note(plan.changes)

    @group.command()
    @store_option
    @user_option
    @click.argument("feature_id")
    @date_option("--date")
    @click.option("--reason")
    def end(store, user, feature_id, date, reason):
        change = edits.end(_open(store, user), lay.name, feature_id, date, reason)
        if not _proposal_note([change]):
            click.echo(_say("cli.ended", id=change.id, day=change.after["end_date"]))

    @group.command("list")
    @store_option
    @commune_option
    @date_option("--as-of")
    @click.option("--all", "include_ended", is_flag=True)
    @format_option
    def list_(store, commune, as_of, include_ended, fmt):
        frame = _open(store).read(lay.name, commune=commune, as_of=as_of, include_ended=include_ended)
        columns = lay.extra.get("list_columns") if fmt == "table" else None
        click.echo(render(frame, fmt, columns))

    @group.command()
    @store_option
    @click.argument("feature_id")
    def show(store, feature_id):
        st = _open(store)
        feature = st.get(lay.name, feature_id)
        width = max(map(len, feature))
        for key, value in feature.items():
            if key == "extra" and value:  # the file's own columns, one a line
                for name, kept in json.loads(value).items():
                    click.echo(f"{'extra'.ljust(width)}  {name}: {kept}")
            elif value is not None:
                shown = value.wkt[:100] if isinstance(value, shapely.Geometry) else value
                click.echo(f"{key.ljust(width)}  {shown}")
        click.echo(_say("cli.history"))
        click.echo(render(st.history(lay.name, feature_id), columns=["ts", "user", "action", "after", "source"],
                          max_width=70))

    return group



for _lay, _noun in ((schema.PROJECTS, "project"), (schema.FRICHES, "friche"), (schema.PLOTS, "plot")):
    feature_group(_lay, _noun)
sru_group = feature_group(schema.SRU, "sru")


@sru_group.command("figures")
@store_option
@commune_option
@click.option("--schemes", is_flag=True)
@formats_option(("table", "csv", "json"))
def sru_figures(store, commune, schemes, fmt):
    from . import sru

    if schemes and not commune:
        raise click.UsageError(_say("cli.schemes_commune"))
    st = _open(store)
    frame = sru.traced(st, commune) if schemes else sru.figures(st, commune)
    columns = None if fmt != "table" or schemes else sru.TABLE_COLUMNS
    click.echo(render(frame, fmt, columns, max_width=24))


# -- maps and packs -------------------------------------------------------------------------------
@cli.command("map")
@store_option
@commune_option
@click.option("-o", "--output", type=click.Path(dir_okay=False))
@page_lang_option
@overwrite_option()
def map_(store, commune, output, lang, overwrite):
    from . import maps, outputs

    output = output or outputs.inside(Path("maps"), f"{commune or 'territoire'}.html")
    path = maps.write_map(_open(store), output, commune=commune, overwrite=overwrite, lang=lang, progress=_progress)
    click.echo(_say("cli.map_written", path=path), err=True)


@cli.command()
@store_option
@click.argument("commune", required=False)
@click.option("--all", "all_", is_flag=True)
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False), default="maps", show_default=True)
@date_option("--since")
@page_lang_option
@overwrite_option()
@click.option("--pdf", is_flag=True)
def pack(store, commune, all_, out_dir, since, lang, overwrite, pdf):
    from . import reports

    if bool(commune) == all_:
        raise click.UsageError(_say("cli.code_or_all"))
    paths = reports.write_packs(_open(store), None if all_ else [commune], out_dir, since=since, lang=lang,
                                overwrite=overwrite, index=all_, pdf=pdf, progress=_progress)
    for path in paths:
        click.echo(str(path))



# -- checks, targets, PLU review (issue 4) ----------------------------------------------------------------
@cli.command()
@store_option
@commune_option
@click.option("--rule", "rules", multiple=True, metavar="CODE")
@format_option
@click.option("--strict", is_flag=True)
@click.option("--list-rules", is_flag=True)
def check(store, commune, rules, fmt, strict, list_rules):
    if list_rules:
        rules = checks_mod.catalogue(settings_mod.load_settings(store_path(store)))
        click.echo(render(rules, "table" if fmt == "geojson" else fmt, max_width=110))
        return
    st = _open(store)
    try:
        found = checks_mod.run_checks(st, commune=commune, rules=rules or None, progress=_progress)
    except checks_mod.RuleError as exc:
        raise click.BadParameter(exc.text(_LANG["value"]), param_hint="--rule") from None
    click.echo(checks_mod.render_findings(found, fmt, st.crs, checks_mod.commune_names(st), _LANG["value"]))
    if fmt != "table":
        click.echo(checks_mod.summary(found, _LANG["value"]), err=True)
    code = checks_mod.exit_code(found, strict)
    if code:
        click.get_current_context().exit(code)


@cli.command()
@store_option
@user_option
@click.argument("rule", required=False)
@click.argument("feature_id", required=False)
@click.option("--ground")
@click.option("--list", "list_", is_flag=True)
def ack(store, user, rule, feature_id, ground, list_):
    st = _open(store, user)
    if list_:
        click.echo(render(st.read("acknowledgements"), "table", schema.ACKNOWLEDGEMENTS.extra["list_columns"]))
        return
    if not (rule and feature_id):
        raise click.UsageError(_say("cli.ack_args"))
    if not ground:
        raise click.BadParameter(_say("cli.ack_ground"), param_hint="--ground")
    for change in checks_mod.acknowledge(st, rule, feature_id, ground):
        click.echo(edits.describe_change("acknowledgements", change, _LANG["value"]))


@cli.command("targets")
@store_option
@commune_option
@formats_option(("table", "csv", "json"))
def targets_cmd(store, commune, fmt):
    frame = targets_mod.progress(_open(store), commune)
    if fmt == "table":
        click.echo(render(targets_mod.for_table(frame), fmt, targets_mod.TABLE_COLUMNS, max_width=24))
    else:
        click.echo(render(targets_mod.typed(frame), fmt))


@cli.command()
@store_option
@click.option("--year", type=int, required=True)
@click.option("--compare", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False))
@overwrite_option()
def bilan(store, year, compare, output, overwrite):
    from . import bilan as bilan_mod

    st = _open(store)
    report = bilan_mod.review(st, year, compare, permits=bilan_mod.permit_flows(st))  # Sitadel when loaded
    paths = bilan_mod.write(report, output or Path("maps") / f"bilan-{year}.html", overwrite=overwrite)
    for path in paths:
        click.echo(str(path))


@cli.command("review-plu")
@store_option
@click.argument("insee")
@click.option("--zoning", type=click.Path(exists=True, dir_okay=False), required=True)
@click.option("--prescriptions", type=click.Path(exists=True, dir_okay=False))
@crs_option
@formats_option(("text", "json"), default="text")
def review_plu(store, insee, zoning, prescriptions, crs, fmt):
    report = review_mod.review_plu(_open(store), insee, zoning, prescriptions, crs=crs)
    click.echo(review_mod.render_text(report) if fmt == "text" else review_mod.render_json(report))


@cli.command("settings")
@store_option
@formats_option(("table", "csv", "json", "toml"))
def settings_cmd(store, fmt):
    current = settings_mod.load_settings(store_path(store))
    if fmt == "toml":
        click.echo(settings_mod.toml_template(current), nl=False)
    else:
        click.echo(render(settings_mod.describe(current), fmt, max_width=70))


# -- building permits (Sitadel, issue 12) --------------------------------------------------------
@cli.group(cls=PlhgisGroup, invoke_without_command=True)
@store_option
@user_option
@commune_option
@click.option("--dry-run", is_flag=True)
@click.option("--review", is_flag=True)
@click.option("--create", is_flag=True)
@click.pass_context
def reconcile(ctx, store, user, commune, dry_run, review, create):
    from . import reconcile as rec

    ctx.obj = {"store": store, "user": user}
    if ctx.invoked_subcommand:
        return
    st = _open(store, user)
    if review:
        click.echo(render(rec.review_queue(st, commune), max_width=70))
        return
    result = rec.reconcile(st, commune)
    created = rec.new_schemes(st, result) if create else None
    if not dry_run:
        rec.apply(st, result)
        if created is not None:
            edits.apply(st, created)
    _report(result.plan, "projects", dry_run)
    for row in result.matches[~result.matches["confident"]].itertuples():
        click.echo(_say("cli.to_review", id=row.id, score=f"{row.score:.2f}", reason=_show(row.reason)))
    if created is not None:
        _report(created, "projects", dry_run)
    for row in result.unmatched.itertuples() if created is None else ():
        click.echo(_say("cli.proposed", permit=row.num_dau, commune=row.commune, homes=row.homes_total)
                   + (f", {row.applicant}" if isinstance(row.applicant, str) else ""))
    click.echo(render(result.report), err=True)
    click.echo(_say("cli.reconciled", links=int(result.matches['confident'].sum()),
                    review=int((~result.matches['confident']).sum()), unmatched=len(result.unmatched)), err=True)


def _decision(verb, accept):
    """`reconcile accept` / `reconcile reject`: one pair of the review queue decided."""
    @reconcile.command(verb)
    @store_option
    @user_option
    @click.argument("match_id")
    @click.pass_context
    def decide(ctx, store, user, match_id):
        from . import reconcile as rec

        plan = rec.decide(_open(store or ctx.obj["store"], user or ctx.obj["user"]), match_id, accept)
        click.echo("\n".join(plan.describe(_LANG["value"])) or _say(f"cli.{verb}ed", id=match_id))
    return decide


_decision("accept", True)
_decision("reject", False)


@cli.group(cls=PlhgisGroup)
def permits():
    pass


@permits.command("list")
@store_option
@commune_option
@format_option
def permits_list(store, commune, fmt):
    frame = _open(store).read("permits", commune=commune)
    click.echo(render(frame, fmt, schema.PERMITS.extra["list_columns"] if fmt == "table" else None))


@permits.command("summary")
@store_option
@commune_option
@click.option("--by-type", is_flag=True)
@formats_option(("table", "csv", "json"))
def permits_summary(store, commune, by_type, fmt):
    from . import permits as permits_mod

    click.echo(render(permits_mod.permits_by_year(_open(store), commune, by_type=by_type), fmt))


for _group in (cli_store.store_group, cli_store.users_group, cli_store.proposals_group):
    cli.add_command(_group)


def main():
    cli(prog_name="plhgis")


if __name__ == "__main__":
    sys.exit(main())

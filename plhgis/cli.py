"""The plhgis command line: thin click adapters over the library."""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click
import shapely

from . import demo as demo_mod
from . import edits, io, schema
from .errors import PlhgisError
from .render import OUTPUT_FORMATS, render
from .store import GeoPackageStore, open_store, store_path


class PlhgisGroup(click.Group):
    """A group that turns the library's errors into one clear message and exit code 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except PlhgisError as exc:
            raise click.ClickException(str(exc)) from None


# -- shared options, defined once ---------------------------------------------------------------
def store_option(f):
    return click.option("--store", envvar="PLHGIS_STORE", type=click.Path(dir_okay=False),
                        help="The GeoPackage store [default: layers/plh.gpkg, or $PLHGIS_STORE].")(f)


def user_option(f):
    return click.option("--user", envvar="PLHGIS_USER", help="Name recorded in the history [default: $USER].")(f)


def _crs_callback(ctx, param, value):
    try:
        return io.crs_of(value)
    except Exception as exc:  # pyproj.CRSError and friends
        raise click.BadParameter(f"{value!r} is not a CRS ({exc})", param_hint="--crs") from None


crs_option = click.option("--crs", callback=_crs_callback,
                          help="CRS of the input when it declares none: 2154, EPSG:4326, …")
commune_option = click.option("--commune", help="INSEE code of one commune, e.g. 62498.")
format_option = click.option("--format", "fmt", type=click.Choice(OUTPUT_FORMATS), default="table",
                             show_default=True, help="Output format.")


def _date_callback(ctx, param, value):
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; write it as 2025-12-31") from None


def date_option(name, help_text):
    return click.option(name, callback=_date_callback, metavar="YYYY-MM-DD", help=help_text)


def layer_argument(f):
    def check(ctx, param, value):
        if value is None:
            return None
        try:
            return schema.get_layer(value).name
        except KeyError as exc:
            raise click.BadParameter(exc.args[0]) from None
    return click.argument("layer", callback=check)(f)


def _open(store, user=None):
    return open_store(store, user=user)


@click.group(cls=PlhgisGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="plhgis")
def cli():
    """plhgis: the PLH housing-project table, friches and infill plots as geographic layers.

    \b
        plhgis demo                      build the fictional demo territory
        plhgis project list --commune 62950
        plhgis import projects retour-commune.xlsx --dry-run
    """


# -- store -------------------------------------------------------------------------------------
@cli.command()
@store_option
@click.option("--demo", is_flag=True, help="Fill the store with the fictional demo territory.")
@click.option("--crs", default=schema.STORE_CRS, show_default=True, help="Storage CRS (projected, metres).")
@click.option("--overwrite", is_flag=True, help="Replace an existing store.")
def init(store, demo, crs, overwrite):
    """Create the store (a GeoPackage QGIS opens as it is).

    \b
        plhgis init                      empty store in layers/plh.gpkg
        plhgis init --demo --overwrite   the fictional demo territory
    """
    path = store_path(store)
    created = demo_mod.build(path, overwrite=overwrite) if demo else GeoPackageStore.create(path, crs, overwrite)
    click.echo(f"store created: {created.path}", err=True)
    if demo:
        click.echo(render(created.layer_info()))


@cli.command()
@store_option
def demo(store):
    """Build the demo territory into layers/plh.gpkg and list its layers.

    \b
        plhgis demo
    """
    path = store_path(store)
    built = demo_mod.build(path, overwrite=True)
    click.echo(f"demo store ({demo_mod.LABEL}): {built.path}", err=True)
    click.echo(render(built.layer_info()))


@cli.command()
@store_option
@format_option
def layers(store, fmt):
    """Each layer with its feature count, CRS and last change.

    \b
        plhgis layers
    """
    click.echo(render(_open(store).layer_info(), fmt))


@cli.command()
@store_option
@click.argument("layer", required=False)
@click.argument("feature_id", required=False)
@date_option("--since", "Only changes on or after this day.")
@format_option
def history(store, layer, feature_id, since, fmt):
    """The journal of changes: when, who, layer, id, action, before, after, source.

    \b
        plhgis history
        plhgis history projects P-62950-0003 --since 2025-01-01
    """
    if layer:
        layer = _layer_name(layer)
    click.echo(render(_open(store).history(layer, feature_id, since), fmt, max_width=60))


def _layer_name(value):
    try:
        return schema.get_layer(value).name
    except KeyError as exc:
        raise click.BadParameter(exc.args[0], param_hint="LAYER") from None


# -- files -------------------------------------------------------------------------------------
@cli.command("import")
@store_option
@user_option
@layer_argument
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--mode", type=click.Choice(edits.MODES), default="upsert", show_default=True,
              help="upsert: add new, update changed; append: only add; replace: also end what the file lacks.")
@crs_option
@click.option("--layer", "source_layer", help="Layer to read in a multi-layer file.")
@click.option("--dry-run", is_flag=True, help="Show what would change and write nothing.")
def import_(store, user, layer, file, mode, crs, source_layer, dry_run):
    """Import a file into a layer (GeoPackage, GeoJSON, Shapefile, CSV, XLSX).

    \b
        plhgis import projects retour-62950.xlsx --dry-run
        plhgis import communes communes.geojson --mode upsert
        plhgis import plots gisements.csv --crs 2154
    """
    st = _open(store, user)
    plan = edits.import_file(st, layer, file, mode=mode, crs=crs, dry_run=dry_run, source_layer=source_layer)
    for w in plan.warnings:
        click.echo(f"warning: {w}", err=True)
    for line in plan.describe():
        click.echo(line)
    counts = plan.counts()
    verb = "would change" if dry_run else "changed"
    click.echo(f"{layer}: {verb} {counts['insert']} added, {counts['update']} updated, "
               f"{counts['end']} ended, {counts['unchanged']} unchanged", err=True)


@cli.command()
@store_option
@layer_argument
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(list(io.FORMATS)), help="Default: from the file suffix.")
@commune_option
@date_option("--as-of", "The layer as it stood at the end of this day.")
@click.option("--overwrite", is_flag=True, help="Replace an existing file.")
def export(store, layer, file, fmt, commune, as_of, overwrite):
    """Export a layer: gpkg, geojson (WGS84), shp, csv (French Excel) or xlsx.

    \b
        plhgis export projects projets.csv
        plhgis export projects projets-2024.gpkg --as-of 2024-12-31
    """
    frame = _open(store).read(layer, commune=commune, as_of=as_of)
    path = io.export_frame(frame, file, fmt, overwrite=overwrite)
    click.echo(f"{len(frame)} {layer} written to {path}", err=True)


# -- feature verbs: plhgis project|friche|plot add|edit|end|list|show ---------------------------------
def _field_options(lay: schema.Layer):
    """One --option per schema field, so add/edit speak the layer's own vocabulary."""
    def decorate(f):
        for fld in reversed(lay.fields):
            if fld.name == lay.key and lay.id_prefix:
                continue  # given by plhgis
            text = fld.doc + (" One of: " + ", ".join(fld.enum) + "." if fld.enum else "")
            f = click.option("--" + fld.name.replace("_", "-"), fld.name, help=text.strip() or None)(f)
        return f
    return decorate


def _geometry_options(f):
    f = click.option("--wkt", help="Geometry as WKT (in --crs, default the store CRS).")(f)
    f = click.option("--lon", type=float, help="Longitude (WGS84), with --lat.")(f)
    f = click.option("--lat", type=float, help="Latitude (WGS84), with --lon.")(f)
    return crs_option(f)


def _geometry(lon, lat, wkt, crs):
    if (lon is None) != (lat is None):
        raise click.UsageError("give both --lon and --lat")
    if lon is not None:
        return shapely.Point(lon, lat), io.crs_of(4326)
    if wkt:
        try:
            return shapely.from_wkt(wkt), crs
        except shapely.errors.GEOSException as exc:
            raise click.BadParameter(f"not a WKT geometry ({exc})", param_hint="--wkt") from None
    return None, None


def feature_group(lay: schema.Layer, noun: str):
    """The add/edit/end/list/show commands of one editable layer."""

    @cli.group(noun, cls=PlhgisGroup, help=f"Edit {lay.label}: add, edit, end, list, show.")
    def group():
        pass

    @group.command(help=f"Add a feature to {lay.name}; prints its new id.\n\n\b\n    "
                        f"plhgis {noun} add " + _example(lay))
    @store_option
    @user_option
    @_field_options(lay)
    @_geometry_options
    def add(store, user, lon, lat, wkt, crs, **values):
        geom, gcrs = _geometry(lon, lat, wkt, crs)
        change = edits.add(_open(store, user), lay.name, values, geom, gcrs, source=f"plhgis {noun} add")
        click.echo(change.id)

    @group.command(help=f"Change fields of one {noun}; the history keeps the old values.\n\n\b\n"
                        f"    plhgis {noun} edit ID --status 'PC accordé'")
    @store_option
    @user_option
    @click.argument("feature_id")
    @_field_options(lay)
    @_geometry_options
    def edit(store, user, feature_id, lon, lat, wkt, crs, **values):
        values = {k: v for k, v in values.items() if v is not None}
        geom, gcrs = _geometry(lon, lat, wkt, crs)
        if not values and geom is None:
            raise click.UsageError("nothing to change: give at least one --field value")
        plan = edits.edit(_open(store, user), lay.name, feature_id, values, geom, gcrs,
                          source=f"plhgis {noun} edit")
        click.echo("\n".join(plan.describe()) or f"{feature_id}: nothing changed")

    @group.command(help=f"End a {noun} (kept in the store and the history, out of current lists).\n\n"
                        f"\b\n    plhgis {noun} end ID --reason 'abandonné par le bailleur'")
    @store_option
    @user_option
    @click.argument("feature_id")
    @date_option("--date", "End date [default: today].")
    @click.option("--reason", help="Why, recorded in the history.")
    def end(store, user, feature_id, date, reason):
        change = edits.end(_open(store, user), lay.name, feature_id, date, reason)
        click.echo(f"{change.id} ended on {change.after['end_date']}")

    @group.command("list", help=f"List {lay.name} in force (or on --as-of).\n\n\b\n"
                                f"    plhgis {noun} list --commune 62950 --format csv")
    @store_option
    @commune_option
    @date_option("--as-of", "The layer as it stood at the end of this day.")
    @click.option("--all", "include_ended", is_flag=True, help="Include ended features.")
    @format_option
    def list_(store, commune, as_of, include_ended, fmt):
        frame = _open(store).read(lay.name, commune=commune, as_of=as_of, include_ended=include_ended)
        columns = lay.extra.get("list_columns") if fmt == "table" else None
        click.echo(render(frame, fmt, columns))

    @group.command(help=f"Every field of one {noun}, and its history.\n\n\b\n    plhgis {noun} show ID")
    @store_option
    @click.argument("feature_id")
    def show(store, feature_id):
        st = _open(store)
        feature = st.get(lay.name, feature_id)
        width = max(map(len, feature))
        for key, value in feature.items():
            if value is not None:
                shown = value.wkt[:100] if isinstance(value, shapely.Geometry) else value
                click.echo(f"{key.ljust(width)}  {shown}")
        click.echo("\nhistory:")
        click.echo(render(st.history(lay.name, feature_id), columns=["ts", "user", "action", "after", "source"],
                          max_width=70))

    return group


def _example(lay):
    return {"projects": "--name 'Résidence des Tilleuls' --commune 62950 --homes-total 24 "
                        "--status études --lon 2.77 --lat 50.39",
            "friches": "--site-id 62950_0100 --site-nom 'Ancienne filature' --comm-insee 62950 "
                       "--lon 2.77 --lat 50.39",
            "plots": "--commune 62950 --parcels 62950000AB0123 --capacity 8 --lon 2.77 --lat 50.39"}[lay.name]


for _lay, _noun in ((schema.PROJECTS, "project"), (schema.FRICHES, "friche"), (schema.PLOTS, "plot")):
    feature_group(_lay, _noun)


def main():
    cli(prog_name="plhgis")


if __name__ == "__main__":
    sys.exit(main())

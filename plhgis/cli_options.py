"""What every plhgis command shares: the error handling, the options defined once, the store opened.

`cli` and `cli_store` both build on this module; neither imports the other's internals.
"""
from __future__ import annotations

from datetime import date

import click

from . import io, lazy, schema
from .errors import PlhgisError
from .labels import cli_lang, shown, t
from .render import OUTPUT_FORMATS
from .stores import open_store
from .territory import require_commune

pyproj = lazy.module("pyproj")

LANG = {"value": cli_lang()}  # the language of what the command line says: --lang, $PLHGIS_LANG, French
LANGS = ("fr", "en")
COMMUNE = "plhgis.commune"  # where --commune waits for `open_command_store` to check it against the store


def say(key, **values) -> str:
    """A message of the command line (labels.py, "cli.…") in its language."""
    return t(key, LANG["value"], **values)


def show(text) -> str:
    """What the library says (a `labels.Msg`, or plain text) in the command line's language."""
    return shown(text, LANG["value"])


def set_lang(ctx, param, value):
    """The callback of the group's --lang: the language of every message that follows."""
    LANG["value"] = value or cli_lang()
    return LANG["value"]


class Failure(click.ClickException):
    """A failed operation: "Erreur : …" (or "Error: …") on stderr, exit code 1."""

    def show(self, file=None):
        click.echo(say("cli.error", message=self.format_message()), err=True)


class Refused(click.UsageError):
    """Bad command-line input: the usage, where to find help and the reason, in the CLI's language; exit code 2."""

    def show(self, file=None):
        if self.ctx is not None:
            usage = self.ctx.get_usage().split(" ", 1)[-1]  # click's "Usage: " prefix, in the CLI's language
            click.echo(say("cli.usage", usage=usage), err=True)
            click.echo(say("cli.try_help", command=self.ctx.command_path), err=True)
        click.echo("\n" + say("cli.error", message=self.format_message()), err=True)


def _refusal(exc: click.UsageError) -> str:
    """Why click refused the input, in the CLI's language (click's own words only when nothing better)."""
    if isinstance(exc, click.NoSuchOption):
        return say("cli.no_such_option", name=exc.option_name)
    if isinstance(exc, click.BadParameter):
        hint = exc.param_hint or (exc.param.get_error_hint(exc.ctx) if exc.param is not None else None)
        hint = " / ".join(hint) if isinstance(hint, (list, tuple)) else hint
        if isinstance(exc, click.MissingParameter) and hint:
            return say("cli.missing", param=hint)
        kind = getattr(exc.param, "type", None)
        if hint and isinstance(kind, click.Choice):  # click's own words: "'x' is not one of …"
            return say("cli.bad_value", param=hint, message=say("cli.one_of", values=", ".join(kind.choices)))
        if hint and isinstance(kind, (click.types.FloatParamType, click.types.IntParamType)):
            return say("cli.bad_value", param=hint, message=say("cli.not_number"))
        if hint:
            return say("cli.bad_value", param=hint, message=exc.message)
    return exc.format_message()


class PlhgisGroup(click.Group):
    """A group that turns the library's errors into one clear message, in the CLI's language, and exit code 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except PlhgisError as exc:
            raise Failure(exc.text(LANG["value"])) from None
        except Refused:
            raise
        except click.UsageError as exc:
            raise Refused(_refusal(exc), exc.ctx) from None
        except OSError as exc:  # a file plhgis was told to write: unwritable folder, disk full…
            if exc.filename is None:
                raise
            raise Failure(say("cli.cannot_write", file=exc.filename, why=exc.strerror)) from None


# -- shared options, defined once ---------------------------------------------------------------
def store_option(f):
    return click.option("--store", envvar="PLHGIS_STORE", type=click.Path(dir_okay=False),
                        help="The store: a GeoPackage, or postgresql://… for PostGIS "
                        "[default: layers/plh.gpkg, or $PLHGIS_STORE].")(f)


def user_option(f):
    return click.option("--user", envvar="PLHGIS_USER", help="Name recorded in the history [default: $USER].")(f)


def _crs_callback(ctx, param, value):
    try:
        return io.crs_of(value)
    except pyproj.exceptions.CRSError as exc:
        raise click.BadParameter(say("cli.not_crs", value=repr(value), why=exc), param_hint="--crs") from None


crs_option = click.option("--crs", callback=_crs_callback,
                          help="CRS of the input when it declares none: 2154, EPSG:4326, …")


def _commune_callback(ctx, param, value):
    """Keep the code for `open_command_store`: checking it needs the store, which --store may give later."""
    if value:
        ctx.meta[COMMUNE] = value
    return value


commune_option = click.option("--commune", callback=_commune_callback,
                              help="INSEE code of one commune of the store, e.g. 62498.")


def formats_option(choices=OUTPUT_FORMATS, help_text="Output format.", default="table"):
    """--format among `choices` ("table" by default)."""
    return click.option("--format", "fmt", type=click.Choice(choices), default=default,
                        show_default=default is not None, help=help_text)


format_option = formats_option()


def overwrite_option(help_text="Replace an existing file."):
    """--overwrite: without it, a command refuses to replace a file (`outputs.check_free`)."""
    return click.option("--overwrite", is_flag=True, help=help_text)


def _page_lang(ctx, param, value):
    return value or LANG["value"]


page_lang_option = click.option("--lang", type=click.Choice(LANGS), callback=_page_lang,
                                help="Language of the page [default: the CLI's].")


def _date_callback(ctx, param, value):
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(say("cli.not_date", value=repr(value))) from None


def date_option(name, help_text):
    return click.option(name, callback=_date_callback, metavar="YYYY-MM-DD", help=help_text)


def layer_argument(f):
    def check(ctx, param, value):
        if value is None:
            return None
        try:
            return schema.get_layer(value).name
        except KeyError as exc:
            raise click.BadParameter(show(exc.args[0])) from None
    return click.argument("layer", callback=check)(f)


def open_command_store(store, user=None):
    """The store; its notes (an upgrade, an unreadable history row) go to stderr when the command ends.

    A --commune given to the command is checked here, so every command refuses an unknown INSEE
    code with the same error.
    """
    opened = open_store(store, user=user)
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.call_on_close(lambda: [click.echo(say("cli.note", text=show(n)), err=True) for n in opened.notes])
        require_commune(opened, ctx.meta.get(COMMUNE))
    return opened

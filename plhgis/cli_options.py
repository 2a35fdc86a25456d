"""What every plhgis command shares: the error handling, the options defined once, the store opened.

`cli` and `cli_store` both build on this module; neither imports the other's internals.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
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
            click.echo(self.ctx.get_usage(), err=True)
            click.echo(say("cli.try_help", command=self.ctx.command_path), err=True)
        click.echo("\n" + say("cli.error", message=self.format_message()), err=True)


@contextmanager
def _refusals():
    """click's refusals of the input as one `Refused`, in the CLI's language (a help shown as it is:
    `plhgis fetch` alone)."""
    try:
        yield
    except (Refused, click.exceptions.NoArgsIsHelpError):
        raise
    except click.UsageError as exc:
        raise Refused(_refusal(exc), exc.ctx) from None


# click's words for what has no exception class of its own → the catalogue's
CLICK_WORDS = ((re.compile(r"Missing command\.$"), "cli.missing_command"),
               (re.compile(r"Got unexpected extra arguments? \((?P<args>.*)\)$"), "cli.extra_args"))


def _refusal(exc: click.UsageError) -> str:
    """Why click refused the input, in the CLI's language (click's own words only when nothing better)."""
    if isinstance(exc, click.NoSuchOption):
        return say("cli.no_such_option", name=exc.option_name)
    if isinstance(exc, click.BadOptionUsage) and exc.message.endswith("requires an argument."):
        return say("cli.needs_value", name=exc.option_name)
    for words, key in CLICK_WORDS:
        found = words.match(exc.message)
        if found:
            return say(key, **found.groupdict())
    if isinstance(exc, click.BadParameter):
        hint = exc.param_hint or (exc.param.get_error_hint(exc.ctx) if exc.param is not None else None)
        hint = " / ".join(hint) if isinstance(hint, (list, tuple)) else hint
        hint = hint and _help().metavar(hint, LANG["value"])  # 'LAYER' → 'COUCHE'
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


def _help():
    """The help catalogue, read only when a help or a usage line is shown."""
    from . import cli_help

    return cli_help


class FieldOption(click.Option):
    """The option of one field of a layer (`plhgis project add --homes-total`): the field's label is its help."""

    def __init__(self, *args, layer: str, field, **kwargs):
        super().__init__(*args, **kwargs)
        self.layer, self.field = layer, field


class PasswordOption(click.Option):
    """--password: asked twice, never echoed, in the CLI's language (given bare; `--password TEXT` as it is)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prompt=True, prompt_required=False, hide_input=True, **kwargs)

    def prompt_for_value(self, ctx):
        while True:
            value = click.prompt(say("cli.password"), hide_input=True, err=True, prompt_suffix="")
            if click.prompt(say("cli.password_again"), hide_input=True, err=True, prompt_suffix="") == value:
                return value
            click.echo(say("cli.password_mismatch"), err=True)


class PlhgisCommand(click.Command):
    """A command whose help (usage, text, options) reads the catalogue `cli_help` in the CLI's language.

    `help_template` names the catalogue texts a family of commands shares ("FEATURE": project, friche…).
    """

    help_template: str | None = None

    def _paths(self, ctx, name=None):
        """(catalogue path, template values) of this command, or of its subcommand `name`: its own, then the
        template's."""
        chain = [(c.info_name, c.command) for c in reversed(list(_lineage(ctx)))][1:]
        if name is not None:
            chain.append((name, self.get_command(ctx, name)))
        words = [w for w, _ in chain]
        template = [getattr(c, "help_template", None) or w for w, c in chain]
        nouns = _help().NOUNS
        values = {"noun": words[0], **nouns[words[0]]} if words and words[0] in nouns else {}
        return [(" ".join(words) or "plhgis", values), (" ".join(template), values)]

    def format_usage(self, ctx, formatter):
        pieces = " ".join(self.collect_usage_pieces(ctx))
        formatter.write_usage(ctx.command_path, _help().metavar(pieces, LANG["value"]), say("cli.usage", usage=""))

    def help_text(self, ctx) -> str:
        """What --help says of the command, in the CLI's language."""
        return _typeset(_help().command_help(self._paths(ctx), LANG["value"]) or "")

    def help_rows(self, ctx) -> list[tuple[str, str]]:
        """The options as --help lists them: (`--store FICHIER`, what it does), in the CLI's language."""
        rows = []
        for param in self.get_params(ctx):
            record = None if isinstance(param, click.Argument) else param.get_help_record(ctx)
            if record:
                rows.append((_help().metavar(record[0], LANG["value"]), _typeset(self._option_help(ctx, param))))
        return rows

    def format_help_text(self, ctx, formatter):
        text = self.help_text(ctx)
        if text:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(text)

    def format_options(self, ctx, formatter):
        _section(formatter, say("cli.help_options"), self.help_rows(ctx))

    def _option_help(self, ctx, param) -> str:
        lang = LANG["value"]
        if isinstance(param, FieldOption):
            text = _help().field_help(param.layer, param.field, lang)
        else:
            text = _help().option_help(self._paths(ctx), max(param.opts, key=len), lang) or ""
        extra = param.get_help_extra(ctx)  # click's [default: …; required], in the CLI's language
        items = ([say("cli.help_default", value=extra["default"])] if "default" in extra else []) + \
                ([say("cli.help_required")] if "required" in extra else [])
        return f"{text}  [{'; '.join(items)}]".strip() if items else text


def _typeset(text: str) -> str:
    """French help wraps as French is set: no line starts with a colon, a semicolon or a closing guillemet."""
    if LANG["value"] == "en":
        return text
    return text.replace(" :", "\u00a0:").replace(" ;", "\u00a0;").replace("« ", "«\u00a0").replace(" »", "\u00a0»")


def _lineage(ctx):
    while ctx is not None:
        yield ctx
        ctx = ctx.parent


def _section(formatter, heading, rows):
    if rows:
        formatter.write_paragraph()
        formatter.write_text(heading)
        with formatter.indentation():
            formatter.write_dl(rows)


def _short(text: str, limit: int) -> str:
    """A command's line in its group's list: the first sentence of its help, cut at a colon or a semicolon, a
    bracket, a comma (else a word) to fit `limit` characters."""
    first = " ".join(text.split("\n\n")[0].split())
    sentence = re.split(r"(?<!\bex)(?<!e\.g)\.(?:\s|$)", first)[0]
    if len(sentence) <= limit:
        return sentence
    for seps in ((":", ";"), (" (",), (",",)):
        cuts = [m.start() for sep in seps for m in re.finditer(re.escape(sep), sentence[:limit])
                if sentence[:m.start()].count("(") == sentence[:m.start()].count(")")]  # never inside brackets
        if cuts and max(cuts) > limit // 4:
            return sentence[:max(cuts)].rstrip()
    return sentence[:sentence.rfind(" ", 0, limit - 1)] + "…"


class PlhgisGroup(PlhgisCommand, click.Group):
    """A group that turns the library's errors into one clear message, in the CLI's language, and exit code 1."""

    command_class = PlhgisCommand

    def parse_args(self, ctx, args):
        if ctx.parent is None:  # `plhgis --help --lang en`: the language is known before the help is shown
            LANG["value"] = cli_lang()
            for arg, value in zip(args, [*args[1:], None]):
                if arg in self.commands:
                    break
                if arg.startswith("--lang="):
                    arg, value = arg.split("=", 1)
                if arg == "--lang" and value in LANGS:
                    LANG["value"] = value
        return super().parse_args(ctx, args)

    def make_context(self, info_name, args, parent=None, **extra):
        with _refusals():  # `plhgis --lang de`: refused before any `invoke`
            return super().make_context(info_name, args, parent, **extra)

    def resolve_command(self, ctx, args):
        name = args[0]
        if self.get_command(ctx, name) is None and not name.startswith("-") and not ctx.resilient_parsing:
            raise click.UsageError(say("cli.no_such_command", name=name, names=", ".join(self.list_commands(ctx))),
                                   ctx)
        return super().resolve_command(ctx, args)

    def format_options(self, ctx, formatter):
        super().format_options(ctx, formatter)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx, formatter):
        names = [name for name in self.list_commands(ctx) if not self.get_command(ctx, name).hidden]
        limit = formatter.width - 6 - max(map(len, names), default=0)
        rows = [(name, _typeset(_short(_help().command_help(self._paths(ctx, name), LANG["value"]) or "", limit)))
                for name in names]
        _section(formatter, say("cli.help_commands"), rows)

    def invoke(self, ctx):
        try:
            with _refusals():
                return super().invoke(ctx)
        except PlhgisError as exc:
            raise Failure(exc.text(LANG["value"])) from None
        except OSError as exc:  # a file plhgis was told to write: unwritable folder, disk full…
            if exc.filename is None:
                raise
            raise Failure(say("cli.cannot_write", file=exc.filename, why=exc.strerror)) from None


# -- shared options, defined once ---------------------------------------------------------------
# their help: cli_help.HELP["--store"]…
def store_option(f):
    return click.option("--store", envvar="PLHGIS_STORE", type=click.Path(dir_okay=False))(f)


def user_option(f):
    return click.option("--user", envvar="PLHGIS_USER")(f)


def _crs_callback(ctx, param, value):
    try:
        return io.crs_of(value)
    except pyproj.exceptions.CRSError as exc:
        raise click.BadParameter(say("cli.not_crs", value=repr(value), why=exc), param_hint="--crs") from None


crs_option = click.option("--crs", callback=_crs_callback)


def _commune_callback(ctx, param, value):
    """Keep the code for `open_command_store`: checking it needs the store, which --store may give later."""
    if value:
        ctx.meta[COMMUNE] = value
    return value


commune_option = click.option("--commune", callback=_commune_callback)


def formats_option(choices=OUTPUT_FORMATS, default="table"):
    """--format among `choices` ("table" by default)."""
    return click.option("--format", "fmt", type=click.Choice(choices), default=default,
                        show_default=default is not None)


format_option = formats_option()


def overwrite_option():
    """--overwrite: without it, a command refuses to replace a file (`outputs.check_free`)."""
    return click.option("--overwrite", is_flag=True)


def _page_lang(ctx, param, value):
    return value or LANG["value"]


page_lang_option = click.option("--lang", type=click.Choice(LANGS), callback=_page_lang)


def _date_callback(ctx, param, value):
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(say("cli.not_date", value=repr(value))) from None


def date_option(name):
    return click.option(name, callback=_date_callback, metavar="YYYY-MM-DD")


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

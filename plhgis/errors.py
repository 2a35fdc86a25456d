"""Exceptions raised by the library; only the CLI turns them into messages and exit codes."""
from __future__ import annotations

from dataclasses import dataclass, replace

from .labels import Text, count, shown, t


@dataclass
class Problem(Text):
    """One bad value: where it is, what is wrong with it, and how to fix it."""

    message: str | Text  # a catalogue message (`labels.Msg`), shown in the language asked for
    file: str | None = None
    row: int | str | None = None
    field: str | None = None
    value: object = None
    hint: str | Text | None = None

    def __post_init__(self):
        """Row labels arrive as numpy integers from frames: keep them as plain int or text."""
        if self.row is not None and not isinstance(self.row, (int, str)):
            self.row = int(self.row) if hasattr(self.row, "__index__") else str(self.row)

    def text(self, lang="fr") -> str:
        """File, row, field, value, message and hint, labelled in `lang` (the message as raised)."""
        where = []
        if self.file:
            where.append(t("error.file", lang, file=self.file))
        if self.row is not None:
            where.append(t("error.row" if isinstance(self.row, int) else "error.id", lang, row=self.row))
        if self.field:
            where.append(t("error.field", lang, field=self.field))
        if self.value is not None and self.value != "":
            where.append(t("error.value", lang, value=repr(self.value)))
        message = shown(self.message, lang)
        text = t("error.where", lang, where=", ".join(where), message=message) if where else message
        return t("error.hint", lang, text=text, hint=shown(self.hint, lang)) if self.hint else text


class PlhgisError(Exception):
    """Base of every error plhgis raises on purpose."""

    def __init__(self, message: str | Text, *, file=None, row=None, field=None, value=None, hint=None):
        self.problem = Problem(message, file, row, field, value, hint)
        super().__init__(str(self.problem))

    def text(self, lang="fr") -> str:
        """The error as the command line shows it, in `lang`."""
        return self.problem.text(lang)


class ValidationError(PlhgisError, ValueError):
    """One or more values break the schema; nothing was written."""

    def __init__(self, problems: list[Problem], limit: int = 20):
        self.problems, self.limit = problems, limit
        Exception.__init__(self, self.text("en"))
        self.problem = problems[0]

    def text(self, lang="fr") -> str:
        """Each problem on its line (the first `limit`), under a count."""
        lines = [p.text(lang) for p in self.problems[:self.limit]]
        if len(self.problems) > self.limit:
            lines.append(t("error.more", lang, n=len(self.problems) - self.limit))
        return count(len(self.problems), "error.problems", lang) + "\n  " + "\n  ".join(lines)


class InputFileError(PlhgisError, OSError):
    """A file cannot be read as the geodata it should be."""


class StoreError(PlhgisError, RuntimeError):
    """The store is missing, locked or not a plhgis store."""


class NotFoundError(PlhgisError, KeyError):
    """An id that is not in the layer."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.problem)


class UnknownCommuneError(NotFoundError):
    """An INSEE code the communes layer does not hold: one message wherever a commune is named."""

    def __init__(self, code):
        self.code = code
        super().__init__(t("error.unknown_commune", "en", code=code), field="commune", value=code,
                         hint=t("error.unknown_commune_hint", "en"))

    def text(self, lang="fr") -> str:
        """The message and its hint in `lang`."""
        return replace(self.problem, message=t("error.unknown_commune", lang, code=self.code),
                       hint=t("error.unknown_commune_hint", lang)).text(lang)


def unknown_commune(code) -> UnknownCommuneError:
    """The error for an INSEE code the communes layer does not hold."""
    return UnknownCommuneError(code)


def grouped(problems: list[Problem], shown_rows: int = 5, lang: str = "fr") -> list[str]:
    """Problems one line per (field, kind) with their count, a few rows and the commonest values, in `lang`."""
    groups: dict[tuple, list[Problem]] = {}
    for p in problems:
        groups.setdefault((p.field or "", p.message), []).append(p)
    lines = []
    for (fld, message), items in groups.items():
        if len(items) == 1:
            lines.append(items[0].text(lang))
            continue
        rows = [str(p.row) for p in items if p.row is not None]
        counts: dict[str, int] = {}
        for p in items:
            if p.value is not None and p.value != "":
                counts[repr(p.value)] = counts.get(repr(p.value), 0) + 1
        top = sorted(counts.items(), key=lambda kv: -kv[1])[:3]
        text = t("error.group", lang, file=items[0].file + ", " if items[0].file else "", field=fld,
                 message=shown(message, lang), n=len(items))
        if rows:
            text += t("error.group_rows", lang, rows=", ".join(rows[:shown_rows]) + (", …" if len(rows) > shown_rows else ""))
        if top:
            text += t("error.group_values", lang,
                      values=", ".join(f"{v} ×{n}" for v, n in top) + (", …" if len(counts) > 3 else ""))
        hints = {p.hint for p in items}
        if len(hints) == 1 and items[0].hint:
            text += t("error.group_hint", lang, hint=shown(items[0].hint, lang))
        lines.append(text)
    return lines

"""Exceptions raised by the library; only the CLI turns them into messages and exit codes."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Problem:
    """One bad value: where it is, what is wrong with it, and how to fix it."""

    message: str
    file: str | None = None
    row: int | str | None = None
    field: str | None = None
    value: object = None
    hint: str | None = None

    def __post_init__(self):
        """Row labels arrive as numpy integers from frames: keep them as plain int or text."""
        if self.row is not None and not isinstance(self.row, (int, str)):
            self.row = int(self.row) if hasattr(self.row, "__index__") else str(self.row)

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(str(self.file))
        if self.row is not None:
            where.append(f"row {self.row}" if isinstance(self.row, int) else f"id {self.row}")
        if self.field:
            where.append(f"field '{self.field}'")
        if self.value is not None and self.value != "":
            where.append(f"value {self.value!r}")
        text = (", ".join(where) + ": " if where else "") + self.message
        if self.hint:
            text += f" (hint: {self.hint})"
        return text


class PlhgisError(Exception):
    """Base of every error plhgis raises on purpose."""

    def __init__(self, message: str, *, file=None, row=None, field=None, value=None, hint=None):
        self.problem = Problem(message, file, row, field, value, hint)
        super().__init__(str(self.problem))


class ValidationError(PlhgisError, ValueError):
    """One or more values break the schema; nothing was written."""

    def __init__(self, problems: list[Problem], limit: int = 20):
        self.problems = problems
        lines = [str(p) for p in problems[:limit]]
        if len(problems) > limit:
            lines.append(f"… and {len(problems) - limit} more problems")
        head = "1 problem" if len(problems) == 1 else f"{len(problems)} problems"
        Exception.__init__(self, f"{head}, nothing was written:\n  " + "\n  ".join(lines))
        self.problem = problems[0]


class InputFileError(PlhgisError, OSError):
    """A file cannot be read as the geodata it should be."""


class StoreError(PlhgisError, RuntimeError):
    """The store is missing, locked or not a plhgis store."""


class NotFoundError(PlhgisError, KeyError):
    """An id that is not in the layer."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.problem)


def unknown_commune(code) -> NotFoundError:
    """The error for an INSEE code the communes layer does not hold."""
    return NotFoundError(f"no commune {code!r} in the store", field="commune", value=code,
                         hint="give the INSEE code of a loaded commune (plhgis export communes communes.csv "
                              "lists them)")


def grouped(problems: list[Problem], shown: int = 5) -> list[str]:
    """Problems one line per (field, kind) with their count, a few rows and the commonest values."""
    groups: dict[tuple, list[Problem]] = {}
    for p in problems:
        groups.setdefault((p.field or "", p.message), []).append(p)
    lines = []
    for (fld, message), items in groups.items():
        if len(items) == 1:
            lines.append(str(items[0]))
            continue
        rows = [str(p.row) for p in items if p.row is not None]
        counts: dict[str, int] = {}
        for p in items:
            if p.value is not None and p.value != "":
                counts[repr(p.value)] = counts.get(repr(p.value), 0) + 1
        top = sorted(counts.items(), key=lambda kv: -kv[1])[:3]
        text = f"{items[0].file + ', ' if items[0].file else ''}field '{fld}': {message} ×{len(items)}"
        if rows:
            text += " (rows " + ", ".join(rows[:shown]) + (", …" if len(rows) > shown else "") + ")"
        if top:
            text += "; values " + ", ".join(f"{v} ×{n}" for v, n in top) + (", …" if len(counts) > 3 else "")
        hints = {p.hint for p in items}
        if len(hints) == 1 and items[0].hint:
            text += f" (hint: {items[0].hint})"
        lines.append(text)
    return lines

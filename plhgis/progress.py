"""Progress of long work: the library counts its steps through an optional callback, the CLI draws the bar.

A callback is `progress(length, label)` returning a context manager with `update(n)` (what
`click.progressbar` is); the label is a `labels.Msg` (or text) the CLI shows in its language; the library
never prints.
"""
from __future__ import annotations

from contextlib import nullcontext


class _Silent:
    """Counts nothing: the stand-in when no one watches."""

    def update(self, n_steps, current_item=None):
        """Do nothing."""


def steps(progress, length, label):
    """`progress(length, label)`, or a silent stand-in when `progress` is None."""
    return progress(length, label) if progress else nullcontext(_Silent())

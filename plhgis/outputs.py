"""Every file plhgis writes: refused when it exists (unless overwrite), written whole or not at all.

`atomic_output(path, overwrite)` yields a temporary name in the same folder
(`.<stem>.tmp-<random><suffix>`); the caller writes there, and only when the block ends without
error is the file renamed over `path` (`os.replace`, atomic on one file system). A run killed
half-way leaves a hidden temporary file, never a partial file under the final name, and the
next run (another random name) is not blocked by it. A Shapefile's sidecars (.dbf, .shx, .prj,
.cpg) are renamed with it.

`inside(folder, name)` builds a path from a value of the store (an INSEE code) and refuses one
that would leave `folder`.
"""
from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from .labels import Msg
from .errors import InputFileError, PlhgisError

TMP_MARK = ".tmp-"


def check_free(paths, overwrite: bool = False, hint: Msg = Msg("hint.overwrite_it"), field=None) -> None:
    """Refuse to go on when one of `paths` exists and `overwrite` is not set: the one "output exists" error."""
    if overwrite:
        return
    for path in paths:
        if Path(path).exists():
            raise InputFileError(Msg("err.output_exists"), file=str(path), field=field, hint=hint)


SIDECARS = {".shp": (".shx", ".dbf", ".prj", ".cpg")}  # files a format writes next to the main one


def _siblings(tmp: Path) -> list[Path]:
    """The temporary file and its sidecars that exist, the main file last."""
    parts = [tmp.with_suffix(s) for s in SIDECARS.get(tmp.suffix.lower(), ())] + [tmp]
    return [p for p in parts if p.exists()]


@contextlib.contextmanager
def atomic_output(path, overwrite: bool = False):
    """Yield a temporary path next to `path`; rename it to `path` when the block succeeds."""
    path = Path(path)
    check_free([path], overwrite)
    tmp = path.with_name(f".{path.stem}{TMP_MARK}{secrets.token_hex(6)}{path.suffix}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        yield tmp
        if not tmp.exists():
            raise PlhgisError(Msg("err.nothing_written", name=path.name), file=str(path))
        for part in _siblings(tmp):
            os.replace(part, path.with_suffix(part.suffix) if part != tmp else path)
    except PlhgisError:
        raise
    except OSError as exc:
        raise InputFileError(Msg("err.cannot_write", why=exc.strerror or exc), file=str(path),
                             hint=Msg("hint.cannot_write")) from None
    finally:
        for part in _siblings(tmp):
            part.unlink(missing_ok=True)


def write_text(path, text: str, overwrite: bool = False) -> Path:
    """Write a text file (UTF-8) atomically."""
    with atomic_output(path, overwrite) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_bytes(path, body: bytes, overwrite: bool = False) -> Path:
    """Write a binary file atomically."""
    with atomic_output(path, overwrite) as tmp:
        tmp.write_bytes(body)
    return Path(path)


def inside(folder, name: str) -> Path:
    """`folder / name`, refused when `name` (built from a value of the store) would leave `folder`."""
    folder = Path(folder)
    path = folder / name
    if Path(name).name != name or name in ("", ".", "..") or not path.resolve().is_relative_to(folder.resolve()):
        raise PlhgisError(Msg("err.leaves_folder"), file=str(folder), value=name, hint=Msg("hint.commune_code"))
    return path

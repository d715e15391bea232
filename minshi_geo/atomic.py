"""Atomic file writing: a failure leaves no half-written file and keeps the previous one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from minshi_geo.errors import MinshiError


class OutputPathError(MinshiError):
    """An output path that cannot be written; the message names the path the user gave."""

    hint = "choose another output path, or fix the folder's permissions"


def check_writable(target: str | Path, *, folder: bool = False) -> Path:
    """Refuse, before any work, an output path that cannot be written.

    ``target`` is a file (or, with ``folder=True``, a folder) to be created or replaced:
    it must not be the other kind of thing, must not lie under a file, and its nearest
    existing folder must be writable. A read-only existing file is refused too (replacing
    it would silently defeat its protection). Errors name ``target`` as given.
    """
    target = Path(target)
    kind = "folder" if folder else "file"
    if target.exists():
        if folder and not target.is_dir():
            raise OutputPathError(f"{target}: output folder is a file, not a folder")
        if not folder and target.is_dir():
            raise OutputPathError(f"{target}: output file is a folder; give a file name")
        if not os.access(target, os.W_OK):
            raise OutputPathError(f"{target}: output {kind} is read-only (permission denied)")
    for parent in target.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputPathError(f"{target}: output {kind} lies under {parent}, which is a file")
            if not os.access(parent, os.W_OK | os.X_OK):
                raise OutputPathError(f"{target}: cannot write in {parent} (permission denied)")
            break
    return target


def _named(exc: OSError, target: Path, tmp: Path | None) -> OSError | OutputPathError:
    """An OSError about our temp file or folder, re-told about ``target`` (the path the
    user gave): ``out/.sheets.x1y2.tmp/长春市.xlsx`` becomes ``out/sheets/长春市.xlsx``."""
    name = None if exc.filename is None else str(exc.filename)
    shown = target
    if tmp is not None and name is not None and name.startswith(str(tmp)):
        shown = Path(str(target) + name[len(str(tmp)):])
    elif name is not None and not name.endswith(".tmp"):
        return exc  # about another file (an input): leave it as it is
    return OutputPathError(f"{shown}: cannot write: {exc.strerror or exc}")


def _reraise(exc: OSError, target: Path, tmp: Path) -> None:
    told = _named(exc, target, tmp)
    if told is exc:
        raise exc
    raise told from None


def _temp_prefix(target: Path) -> str:
    """``.NAME.`` cut so that the temp name (+ 8 random + ``.tmp``) stays under 255 bytes."""
    name = target.name.encode("utf-8")[:200].decode("utf-8", "ignore")
    return f".{name}."


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _publishable(path: Path) -> None:
    """Give a temp file/folder the mode a plain open()/mkdir() would have had.

    mkstemp/mkdtemp create 0600/0700 entries; a map or workbook copied to a shared intranet
    folder must stay readable by others, as the user's umask intends.
    """
    base = 0o777 if path.is_dir() else 0o666
    os.chmod(path, base & ~_umask())


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; rename it over ``target`` on success.

    >>> with atomic_path("out/a.xlsx") as tmp:
    ...     workbook.save(tmp)
    """
    target = check_writable(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=_temp_prefix(target), suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise _named(exc, target, None) from None
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        _publishable(tmp)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        _reraise(exc, target, tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(target: str | Path, text: str, encoding: str = "utf-8") -> Path:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding=encoding)
    return Path(target)


def write_bytes(target: str | Path, data: bytes) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


@contextlib.contextmanager
def atomic_dir(target: str | Path) -> Iterator[Path]:
    """Build a whole output folder in a sibling temp folder, then move it into place.

    A new (or empty) ``target`` appears in one rename. Into an existing ``target`` the new
    files are moved only after the whole run succeeded, each with one atomic replace, and
    files the run does not produce are kept. A failure leaves ``target`` as it was.
    """
    target = check_writable(target, folder=True)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=_temp_prefix(target), suffix=".tmp", dir=target.parent))
    except OSError as exc:
        raise _named(exc, target, None) from None
    try:
        yield tmp
        if target.is_dir() and not any(target.iterdir()):
            target.rmdir()
        if not target.exists():
            _publishable(tmp)
            os.rename(tmp, target)
            return
        target.mkdir(parents=True, exist_ok=True)
        for src in sorted(tmp.rglob("*")):
            if src.is_file():
                dest = target / src.relative_to(tmp)
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dest)
    except OSError as exc:
        _reraise(exc, target, tmp)
    finally:
        if tmp.exists():
            for p in sorted(tmp.rglob("*"), reverse=True):
                p.rmdir() if p.is_dir() else p.unlink(missing_ok=True)
            tmp.rmdir()

"""Safe file writes: regular files are replaced atomically, anything else is written into.

A regular file (or a path that does not exist yet) gets a temporary file in the same
directory, then `os.replace`: readers, and a CI job killed half-way, see either the old
file or the new one, never a truncated mix. Replacing is wrong for everything else at a
path: a device (`/dev/null`, `/dev/stdout`), a FIFO or a socket is opened and written
as it is (renaming over `/dev/null` as root would turn the device into a file), and a
symbolic link keeps being a link while the file it points to is written (atomically, by
the same rules).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from collections.abc import Iterator


def default_file_mode() -> int:
    """The mode `open(path, "w")` would give a new file: 0666 less the umask."""
    # The umask can only be read by setting it; set it straight back.
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _writes_in_place(path: Path) -> bool:
    """True for an existing path that is not a regular file (a device, FIFO, socket)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def unwritable_reason(path: str | os.PathLike[str]) -> str | None:
    """Why `atomic_writer(path)` would fail before writing anything, or None.

    Checked up front so a command refuses a bad `-o` before minutes of measuring. What
    has to be writable is the thing itself for a device or FIFO, the folder otherwise
    (the rename happens there), after following a symbolic link.
    """
    target = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
    if _writes_in_place(target):
        return None if os.access(target, os.W_OK) else f"{str(path)!r} is not writable"
    if target.is_dir():
        return f"{str(path)!r} is a folder"
    folder = str(target.parent) or "."
    if not os.path.isdir(folder):
        return f"folder {folder!r} does not exist"
    if not os.access(folder, os.W_OK):
        return f"folder {folder!r} is not writable"
    return None


def _keep_owner_and_mode(tmp: str, old: os.stat_result | None) -> None:
    """Give `tmp` what `open(path, "w")` would leave at path: the old file's mode and owner.

    A new file gets the mode a plain open() gives (mkstemp makes 0600 files). Replacing
    a user's file must not widen or narrow its permissions; the owner is kept where we
    may (as root, or a group we belong to) and left as it is otherwise.
    """
    if old is None:
        os.chmod(tmp, default_file_mode())
        return
    os.chmod(tmp, stat.S_IMODE(old.st_mode))
    now = os.stat(tmp)
    if (now.st_uid, now.st_gid) != (old.st_uid, old.st_gid):
        with contextlib.suppress(OSError):
            os.chown(tmp, old.st_uid, old.st_gid)
        # chown may clear set-id bits; put the mode back once more.
        os.chmod(tmp, stat.S_IMODE(old.st_mode))


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str], *, newline: str = "\n") -> Iterator[TextIO]:
    """Yield a text stream whose content lands at `path` only if the block succeeds.

    A symbolic link is followed (the link stays, its target is written); a device or
    FIFO is written directly, since it cannot be replaced and holds no old content. A
    regular file that is replaced keeps its mode and owner; `newline` is what each line end
    written becomes.
    """
    # realpath follows every link in the chain, so the rename happens next to the file
    # the link points to and the link itself survives.
    target = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
    if _writes_in_place(target):
        with open(target, "w", encoding="utf-8", newline=newline) as direct:
            yield direct
        return
    directory = target.parent if str(target.parent) else Path()
    try:
        old: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        old = None
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        _keep_owner_and_mode(tmp, old)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text_atomic(path: str | os.PathLike[str], text: str, *, newline: str = "\n") -> None:
    """Put `text` at `path` (atomically for a regular file; see `atomic_writer`)."""
    with atomic_writer(path, newline=newline) as stream:
        stream.write(text)

"""What planning a rewrite reads from the source tree, and plans kept while it is unchanged.

Planning one module (`engine._plan`) reads its file and, for each module of its own
package it imports, that module's text (does importing it register something?), and
asks which names are submodules of the package. Nothing else goes into a plan but the
finding it fixes (`engine.Target`). `fix` plans the same modules again in every round
(each reviews a copy where only the rewritten files changed) and in every pass of
`api.fixing._worth_offering` (the rounds again, without the rewrites that saved
nothing): markdown's 22 modules were planned 148 times, 45 of them on new inputs;
libcst's parse and scope analysis of each was most of the `fix` process's CPU time.

Planning reads through `text`, `derived`, `is_file` and `is_dir`, which note each answer while
`recorded` runs; `PlanCache` keeps each plan with the answers it was made from,
relative to the package's root folder (so the copy a later round plans on matches the
original wherever it is), and gives the plan back only while every one of those
questions, asked again, gets the same answer.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")

#: (path, what was asked: "text", "file", "dir" or a `derived` question's name) -> the
#: answer (a digest of a text), and the function of a derived question (else None).
Reads = dict[tuple[str, str], tuple[object, "Callable[[str], object] | None"]]

_RECORDING = threading.local()


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _note(path: Path, asked: str, answer: object,
          function: Callable[[str], object] | None = None) -> None:
    seen: Reads | None = getattr(_RECORDING, "reads", None)
    if seen is not None:
        seen.setdefault((str(path), asked), (answer, function))


def text(path: Path) -> str:
    """The text of `path` (UTF-8), noted while `recorded` runs."""
    found = path.read_text(encoding="utf-8")
    _note(path, "text", _digest(found))
    return found


def derived(path: Path, question: str, function: Callable[[str], T]) -> T:
    """`function` of the text of `path`, noted as that answer rather than the text.

    A plan that asks only this of a file stays good when the file changes in a way
    `function` does not see: whether importing a sibling registers something is
    asked of every module of the package a module imports, and a lazy `__init__`
    written by round one changes the text of one that every module imports
    (holidays.groups: 190 plans made again in round two), not its answer.
    `question` names `function` (with its arguments) among those asked of the file.
    """
    found = function(path.read_text(encoding="utf-8"))
    _note(path, question, found, function)
    return found


def is_file(path: Path) -> bool:
    """Whether `path` is a file, noted while `recorded` runs."""
    answer = path.is_file()
    _note(path, "file", answer)
    return answer


def is_dir(path: Path) -> bool:
    """Whether `path` is a folder, noted while `recorded` runs."""
    answer = path.is_dir()
    _note(path, "dir", answer)
    return answer


def _ask(path: Path, asked: str, function: Callable[[str], object] | None) -> object:
    """The answer `asked` of `path` now (a text that cannot be read: a new object)."""
    if asked == "file":
        return path.is_file()
    if asked == "dir":
        return path.is_dir()
    try:
        read = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return object()  # equal to no answer noted
    return _digest(read) if function is None else function(read)


def recorded(function: Callable[..., T], *args: Any) -> tuple[T, Reads]:
    """`function(*args)` and every question it asked through this module, with answers.

    Noted on the calling thread only (`deep.run` plans on a thread of its own: this runs
    there).
    """
    before = getattr(_RECORDING, "reads", None)
    _RECORDING.reads = {}
    try:
        result = function(*args)
        found: Reads = _RECORDING.reads
    finally:
        _RECORDING.reads = before
    return result, found


#: A read kept relative to the package root when it is inside it: (inside, path, asked,
#: answer, the function of a derived question).
_Fact = tuple[bool, str, str, object, "Callable[[str], object] | None"]


@dataclass
class PlanCache:
    """Plans of one `fix` run, each with what it read, by what it was asked to fix.

    `key` says what the plan was asked (the finding's fields, the module's file
    relative to its package root, the path shown in refusals); the plan is given back
    when the same key comes again and every read answers as it did, below the root
    the module is in now. The module's file is then the one asked about.
    """

    entries: dict[object, list[tuple[tuple[_Fact, ...], Any]]] = field(default_factory=dict)
    hits: int = 0
    misses: int = 0

    def plan(self, key: object, file: Path, root: Path,
             make: Callable[[], tuple[T, Reads]]) -> T:
        """The plan for `key` of `file` (in the package under `root`): kept, or `make`'s."""
        relative = file.relative_to(root)
        full = (key, str(relative))
        for facts, kept in self.entries.get(full, ()):
            if all(_ask(root / where if inside else Path(where), asked, function) == answer
                   for inside, where, asked, answer, function in facts):
                self.hits += 1
                found: T = dataclasses.replace(kept, file=file)
                return found
        self.misses += 1
        made, reads = make()
        facts = tuple(_relative(Path(path), root, asked, *found)
                      for (path, asked), found in reads.items())
        self.entries.setdefault(full, []).append((facts, made))
        return made


def _relative(path: Path, root: Path, asked: str, answer: object,
              function: Callable[[str], object] | None) -> _Fact:
    try:
        return True, str(path.relative_to(root)), asked, answer, function
    except ValueError:
        return False, str(path), asked, answer, function

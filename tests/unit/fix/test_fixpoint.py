"""`fix` to a fixed point: rounds merged into one rewrite per file, and when rounds stop."""

from __future__ import annotations

import dataclasses
import io
import os
import signal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from importaudit.api.fixing import _fixed_point
from importaudit.defaults import FIX_ROUNDS
from importaudit.errors import Interrupted, TargetFailedError
from importaudit.fix import fixpoint
from importaudit.fix.lazy_init import Refusal
from importaudit.fix.output import render_text
from importaudit.fix.proof import Breakage
from importaudit.fix.result import FixResult, Rewrite

if TYPE_CHECKING:
    from collections.abc import Callable


def package(root: Path) -> Path:
    (root / "pkg").mkdir(parents=True)
    for name in ("__init__", "a", "b"):
        (root / "pkg" / f"{name}.py").write_text(f"# {name}\n")
    return root / "pkg"


def test_a_file_two_rounds_rewrote_is_one_rewrite_from_the_original(tmp_path: Path) -> None:
    pkg = package(tmp_path)
    first = FixResult(rewrites=(
        Rewrite("pkg", pkg / "__init__.py", "# __init__\n", "lazy\n", ("IA101",), ("A",)),
        Rewrite("pkg.a", pkg / "a.py", "# a\n", "typed\n", ("IA501",), ("T",), moved=True,
                added=("TYPE_CHECKING",))),
        refusals=(Refusal("pkg.a", "pkg/a.py", 3, "used at module level (line 3)", "X"),))
    second = FixResult(rewrites=(
        Rewrite("pkg.a", pkg / "a.py", "typed\n", "deferred\n", ("IA102",), ("np",),
                moved=True, kind="deferred", functions=2, rounds=(2,)),
        Rewrite("pkg.b", pkg / "b.py", "# b\n", "broken\n", ("IA102",), ("os",),
                broke=(Breakage("pkg.b", "no longer imports"),), rounds=(2,))),
        # The same refusal, on the rewritten text's line: listed once.
        refusals=(Refusal("pkg.a", "pkg/a.py", 5, "used at module level (line 5)", "X"),
                  Refusal("pkg.b", "pkg/b.py", 1, "a base class", "Y")))
    merged = fixpoint.merge(first, second, 2)
    assert merged.rounds == 2
    (a,) = [r for r in merged.rewrites if r.module == "pkg.a"]
    assert (a.before, a.after, a.codes, a.names) == (
        "# a\n", "deferred\n", ("IA102", "IA501"), ("T", "np"))
    assert (a.kind, a.functions, a.added, a.rounds) == ("deferred", 2, ("TYPE_CHECKING",),
                                                         (1, 2))
    assert [r.module for r in merged.passed] == ["pkg", "pkg.a"]
    assert [r.module for r in merged.withdrawn] == ["pkg.b"]
    assert [(f.module, f.name) for f in merged.refusals] == [("pkg.a", "X"), ("pkg.b", "Y")]


def test_a_round_carries_the_files_of_its_copy_back(tmp_path: Path) -> None:
    pkg = package(tmp_path / "src")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "side.py").write_text("")
    done = FixResult(rewrites=(Rewrite("pkg", pkg / "__init__.py", "", "lazy\n", ("IA101",)),))
    copy = tmp_path / "copy"
    package(copy)
    where = fixpoint.Round.of(done, copy)
    assert where.original(copy / "pkg" / "b.py") == pkg / "b.py"
    assert where.original(tmp_path / "other" / "side.py") == tmp_path / "other" / "side.py"
    later = FixResult(rewrites=(Rewrite("pkg.b", copy / "pkg" / "b.py", "# b\n", "x\n",
                                        ("IA102",)),))
    (back,) = where.carry_back(later, 2).rewrites
    assert (back.file, back.rounds) == (pkg / "b.py", (2,))


def test_rounds_stop_when_nothing_new_and_a_withdrawn_module_is_not_tried_again(
        tmp_path: Path) -> None:
    pkg = package(tmp_path)
    seen: list[frozenset[str]] = []

    def rewrite(module: str, *, broke: bool = False) -> Rewrite:
        file = pkg / ("__init__.py" if module == "pkg" else f"{module[4:]}.py")
        return Rewrite(module, file, file.read_text(), f"{module} rewritten\n", ("IA102",),
                       broke=(Breakage(module, "no longer imports"),) if broke else ())

    answers = [FixResult(rewrites=(rewrite("pkg.b"),)), FixResult()]
    numbers: list[int] = []

    def again(where: fixpoint.Round, tried: frozenset[str], number: int) -> FixResult:
        # What the next round reviews is the copy with every proven rewrite so far.
        assert (where.copy / "pkg" / "a.py").read_text() == "pkg.a rewritten\n"
        seen.append(tried)
        numbers.append(number)
        return answers.pop(0)

    first = FixResult(rewrites=(rewrite("pkg.a"), rewrite("pkg", broke=True)))
    result = _fixed_point(first, again)
    assert seen == [frozenset({"pkg"}), frozenset({"pkg"})]
    assert numbers == [2, 3]  # each later round is told its number (for the progress line)
    assert (result.rounds, result.fixed_point) == (3, True)
    assert [r.module for r in result.passed] == ["pkg.a", "pkg.b"]


def test_a_round_that_proves_nothing_ends_the_rounds(tmp_path: Path) -> None:
    pkg = package(tmp_path)
    file = pkg / "a.py"
    calls = []

    def again(where: fixpoint.Round, tried: frozenset[str], number: int) -> FixResult:
        calls.append(tried)
        return FixResult(rewrites=(Rewrite("pkg.b", pkg / "b.py", "# b\n", "x\n", ("IA102",),
                                           broke=(Breakage("pkg.b", "broke"),)),))

    result = _fixed_point(FixResult(rewrites=(Rewrite("pkg.a", file, "# a\n", "y\n",
                                                      ("IA102",)),)), again)
    # Round 2 withdrew its only rewrite: the tree is as round 2 reviewed it, so a third
    # round would find the same (and not try pkg.b again): no third review.
    assert len(calls) == 1
    assert (result.rounds, result.fixed_point) == (2, True)
    assert [r.module for r in result.withdrawn] == ["pkg.b"]


def test_rounds_stop_at_the_bound_and_say_so(tmp_path: Path) -> None:
    pkg = package(tmp_path)
    count = iter(range(100))

    def again(where: fixpoint.Round, tried: frozenset[str], number: int) -> FixResult:
        n = next(count)
        (pkg / f"m{n}.py").write_text("")
        return FixResult(rewrites=(Rewrite(f"pkg.m{n}", pkg / f"m{n}.py", "", f"{n}\n",
                                           ("IA102",)),))

    result = _fixed_point(FixResult(rewrites=(Rewrite("pkg.a", pkg / "a.py", "# a\n", "y\n",
                                                      ("IA102",)),)), again)
    assert (result.rounds, result.fixed_point) == (FIX_ROUNDS, False)
    assert len(result.passed) == FIX_ROUNDS
    out = io.StringIO()
    render_text(result, out)
    assert f"; {FIX_ROUNDS} rounds, each reviewing the copy the last one proved, stopped " \
           "at the bound: run fix again for the rewrites the last round exposed" in out.getvalue()
    assert "pkg.m0: 0 name(s) lazy (IA102) [round 2]" in out.getvalue()


def test_a_round_that_cannot_finish_keeps_the_rounds_before_it(tmp_path: Path) -> None:
    pkg = package(tmp_path)

    def again(where: fixpoint.Round, tried: frozenset[str], number: int) -> FixResult:
        raise TargetFailedError("the proof's import of pkg timed out after 1 s")

    result = _fixed_point(FixResult(rewrites=(Rewrite("pkg.a", pkg / "a.py", "# a\n", "y\n",
                                                      ("IA102",)),)), again)
    assert [r.module for r in result.passed] == ["pkg.a"]
    assert (result.rounds, result.fixed_point) == (2, False)
    assert [b.message for b in result.broke] == [
        "round 2 did not finish: the proof's import of pkg timed out after 1 s"]


def test_a_python_only_some_rounds_proved_on_is_not_said_to_prove_the_fix(
        tmp_path: Path) -> None:
    # wrapt: round 1 could not import the installed originals on pyenv's 3.9 (no wrapt
    # there), round 2 could, from the copy round 1 proved; "proven on 3.11.7, 3.9.18"
    # claimed round 1's rewrites were proven on 3.9 as well.
    from importaudit.fix.compat import VersionCheck

    pkg = package(tmp_path)
    missing = "not proven on Python 3.9.18: the original does not import there: pkg"
    first = FixResult(rewrites=(
        Rewrite("pkg", pkg / "__init__.py", "# __init__\n", "lazy\n", ("IA101",), ("A",)),),
        versions=VersionCheck(">=3.9", "pyproject.toml", (3, 9), ("3.9.18",), ("3.11.7",),
                              (missing,)))
    second = FixResult(rewrites=(
        Rewrite("pkg.a", pkg / "a.py", "# a\n", "deferred\n", ("IA102",), ("np",),
                moved=True, kind="deferred", functions=1, rounds=(2,)),),
        versions=VersionCheck(">=3.9", "pyproject.toml", (3, 9), ("3.9.18",),
                              ("3.11.7", "3.9.18"), ()))
    merged = fixpoint.merge(first, second, 2).versions
    assert merged is not None
    assert merged.proven_on == ("3.11.7",)
    assert merged.not_checked[0] == missing
    assert "proven on Python 3.9.18 for the rewrites of some rounds only" in (
        merged.not_checked[1])


SAVES = {"time_ns": 1, "heap_bytes": 4096, "modules": 3, "heap_bytes_least": 4096}
NOTHING = {"time_ns": 0, "heap_bytes": 0, "modules": 0, "heap_bytes_least": None}


def passes_of(pkg: Path, saving: dict[str, dict[str, int | None]],
              passes: list[frozenset[str]]) -> Callable[[frozenset[str]], FixResult]:
    """`proven(idle)` for `_worth_offering`: a pass proving each module of `saving` not
    in `idle`, with that saving measured (each pass is recorded in `passes`)."""

    def proven(idle: frozenset[str]) -> FixResult:
        passes.append(idle)
        return FixResult(rewrites=tuple(
            Rewrite(m, pkg / f"{m[-1]}.py", "# x\n", "# y\n", ("IA102",), ("x",),
                    exclusive=saved)
            for m, saved in saving.items() if m not in idle))

    return proven


def test_a_pass_stopped_at_the_time_limit_keeps_what_it_proved_with_idle_rewrites(
        tmp_path: Path) -> None:
    # The first pass proved `a` (saves modules) together with `b` (saves nothing). The
    # pass that would prove `a` without `b` is not started after the limit: `a` was
    # proven only with `b` applied, so both are kept, as proven together. Before, the
    # run offered nothing ("NOT proven") after proving both.
    from importaudit.api.fixing import _worth_offering

    pkg = package(tmp_path)
    passes: list[frozenset[str]] = []
    proven = passes_of(pkg, {"pkg.a": SAVES, "pkg.b": NOTHING}, passes)

    stopped = _worth_offering(proven, lambda: "stopped at the time limit (1 s)")
    assert passes == [frozenset()]
    assert [r.module for r in stopped.passed] == ["pkg.a", "pkg.b"]
    assert stopped.pending and not stopped.not_proven and not stopped.not_offered
    assert stopped.stopped == (
        "stopped at the time limit (1 s) before proving the 1 other rewrite(s) again "
        "without the 1 that save nothing (pkg.b): they were proven only together with "
        "those, so all are kept, as proven; run fix again with a longer --time-limit to "
        "have them proven alone")
    out = io.StringIO()
    render_text(stopped, out, str)
    assert "NOT proven" not in out.getvalue()
    assert "pkg.b: 1 name(s) lazy (IA102); for `import pkg.b` it saves nothing" in (
        out.getvalue())
    # Without a limit the second pass runs, and `a` is offered, proven alone.
    passes.clear()
    offered = _worth_offering(proven)
    assert passes == [frozenset(), frozenset({"pkg.b"})]
    assert [r.module for r in offered.passed] == ["pkg.a"]
    assert offered.not_offered == ("pkg.b",)


def test_a_limit_when_every_proven_rewrite_saves_nothing_offers_none_and_says_why(
        tmp_path: Path) -> None:
    # Every proven rewrite saves nothing: no other is left to prove again, so the limit
    # cut nothing short. It read "NOT proven: ... the 0 other rewrite(s)" and exited 1.
    from importaudit.api.fixing import _worth_offering

    pkg = package(tmp_path)
    proven = passes_of(pkg, {"pkg.a": NOTHING, "pkg.b": NOTHING}, [])
    stopped = _worth_offering(proven, lambda: "stopped at the time limit (1 s)")
    assert not stopped.not_proven and stopped.passed == ()
    assert not (stopped.pending or stopped.proof_failed or stopped.costlier)  # exit 0
    assert stopped.not_offered == ("pkg.a", "pkg.b")
    out = io.StringIO()
    render_text(stopped, out, str)
    assert out.getvalue().startswith(
        "2 rewrite(s) proven, none offered: each saves nothing measured")
    assert "NOT proven" not in out.getvalue()
    # With a helper file the lazy `__init__`s share (no codes of its own), as a real
    # run on openpyxl made: the helper is not offered alone either (it was, exit 1).
    helped = _worth_offering(
        lambda idle: dataclasses.replace(proven(idle), rewrites=(
            *proven(idle).rewrites, Rewrite("pkg._lazy", pkg / "_lazy.py", None, "# h\n"))),
        lambda: "stopped at the time limit (1 s)")
    assert helped.passed == () and not helped.pending


def test_an_interrupt_before_the_pass_without_idle_rewrites_keeps_the_pass_before(
        tmp_path: Path) -> None:
    from importaudit.api.fixing import _worth_offering

    pkg = package(tmp_path)
    passes: list[frozenset[str]] = []
    first = passes_of(pkg, {"pkg.a": SAVES, "pkg.b": NOTHING}, passes)

    def proven(idle: frozenset[str]) -> FixResult:
        if idle:  # the second pass, in its first round
            raise Interrupted(signal.SIGINT)
        return first(idle)

    with pytest.raises(Interrupted) as stopped:
        _worth_offering(proven)
    kept = stopped.value.partial
    assert isinstance(kept, FixResult)
    assert [r.module for r in kept.passed] == ["pkg.a", "pkg.b"]
    assert kept.interrupted == "SIGINT"
    assert kept.stopped is not None
    assert kept.stopped.startswith("interrupted by SIGINT before proving the 1 other")


def test_an_interrupt_during_a_round_keeps_what_the_rounds_before_proved(
        tmp_path: Path) -> None:
    # Ctrl-C in round 2 lost round 1's proven rewrite: the signal now carries it.
    pkg = package(tmp_path)

    def again(where: fixpoint.Round, tried: frozenset[str], number: int) -> FixResult:
        raise Interrupted(signal.SIGINT)

    with pytest.raises(Interrupted) as stopped:
        _fixed_point(FixResult(rewrites=(Rewrite("pkg.a", pkg / "a.py", "# a\n", "y\n",
                                                 ("IA102",)),)), again)
    kept = stopped.value.partial
    assert isinstance(kept, FixResult)
    assert [r.module for r in kept.passed] == ["pkg.a"]
    assert (kept.rounds, kept.fixed_point, kept.interrupted) == (1, False, "SIGINT")
    assert kept.stopped == ("interrupted by SIGINT during round 2: the round before it "
                            "proved what is shown (not measured or tested)")
    out = io.StringIO()
    render_text(kept, out)
    assert out.getvalue().endswith(
        "Nothing written: interrupted by SIGINT (the diffs above are what was proven).\n")
    assert "+y\n" in out.getvalue()


def test_an_interrupt_before_any_round_was_proven_says_so(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Not "nothing the review found could be rewritten": nothing was proven yet.
    from importaudit import api
    from importaudit.api import fixing

    def review(*_args: object, **_kwargs: object) -> None:
        raise Interrupted(signal.SIGTERM)

    monkeypatch.setattr(fixing, "_fix", review)
    with pytest.raises(Interrupted) as stopped:
        api.fix(["pkg"])
    kept = stopped.value.partial
    assert isinstance(kept, FixResult)
    out = io.StringIO()
    render_text(kept, out)
    assert out.getvalue() == (
        "0 rewrite(s) proven: interrupted by SIGTERM before the first round was proven: "
        "nothing is proven yet\nNothing written: interrupted by SIGTERM.\n")


def two_files(pkg: Path) -> FixResult:
    """A proven lazy `__init__` and a deferral in `a`: a fix of two files."""
    return FixResult(rewrites=(
        Rewrite("pkg", pkg / "__init__.py", "# __init__\n", "lazy\n", ("IA101",)),
        Rewrite("pkg.a", pkg / "a.py", "# a\n", "deferred\n", ("IA102",))))


def test_an_interrupt_while_writing_takes_effect_once_every_file_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Ctrl-C between two files of one fix left the tree half rewritten (a lazy
    # `__init__` whose other half was not there).
    from importaudit import _atomic
    from importaudit.api.fixing import _written

    pkg = package(tmp_path)
    result = two_files(pkg)
    write = _atomic.write_text_atomic

    def write_then_signal(path: Path, text: str, *, newline: str = "\n") -> None:
        write(path, text, newline=newline)
        os.kill(os.getpid(), signal.SIGINT)  # as the first file is done

    def stop(signum: int, _frame: object) -> None:
        raise Interrupted(signum)

    monkeypatch.setattr(_atomic, "write_text_atomic", write_then_signal)
    previous = signal.signal(signal.SIGINT, stop)  # what the command line sets
    try:
        with pytest.raises(Interrupted) as stopped:
            _written(result)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert [(pkg / n).read_text() for n in ("__init__.py", "a.py")] == ["lazy\n", "deferred\n"]
    kept = stopped.value.partial
    assert isinstance(kept, FixResult)
    assert kept.written == (pkg / "__init__.py", pkg / "a.py")
    assert kept.stopped == ("interrupted by SIGINT while writing: every proven file was "
                            "written first")


def test_an_interrupt_before_the_files_are_written_says_none_was(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A signal while the files were checked (before any was written) was reported as
    # "every proven file was written first", and the text said "Written: ...".
    from importaudit.api.fixing import _written

    pkg = package(tmp_path)
    result = two_files(pkg)

    def signalled(_path: Path) -> bool:
        raise Interrupted(signal.SIGINT)

    monkeypatch.setattr(Path, "exists", signalled)
    with pytest.raises(Interrupted) as stopped:
        _written(result)
    monkeypatch.undo()
    assert [(pkg / n).read_text() for n in ("__init__.py", "a.py")] == ["# __init__\n", "# a\n"]
    kept = stopped.value.partial
    assert isinstance(kept, FixResult) and kept.written == ()
    assert kept.stopped == "interrupted by SIGINT before writing: nothing was written"


def test_a_second_signal_while_files_are_written_stops_at_once() -> None:
    # A write that hangs (a stalled network file system) held every Ctrl-C, SIGTERM
    # and SIGHUP: only SIGKILL ended it. The first is held; a second acts at once.
    from importaudit._signals import held

    def stop(signum: int, _frame: object) -> None:
        raise Interrupted(signum)

    reached: list[str] = []

    def write_twice_interrupted() -> None:
        with held():
            os.kill(os.getpid(), signal.SIGINT)
            reached.append("held the first")
            os.kill(os.getpid(), signal.SIGINT)
            reached.append("past the second")

    previous = signal.signal(signal.SIGINT, stop)
    try:
        with pytest.raises(Interrupted):
            write_twice_interrupted()
        assert signal.getsignal(signal.SIGINT) is stop  # put back
    finally:
        signal.signal(signal.SIGINT, previous)
    assert reached == ["held the first"]

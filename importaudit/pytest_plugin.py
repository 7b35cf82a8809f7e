"""pytest plugin: import budgets as tests (registered under the `pytest11` entry point).

Three ways in, each a thin adapter over `importaudit.api` and `importaudit.gate`:

* the `import_profile` fixture: `report = import_profile("risk_management")` measures
  the import in a clean child interpreter and returns the `Report` to assert on;
* the marker `@pytest.mark.import_budget("pkg", max_modules=40, forbid=["numpy"])`: after
  the test body passes, the import of "pkg" is measured and judged, and the test fails
  with the budget, the measured value and the chain;
* `pytest --importaudit`: one extra test item runs the gate configured in
  `[tool.importaudit]`, exactly as `importaudit check` does.

Importing this module costs nothing beyond pytest itself: importaudit's own modules load
only when one of the three is used, since every pytest run loads its plugins.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable, Generator
    from pathlib import Path

    from importaudit.config import Config, Measure
    from importaudit.model import Report, Verdict

MARKER = "import_budget"

#: import_budget keyword -> [tool.importaudit.budgets] key (the same names, same types).
_LIMITS = ("max_modules", "max_cumulative_ms", "max_heap_bytes", "max_rss_bytes")
_RUN_OPTIONS = ("repeat", "memory", "python", "timeout", "tree")


def pytest_addoption(parser: pytest.Parser) -> None:
    """`--importaudit` and `--importaudit-config`."""
    group = parser.getgroup("importaudit", "import cost gate (importaudit)")
    group.addoption("--importaudit", action="store_true", default=False,
                    help="Also run the import gate configured in [tool.importaudit] "
                         "as a test.")
    group.addoption("--importaudit-config", default=None, metavar="FILE",
                    help="The pyproject.toml to read [tool.importaudit] from "
                         "(default: the nearest one from the rootdir).")


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker (so --strict-markers accepts it)."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}(*targets, max_modules=None, max_cumulative_ms=None, max_heap_bytes=None, "
        "max_rss_bytes=None, forbid=(), repeat=None, memory=None, python=None, timeout=None): "
        "fail the test when importing the targets breaks these limits (importaudit)",
    )


# --------------------------------------------------------------------------- the fixture


@pytest.fixture
def import_profile() -> Callable[..., Report]:
    """Measure importing modules in a clean child interpreter; returns the `Report`.

    `import_profile("pkg", repeat=1, memory=False, python=None, timeout=None,
    tree=False)`; `report.modules` holds one record per module loaded, with the
    `importer` that loaded it, and `report.failure` says if the import failed.
    """

    def measure(*targets: str, repeat: int = 1, memory: bool = False,
                python: str | None = None, timeout: float | None = None,
                tree: bool = False) -> Report:
        import dataclasses

        from importaudit import api
        from importaudit.config import Measure

        chosen = Measure(python=python, repeat=repeat, memory=memory, tree=tree)
        if timeout is not None:
            chosen = dataclasses.replace(chosen, timeout=timeout)
        return api.profile(targets, chosen)

    return measure


# --------------------------------------------------------------------------- the marker


class ImportBudgetExceeded(Exception):
    """A budget or rule of the gate failed; its message reads like the CLI's verdict."""


def _describe(title: str, verdict: Verdict) -> str:
    from importaudit.render.terminal_verdict import violation_lines

    lines = [title]
    for violation in verdict.violations:
        lines += [text for _style, text in violation_lines(violation)]
        if violation.chain:
            lines.append(f"       chain: {' -> '.join(violation.chain)}")
    lines += [f"  CANNOT JUDGE {line}" for line in verdict.undecided]
    return "\n".join(lines)


def marker_config(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Config, Measure]:
    """The gate config and how to measure, as a marker's arguments say.

    Limits go through the same validation as `[tool.importaudit]`, so a wrong type reads
    the same; raises UsageError / ConfigError for bad arguments.
    """
    import dataclasses

    from importaudit.config import resolve
    from importaudit.errors import UsageError

    if not args or not all(isinstance(a, str) and a for a in args):
        raise UsageError(f"{MARKER} needs the module(s) to import, e.g. "
                         f"@pytest.mark.{MARKER}('pkg', max_modules=40)")
    unknown = sorted(set(kwargs) - {*_LIMITS, *_RUN_OPTIONS, "forbid"})
    if unknown:
        known = ", ".join((*_LIMITS, "forbid", *_RUN_OPTIONS))
        raise UsageError(f"{MARKER}: unknown argument {', '.join(unknown)} (known: {known})")
    limits = {k: kwargs[k] for k in _LIMITS if kwargs.get(k) is not None}
    forbid = kwargs.get("forbid") or ()
    if isinstance(forbid, str):
        forbid = [forbid]
    # Run options are checked like the keys of the same names (repeat = 0 or "3" is a
    # one-line error, not a TypeError from deep inside the runner).
    given = {k: kwargs[k] for k in _RUN_OPTIONS if kwargs.get(k) is not None}
    table: dict[str, Any] = {"cycles": "off", **given}
    if limits:
        table["budgets"] = {target: dict(limits) for target in args}
    if forbid:
        table["forbidden"] = {target: list(forbid) for target in args}
    config = resolve(table, {}, {}, source=f"@pytest.mark.{MARKER}")
    timed = "max_cumulative_ms" in limits
    # Time budgets need repeats to be judged at all (see gate); counts need one run.
    measure = dataclasses.replace(
        config.measure,
        repeat=config.measure.repeat if "repeat" in given or timed else 1,
        memory=config.measure.memory if "memory" in given else "max_heap_bytes" in limits)
    return config, measure


def enforce_budget(args: tuple[Any, ...], kwargs: dict[str, Any],
                   measure: Callable[..., Report] | None = None) -> Report:
    """Measure and judge one `import_budget`; raise ImportBudgetExceeded when it fails."""
    from importaudit import api
    from importaudit.gate import evaluate

    config, how = marker_config(args, kwargs)
    report = (measure or api.profile)(args, how)
    if report.failure is not None:
        raise ImportBudgetExceeded(
            f"importing {', '.join(args)} failed ({report.failure.kind}): "
            f"{report.failure.message}"
        )
    verdict = evaluate(report, config)
    if not verdict.passed:
        what = "exceeded" if verdict.violations else "not judged (heap not measured)"
        raise ImportBudgetExceeded(_describe(f"import budget of {', '.join(args)} {what}:",
                                             verdict))
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """After a test body passes, judge each of its `import_budget` markers."""
    result = yield
    for marker in item.iter_markers(MARKER):
        _judge_marker(marker.args, dict(marker.kwargs))
    return result


def _judge_marker(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    from importaudit.errors import ImportAuditError

    try:
        enforce_budget(args, kwargs)
    except ImportBudgetExceeded as exc:
        message = str(exc)
    except ImportAuditError as exc:
        message = f"{MARKER}: {exc}"
    else:
        return
    # Failed outside the except block: raised inside it, pytest would show the caught
    # error too ("During handling of the above exception"), so the message twice.
    pytest.fail(message, pytrace=False)


# --------------------------------------------------------------------------- --importaudit


class GateItem(pytest.Item):
    """`importaudit check` as one test: fails with the verdict's violations."""

    def runtest(self) -> None:
        """Run the configured gate."""
        from importaudit import api
        from importaudit.errors import ImportAuditError

        option = self.config.getoption("importaudit_config")
        try:
            config = api.load_config(config_path=option, start=self.config.rootpath)
            report = api.check(config)
        except ImportAuditError as exc:
            raise ImportBudgetExceeded(f"importaudit: {exc}") from None
        if report.failure is not None:
            raise ImportBudgetExceeded(
                f"importaudit: the import failed ({report.failure.kind}): "
                f"{report.failure.message}"
            )
        if report.verdict is not None and not report.verdict.passed:
            raise ImportBudgetExceeded(_describe(
                f"importaudit check of {', '.join(report.targets)} failed:", report.verdict))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        """The verdict text, not a traceback into the plugin."""
        if isinstance(excinfo.value, ImportBudgetExceeded):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        """Where the gate is configured."""
        return self.config.rootpath / "pyproject.toml", None, "importaudit check"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    """With --importaudit, add the gate item (first, so -k and -m can still deselect it)."""
    if config.getoption("importaudit"):
        items.append(GateItem.from_parent(session, name="importaudit-check"))

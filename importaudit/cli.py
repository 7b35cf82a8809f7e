"""Command line adapter: flags -> api call -> renderer -> exit status.

No measuring, maths or file formats here: each command translates its flags, calls one
function of `importaudit.api`, hands the `Report` to a renderer and maps the outcome to
the exit statuses of CLI.md (0 fine, 1 found, 2 usage, 3 target failed).
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import click

from importaudit._version import __version__
from importaudit.errors import EXIT_TARGET, ImportAuditError, Interrupted

if TYPE_CHECKING:
    from types import FrameType

    from importaudit.config import Config
    from importaudit.model import Report
    from importaudit.render import RenderOptions

F = TypeVar("F", bound=Callable[..., Any])


class _State:
    """Options of the top-level group that every command sees."""

    debug: bool = False


def _fail(message: str, status: int) -> None:
    click.echo(f"importaudit: error: {message}", err=True)
    raise SystemExit(status)


def _closed_pipe() -> None:
    """The reader of stdout went away (`| head`): end quietly, as `cat` does.

    Later writes (and the flush at exit) go to /dev/null, so Python prints no second
    error; the status is the one a shell reports for a process ended by SIGPIPE.
    """
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    raise SystemExit(128 + 13)  # SIGPIPE


@contextlib.contextmanager
def _errors(debug: bool) -> Iterator[None]:
    """Turn every error into one line on stderr and its exit status (traceback with --debug)."""
    try:
        yield
    except ImportAuditError as exc:
        if debug:
            raise
        _fail(str(exc), exc.exit_status)
    except KeyboardInterrupt as exc:
        # Whatever was running has cleaned up on the way here (the runner ends its
        # children); what is left is to say so and exit as a shell expects, not 1.
        if isinstance(exc, Interrupted):
            name, status = exc.name, exc.exit_status
        else:
            name, status = "SIGINT", 128 + signal.SIGINT
        _fail(f"interrupted by {name}", status)
    except (click.exceptions.Exit, click.ClickException, SystemExit):
        raise
    except BrokenPipeError:
        _closed_pipe()
    except Exception as exc:
        if debug:
            raise
        _fail(f"unexpected {type(exc).__name__}: {exc} (run with --debug for the traceback)", 2)


#: The signals that stop a command cleanly (child interpreters ended, temp files removed).
_STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


@contextlib.contextmanager
def _signals_as_interrupts() -> Iterator[None]:
    """While a command runs, Ctrl-C, SIGTERM and SIGHUP raise `Interrupted`.

    By default SIGTERM and SIGHUP end this process at once, leaving its child
    interpreters running and its temp files behind; as an exception they unwind through
    the code that cleans up. A signal ignored when we started (nohup, a background job's
    SIGINT) stays ignored. Only the first signal is raised: a second one while the first
    unwinds must not cut the cleanup short.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    raised = False

    def interrupt(signum: int, _frame: FrameType | None) -> None:
        nonlocal raised
        if not raised:
            raised = True
            raise Interrupted(signum)

    previous = {}
    for sig in _STOP_SIGNALS:
        if signal.getsignal(sig) in (signal.SIG_DFL, signal.default_int_handler):
            previous[sig] = signal.signal(sig, interrupt)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


#: errno values that mean writing the output itself failed
_WRITE_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG})


@contextlib.contextmanager
def _output_stream(output: str | None) -> Iterator[TextIO]:
    """Stdout for None or '-', else an atomically replaced file."""
    if output in (None, "-"):
        yield sys.stdout
        return
    from importaudit._atomic import atomic_writer

    in_body = False
    try:
        with atomic_writer(output) as stream:
            try:
                yield stream
            except OSError as exc:
                # A full disk or a failing device is the file's error; others are the
                # renderer's: keep those as they are.
                in_body = exc.errno not in _WRITE_ERRORS
                raise
    except OSError as exc:
        if in_body:
            raise
        raise ImportAuditError(f"cannot write {output}: {exc.strerror or exc}") from exc


def _infer_format(fmt: str | None, output: str | None, default: str) -> str:
    if fmt:
        return fmt
    if output and output != "-":
        suffix = os.path.splitext(output)[1].lower()
        by_suffix = {".json": "json", ".html": "html", ".htm": "html", ".md": "markdown",
                     ".xml": "junit", ".sarif": "sarif", ".dot": "dot", ".graphml": "graphml"}
        if suffix in by_suffix:
            return by_suffix[suffix]
    return default


def emit(report: Report, fmt: str, output: str | None, options: RenderOptions) -> None:
    """Render `report` in format `fmt` to stdout or (atomically) to `output`."""
    from importaudit.render import get_renderer

    renderer = get_renderer(fmt)
    with _output_stream(output) as stream:
        renderer(report, stream, options)


def say_failure(report: Report, fmt: str, output: str | None) -> None:
    """Exit 3 with a report no one reads on the terminal: say on stderr what failed.

    A terminal report on stdout says it itself; JSON on stdout or a file says it to
    whoever reads them later, while the job log would show nothing at all.
    """
    from importaudit.render import FORMATS

    failure = report.failure
    to_stdout = output in (None, "-")
    if failure is None or (to_stdout and FORMATS.get(fmt) == "terminal"):
        return
    where = f"on stdout ({fmt})" if to_stdout else f"in {output}"
    click.echo(f"importaudit: {failure.message}; the partial report is {where}", err=True)


def say_empty_shard(report: Report) -> None:
    """On stderr: a shard that got no modules measured nothing (its report is valid)."""
    from importaudit.shard import empty_shard_note

    meta = report.meta
    if meta is not None and meta.shard is not None and not meta.shard.modules:
        click.echo(f"importaudit: {empty_shard_note(meta.shard)}", err=True)


def render_options(**kwargs: Any) -> RenderOptions:
    """Build render options; colour follows the terminal unless NO_COLOR is set."""
    from importaudit.render import RenderOptions

    return RenderOptions(**kwargs)


# --------------------------------------------------------------------------- shared flags


def format_option(choices: list[str], default: str) -> Callable[[F], F]:
    """`--format F`: the output format (inferred from --output's suffix when omitted)."""
    return click.option(
        "--format", "fmt", type=click.Choice(choices), default=None,
        help=f"Output format (default {default}, or from --output's suffix).",
    )


def _writable_output(ctx: click.Context, param: click.Parameter, value: str | None
                     ) -> str | None:
    """Refuse an output file whose folder is missing before anything is measured."""
    if value in (None, "-"):
        return value
    from importaudit._atomic import unwritable_reason

    problem = unwritable_reason(value)
    if problem:
        raise click.BadParameter(problem)
    return value


def output_option(f: F) -> F:
    """`--output FILE` / `-o FILE`: write there atomically; '-' is stdout."""
    return click.option(
        "--output", "-o", default=None, metavar="FILE", callback=_writable_output,
        help="Write the output to FILE (atomically); '-' is stdout.",
    )(f)


def python_option(f: F) -> F:
    """`--python EXE`: the interpreter whose environment is measured."""
    return click.option(
        "--python", "python", default=None, metavar="EXE",
        help="Interpreter whose environment is measured: targets are looked up on its "
             "sys.path (default: the one running importaudit).",
    )(f)


def walk_options(f: F) -> F:
    """`--exclude PATTERN` and `--include-tests`: which submodules tree walks leave out.

    Each is also a [tool.importaudit] key (`exclude`, `include_tests`); a flag wins.
    """
    f = click.option(
        "--include-tests/--no-include-tests", "include_tests", default=None,
        help="Walk test packages (tests, testing, conftest) too; they are left out by "
             "default.")(f)
    return click.option(
        "--exclude", "exclude", multiple=True, metavar="PATTERN",
        help="Leave modules matching this glob (and their submodules) out of the walk "
             "(repeatable; e.g. 'pkg.vendored', '*.benchmarks').")(f)


def _walk_flags(exclude: tuple[str, ...], include_tests: bool | None) -> dict[str, Any]:
    """The config flags of `walk_options` (None: not given, the config decides)."""
    return {"exclude": list(exclude) or None, "include_tests": include_tests}


def shard_options(f: F) -> F:
    """`--shard I/N` and `--shard-weights REPORT`: measure one part of a split tree."""
    f = click.option(
        "--shard-weights", "shard_weights", default=None, metavar="REPORT",
        help="Balance the split by the per-module cost a previous report (JSON) measured "
             "(default: split by module name).")(f)
    return click.option(
        "--shard", "shard", default=None, metavar="I/N",
        help="Measure only shard I of N of the tree's modules (with --tree or --isolated),"
             " for CI machines in parallel; `importaudit report merge` joins the reports.",
    )(f)


def verbosity_options(f: F) -> F:
    """`-q` / `-v`: less or more on the terminal."""
    f = click.option("-q", "--quiet", count=True, help="Say less.")(f)
    return click.option("-v", "--verbose", count=True, help="Say more.")(f)


def timeout_option(f: F) -> F:
    """`--timeout S`: the bound on each child interpreter."""
    return click.option(
        "--timeout", type=click.FloatRange(min=0.1), default=None,
        help="Seconds each child interpreter may take (default 120).",
    )(f)


def measure_options(*, from_config: bool = False) -> Callable[[F], F]:
    """How children measure: --repeat, --timeout, --memory, --warm-bytecode, --python.

    With `from_config` each is also a [tool.importaudit] key: an unset flag stays None so
    the file decides, and --warm-bytecode gets a --no- form that can overrule it.
    """
    warm_help = "Let the warm-up run write .pyc files even if PYTHONDONTWRITEBYTECODE is set."
    options = (
        click.option("--repeat", type=click.IntRange(1, 1000), default=None,
                     help="Measured runs after one warm-up (default 5); medians are reported."),
        timeout_option,
        click.option("--memory/--no-memory", default=None,
                     help="Run the separate tracemalloc heap measurement (default on)."),
        click.option("--warm-bytecode/--no-warm-bytecode", default=None, help=warm_help)
        if from_config else click.option("--warm-bytecode", is_flag=True, help=warm_help),
        python_option,
    )

    def apply(f: F) -> F:
        for option in reversed(options):
            f = option(f)
        return f

    return apply


# --------------------------------------------------------------------------- the group


@click.group(
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="Exit statuses: 0 fine, 1 found (violations, cycles, findings), 2 usage or "
           "configuration error, 3 the target failed to import or its interpreter crashed "
           "or timed out, 128+N interrupted by signal N (130 for Ctrl-C, 143 for SIGTERM).",
)
@click.version_option(__version__, prog_name="importaudit")
@click.option("--debug", is_flag=True, help="Show tracebacks for unexpected errors.")
def cli(debug: bool) -> None:
    """Measure, explain, fix and gate what importing a Python package costs."""
    _State.debug = debug


def run(func: Callable[[], int | None]) -> None:
    """Call a command body under the error policy and exit with its status."""
    with _signals_as_interrupts(), _errors(_State.debug):
        status = func()
        sys.stdout.flush()  # a closed pipe shows here, under the error policy, not at exit
    if status:
        raise SystemExit(status)


# --------------------------------------------------------------------------- profile


class _ProgramCommand(click.Command):
    """Options may go anywhere, but everything after `-m MOD`/`--script P`/`-c CODE` is argv.

    So `importaudit profile --repeat 3 -m http.server 8000 --bind 127.0.0.1` gives the
    program `8000 --bind 127.0.0.1`, as `python -m` would.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        for i, arg in enumerate(args):
            if arg == "--":
                break
            if arg in ("-m", "--script", "-c"):
                if i + 1 < len(args):
                    args = [*args[: i + 2], "--", *args[i + 2:]]
                break
            if arg.startswith("--script=") or (arg[:2] in ("-m", "-c") and len(arg) > 2
                                               and not arg.startswith("--")):
                args = [*args[: i + 1], "--", *args[i + 1:]]
                break
        return super().parse_args(ctx, args)


def program_options(verb: str) -> Callable[[F], F]:
    """-m MODULE / --script PATH / -c CODE: run a program instead of importing targets."""

    def decorate(function: F) -> F:
        function = click.option("-c", "code", default=None, metavar="CODE",
                                help=f"{verb} running CODE.")(function)
        function = click.option("--script", default=None, metavar="PATH",
                                help=f"{verb} running a script; ARGS follow.")(function)
        return click.option(
            "-m", "module", default=None, metavar="MODULE",
            help=f"{verb} running a module as a program (like python -m); ARGS follow.",
        )(function)

    return decorate


@cli.command(cls=_ProgramCommand)
@click.argument("targets", nargs=-1)
@program_options("Profile")
@click.option("--importtime", "importtime_log", default=None, metavar="LOG",
              help="Read a `python -X importtime` log instead of measuring.")
@click.option("--tree", is_flag=True, help="Import every module of the target packages.")
@click.option("--isolated", is_flag=True,
              help="Profile each module of the tree in its own fresh interpreter.")
@walk_options
@shard_options
@measure_options(from_config=True)
@click.option("--config", "config_path", default=None, metavar="FILE",
              help="A pyproject.toml other than the nearest one ([tool.importaudit] keys "
                   "repeat, timeout, memory, warm_bytecode, python, tree, targets, exclude, "
                   "include_tests).")
@click.option("--sort", type=click.Choice(["self", "cumulative", "heap", "rss"]),
              default="cumulative", help="Order of the table view.")
@click.option("--top", type=click.IntRange(min=1), default=None, help="Show only N rows.")
@click.option("--threshold", type=click.FloatRange(min=0), default=0.0, metavar="MS",
              help="Fold tree branches cheaper than MS milliseconds (cumulative).")
@format_option(["tree", "table", "json"], "tree")
@output_option
@verbosity_options
def profile(
    targets: tuple[str, ...], module: str | None, script: str | None, code: str | None,
    importtime_log: str | None, tree: bool, isolated: bool, exclude: tuple[str, ...],
    include_tests: bool | None, shard: str | None, shard_weights: str | None,
    repeat: int | None,
    timeout: float | None, memory: bool | None, warm_bytecode: bool | None,
    config_path: str | None, sort: str,
    top: int | None, threshold: float, python: str | None, fmt: str | None,
    output: str | None, quiet: int, verbose: int,
) -> None:
    """Measure what importing TARGETs (modules, packages or directories) costs.

    With -m MODULE, --script PATH or -c CODE, run that program under the profiler
    instead; the remaining arguments are its argv. Unset flags come from
    [tool.importaudit] (a program's repeats and heap run only from flags: running it
    again may have side effects).
    """

    def body() -> int:
        from importaudit import api

        # At most one is set: everything after the first of them is the program's argv.
        programs = [x for x in (module, script, code) if x is not None]
        plan = api.shard_plan(shard, shard_weights)
        if plan is not None and (programs or importtime_log is not None):
            raise ImportAuditError("--shard splits the modules of a tree; not with -m, "
                                   "--script, -c or --importtime")
        if importtime_log is not None:
            if targets or programs:
                raise ImportAuditError("--importtime reads a log; give no targets with it")
            report = api.profile_importtime(importtime_log)
        else:
            config = api.load_config(config_path=config_path, flags={
                "repeat": repeat, "timeout": timeout, "memory": memory,
                "warm_bytecode": warm_bytecode, "python": python,
                **_walk_flags(exclude, include_tests),
            })
            if programs:
                kind = "module" if module else "script" if script else "code"
                # The report on stdout must not have the program's output mixed into it.
                apart = output in (None, "-")
                if apart and quiet == 0:
                    click.echo("importaudit: the program's standard output goes to standard "
                               "error, standard output carries the report (-o FILE writes "
                               "the report elsewhere)", err=True)
                report = api.profile_program(
                    kind, programs[0], argv=targets, python=config.python, repeat=repeat,
                    timeout=config.timeout, memory=memory,
                    warm_bytecode=config.warm_bytecode, stdout_to_stderr=apart,
                )
            else:
                chosen_targets = targets or config.targets
                if not chosen_targets:
                    raise ImportAuditError("give at least one TARGET (or -m, --script, -c),"
                                           " or set `targets` in [tool.importaudit]")
                report = api.profile(
                    chosen_targets, tree=tree or config.tree,
                    isolated=isolated or config.isolated, python=config.python,
                    repeat=config.repeat, timeout=config.timeout, memory=config.memory,
                    warm_bytecode=config.warm_bytecode, exclude=config.exclude,
                    include_tests=config.include_tests, shard=plan,
                )
        chosen = _infer_format(fmt, output, "tree")
        options = render_options(
            view=chosen if chosen in ("tree", "table") else "tree", sort=sort, top=top,
            threshold_ns=int(threshold * 1_000_000), verbosity=verbose - quiet,
        )
        emit(report, chosen, output, options)
        say_failure(report, chosen, output)
        say_empty_shard(report)
        return EXIT_TARGET if report.failure is not None else 0

    run(body)


@cli.command()
@click.argument("module")
@click.argument("targets", nargs=-1, required=True)
@click.option("--repeat", type=click.IntRange(1, 1000), default=1,
              help="Measured runs after one warm-up (default 1: chains are what matter).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=None,
              help="Seconds each child interpreter may take.")
@python_option
@format_option(["text", "json"], "text")
@output_option
def why(
    module: str, targets: tuple[str, ...], repeat: int, timeout: float | None,
    python: str | None, fmt: str | None, output: str | None,
) -> None:
    """Show every chain by which importing TARGETs loads MODULE, shortest first."""

    def body() -> int:
        from importaudit import api

        answer = api.why(module, targets, python=python, repeat=repeat, timeout=timeout)
        chosen = _infer_format(fmt, output, "text")
        from importaudit.render import whytext

        with _output_stream(output) as stream:
            whytext.render_why(answer, stream, chosen)
        say_failure(answer.report, chosen, output)
        if answer.report.failure is not None:
            return EXIT_TARGET
        return 0 if answer.chains else 1

    run(body)



# --------------------------------------------------------------------------- check, baseline

_GATE_FORMATS = ["text", "json", "junit", "sarif", "github"]


def gate_options(f: F) -> F:
    """Options of `check` and `baseline save|diff`; each is also a [tool.importaudit] key."""
    options = [
        click.option("--config", "config_path", default=None, metavar="FILE",
                     help="A pyproject.toml other than the nearest one."),
        measure_options(from_config=True),
        click.option("--tree/--no-tree", default=None,
                     help="Import every module of the target packages."),
        click.option("--isolated/--no-isolated", default=None,
                     help="Measure each module of the tree in its own interpreter."),
        click.option("--baseline", default=None, metavar="FILE",
                     help="The baseline to compare with (default .importaudit/baseline.json)."),
        click.option("--kinds", default=None, metavar="K,K",
                     help="Edge kinds that count for cycles, forbidden imports and contracts "
                          "(default eager,optional,parent; or 'all')."),
        click.option("--cycles", "cycle_policy", type=click.Choice(["none", "new", "off"]),
                     default=None, help="No cycles, no new cycles, or no cycle check."),
        click.option("--ignore", multiple=True, metavar="PATTERN",
                     help="Module pattern no check looks at (repeatable)."),
        walk_options,
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _gate_config(targets: tuple[str, ...], config_path: str | None,
                 **flags: Any) -> Config:
    """Flags -> the one Config (defaults < pyproject < IMPORTAUDIT_* < these flags)."""
    from importaudit import api

    kinds = flags.pop("kinds")
    ignore = flags.pop("ignore")
    cycles = flags.pop("cycle_policy")  # the flag is --cycles, the key `cycles`
    walk = _walk_flags(flags.pop("exclude"), flags.pop("include_tests"))
    values = {
        **flags,
        **walk,
        "cycles": cycles,
        "targets": list(targets) or None,
        "kinds": None if kinds is None else "all" if kinds.strip() == "all"
        else [k.strip() for k in kinds.split(",") if k.strip()],
        "ignore": list(ignore) or None,
    }
    return api.load_config(config_path=config_path, flags=values)


def _announce_to_actions(report: Report, chosen: str, output: str | None) -> None:
    """Under GitHub Actions: annotations (when stdout carries text) and the job summary."""
    if os.environ.get("GITHUB_ACTIONS") != "true" or chosen == "github":
        return
    from importaudit.render import github

    if chosen == "text" or output not in (None, "-"):
        for line in github.workflow_commands(report):
            click.echo(line)
    github.write_summary(report)


@cli.command()
@click.argument("targets", nargs=-1)
@gate_options
@click.option("--static", "static_only", is_flag=True,
              help="Only the static checks (cycles, forbidden imports, contracts): runs no "
                   "code.")
@click.option("--calibrate", is_flag=True,
              help="Measure this machine's run-to-run noise and suggest tolerances.")
@click.option("--rounds", type=click.IntRange(2, 100), default=5,
              help="Identical rounds for --calibrate (default 5).")
@click.option("--from", "from_report", default=None, metavar="REPORT",
              help="Judge a saved report (JSON), such as `report merge`'s, instead of "
                   "measuring (nothing of the targets runs: cycle claims stay unverified).")
@shard_options
@format_option(_GATE_FORMATS, "text")
@output_option
@verbosity_options
def check(
    targets: tuple[str, ...], config_path: str | None, repeat: int | None,
    timeout: float | None, memory: bool | None, tree: bool | None, isolated: bool | None,
    warm_bytecode: bool | None, baseline: str | None, kinds: str | None,
    cycle_policy: str | None, ignore: tuple[str, ...], exclude: tuple[str, ...],
    include_tests: bool | None, python: str | None, static_only: bool,
    calibrate: bool, rounds: int, from_report: str | None, shard: str | None,
    shard_weights: str | None, fmt: str | None, output: str | None, quiet: int,
    verbose: int,
) -> None:
    """The CI gate: budgets, forbidden modules, cycles, contracts, baseline regressions.

    Exits 0 when every check passes, 1 on violations, 2 on a usage or configuration
    error, 3 when a target fails to import or the child interpreter crashes.
    """

    def body() -> int:
        from importaudit import api

        config = _gate_config(
            targets, config_path, repeat=repeat, timeout=timeout, memory=memory, tree=tree,
            isolated=isolated, warm_bytecode=warm_bytecode, baseline=baseline, kinds=kinds,
            cycle_policy=cycle_policy, ignore=ignore, python=python, format=fmt,
            output=output, exclude=exclude, include_tests=include_tests,
        )
        if calibrate:
            from importaudit.render.terminal_verdict import calibration_lines

            with _output_stream(config.output) as stream:
                for line in calibration_lines(api.calibrate(config, rounds=rounds)):
                    stream.write(line + "\n")
            return 0
        report = api.check(
            config, static_only=static_only, require_baseline=baseline is not None,
            measured=api.load_reports([from_report])[0] if from_report else None,
            shard=api.shard_plan(shard, shard_weights),
        )
        chosen = config.format if config.format != "text" else _infer_format(
            None, config.output, "text")
        options = render_options(command="check", verbosity=verbose - quiet)
        emit(report, chosen, config.output, options)
        say_failure(report, chosen, config.output)
        say_empty_shard(report)
        _announce_to_actions(report, chosen, config.output)
        return api.exit_status(report)

    run(body)


@cli.group("baseline")
def baseline_group() -> None:
    """Keep and compare saved reports (baselines)."""


@baseline_group.command("save")
@click.argument("targets", nargs=-1)
@gate_options
@click.option("--from", "from_report", default=None, metavar="REPORT",
              help="Save this saved JSON report instead of measuring.")
@click.option("--static", "static_only", is_flag=True,
              help="Save only the static graph and cycles (runs no code).")
def baseline_save(
    targets: tuple[str, ...], config_path: str | None, repeat: int | None,
    timeout: float | None, memory: bool | None, tree: bool | None, isolated: bool | None,
    warm_bytecode: bool | None, baseline: str | None, kinds: str | None,
    cycle_policy: str | None, ignore: tuple[str, ...], exclude: tuple[str, ...],
    include_tests: bool | None, python: str | None,
    from_report: str | None, static_only: bool,
) -> None:
    """Measure the configured targets now and save the report as the baseline."""

    def body() -> int:
        from importaudit import api

        config = _gate_config(
            targets, config_path, repeat=repeat, timeout=timeout, memory=memory, tree=tree,
            isolated=isolated, warm_bytecode=warm_bytecode, baseline=baseline, kinds=kinds,
            cycle_policy=cycle_policy, ignore=ignore, python=python, exclude=exclude,
            include_tests=include_tests,
        )
        saved, path = api.save_baseline(config, from_report=from_report,
                                        static_only=static_only)
        modules = sum(not m.preloaded for m in saved.report.modules)
        commit = f" at commit {saved.git_commit[:12]}" if saved.git_commit else ""
        click.echo(f"saved baseline of {', '.join(saved.report.targets)} ({modules} modules, "
                   f"{len(saved.report.cycles)} cycles){commit} to {path}")
        return 0

    run(body)


@baseline_group.command("show")
@click.option("--config", "config_path", default=None, metavar="FILE",
              help="A pyproject.toml other than the nearest one.")
@click.option("--baseline", default=None, metavar="FILE", help="The baseline file to show.")
@format_option(["table", "tree", "json"], "table")
@output_option
@verbosity_options
def baseline_show(config_path: str | None, baseline: str | None, fmt: str | None,
                  output: str | None, quiet: int, verbose: int) -> None:
    """Show the baseline: when and where it was saved, and what it measured."""

    def body() -> int:
        from importaudit import api

        config = api.load_config(config_path=config_path, flags={"baseline": baseline})
        saved = api.show_baseline(config)
        chosen = _infer_format(fmt, output, "table")
        from importaudit.render import get_renderer

        with _output_stream(output) as stream:
            if chosen == "json":
                import json

                from importaudit.baseline import to_dict

                json.dump(to_dict(saved), stream, indent=2)
                stream.write("\n")
                return 0
            migrated = f" (read from format {saved.migrated_from})" if saved.migrated_from \
                else ""
            commit = f", commit {saved.git_commit}" if saved.git_commit else ""
            stream.write(f"baseline {config.baseline_path}{migrated}: saved "
                         f"{saved.saved_at}{commit}\n")
            options = render_options(view=chosen, command="report", verbosity=verbose - quiet)
            get_renderer(chosen)(saved.report, stream, options)
        return 0

    run(body)


@baseline_group.command("diff")
@click.argument("reports", nargs=-1)
@gate_options
@format_option(["text", "json"], "text")
@output_option
@verbosity_options
def baseline_diff(
    reports: tuple[str, ...], config_path: str | None, repeat: int | None,
    timeout: float | None, memory: bool | None, tree: bool | None, isolated: bool | None,
    warm_bytecode: bool | None, baseline: str | None, kinds: str | None,
    cycle_policy: str | None, ignore: tuple[str, ...], exclude: tuple[str, ...],
    include_tests: bool | None, python: str | None, fmt: str | None,
    output: str | None, quiet: int, verbose: int,
) -> None:
    """Compare two reports and exit 1 on regressions.

    `diff OLD NEW` compares two saved reports, `diff NEW` the baseline with NEW, and
    `diff` alone the baseline with a fresh measurement.
    """

    def body() -> int:
        from importaudit import api
        from importaudit.render.terminal_diff import render_diff, render_diff_json

        if len(reports) > 2:
            raise ImportAuditError("give at most two reports: OLD NEW")
        old, new = (None, None) if not reports else (None, reports[0]) if len(reports) == 1 \
            else reports
        config = _gate_config(
            (), config_path, repeat=repeat, timeout=timeout, memory=memory, tree=tree,
            isolated=isolated, warm_bytecode=warm_bytecode, baseline=baseline, kinds=kinds,
            cycle_policy=cycle_policy, ignore=ignore, python=python, exclude=exclude,
            include_tests=include_tests,
        )
        diff = api.diff_reports(config, old, new)
        with _output_stream(output) as stream:
            if _infer_format(fmt, output, "text") == "json":
                render_diff_json(diff, stream)
            else:
                render_diff(diff, stream, render_options(verbosity=verbose - quiet))
        return 0 if diff.verdict is None or diff.verdict.passed else 1

    run(body)

# --------------------------------------------------------------------------- review, rules, report

_SEVERITIES = ["info", "low", "medium", "high", "critical", "never"]


@cli.command(cls=_ProgramCommand)
@click.argument("targets", nargs=-1)
@program_options("Review")
@click.option("--fail-on", type=click.Choice(_SEVERITIES), default=None,
              help="Exit 1 when a finding of this severity or higher exists ('never': exit 0;"
                   " default: fail_on in [tool.importaudit], else low).")
@click.option("--config", "config_path", default=None, metavar="FILE",
              help="A pyproject.toml other than the nearest one (review_ignore, fail_on and "
                   "the measurement keys).")
@click.option("--select", "select", default=None, metavar="CODE,CODE",
              help="Run only these rules (codes or names, comma-separated).")
@click.option("--ignore", "ignore", multiple=True, metavar="CODE[:MODULE]",
              help="Suppress a rule everywhere, or in modules matching the pattern (repeatable).")
@click.option("--from", "from_report", default=None, metavar="REPORT",
              help="Review a saved profile (JSON) instead of measuring again (nothing of "
                   "the targets runs: cycle claims stay unverified).")
@walk_options
@shard_options
@measure_options(from_config=True)
@format_option(["text", "json", "html", "markdown", "sarif", "github", "speedscope", "trace"],
               "text")
@output_option
@verbosity_options
def review(
    targets: tuple[str, ...], module: str | None, script: str | None, code: str | None,
    fail_on: str | None, config_path: str | None,
    select: str | None, ignore: tuple[str, ...],
    from_report: str | None, exclude: tuple[str, ...], include_tests: bool | None,
    shard: str | None, shard_weights: str | None,
    repeat: int | None, timeout: float | None, memory: bool | None,
    warm_bytecode: bool | None, python: str | None, fmt: str | None, output: str | None,
    quiet: int, verbose: int,
) -> None:
    """Review TARGETs: findings with measured impact, file:line and a fix for each.

    With -m MODULE, --script PATH or -c CODE, run that program once and review its
    imports (the remaining arguments are its argv): what only a running program shows,
    such as an import that blocked an asyncio event loop, is reviewed too.
    """

    def body() -> int:
        from importaudit import api
        from importaudit.model import Severity

        # Measurement keys come from [tool.importaudit] like check's; the flags win.
        config = api.load_config(config_path=config_path, flags={
            "fail_on": fail_on, "repeat": repeat, "timeout": timeout, "memory": memory,
            "warm_bytecode": warm_bytecode, "python": python,
            **_walk_flags(exclude, include_tests),
        })
        measured = api.load_reports([from_report])[0] if from_report else None
        codes = [c.strip() for c in select.split(",") if c.strip()] if select else None
        programs = [x for x in (module, script, code) if x is not None]
        plan = api.shard_plan(shard, shard_weights)
        if plan is not None and (programs or from_report):
            raise ImportAuditError("--shard measures part of a tree; not with a program or "
                                   "--from")
        if programs:
            if from_report:
                raise ImportAuditError("--from reviews a saved report; give no program")
            report = api.review_program(
                "module" if module else "script" if script else "code", programs[0],
                argv=targets, python=config.python, repeat=repeat, timeout=config.timeout,
                memory=memory, select=codes, ignore=(*config.review_ignore, *ignore),
                stdout_to_stderr=output in (None, "-"),
            )
        elif not targets:
            raise ImportAuditError("give at least one TARGET (or -m, --script, -c)")
        else:
            report = api.review(
                targets, python=config.python, repeat=config.repeat, timeout=config.timeout,
                memory=config.memory, warm_bytecode=config.warm_bytecode, select=codes,
                measured=measured, ignore=(*config.review_ignore, *ignore),
                exclude=config.exclude, include_tests=config.include_tests, shard=plan,
            )
        chosen = _infer_format(fmt, output, "text")
        emit(report, chosen, output, render_options(command="review",
                                                    verbosity=verbose - quiet))
        say_failure(report, chosen, output)
        say_empty_shard(report)
        if report.failure is not None:
            return EXIT_TARGET
        if config.fail_on == "never":
            return 0
        threshold = Severity[config.fail_on.upper()]
        return 1 if any(f.severity >= threshold for f in report.findings) else 0

    run(body)


@cli.command()
@click.argument("targets", nargs=-1, required=True)
@click.option("--select", "select", default=None, metavar="CODE,CODE",
              help="Rewrite only these findings (default: IA101,IA102,IA103,IA301,IA501).")
@click.option("--write", is_flag=True,
              help="Replace the files (atomically) once the proof passed; without it, "
                   "print the diff and exit 1 when there are fixes to apply. Exits 1 too "
                   "when a rewrite was withdrawn (proof, import or --test-cmd failed).")
@click.option("--test-cmd", "test_cmd", default=None, metavar="CMD",
              help="Also run CMD (a shell command) in the rewritten copy, with it first on "
                   "PYTHONPATH; a failure withdraws every rewrite.")
# config.FIX_STYLES, written out: importing config here would slow every command's start.
@click.option("--style", "style", type=click.Choice(["pep562", "lazy-loader", "pep810"]),
              default=None,
              help="How a lazy __init__ is written: pep562 (default; a __getattr__ of its "
                   "own), lazy-loader (lazy_loader.attach and an __init__.pyi stub; the "
                   "project must depend on lazy_loader) or pep810 (`lazy from` imports; "
                   "requires-python >= 3.15, proven only with a 3.15 --python).")
@click.option("--allow-costlier", "allow_costlier", is_flag=True,
              help="Write even when the measured heap or module count of importing the "
                   "targets went up (flagged, and not written, otherwise).")
@click.option("--config", "config_path", default=None, metavar="FILE",
              help="A pyproject.toml other than the nearest one (python, timeout, repeat, "
                   "exclude, include_tests, review_ignore, fix_style).")
@click.option("--ignore", "ignore", multiple=True, metavar="CODE[:MODULE]",
              help="Leave a rule's findings alone everywhere, or in modules matching the "
                   "pattern (repeatable; added to review_ignore).")
@click.option("--repeat", type=click.IntRange(1, 1000), default=None,
              help="Measured runs of the before/after cost (default 5).")
@walk_options
@timeout_option
@python_option
@format_option(["text", "json"], "text")
@output_option
def fix(
    targets: tuple[str, ...], select: str | None, write: bool, test_cmd: str | None,
    style: str | None, allow_costlier: bool, config_path: str | None, ignore: tuple[str, ...],
    repeat: int | None, exclude: tuple[str, ...], include_tests: bool | None,
    timeout: float | None, python: str | None, fmt: str | None, output: str | None,
) -> None:
    """Rewrite eager imports of TARGETs into lazy ones, proven by differential import.

    Package __init__ files that re-export their submodules eagerly (IA101, IA301) get a
    PEP 562 __getattr__ and __dir__, with the imports kept under `if TYPE_CHECKING:`;
    imports only annotations need (IA501) move under `if TYPE_CHECKING:`; heavy imports
    used only inside functions (IA102, IA103) move into those functions.
    The original and a rewritten copy are imported side by side in fresh interpreters:
    every public name must resolve to the same object and every module must still
    import; the cost of importing the targets is measured before and after. Nothing
    is written unless the proof passed and --write is given. The rewritten code must
    run on every Python the package declares (requires-python): it is compiled, and
    proven, on the oldest one installed (pyenv) too.
    """

    def body() -> int:
        from importaudit import api
        from importaudit.fix.output import render_json, render_text

        # [tool.importaudit] applies as for review; the flags win.
        config = api.load_config(config_path=config_path, flags={
            "repeat": repeat, "timeout": timeout, "python": python, "fix_style": style,
            **_walk_flags(exclude, include_tests),
        })
        codes = [c for c in select.split(",") if c.strip()] if select else None
        result = api.fix(targets, select=codes, python=config.python, write=write,
                         test_cmd=test_cmd, repeat=config.repeat, timeout=config.timeout,
                         allow_costlier=allow_costlier, exclude=config.exclude,
                         include_tests=config.include_tests, style=config.fix_style,
                         ignore=(*config.review_ignore, *ignore))
        with _output_stream(output) as stream:
            chosen = _infer_format(fmt, output, "text")
            (render_json if chosen == "json" else render_text)(result, stream, api.shown_path)
        return 1 if result.pending or result.proof_failed or result.costlier else 0

    run(body)


@cli.command()
@click.argument("code", required=False)
@format_option(["text", "json", "markdown"], "text")
def rules(code: str | None, fmt: str | None) -> None:
    """List the review rules, or explain rule CODE (what, why, how to fix, example)."""

    def body() -> int:
        from importaudit.render.ruledocs import render_rules
        from importaudit.review.registry import all_rules, get_rule

        chosen = [get_rule(code)] if code else list(all_rules())
        render_rules(chosen, sys.stdout, fmt or "text", detail=code is not None)
        return 0

    run(body)


class _ReportGroup(click.Group):
    """`report SAVED...` renders (its first form, kept); `report merge ...` merges shards."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["render", *args]
        return super().parse_args(ctx, args)


@cli.group("report", cls=_ReportGroup)
def report_group() -> None:
    """Render saved reports again (`report SAVED...`), or merge shards' reports."""


@report_group.command("merge")
@click.argument("shards", nargs=-1, required=True)
@click.option("--partial", is_flag=True,
              help="Merge even when shards are missing or given twice (the merged report "
                   "says which).")
@format_option(["json", "text", "tree", "table", "html", "markdown"], "json")
@output_option
def report_merge(shards: tuple[str, ...], partial: bool, fmt: str | None,
                 output: str | None) -> None:
    """Merge the reports of the shards of one `--shard I/N` split into one report.

    Lossless: every module record (each from the shard whose part held it, else the
    first that loaded it), failure, skipped module and note. Metadata that differs
    between shards (machine, interpreter, environment notes) is kept per shard and said
    on stderr. Missing or repeated shards are an error unless --partial.
    """

    def body() -> int:
        from importaudit import api

        merged = api.merge_reports(shards, partial=partial)
        for line in merged.differences:
            click.echo(f"importaudit: {line}", err=True)
        emit(merged.report, _infer_format(fmt, output, "json"), output,
             render_options(command="report"))
        return 0

    run(body)


@report_group.command("render")
@click.argument("saved", nargs=-1, required=True)
@click.option("--labels", default=None, metavar="BEFORE,AFTER",
              help="Names of the two reports in a before/after comparison.")
@format_option(["text", "tree", "table", "json", "html", "markdown", "speedscope", "trace",
                "sarif", "github", "junit"], "text")
@output_option
def report_command(saved: tuple[str, ...], labels: str | None, fmt: str | None,
                   output: str | None) -> None:
    """Render SAVED report(s) (JSON) again in another format, without measuring.

    Give two reports for a before/after comparison (html or markdown).
    """

    def body() -> int:
        from importaudit import api

        chosen = _infer_format(fmt, output, "text")
        names = [n.strip() for n in labels.split(",")] if labels else None
        api.load_reports(saved)  # a missing or unreadable file fails before output opens
        with _output_stream(output) as stream:
            api.report(saved, chosen, stream, labels=names)
        return 0

    run(body)


# --------------------------------------------------------------------------- graph, cycles


def static_options(f: F) -> F:
    """Flags shared by `graph` and `cycles`: what to read and how."""
    for option in reversed((
        click.option("--external", type=click.Choice(["collapse", "full"]),
                     default="collapse", show_default=True,
                     help="Modules outside the targets: one node per top-level package, "
                          "or one per module."),
        click.option("--cache-dir", default=None, metavar="DIR",
                     help="Where file scans are cached by content "
                          "(default $IMPORTAUDIT_CACHE_DIR or .importaudit-cache)."),
        click.option("--no-cache", is_flag=True, help="Neither read nor write the cache."),
        click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
                     help="Processes scanning (and, for `cycles`, interpreters verifying) at "
                          "once, this one included; 1 scans here alone (default: by tree "
                          "size and CPUs)."),
        click.option("--full-parse", is_flag=True,
                     help="Parse every file whole: reports every file that does not parse, "
                          "not only those whose imports do not (slower)."),
        python_option,
        walk_options,
    )):
        f = option(f)
    return f


def _no_targets() -> tuple[str, ...]:
    raise ImportAuditError("give TARGET arguments or set `targets` in [tool.importaudit]")


_config_option = click.option(
    "--config", "config_path", default=None, metavar="FILE",
    help="A pyproject.toml other than the nearest one (targets when none are given).")


@cli.command()
@click.argument("targets", nargs=-1)
@click.option("--kinds", default=None, metavar="K,K",
              help="Edge kinds to keep: eager,deferred,type-only,optional,lazy,dynamic,"
                   "parent, or 'all' (default all).")
@_config_option
@static_options
@format_option(["text", "json", "dot", "graphml"], "text")
@output_option
@verbosity_options
def graph(
    targets: tuple[str, ...], kinds: str | None, config_path: str | None, external: str,
    cache_dir: str | None, no_cache: bool, jobs: int | None, full_parse: bool,
    python: str | None, exclude: tuple[str, ...], include_tests: bool | None,
    fmt: str | None, output: str | None, quiet: int, verbose: int,
) -> None:
    """Build the static import graph of TARGETs (package names or paths); runs no code.

    Every edge knows its file, line and kind. Exits 0, or 2 for a usage error such
    as a target that does not exist.
    """

    def body() -> int:
        from importaudit import api

        config = api.load_config(config_path=config_path, flags={
            "python": python, **_walk_flags(exclude, include_tests)})
        chosen_targets = targets or config.targets or _no_targets()
        report = api.graph(chosen_targets, kinds=kinds,
                           collapse_external=external == "collapse",
                           cache=not no_cache, cache_dir=cache_dir, jobs=jobs,
                           full_parse=full_parse, python=config.python,
                           exclude=config.exclude, include_tests=config.include_tests)
        chosen = _infer_format(fmt, output, "text")
        emit(report, chosen, output, render_options(command="graph", verbosity=verbose - quiet))
        return 0

    run(body)


@cli.command()
@click.argument("targets", nargs=-1)
@click.option("--kinds", default=None, metavar="K,K",
              help="Edge kinds that close a cycle (default: `kinds` in [tool.importaudit], "
                   "else eager,optional,parent, those that run at import time; 'all').")
@click.option("--no-verify", is_flag=True,
              help="Do not run anything: keep the static claim that a cycle can fail at "
                   "import, labelled unverified.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=None,
              help="Seconds each verifying interpreter may take (default 120).")
@_config_option
@static_options
@format_option(["text", "json"], "text")
@output_option
@verbosity_options
def cycles(
    targets: tuple[str, ...], kinds: str | None, no_verify: bool, timeout: float | None,
    config_path: str | None, external: str, cache_dir: str | None, no_cache: bool,
    jobs: int | None, full_parse: bool, python: str | None, exclude: tuple[str, ...],
    include_tests: bool | None, fmt: str | None, output: str | None, quiet: int,
    verbose: int,
) -> None:
    """Find import cycles among TARGETs, with a witness path and edges to cut.

    The graph is read without running code. A cycle the static analysis suspects can
    fail at import is then proven by execution, the one place this command runs the
    targets' code: each suspected module is imported first, alone, in a fresh
    interpreter of --python (several at once, up to --jobs, each within --timeout).
    Only a reproduced failure is shown as "FAILS AT IMPORT", with its error; the others
    are "order-dependent". --no-verify runs nothing and labels the claim unverified.

    Exits 1 when a cycle is found (so CI can gate on it), 0 when there is none, 2
    for a usage error.
    """

    def body() -> int:
        from importaudit import api

        config = api.load_config(config_path=config_path, flags={
            "python": python, **_walk_flags(exclude, include_tests)})
        chosen_targets = targets or config.targets or _no_targets()
        report = api.cycles(chosen_targets,
                            kinds=kinds or sorted(k.value for k in config.kinds),
                            collapse_external=external == "collapse",
                            cache=not no_cache, cache_dir=cache_dir, jobs=jobs,
                            full_parse=full_parse, verify=not no_verify,
                            python=config.python, timeout=timeout or config.timeout,
                            exclude=config.exclude, include_tests=config.include_tests)
        chosen = _infer_format(fmt, output, "text")
        emit(report, chosen, output,
             render_options(command="cycles", verbosity=verbose - quiet))
        return 1 if report.cycles else 0

    run(body)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="importaudit")

"""Flags shared by several commands, each defined once, gathered into one value per family.

A flag that is also a `[tool.importaudit]` key is declared once in `KEY_FLAGS`, named
after its key. `config_flags(...)` adds the flags of the keys a command has (and
`--config`) and hands the command one `Given`: what the user set (None: not given, the
configuration decides). The command resolves it once into a `Config`, whose `measure`
is the options object the use case takes. `static_flags` does the same for the flags of
the static commands, which are not config keys.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

import click

from importaudit import defaults

if TYPE_CHECKING:
    from importaudit.api import Program
    from importaudit.config import Config, Measure

F = TypeVar("F", bound=Callable[..., Any])
Decorator = Callable[[F], F]


def gather(into: str, names: Sequence[str], options: Sequence[Callable[[Any], Any]],
           build: Callable[[dict[str, Any]], Any] = dict) -> Callable[[F], F]:
    """Add `options` to a command and pass their values (params `names`) as one `into`."""

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def command(**kwargs: Any) -> Any:
            kwargs[into] = build({name: kwargs.pop(name) for name in names})
            return function(**kwargs)

        decorated: Any = command
        for option in reversed(options):
            decorated = option(decorated)
        return decorated  # type: ignore[no-any-return]

    return decorate


# --------------------------------------------------------------------------- config keys


def _seconds_help(what: str) -> str:
    return f"Seconds each {what} may take (default {defaults.TIMEOUT_S:g})."


#: config key -> its flag; the parameter is the key's name (each also an IMPORTAUDIT_ var).
KEY_FLAGS: dict[str, Callable[[Any], Any]] = {
    "python": click.option(
        "--python", "python", default=None, metavar="EXE",
        help="Interpreter whose environment is measured: targets are looked up on its "
             "sys.path (default: the one running importaudit)."),
    "repeat": click.option(
        "--repeat", "repeat", type=click.IntRange(1, 1000), default=None,
        help=f"Measured runs after one warm-up (default {defaults.REPEAT}); medians are "
             "reported."),
    "timeout": click.option(
        "--timeout", "timeout", type=click.FloatRange(min=0.1), default=None,
        help=_seconds_help("child interpreter")),
    "memory": click.option(
        "--memory/--no-memory", "memory", default=None,
        help="Run the separate tracemalloc heap measurement (default on)."),
    "warm_bytecode": click.option(
        "--warm-bytecode/--no-warm-bytecode", "warm_bytecode", default=None,
        help="Let the warm-up run write .pyc files even if PYTHONDONTWRITEBYTECODE is set."),
    "tree": click.option(
        "--tree/--no-tree", "tree", default=None,
        help="Import every module of the target packages."),
    "isolated": click.option(
        "--isolated/--no-isolated", "isolated", default=None,
        help="Measure each module of the tree in its own fresh interpreter."),
    "include_tests": click.option(
        "--include-tests/--no-include-tests", "include_tests", default=None,
        help="Walk test packages (test, tests, testing, conftest, _tests, _testing) too; "
             "they are left out by default."),
    "exclude": click.option(
        "--exclude", "exclude", multiple=True, metavar="PATTERN",
        help="Leave modules matching this glob (and their submodules) out of the walk "
             "(repeatable; e.g. 'pkg.vendored', '*.benchmarks')."),
    "env": click.option(
        "--env", "env", multiple=True, metavar="NAME=VALUE",
        help="Set an environment variable in every interpreter started in the measured "
             "environment: profiles, cycle trials, fix's proof (repeatable; settings "
             "modules, feature flags, library paths). Replaces the env table of "
             "[tool.importaudit]."),
    "hash_seed": click.option(
        "--hash-seed", "hash_seed", type=click.IntRange(0, 2**32 - 1), default=None,
        metavar="N",
        help="PYTHONHASHSEED of the interpreters that measure: the same set order, and so "
             "the same import order where code iterates a set, in every run and report "
             "(default: as set here, else random per run; the report says which)."),
    "baseline": click.option(
        "--baseline", "baseline", default=None, metavar="FILE",
        help=f"The baseline to compare with (default {defaults.BASELINE})."),
    "kinds": click.option(
        "--kinds", "kinds", default=None, metavar="K,K",
        help="Edge kinds that count for cycles, forbidden imports and contracts "
             "(default eager,optional,parent; or 'all')."),
    "cycles": click.option(
        "--cycles", "cycles", type=click.Choice(["none", "new", "off"]), default=None,
        help="No cycles, no new cycles (beyond the baseline), or no cycle check "
             "(default: `cycles` in [tool.importaudit], else new with a baseline, none "
             "without)."),
    "ignore": click.option(
        "--ignore", "ignore", multiple=True, metavar="PATTERN",
        help="Module pattern no check looks at (repeatable)."),
    "fix_style": click.option(
        "--style", "fix_style", type=click.Choice(list(defaults.FIX_STYLES)), default=None,
        help="How a lazy __init__ is written: pep562 (default; a __getattr__ of its own), "
             "lazy-loader (lazy_loader.attach and an __init__.pyi stub; the project must "
             "depend on lazy_loader) or pep810 (`lazy from` imports; requires-python >= "
             "3.15, proven only with a 3.15 --python)."),
    "fail_on": click.option(
        "--fail-on", "fail_on",
        type=click.Choice(["info", "low", "medium", "high", "critical", "never"]),
        default=None,
        help="Exit 1 when a finding of this severity or higher exists ('never': exit 0;"
             " default: fail_on in [tool.importaudit], else low)."),
}

#: Which environment is measured: the interpreter and what its children have set.
WHERE = ("python", "env")
#: How children measure and which modules a walk leaves out.
MEASURE = (*WHERE, "repeat", "timeout", "memory", "warm_bytecode", "hash_seed")
WALK = ("exclude", "include_tests")
#: `check` and `baseline save|diff`.
GATE = (*MEASURE, "tree", "isolated", "baseline", "kinds", "cycles", "ignore", *WALK)


class Given(NamedTuple):
    """The config keys a command's flags set (None: not given) and the `--config` file."""

    config_path: str | None
    flags: Mapping[str, Any]

    @classmethod
    def of(cls, values: dict[str, Any]) -> Given:
        """From the gathered parameters: a repeatable flag given no times is not given."""
        path = values.pop("config_path")
        flags = {k: (list(v) or None) if isinstance(v, tuple) else v for k, v in values.items()}
        return cls(path, flags)

    def config(self, **more: Any) -> Config:
        """The one Config: defaults < pyproject < IMPORTAUDIT_* < these flags (and `more`)."""
        from importaudit.config import load

        given = {**self.flags, **{k: v for k, v in more.items() if v is not None}}
        return load(config_path=self.config_path, flags=given)


def config_flags(*keys: str) -> Callable[[F], F]:
    """The flags of these config keys and `--config`, passed as one `given: Given`."""
    config = click.option(
        "--config", "config_path", default=None, metavar="FILE",
        help="A pyproject.toml other than the nearest one (the [tool.importaudit] keys "
             f"{', '.join(keys)} apply; a flag wins).")
    return gather("given", ("config_path", *keys), (config, *(KEY_FLAGS[k] for k in keys)),
                  Given.of)


# --------------------------------------------------------------------------- static commands


def _collapse(_ctx: click.Context, _param: click.Parameter, value: str) -> bool:
    return value == "collapse"


#: The flags of `graph` and `cycles` (fields of `StaticOptions`), gathered as `static`.
_STATIC_FLAGS = (
    click.option("--external", "collapse_external", type=click.Choice(["collapse", "full"]),
                 default="collapse", show_default=True, callback=_collapse,
                 help="Modules outside the targets: one node per top-level package, "
                      "or one per module."),
    click.option("--cache-dir", "cache_dir", default=None, metavar="DIR",
                 help="Where file scans are cached by content "
                      "(default $IMPORTAUDIT_CACHE_DIR or .importaudit-cache)."),
    click.option("--no-cache", "cache", is_flag=True, flag_value=False, default=True,
                 help="Neither read nor write the cache."),
    click.option("--jobs", "-j", "jobs", type=click.IntRange(min=1), default=None,
                 help="Processes scanning (and, for `cycles`, interpreters verifying) at "
                      "once, this one included; 1 scans here alone (default: by tree "
                      "size and CPUs)."),
    click.option("--full-parse", "full_parse", is_flag=True,
                 help="Parse every file whole: reports every file that does not parse, "
                      "not only those whose imports do not (slower)."),
)


def static_flags(f: F) -> F:
    """The flags of `graph` and `cycles`, passed as one `static` dict of StaticOptions fields."""
    return gather("static", ("collapse_external", "cache_dir", "cache", "jobs", "full_parse"),
                  _STATIC_FLAGS)(f)


# --------------------------------------------------------------------------- shards


class ShardFlags(NamedTuple):
    """`--shard I/N` and `--shard-weights REPORT` as given (None: not given)."""

    shard: str | None
    weights: str | None

    @classmethod
    def of(cls, values: dict[str, Any]) -> ShardFlags:
        """From the gathered parameters."""
        return cls(values["shard"], values["shard_weights"])

    def measure(self, measure: Measure) -> Measure:
        """`measure` measuring the shard these flags name (as it is when none is)."""
        import dataclasses

        from importaudit.api import shard_plan

        plan = shard_plan(self.shard, self.weights)
        return measure if plan is None else dataclasses.replace(measure, shard=plan)


def shard_flags(f: F) -> F:
    """`--shard I/N` and `--shard-weights REPORT`, passed as one `shard: ShardFlags`."""
    options = (
        click.option(
            "--shard", "shard", default=None, metavar="I/N",
            help="Measure only shard I of N of the tree's modules (with --tree or "
                 "--isolated), for CI machines in parallel; `importaudit report merge` "
                 "joins the reports."),
        click.option(
            "--shard-weights", "shard_weights", default=None, metavar="REPORT",
            help="Balance the split by the per-module cost a previous report (JSON) "
                 "measured (default: split by module name)."),
    )
    return gather("shard", ("shard", "shard_weights"), options, ShardFlags.of)(f)


# --------------------------------------------------------------------------- programs


class ProgramCommand(click.Command):
    """Options may go anywhere, but everything after `-m MOD`/`--script P`/`-c CODE` is argv.

    So `importaudit profile --repeat 3 -m http.server 8000 --bind 127.0.0.1` gives the
    program `8000 --bind 127.0.0.1`, as `python -m` would.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Put `--` after the program's name, so that what follows is its argv."""
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


class ProgramFlags(NamedTuple):
    """-m MODULE / --script PATH / -c CODE: at most one is set."""

    module: str | None
    script: str | None
    code: str | None

    @classmethod
    def of(cls, values: dict[str, Any]) -> ProgramFlags:
        """From the gathered parameters."""
        return cls(values["module"], values["script"], values["code"])

    @property
    def given(self) -> bool:
        """A program was named."""
        return any(x is not None for x in (self.module, self.script, self.code))

    def program(self, argv: Sequence[str], *, stdout_to_stderr: bool) -> Program:
        """The `api.Program` named (call only when `given`)."""
        from importaudit.api import Program

        kind = "module" if self.module else "script" if self.script else "code"
        name = self.module or self.script or self.code or ""
        return Program(kind, name, tuple(argv), stdout_to_stderr=stdout_to_stderr)


def program_flags(verb: str) -> Callable[[F], F]:
    """-m MODULE / --script PATH / -c CODE, passed as one `program: ProgramFlags`."""
    options = (
        click.option("-m", "module", default=None, metavar="MODULE",
                     help=f"{verb} running a module as a program (like python -m); ARGS "
                          "follow."),
        click.option("--script", "script", default=None, metavar="PATH",
                     help=f"{verb} running a script; ARGS follow."),
        click.option("-c", "code", default=None, metavar="CODE", help=f"{verb} running CODE."),
    )
    return gather("program", ("module", "script", "code"), options, ProgramFlags.of)

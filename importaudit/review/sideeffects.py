"""Rules about work done while a module is imported: I/O and expensive computation.

The source says which calls run at import time (module level, class bodies,
decorators); the profile says what the module's own body cost. Opening a connection
or a file at import time is a hazard whatever it costs (imports then need the network,
a database or a working directory), so it has a severity floor; computation is judged
by its measured cost alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from importaudit.model import Severity
from importaudit.review.bases import builds_subclasses
from importaudit.review.collector import REPEATED
from importaudit.review.context import is_stdlib
from importaudit.review.facts import Statement
from importaudit.review.lines import (
    MIN_SHARE,
    MIN_STATEMENT_SAMPLES,
    HotStatement,
    hot_statements,
    loading_share,
    sampled_enough,
)
from importaudit.review.registry import RuleDoc, register
from importaudit.review.syntax import STDLIB_WORK

if TYPE_CHECKING:
    from collections.abc import Iterator

    from importaudit.model import Finding, ModuleRecord
    from importaudit.review.context import ReviewContext
    from importaudit.review.facts import ModuleFacts
    from importaudit.review.source import ImportTimeCall

#: Fully resolved call names, by kind of side effect.
_NETWORK = frozenset({
    "socket.socket", "socket.create_connection", "urllib.request.urlopen",
    "http.client.HTTPConnection", "http.client.HTTPSConnection", "smtplib.SMTP",
    "smtplib.SMTP_SSL", "ftplib.FTP", "requests.get", "requests.post", "requests.put",
    "requests.delete", "requests.head", "requests.request", "requests.Session",
    "httpx.get", "httpx.post", "httpx.Client", "httpx.AsyncClient", "urllib3.PoolManager",
    "aiohttp.ClientSession", "redis.Redis", "redis.StrictRedis", "redis.from_url",
    "pika.BlockingConnection", "grpc.insecure_channel", "grpc.secure_channel",
    "paramiko.SSHClient", "kafka.KafkaProducer", "kafka.KafkaConsumer",
})
_DATABASE = frozenset({
    "sqlalchemy.create_engine", "sqlalchemy.ext.asyncio.create_async_engine",
    "sqlalchemy.engine.create_engine", "pymongo.MongoClient",
    "motor.motor_asyncio.AsyncIOMotorClient",
    "psycopg_pool.ConnectionPool", "psycopg2.pool.SimpleConnectionPool",
    "psycopg2.pool.ThreadedConnectionPool", "asyncpg.create_pool",
    # DB-API 2.0 `connect` functions and their like
    "sqlite3.connect", "psycopg2.connect", "psycopg.connect", "pymysql.connect",
    "MySQLdb.connect", "mysql.connector.connect", "pyodbc.connect", "cx_Oracle.connect",
    "oracledb.connect", "duckdb.connect", "asyncpg.connect", "aiosqlite.connect",
})
#: Method names that only database objects have, whatever they are called on.
_DATABASE_METHODS = frozenset({"executemany", "create_all", "raw_connection"})
#: Method names that mean a connection only on an object a database call made:
#: `engine.connect()` does, a signal's or a Qt slot's `.connect(handler)` does not, nor
#: textual's `Selection.cursor(0)` (a classmethod making a text selection).
_DATABASE_OBJECT_METHODS = frozenset({"connect", "execute", "begin", "commit", "cursor"})
_PROCESS = frozenset({"subprocess.run", "subprocess.Popen", "subprocess.call",
                      "subprocess.check_call", "subprocess.check_output", "os.system",
                      "os.popen"})
_FILE = frozenset({"open", "io.open", "os.listdir", "os.scandir", "os.walk", "glob.glob",
                   "json.load", "pickle.load", "numpy.load", "numpy.loadtxt",
                   "numpy.genfromtxt", "pandas.read_csv", "pandas.read_parquet",
                   "pandas.read_sql", "shutil.copy", "shutil.copytree", "os.makedirs",
                   "tempfile.mkdtemp", "tempfile.NamedTemporaryFile"})
_FILE_METHODS = frozenset({"read_text", "read_bytes", "write_text", "write_bytes"})
_SLEEP = frozenset({"time.sleep"})


def classify(call: ImportTimeCall) -> str | None:
    """The kind of side effect a call has ("network", "database", ...), or None."""
    name = call.name
    if name in _NETWORK:
        return "network"
    if name in _DATABASE or call.method in _DATABASE_METHODS or (
            call.method in _DATABASE_OBJECT_METHODS and call.receiver is not None
            and classify(call.receiver) == "database"):
        return "database"
    if name in _PROCESS:
        return "process"
    if name in _FILE or call.method in _FILE_METHODS:
        return "file"
    if name in _SLEEP:
        return "sleep"
    return None


_FLOORS = {"network": Severity.HIGH, "database": Severity.HIGH, "process": Severity.HIGH,
           "file": Severity.MEDIUM, "sleep": Severity.MEDIUM}


@register(
    "IA601", "import-time-io", "I/O, network or database connection at import time",
    RuleDoc(
        what="Code that runs while the module is imported opens a connection (database, "
             "socket, HTTP), a connection pool, a file, a subprocess, or sleeps.",
        why="Importing the module then needs the network, the database or a particular "
            "working directory; it is slow, fails in tests and tools that only import "
            "(docs, type checkers, `importaudit`), and every process that imports it "
            "holds connections it may never use. The impact is the module's own "
            "measured body cost.",
        fix="Create the resource on first use behind a function (cached), or in an "
            "explicit start-up step of the application.",
        example="_POOL = None\n\ndef get_pool():\n    global _POOL\n    if _POOL is None:\n"
                "        from sqlalchemy import create_engine\n        _POOL = "
                "create_engine(DB_URL)\n    return _POOL",
    ),
)
def import_time_io(ctx: ReviewContext) -> Iterator[Finding]:
    """IA601: one finding per module whose import-time code does I/O."""
    for facts in ctx.all_facts():
        hits = [(call, kind) for call in facts.calls if (kind := classify(call))]
        if not hits:
            continue
        kinds = sorted({kind for _, kind in hits}, key=lambda k: -_FLOORS[k])
        shown = ", ".join(_call_text(call) for call, _ in hits[:4])
        first = hits[0][0]
        yield ctx.make_finding(
            "IA601", "I/O, network or database connection at import time", facts.name,
            f"{facts.name} does {'/'.join(kinds)} work while it is imported: {shown}"
            + (", ..." if len(hits) > 4 else "") + ".",
            f"Move {first.name}() into a function called on first use (cache its result), "
            "or into the application's start-up.\n\n_RESOURCE = None\n\ndef "
            "get_resource():\n    global _RESOURCE\n    if _RESOURCE is None:\n"
            f"        _RESOURCE = {first.name}(...)\n    return _RESOURCE",
            impact=ctx.tree.self_impact(facts.name), line=first.line,
            floor=_FLOORS[kinds[0]],
        )


def _call_text(call: ImportTimeCall) -> str:
    """`open() (line 7)`, with the platform test it runs under, if any."""
    where = f"line {call.line}"
    if call.platform is not None:
        where += f", only where `{call.platform}`"
    return f"{call.name}() ({where})"


#: Runs agree when the slowest took at most this many times the fastest.
_STEADY = 2
#: A lower bound this many times the threshold is slow whatever the noise.
_FAR_ABOVE = 10
#: Defining classes and functions costs about 1-7 us per source line (sqlalchemy's
#: 7,737-line selectable.py: 12 ms, numpy.ma.core 1.9 us/line); computation worth
#: caching costs orders of magnitude more (the legacy twin's tables: 700-1,400 us/line).
#: A body slower than its length explains by less than this is definitions.
_DEFINITIONS_NS_PER_LINE = 20_000


#: A body whose fastest run took under 1/this of the threshold is not slow by itself.
_UNEXPLAINED = 4


def _cpu(record: ModuleRecord) -> tuple[int | None, str]:
    """The body's CPU time IA602 judges, and which figure it is (None: not measured).

    The median over the runs, without the pauses of the cyclic garbage collector: a
    collection runs in whatever body allocates when a threshold is crossed, and a full
    one walks every object the process holds (scrapy.extensions.feedexport, 1-2 ms of
    work, took a 20 ms full collection in each run of scrapy's tree, whose import
    order repeats). In a report from before medians were recorded, the fastest run's.
    """
    if record.self_cpu_ns is not None:
        return record.body_cpu_ns, "median over the runs"
    return record.self_cpu_ns_min, "in its fastest run"


#: The collector's share of a body's CPU time that IA602's message mentions.
_COLLECTOR_SHARE = 0.2


def _collector_text(record: ModuleRecord) -> str:
    """What IA602's message says of the collector's pauses left out of the figure ("": little)."""
    from importaudit.units import format_ns

    pauses = record.gc_cpu_ns or 0
    if record.self_cpu_ns is None or pauses < _COLLECTOR_SHARE * record.self_cpu_ns:
        return ""
    full = record.full_collections or 0
    kind = f" ({full} full collection{'s' if full > 1 else ''})" if full else ""
    return (f"; the garbage collector's pauses in it, {format_ns(pauses)} more{kind}, are "
            "left out")


def _clearly_slow(record: ModuleRecord, threshold_ns: int) -> bool:
    """Whether a module body's own time is at least `threshold_ns`, noise or not.

    Judged on the CPU time the body took on its thread, the median over the runs: wall
    time grows with the machine's load (a 7 ms body measured 10-29 ms on a 2-core machine
    at load 10, slowest up to 350 ms), its CPU time barely does (7.6-11 ms there). Not
    the lowest run: one process in a few runs in a quiet moment, and the lowest of 5
    runs fell on either side of a 10 ms threshold between identical reviews
    (sqlalchemy.dialects.oracle.dictionary: 8.8-13.1 ms over 8 runs of the tree, slow
    runs in bursts that no hash seed explained when the seeds were interleaved); the
    median is what importing typically costs. Near the threshold even the median moves
    between reviews, and `api.verdicts` keeps an earlier verdict there.
    Without a CPU figure (a report from an older probe, an `-X importtime` log), the wall
    time's lower bound decides, and only when the runs agree or that bound is far above
    the threshold.
    """
    cpu, _ = _cpu(record)
    if cpu is not None:
        fastest = record.self_cpu_ns_min
        # A body that once ran in a quarter of the threshold does not hold that much
        # work of its own: the other runs paid for something that lands on whichever
        # body is running, such as the cyclic garbage collector walking the process's
        # whole heap (sklearn.gaussian_process._gpr, late in a 500-module tree: 1.5 ms
        # of CPU in its fastest run, 64 ms median over 7; 1-2 ms in `-X importtime`).
        if fastest is not None and fastest * _UNEXPLAINED < threshold_ns:
            return False
        return cpu >= threshold_ns
    low = record.self_ns_min or record.self_ns  # the fastest run, as LoadGraph(fastest=True)
    if low < threshold_ns:
        return False
    steady = record.self_ns_max <= _STEADY * low
    return steady or low >= _FAR_ABOVE * threshold_ns


def _source_lines(path: str) -> int:
    """How many lines the module's source has (0: unreadable)."""
    try:
        with open(path, "rb") as source:
            return sum(1 for _ in source)
    except OSError:
        return 0


#: `_computation_rank` of a method of an object a standard-library call made.
_LAST = 3


def _computation_rank(work: Statement) -> int | None:
    """How likely a module-level statement is the costly computation (lower: likelier).

    None for what is not computation this rule should point at: I/O calls (IA601 reports
    them) and standard-library calls (path joins, `gettempdir()`, environment lookups).
    """
    if work.base is not None:
        # Classes a base builds: as many as a call group, or a few (which rank after).
        return 0 if work.repeat >= REPEATED else 1
    if work.call is None:
        return 0  # a loop or comprehension: computation by construction
    if work.call.name in STDLIB_WORK:
        return 2  # a regex compiled at import: work, though likelier small
    if classify(work.call) is not None or is_stdlib(work.call.name.split(".")[0]):
        return None
    if _stdlib_call(work.call):
        # A method of an object a standard-library call made: `logger.setLevel()` is
        # cheap, `importlib.import_module(...).warm()` need not be (rev27): pointed at
        # only where the samples name it (`_judged`).
        return _LAST
    # The same call made by many statements: where the body's time adds up.
    return 0 if work.repeat > 1 else 1


def _stdlib_call(call: ImportTimeCall) -> bool:
    """Whether `call` is the standard library's, or a method of an object one of its calls made.

    `logger.setLevel()` after `logger = logging.getLogger(...)` (psycopg 3's `__init__`
    quiets its logger so, then registers its adapters, where its time goes) configures
    a logger: as cheap as the call that made it.
    """
    made: ImportTimeCall | None = call
    while made is not None:
        if is_stdlib(made.name.split(".")[0]):
            return True
        made = made.receiver  # the call that made the object called (None: unknown)
    return False


def _computation_order(work: Statement) -> tuple[int, int, int]:
    """The order IA602 lists candidate work in: likeliest cost first, then by line.

    Among the less likely, a few classes a base builds come before single calls: three
    SQLAlchemy declarative models (2-20 ms each) before one `Integer().with_variant()`
    (celery.backends.database.models, which the finding pointed at).
    """
    rank = _computation_rank(work) or 0
    return rank, -work.repeat if rank else 0, work.line


def _extension(record: ModuleRecord) -> str | None:
    """The file name of the extension a measured module was loaded from (None: source)."""
    origin = record.origin
    if origin is None or not origin.endswith((".so", ".pyd")):
        return None
    return origin.replace("\\", "/").rpartition("/")[2]


#: How many lines IA602's fix names when the sampled statement holds more work.
_LINES_SHOWN = 4


def _computation_fix(work: Statement, *more: Statement) -> str:
    """IA602's fix for the work it points at first, and `more` beside it.

    `more`: the other work of the sampled statement that holds them, which its samples
    do not tell apart.
    """
    if more:
        # Likeliest first (`_statements_at`); a long class body is cut after four.
        shown = [w.line for w in (work, *more)][:_LINES_SHOWN]
        left = len(more) + 1 - len(shown)
        lines = (", ".join(map(str, shown)) + f" and {left} more" if left else
                 ", ".join(map(str, shown[:-1])) + f" and {shown[-1]}")
        return (f"Compute the results of lines {lines} on first use and cache them: the "
                "samples fell on the statement that holds them, which does not say which "
                "of them took the time.\n\nimport functools\n\n@functools.cache\n"
                f"def _computed():\n    ...  # the work of lines {lines}\n    return result")
    if work.base is not None:
        # Class statements: their base builds each one as it is defined.
        defer = (" (pydantic: `model_config = ConfigDict(defer_build=True)` builds a "
                 "model's schema and validators on first use)"
                 if work.base.split(".", maxsplit=1)[0] == "pydantic" else "")
        return (f"Define the classes of lines {work.line}-{work.end_line} in a module of "
                "their own that is imported where they are first needed (or from a module "
                f"`__getattr__`), or have their base defer what it builds{defer}.")
    return (f"Compute the result of line {work.line} on first use and cache it.\n\n"
            "import functools\n\n@functools.cache\ndef _computed():\n    ...  # the "
            f"module-level work of line {work.line}\n    return result")


def _candidates(ctx: ReviewContext, facts: ModuleFacts) -> list[Statement]:
    """The module-level work IA602 may point at.

    Computation, and classes whose library base builds each one; not those of a plain
    base: celery.bin.base's five `click.ParamType` subclasses cost nothing, its
    `PythonLexer()` 20-30 ms.
    """
    return [w for w in facts.work if _computation_rank(w) not in (None, _LAST)
            and (w.base is None or builds_subclasses(ctx.tree, w.base))]


def _judged(ctx: ReviewContext) -> Iterator[tuple[ModuleFacts, ModuleRecord,
                                                   list[Statement]]]:
    """Each measured module IA602 judges, with the module-level work it runs.

    Also one whose only work is a method of an object a standard-library call made
    (`_backend = importlib.import_module(...)`, `TABLE = _backend.warm()`), when its
    samples name that line: by syntax alone it is likelier a logger's
    `.addHandler(NullHandler())`, which a heavy dict literal beside it must not be
    blamed on (rev30).
    """
    for facts in ctx.all_facts():
        record = ctx.tree.get(facts.name)
        if record is None:
            continue
        candidates = _candidates(ctx, facts)
        if candidates or _sampled_on_last(record, facts):
            yield facts, record, candidates


def _sampled_on_last(record: ModuleRecord, facts: ModuleFacts) -> bool:
    """Whether the body's samples name a line of its work ranked last (`_LAST`)."""
    last = [w for w in facts.work if _computation_rank(w) == _LAST]
    if not last or not record.samples or not sampled_enough(record):
        return False
    hot = hot_statements(record, facts.path) or []
    return any(w.line <= h.line <= w.end_line for h in hot for w in last)


def _time_threshold(ctx: ReviewContext, facts: ModuleFacts) -> int:
    """IA602's time threshold for a module, in ns of its body's CPU time.

    Only time beyond what its length explains counts: a long module's definitions are
    no computation to cache.
    """
    return max(ctx.settings.expensive_self_ns,
               _source_lines(facts.path) * _DEFINITIONS_NS_PER_LINE)


def _heavy(ctx: ReviewContext, record: ModuleRecord) -> bool:
    """Whether a module body retains heap or grows RSS past IA602's thresholds."""
    return ((record.self_heap_bytes or 0) >= ctx.settings.expensive_self_heap
            or (record.self_rss_bytes or 0) >= ctx.settings.expensive_self_rss)


#: A CPU figure within this factor of the threshold (either side) is near it.
_NEAR = 1.5


def unsettled(ctx: ReviewContext) -> dict[str, int]:
    """Modules whose IA602 verdict hangs on a CPU time near its threshold -> threshold (ns).

    Runs of one module body spread by tens of percent in CPU time between processes
    (bursts of a loaded or shared machine: sqlalchemy's oracle dictionary took
    8.1-22 ms at load 12), so a median of a few runs within a factor of 1.5 of the
    threshold may land on either side in the next review. `api.review` measures these
    again with more runs before the verdict (see `defaults.SETTLE_REPEAT`); heap and
    RSS repeat exactly and settle a module by themselves.
    """
    near: dict[str, int] = {}
    for record in ctx.report.modules:
        cpu, _ = _cpu(record)
        # The line allowance only raises a threshold: cheaper bodies are never near it
        # (and their source is not read).
        if cpu is None or cpu < ctx.settings.expensive_self_ns / _NEAR or _heavy(ctx, record):
            continue
        facts = ctx.facts(record.name) if record.name in ctx.modules else None  # own only
        if facts is None or not _candidates(ctx, facts):
            continue
        threshold = _time_threshold(ctx, facts)
        if threshold / _NEAR <= cpu < threshold * _NEAR:
            near[record.name] = threshold
    return near


@register(
    "IA602", "module-level-computation", "Expensive computation at module level",
    RuleDoc(
        what="A module's own body (not what it imports) takes measurable time or memory, "
             "and it runs loops, comprehensions or calls at module level, or defines five "
             "or more classes derived from one library class (whose metaclass builds "
             "each: pydantic models). The finding names the statements its time went "
             "into, sampled by line while it was imported.",
        why="The work runs on every import, in every process, whether or not the result "
            "is used. The impact is the module's measured self time, heap and RSS.",
        fix="Compute on first use and cache the result (functools.cache), or precompute "
            "at build time and load the data lazily; define such classes where they are "
            "first needed, or let their base defer what it builds.",
        example="# before\n_TABLE = build_table(1_000_000)\n\n# after\n"
                "@functools.cache\ndef table():\n    return build_table(1_000_000)",
    ),
)
def module_level_computation(ctx: ReviewContext) -> Iterator[Finding]:
    """IA602: a module body that is measurably expensive and does module-level work."""
    from importaudit.units import format_ns

    kept_verdicts = dict(ctx.settings.kept_verdicts)
    for facts, record, candidates in _judged(ctx):
        # An earlier review's verdict, where this one's figure is near the threshold
        # (`api.verdicts`), else the figure's.
        kept = kept_verdicts.get(facts.name)
        threshold = _time_threshold(ctx, facts)
        slow = _clearly_slow(record, threshold) if kept is None else kept
        if not slow and not _heavy(ctx, record):
            continue
        # The figure that decided, not the wall time load stretches (the impact's).
        cpu, which = _cpu(record)
        if kept is not None:
            which += (f"; near the {format_ns(threshold)} threshold, the verdict of an "
                      "earlier review of the same code stands")
        took = (f" ({format_ns(cpu)} of CPU, {which}{_collector_text(record)})"
                if slow and cpu is not None else "")
        # The computation first (loops, comprehensions, calls into libraries and the
        # module's own code), then by line: the fix points at what most likely costs.
        work = sorted(candidates, key=_computation_order)
        shown = ", ".join(f"{w.what} (line {w.line})" for w in work[:4])
        more = ", ..." if len(work) > 4 else ""
        said, fix, line = _where_the_time_went(record, facts, work, f"{shown}{more}", slow)
        yield ctx.make_finding(
            "IA602", "Expensive computation at module level", facts.name,
            f"{facts.name}'s own body is expensive to import{took}; {said}", fix,
            impact=ctx.tree.self_impact(facts.name), line=line,
            # Expensive by the rule's own thresholds, whichever figure crossed them.
            floor=Severity.MEDIUM,
        )


def _where_the_time_went(record: ModuleRecord, facts: ModuleFacts, work: list[Statement],
                         shown: str, slow: bool) -> tuple[str, str, int | None]:
    """IA602's account of where a body's cost is (its message's end), its fix and line.

    The statements the warm-up run's samples charged the time to, where the time decided
    and the body was sampled enough; else the work listed by syntax, likeliest cost
    first, saying why. `shown` lists that work.
    """
    extension = _extension(record)
    if extension is not None:
        # black/__init__ (mypyc) spent 49 ms in its extension's initialisation, where
        # the heaviest-looking statement of its source was a 15-item comprehension.
        return (f"it is a compiled extension ({extension}), so that time is its "
                "initialisation, which runs its compiled top level: which statements of its "
                f"source cost cannot be measured here (at module level its source runs: "
                f"{shown}).",
                "Review it uncompiled to see which statements cost (the project's "
                "pure-Python wheel, or its source on PYTHONPATH), then move that work into "
                "the source's functions; the next compiled build inherits it.", None)
    hot = hot_statements(record, facts.path) if slow else None
    if hot:
        named = [f"line {h.line} (`{h.source}`): about {_percent(h.share)}"
                 for h in hot[:_HOT_SHOWN]]
        named[0] += " of its body's sampled time"
        if len(hot) > _HOT_SHOWN:  # each of those took a tenth or more too
            named.append(f"and {len(hot) - _HOT_SHOWN} more")
        return (f"sampled while it was imported, its time went into {'; '.join(named)}.",
                _computation_fix(*_statements_at(hot[0], work)), hot[0].line)
    if hot is not None:
        # Sampled enough, and no statement holds the time: no line to point at.
        loading = loading_share(record)
        spread = (f"; about {_percent(loading)} of it went into loading its code"
                  if loading >= MIN_SHARE else "")
        return (f"sampled while it was imported, no statement took {_percent(MIN_SHARE)} of "
                f"its time in {MIN_STATEMENT_SAMPLES} samples or more{spread}. At module "
                f"level it runs: {shown}.",
                "Its time is spread over many statements: import the module only where it "
                "is needed (a function, or a module `__getattr__`), or move its definitions "
                "and work into modules imported on first use.", None)
    return (f"{_unsampled(record, slow)}, so by its syntax, likeliest cost first, it runs at "
            f"module level: {shown}.", _computation_fix(work[0]), work[0].line)


#: How many of the statements that took the body's time IA602's message names.
_HOT_SHOWN = 3


def _percent(share: float) -> str:
    return f"{round(share * 100)}%"


def _statements_at(hot: HotStatement, work: list[Statement]) -> list[Statement]:
    """The module-level work the sampled statement is or holds (for its fix).

    The work it is part of (or is); else every piece of work inside it, likeliest first:
    a class body runs in a frame of its own, so its samples name the `class` line, and
    marshmallow.validate's `Email` compiles a cheap regex before a 100 ms one
    (`_computation_order`: a call of the package's before nine regexes). A plain
    statement when it is none of them.
    """
    for w in work:
        if w.line <= hot.line <= w.end_line:
            return [w]
    inside = sorted((w for w in work if hot.line <= w.line <= hot.end_line),
                    key=_computation_order)
    return inside or [Statement(hot.line, hot.end_line, f"`{hot.source}`")]


def _unsampled(record: ModuleRecord, slow: bool) -> str:
    """Why IA602 names statements by their syntax, not by where the time was measured."""
    if not slow:
        return "it is expensive in memory, which is not measured by statement"
    if record.samples is None:
        return "where its time goes was not sampled (a report without line samples, a " \
               "program's run, a run without the warm-up, an import on another thread " \
               "than the main one, or Windows)"
    if not sampled_enough(record):
        return f"only {record.samples} sample(s) of its body, too few to tell where its " \
               "time goes"
    return "its source could not be read to match the sampled lines"

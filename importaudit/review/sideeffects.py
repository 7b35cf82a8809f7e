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
from importaudit.review.registry import RuleDoc, register

if TYPE_CHECKING:
    from collections.abc import Iterator

    from importaudit.model import Finding
    from importaudit.review.context import ReviewContext
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
_DATABASE_METHODS = frozenset({"cursor", "executemany", "create_all", "raw_connection"})
#: Method names that mean a connection only on an object a database call made:
#: `engine.connect()` does, a signal's or a Qt slot's `.connect(handler)` does not.
_DATABASE_OBJECT_METHODS = frozenset({"connect", "execute", "begin", "commit"})
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
        shown = ", ".join(f"{call.name}() (line {call.line})" for call, _ in hits[:4])
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


@register(
    "IA602", "module-level-computation", "Expensive computation at module level",
    RuleDoc(
        what="A module's own body (not what it imports) takes measurable time or memory, "
             "and it runs loops, comprehensions or calls at module level.",
        why="The work runs on every import, in every process, whether or not the result "
            "is used. The impact is the module's measured self time, heap and RSS.",
        fix="Compute on first use and cache the result (functools.cache), or precompute "
            "at build time and load the data lazily.",
        example="# before\n_TABLE = build_table(1_000_000)\n\n# after\n"
                "@functools.cache\ndef table():\n    return build_table(1_000_000)",
    ),
)
def module_level_computation(ctx: ReviewContext) -> Iterator[Finding]:
    """IA602: a module body that is measurably expensive and does module-level work."""
    settings = ctx.settings
    for facts in ctx.all_facts():
        record = ctx.tree.get(facts.name)
        if record is None or not facts.work:
            continue
        expensive = (
            record.self_ns >= settings.expensive_self_ns
            or (record.self_heap_bytes or 0) >= settings.expensive_self_heap
            or (record.self_rss_bytes or 0) >= settings.expensive_self_rss
        )
        if not expensive:
            continue
        work = sorted(facts.work, key=lambda w: w.line)
        shown = ", ".join(f"{w.what} (line {w.line})" for w in work[:4])
        yield ctx.make_finding(
            "IA602", "Expensive computation at module level", facts.name,
            f"{facts.name}'s own body is expensive to import; it runs at module level: "
            f"{shown}" + (", ..." if len(work) > 4 else "") + ".",
            f"Compute the result of line {work[0].line} on first use and cache it.\n\n"
            "import functools\n\n@functools.cache\ndef _computed():\n    ...  # the "
            f"module-level work of line {work[0].line}\n    return result",
            impact=ctx.tree.self_impact(facts.name), line=work[0].line,
        )

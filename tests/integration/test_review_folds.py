"""IA103 pulls on a real fixture package: kombu's false folds, docutils' PIL.

tests/fixtures/review/relay has kombu's shape. `relay.transport`'s eager `__init__`
imports `relay.transport.base` (kombu.transport.virtual and its base), which takes
`get_logger` from `relay.log` (kombu.log). That IA101 said the pull was a helper taken
"from a tree this __init__ loads" and that, once the __init__ is lazy, it should be
imported from its defining module: but the __init__ loads relay.log only through the
pulling module itself, whose own imports a lazy __init__ leaves as they are, and
get_logger already comes from the module defining it. `relay.utils`' IA101 (kombu.utils,
whose pulls such as `from kombu.utils.encoding import str_to_bytes` import from the
defining module already) told every folded pull to import from the defining modules.

`relay.transport.render` takes `shop_utils` from `relay.utils.images`, which bound it by
`import shop_utils.text` (docutils' writers take PIL from
docutils.parsers.rst.directives.images, which ran `import PIL.Image`). IA103 read that
as a name defined in shop_utils.text: "importing PIL.Image runs" docutils.parsers'
`__init__`, and "import PIL from PIL.Image directly", which raises ImportError.

tests/fixtures/review/runway has langchain_core's: a helper taken from a heavy module of
a package whose `__init__` is lazy already; and bokeh.protocol's: a helper taken from a
small module of a package whose body needs its heavy submodules while it runs.

`runway.docs.ranges` has future.types.newrange's: it takes `count` from
`runway.backports.misc`, which took it from itertools, and the package's `__init__` loads
a heavy tree while it runs. IA103 told it to move `count` into a small module of the
package's own: itertools' function, and any module inside the package runs that `__init__`.
`runway.docs.iters` takes it from `runway.backports` itself, two re-exports away from
itertools: IA103 followed one, and told it to move `count` out of the package.

tests/fixtures/review/shimmed has python-future's: `shimmed.builtins` binds `object` to the
built-in on Python 3 and imports `newobject as object` from `shimmed.types` on Python 2,
whose `__init__` binds `newobject` to a class over its submodule of that name; the fold
told users to import `object` from the submodule, which binds no such name (and `fix`'s
narrowed import failed its proof there). `runway.backports.misc` binds `count` by a `def`
on Python 2.6 and from itertools otherwise (future.backports.misc), as a guard: a `def`
in a dead branch must not make the module its home.

tests/fixtures/review/starpack has scipy's: `starpack.graph.laplacian` takes LinearOperator
from `starpack.linalg`, whose `__init__` re-exports it with `from ._interface import *`.

tests/fixtures/review/spindle has yarl._query's shape: it takes MultiDict from
spooldict, whose `__init__` binds it in both branches of an if/else (multidict's
`_multidict_py` when extensions are off, else the compiled `_multidict`).

tests/fixtures/review/globbed has scipy.special's: its names are bound by a `globals()`
update in a module it star-imports, under an `__all__` computed at import.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from importaudit import api

if TYPE_CHECKING:
    from importaudit.model import Finding
    from importaudit.review.context import ReviewContext

RELAY = Path(__file__).resolve().parents[1] / "fixtures" / "review" / "relay"
SPINDLE = RELAY.parent / "spindle"
RUNWAY = RELAY.parent / "runway"
STARPACK = RELAY.parent / "starpack"
SHIMMED = RELAY.parent / "shimmed"
GLOBBED = RELAY.parent / "globbed"


def _reviewed(root: Path, files: dict[str, str]) -> ReviewContext:
    """The review context of the package `files` make at `root` (name -> source)."""
    from importaudit.review.context import ReviewContext

    root.mkdir()
    for name, source in files.items():
        (root / name).write_text(source)
    report = api.review([str(root)], api.ReviewOptions(measure=api.Measure(repeat=1)))
    return ReviewContext(report)


def _chains(ctx: ReviewContext, module: str) -> dict[str, tuple[str, ...]]:
    """The re-export chain of each name `module` imports (`eager.reexport_chain`)."""
    from importaudit.review.eager import reexport_chain

    facts = ctx.facts(module)
    assert facts is not None
    return {b.name: reexport_chain(ctx, b) for b in facts.bindings}


@pytest.fixture(scope="module")
def findings() -> dict[str, Finding]:
    report = api.review([str(RELAY)], api.ReviewOptions(measure=api.Measure(repeat=1)))
    return {f.module: f for f in report.findings if f.code == "IA101"}


def test_a_pull_the_init_loads_only_through_the_pulling_module_is_not_folded(
        findings: dict[str, Finding]) -> None:
    message = findings["relay.transport"].message
    assert "folded here" not in message
    assert "relay.log" not in message


def test_folded_pulls_are_told_to_import_only_what_comes_through_a_re_export(
        findings: dict[str, Finding]) -> None:
    message = findings["relay.utils"].message
    assert "folded here: relay.transport.base:5 (dumps, str_to_bytes from relay.utils)" \
        in message
    # `from relay.utils import dumps` goes through the package; str_to_bytes comes from
    # relay.utils.encoding, which defines it, already.
    assert ("once it is lazy, import dumps from relay.utils.json, which defines it (the "
            "others import from the modules that define them already).") in message
    assert "import those helpers from the modules that define them." not in message


def test_a_module_taken_from_the_module_that_imported_it_is_not_defined_in_it() -> None:
    report = api.review([str(RELAY)], api.ReviewOptions(measure=api.Measure(repeat=1),
                                                        fold_pulls=False))
    [pull] = [f for f in report.findings
              if f.code == "IA103" and f.module == "relay.transport.render"]
    assert "what shop_utils refers to in relay.utils.images needs" in pull.message
    assert pull.fix.startswith("Make relay/utils/__init__.py lazy (a PEP 562 __getattr__): "
                               "importing relay.utils.images runs it")
    assert "shop_utils.text" not in pull.fix


def test_a_helper_bound_in_two_branches_is_defined_where_the_run_took_it() -> None:
    # IA103 said "what MultiDict refers to in spooldict._pure needs 0 of them": the
    # first branch, which the run did not take (yarl._query's istr "in
    # multidict._multidict_py" when multidict._multidict was loaded).
    report = api.review([str(SPINDLE)], api.ReviewOptions(measure=api.Measure(repeat=1),
                                                          select=("IA103",)))
    (pull,) = report.findings
    assert "what MultiDict refers to in spooldict._fast needs 2 of them" in pull.message
    assert "spooldict._pure" not in pull.message


def test_two_rules_on_one_import_are_one_finding_with_the_moves_saving() -> None:
    # yarl._query's annotation-only `from multidict import istr` was IA501 (moving it
    # saves 26 modules) and IA103 (24: what the helper needs left out), both fixed by
    # moving it under TYPE_CHECKING: two findings, two savings, one line.
    def review(fold: bool) -> list[Finding]:
        report = api.review([str(SPINDLE)], api.ReviewOptions(
            measure=api.Measure(repeat=1), fold_pulls=fold))
        return [f for f in report.findings if f.module == "spindle.query"]

    apart = {f.code: f for f in review(False)}  # as `fix` asks: each its own rewrite
    assert set(apart) == {"IA501", "IA103"}
    assert apart["IA501"].line == apart["IA103"].line == 3
    assert apart["IA501"].impact.modules == 5 and apart["IA103"].impact.modules == 3
    (one,) = review(True)
    assert (one.code, one.line, one.impact.modules) == ("IA501", 3, 5)
    assert ("Also IA103 (Whole utility tree loaded for one helper) on line 3, which the "
            "same change fixes: spindle.query takes MultiDict from spooldict") in one.message
    assert "also claimed by" not in one.message  # no longer a sharer of its own saving
    assert "TYPE_CHECKING" in one.fix


def test_a_lazy_init_is_not_offered_for_a_package_that_is_lazy_already() -> None:
    # langchain_core.documents.transformers takes run_in_executor from
    # langchain_core.runnables.config: IA103 said "make langchain_core/runnables/
    # __init__.py lazy", which serves its names through a __getattr__ already; what
    # loads the tree is runnables.config itself.
    report = api.review([str(RUNWAY)], api.ReviewOptions(measure=api.Measure(repeat=1)))
    pulls = {f.module: f for f in report.findings if f.code == "IA103"}
    pull = pulls["runway.docs.transformers"]
    assert "lazy" not in pull.fix
    assert pull.fix.startswith("Move run_in_executor into a small module of their own that "
                               "runway.runnables re-exports")
    # bokeh.server.protocol_handler's ProtocolError: bokeh.protocol's body builds SPEC
    # from its message classes, so neither a lazy __init__ nor a small module inside it
    # loads less; it was told both would.
    assert pulls["runway.docs.handler"].fix.startswith(
        "Move ProtocolError out of runway.protocol, whose __init__ uses what loads the rest "
        "while it runs (a lazy __init__ cannot defer that), and import it from there; or "
        "import ProtocolError inside handle()")


def test_a_helper_the_package_only_re_exports_is_imported_from_where_it_is_defined() -> None:
    report = api.review([str(RUNWAY)], api.ReviewOptions(measure=api.Measure(repeat=1)))
    [pull] = [f for f in report.findings if f.module == "runway.docs.ranges"]
    assert pull.code == "IA103"
    assert pull.fix == ("Import count from itertools directly (importing runway.docs.ranges "
                        "then loads 3 module(s) fewer).")


def test_a_name_taken_through_a_shadowed_submodule_is_not_sent_there() -> None:
    report = api.review([str(SHIMMED)], api.ReviewOptions(measure=api.Measure(repeat=1)))
    [init] = [f for f in report.findings if f.code == "IA101"]
    assert init.module == "shimmed.builtins"
    assert "shimmed.backports.response:3 (object from shimmed.builtins)" in init.message
    assert "shimmed.types.newobject" not in init.message
    assert "once it is lazy, nothing more is needed" in init.message


def test_a_helper_bound_per_platform_is_defined_where_its_module_took_it(
        tmp_path: Path) -> None:
    # IPython.utils.process binds arg_split from _process_win32, _process_emscripten or
    # _process_posix by sys.platform. A --tree walk imports all three itself, so "the
    # module the run loaded" was each of them; the fold told Linux users to import
    # arg_split from IPython.utils._process_win32. The one process.py took is the home.
    from importaudit.review.eager import defining_module

    ctx = _reviewed(tmp_path / "procs", {
        "__init__.py": "",
        "_common.py": "def arg_split(line):\n    return line.split()\n",
        "_win.py": ("from procs._common import arg_split as _split\n\n\n"
                    "def arg_split(line):\n    return _split(line)\n"),
        "_posix.py": "from procs._common import arg_split\n",
        "process.py": ("import sys\n\nif sys.platform == 'win32':\n"
                       "    from procs._win import arg_split\nelse:\n"
                       "    from procs._posix import arg_split\n"),
        "magic.py": "from procs.process import arg_split\n",
    })
    assert {"procs._win", "procs._posix"} <= {m.name for m in ctx.report.modules}
    facts = ctx.facts("procs.magic")
    assert facts is not None
    (binding,) = [b for b in facts.bindings if b.name == "arg_split"]
    # _posix only re-exports _common's (followed there); _win defines its own.
    expected = "procs._win" if sys.platform == "win32" else "procs._common"
    assert defining_module(ctx, binding) == expected


def test_a_helper_re_exported_by_a_star_import_is_defined_in_the_starred_module() -> None:
    # scipy.sparse.csgraph._laplacian takes LinearOperator from scipy.sparse.linalg, whose
    # __init__ has `from ._interface import *`. IA103 said "what LinearOperator refers to
    # in scipy.sparse.linalg needs 1 of them" and "move LinearOperator into a small module
    # of their own", which _interface already is.
    report = api.review([str(STARPACK)], api.ReviewOptions(measure=api.Measure(repeat=1),
                                                           select=("IA103",)))
    (pull,) = report.findings
    assert pull.module == "starpack.graph.laplacian"
    assert "what LinearOperator refers to in starpack.linalg._interface needs" in pull.message
    assert pull.fix.startswith("Make starpack/linalg/__init__.py lazy (a PEP 562 "
                               "__getattr__): importing starpack.linalg._interface runs it")
    assert pull.fix.endswith("and import LinearOperator from starpack.linalg._interface "
                             "directly.")
    assert "small module" not in pull.fix


def test_a_helper_re_exported_twice_is_imported_from_where_it_is_defined() -> None:
    # `from runway.backports import count`: runway.backports takes it from its misc
    # module, which takes it from itertools. Following one re-export only, IA103 read
    # misc as its home and told the importer to move count out of runway.backports.
    report = api.review([str(RUNWAY)], api.ReviewOptions(measure=api.Measure(repeat=1),
                                                         select=("IA103",)))
    [pull] = [f for f in report.findings if f.module == "runway.docs.iters"]
    assert "what count refers to in itertools needs" in pull.message
    assert pull.fix == ("Import count from itertools directly (importing runway.docs.iters "
                        "then loads 3 module(s) fewer); or import count inside numbered(), "
                        "the only user(s).")


def test_what_a_helper_bound_by_a_globals_update_needs_is_not_counted() -> None:
    # scipy.fft._fftlog_backend takes loggamma from scipy.special, which binds it by a
    # `globals().update(...)` in a module it star-imports. IA103 said "what loggamma,
    # poch refer to in scipy.special needs 1 of them": the package alone, as if the
    # wrappers and the functions they wrap needed nothing.
    report = api.review([str(GLOBBED)], api.ReviewOptions(measure=api.Measure(repeat=1),
                                                          select=("IA103",)))
    (pull,) = report.findings
    assert pull.module == "globbed.fft.fftlog"
    assert "needs 1 of them" not in pull.message
    assert ("loggamma, poch are bound in globbed.special by code the review does not "
            "follow") in pull.message
    assert "so what they need beyond globbed.special is not known" in pull.message


def test_a_name_a_module_defines_itself_here_is_not_sent_to_a_skipped_import(
        tmp_path: Path) -> None:
    # typing_extensions runs `from typing import TypeVarTuple` on Python 3.15+ only and
    # defines its own class before; it defines TypeVar itself unless
    # `_PEP_696_IMPLEMENTED`. Following its imports, the fold told sqlalchemy to import
    # both from typing, whose classes on Python 3.11 are not those.
    from importaudit.review.eager import defining_module

    ctx = _reviewed(tmp_path / "shims", {
        "__init__.py": "",
        "compat.py": ("import sys\n\nif sys.version_info >= (3, 99):\n"
                      "    from itertools import count\nelse:\n\n"
                      "    def count(start=0):\n        return iter(range(start, 9))\n\n\n"
                      "FLAGGED = len(sys.argv) > 99\nif FLAGGED:\n"
                      "    from itertools import repeat\nelse:\n\n"
                      "    def repeat(value):\n        return [value]\n\n\n"
                      "if FLAGGED:\n\n    def islice(values, stop):\n"
                      "        return values[:stop]\n\n\n"
                      "if sys.version_info >= (3, 0):\n"
                      "    from itertools import islice\n"),
        "typing.py": "from shims.compat import count, islice, repeat\n",
        "user.py": "from shims.typing import count, islice, repeat\n",
    })
    chains = _chains(ctx, "shims.user")
    assert chains["count"] == chains["repeat"] == ("shims.typing", "shims.compat")
    facts = ctx.facts("shims.user")
    assert facts is not None
    assert defining_module(ctx, facts.bindings[0]) == "shims.compat"
    # future.backports.misc: a def under `if PY26:`, then the import every Python 3
    # runs, which is the binding that stays.
    assert chains["islice"] == ("shims.typing", "shims.compat", "itertools")


def test_a_fallback_import_and_a_renamed_one_are_not_taken_for_the_name_s_home(
        tmp_path: Path) -> None:
    # rev7: the handler of `try: from ._speedups import escape` / `except ImportError:
    # from ._native import escape` was read as the binding that ran (runs_here reads
    # `if` tests only), and `from itertools import count as counter` was followed to
    # itertools, which has no `counter`: "import counter from itertools" raises.
    ctx = _reviewed(tmp_path / "trypkg", {
        "__init__.py": "",
        "_speedups.py": "def escape(s):\n    return s\n",
        "_native.py": "def escape(s):\n    return s\n",
        "compat.py": ("try:\n    from trypkg._speedups import escape\nexcept ImportError:\n"
                      "    from trypkg._native import escape\n"),
        "compat3.py": "from itertools import count as counter\n",
        "user.py": "from trypkg.compat import escape\nfrom trypkg.compat3 import counter\n",
    })
    chains = _chains(ctx, "trypkg.user")
    assert chains["escape"] == ("trypkg.compat", "trypkg._speedups")  # what the run loaded
    assert chains["counter"] == ("trypkg.compat3",)

"""Savings are exclusive: what the entry would no longer load, and overlaps are named."""

from __future__ import annotations

from typing import TYPE_CHECKING

from review_samples import make_report

from importaudit.model import EdgeKind, Finding, ImportEdge, ModuleNode, ModuleRecord, StaticGraph
from importaudit.review import run_review

if TYPE_CHECKING:
    from pathlib import Path

MS = 1_000_000

SOURCES = {
    "app/__init__.py": "",
    # Parser is used in a function, Token only in (unevaluated) annotations: both must
    # go, or `from heavydep.token import Token` still runs heavydep/__init__.
    "app/md.py": "from __future__ import annotations\n\nfrom heavydep import Parser\n"
                 "from heavydep.token import Token\n\n\ndef render(t: Token) -> str:\n"
                 "    return Parser().run(t)\n",
    # Both use inspector only in functions, but app.pretty also imports helper, which
    # loads inspector anyway: deferring it in app.pretty saves nothing.
    "app/insp.py": "import inspector\n\n\ndef sig(f):\n    return inspector.sig(f)\n",
    "app/pretty.py": "import helper\nimport inspector\n\n\ndef sig(f):\n"
                     "    return inspector.sig(f), helper.x\n",
}


def write_tree(root: Path, sources: dict[str, str]) -> None:
    for path, text in sources.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)


def rec(name: str, importer: str | None, *hits: str, ms: float = 0.1,
        origin: Path | None = None, package: bool = False) -> ModuleRecord:
    # Heavy modules retain heap in proportion (1 MiB per 2 ms here): severities are
    # graded on heap and module counts, which repeat between identical reviews.
    heap = 1000 if ms < 1 else round(ms * 512 * 1024)
    return ModuleRecord(
        name=name, importer=importer, importers=((importer,) if importer else ()) + hits,
        self_ns=round(ms * MS), cumulative_ns=round(ms * MS), self_ns_min=round(ms * MS),
        self_ns_max=round(ms * MS), self_heap_bytes=heap, heap_bytes=heap, runs=5,
        origin=str(origin) if origin else f"/site/{name.replace('.', '/')}.py",
        is_package=package)


def findings(tmp_path: Path) -> tuple[Finding, ...]:
    write_tree(tmp_path, SOURCES)
    app = tmp_path / "app"
    modules = (
        rec("app", None, origin=app / "__init__.py", package=True),
        rec("app.md", None, origin=app / "md.py"),
        rec("heavydep", "app.md", ms=30, package=True), rec("heavydep.core", "heavydep", ms=20),
        rec("heavydep.token", "app.md"),
        rec("app.insp", None, origin=app / "insp.py"),
        rec("inspector", "app.insp", "helper", "app.pretty", ms=40),
        rec("app.pretty", None, origin=app / "pretty.py"),
        rec("helper", "app.pretty"),
    )
    return run_review(make_report(("app",), modules)).findings


def test_an_import_whose_module_loads_anyway_saves_nothing(tmp_path: Path) -> None:
    heavy = {f.module: f for f in findings(tmp_path) if f.code == "IA102"}
    # app.insp alone brings in inspector; app.pretty's helper loads it all the same
    assert heavy["app.insp"].impact.modules == 1
    assert "app.pretty" not in heavy


def test_an_annotation_import_of_the_same_dependency_is_moved_too(tmp_path: Path) -> None:
    [md] = [f for f in findings(tmp_path) if f.code == "IA102" and f.module == "app.md"]
    # heavydep, heavydep.core and heavydep.token: what app.md would no longer load
    assert md.impact.modules == 3
    assert "`Token` only in annotations" in md.message
    assert "if TYPE_CHECKING:\n    from heavydep.token import Token" in md.fix


def test_helpers_taken_from_an_own_utility_package_fold_into_its_lazy_init() -> None:
    # Shaped like SQLAlchemy: monolith/__init__ loads every subpackage, and engine.base
    # and orm.session each take one name from monolith.util, whose __init__ loads the
    # whole utility tree. Each of those imports claimed that tree (IA103); the one fix
    # they share is util's lazy __init__ (IA101 on monolith.util), which names them.
    from review_samples import FIXTURES

    from importaudit import api

    report = api.review([str(FIXTURES / "monolith")],
                        api.ReviewOptions(measure=api.Measure(repeat=1)))
    assert [f.module for f in report.findings if f.code == "IA103"] == []
    [util] = [f for f in report.findings if f.code == "IA101" and f.module == "monolith.util"]
    assert "2 module(s) of the project take" in util.message
    assert ("monolith.engine.base:3 (memo from monolith.util); "
            "monolith.orm.session:4 (EMPTY from monolith.util)") in util.message


def test_a_parent_package_the_importer_takes_a_name_from_is_not_judged_lazy() -> None:
    # Shaped like numpy.distutils.fcompiler.intel: it takes version_match from the
    # expensive compiler module, and FCompiler from toolchain.fc, whose own body imports
    # that same module. fc's body must run for FCompiler, so the first import saves
    # nothing: no "whole utility tree" finding.
    from review_samples import FIXTURES

    from importaudit import api

    report = api.review([str(FIXTURES / "toolchain")],
                        api.ReviewOptions(measure=api.Measure(repeat=1)))
    assert [f.module for f in report.findings if f.code == "IA103"] == []
    assert "toolchain.fc.intel" in {m.name for m in report.modules}  # it was measured


def test_a_helper_import_that_saves_only_with_an_unsafe_lazy_parent_is_no_finding() -> None:
    # Shaped like numpy.distutils.command.config: commands.build takes version_match
    # from the compiler module, which its package's __init__ loads anyway (through
    # sdist), so the import saves something only once toolchain.commands is lazy. But
    # its names are spelt like their submodules (`from .build import build`): lazy,
    # `import toolchain.commands.build` would rebind `build` to the module, so `fix`
    # keeps them eager, and neither IA101 nor the IA103 it would hold is offered.
    from review_samples import FIXTURES

    from importaudit import api

    report = api.review([str(FIXTURES / "toolchain")],
                        api.ReviewOptions(measure=api.Measure(repeat=1)))
    assert [f for f in report.findings if f.module.startswith("toolchain.commands")] == []
    assert [f.code for f in report.findings if f.module == "toolchain.compiler"] == ["IA102"]


def _web_review(tmp_path: Path, init: str) -> tuple[Finding, ...]:
    # Shaped like httpx: web/__init__ imports web.models itself, so moving
    # web.transport's annotation-only import of it saves nothing until web is lazy.
    sources = {
        "web/__init__.py": init,
        "web/transport.py": "from __future__ import annotations\n\n"
                            "from web.models import Request\n\n\n"
                            "def send(r: Request) -> None:\n    pass\n",
        "web/models.py": "import heavydep\n\n\nclass Request:\n    x = heavydep.x\n",
    }
    write_tree(tmp_path, sources)
    web = tmp_path / "web"
    modules = (
        rec("web", None, origin=web / "__init__.py", package=True),
        rec("web.transport", "web", origin=web / "transport.py"),
        rec("web.models", "web.transport", "web", origin=web / "models.py"),
        rec("heavydep", "web.models", ms=40),
    )
    return run_review(make_report(("web",), modules)).findings


def test_a_saving_that_needs_a_lazy_parent_names_the_parent_s_fix(tmp_path: Path) -> None:
    # web's IA101 offers its lazy `__init__`: the move saves heavydep once it is made.
    found = _web_review(tmp_path, "from .transport import send\nfrom .models import Request\n")
    [moved] = [f for f in found if f.code == "IA501"]
    assert moved.module == "web.transport"
    assert moved.impact.modules == 2  # web.models and heavydep, with web lazy
    assert ("Fixing this one alone saves nothing today (other imports load the rest); "
            "with IA101 web:1 fixed too, it saves 2.") in moved.message


def test_a_saving_never_counts_lazy_a_parent_whose_rewrite_is_not_offered(
        tmp_path: Path) -> None:
    # Star imports: IA101 offers web no lazy `__init__`, so nothing the review asks for
    # makes the move save anything (it counted web lazy: 2 modules).
    found = _web_review(tmp_path, "from .transport import *\nfrom .models import *\n")
    assert [(f.code, f.module) for f in found] == []


def test_a_lazy_parent_still_loads_what_its_own_body_uses(tmp_path: Path) -> None:
    # Shaped like black: black/__init__ builds Path(__file__) at import time, so pathlib
    # loads with it however lazy its submodule imports become, and black.report's
    # annotation-only `from pathlib import Path` saves nothing, today or with black lazy.
    # A parent that loads the dependency only through a submodule it would defer keeps
    # the finding (with the note that the figure counts the parent lazy).
    sources = {
        "cli/__init__.py": "from heavydep import Thing\nfrom .report import Report\n\n"
                           "DEFAULT = Thing()\n",
        "cli/report.py": "from heavydep import Thing\n\n\nclass Report:\n"
                         "    def write(self, where: Thing) -> None:\n        pass\n",
        "web/__init__.py": "from .report import Report\nfrom .models import Model\n",
        "web/report.py": "from heavydep import Thing\n\n\nclass Report:\n"
                         "    def write(self, where: Thing) -> None:\n        pass\n",
        "web/models.py": "import heavydep\n\n\nclass Model:\n    x = heavydep.Thing\n",
    }
    write_tree(tmp_path, sources)
    cli, web = tmp_path / "cli", tmp_path / "web"
    modules = (
        rec("cli", None, origin=cli / "__init__.py", package=True),
        rec("heavydep", "cli", "cli.report", "web.report", "web.models", ms=40),
        rec("heavydep.core", "heavydep", ms=40),
        rec("cli.report", "cli", origin=cli / "report.py"),
        rec("web", None, origin=web / "__init__.py", package=True),
        rec("web.report", "web", origin=web / "report.py"),
        rec("web.models", "web", origin=web / "models.py"),
    )
    report = run_review(make_report(("cli", "web"), modules))
    moved = {f.module: f for f in report.findings if f.code == "IA501"}
    assert "cli.report" not in moved  # cli's own body needs heavydep while it runs
    assert moved["web.report"].impact.modules == 2  # heavydep and its core, web lazy
    assert "alone saves nothing today" in moved["web.report"].message


def test_a_compiled_modules_imports_count_though_the_profile_saw_no_cache_hit(
        tmp_path: Path) -> None:
    # Shaped like mypy (mypyc-compiled): mypy.applytype's other imports load mypy.nodes
    # too, but compiled code imports through the C API, so the profile saw only who
    # loaded it first (applytype) and no cache hit from mypy.types: moving applytype's
    # annotation-only import of it seemed to save mypy.nodes. The static graph, read
    # from the source beside each compiled module, has the statements.
    sources = {
        "typed/__init__.py": "",
        "typed/apply.py": "from __future__ import annotations\n\nimport typed.sub\n"
                          "from typed.nodes import Context\n\n\n"
                          "def apply(c: Context) -> None:\n    typed.sub.run()\n",
        "typed/sub.py": "import typed.nodes\n\n\ndef run():\n    return typed.nodes.X\n",
        "typed/nodes.py": "import heavydep\n\nX = heavydep.x\n\n\nclass Context:\n"
                          "    pass\n",
    }
    write_tree(tmp_path, sources)
    typed = tmp_path / "typed"
    names = ("typed.apply", "typed.sub", "typed.nodes")
    modules = (
        rec("typed", None, origin=typed / "__init__.py", package=True),
        *(rec(name, "typed.apply" if name != "typed.apply" else None,
              origin=typed / f"{name[6:]}.cpython-311-x86_64-linux-gnu.so") for name in names),
        rec("heavydep", "typed.nodes", ms=40),
    )
    graph = StaticGraph(
        roots=("typed",),
        modules=(ModuleNode("typed", str(typed / "__init__.py"), is_package=True),
                 *(ModuleNode(name, str(typed / f"{name[6:]}.so"), compiled=True,
                              source=str(typed / f"{name[6:]}.py")) for name in names)),
        edges=(ImportEdge("typed.apply", "typed.sub", EdgeKind.EAGER),
               ImportEdge("typed.apply", "typed.nodes", EdgeKind.EAGER, names=("Context",)),
               ImportEdge("typed.sub", "typed.nodes", EdgeKind.EAGER),
               ImportEdge("typed.nodes", "heavydep", EdgeKind.EAGER, external=True)))
    report = run_review(make_report(("typed",), modules, graph))
    assert [f for f in report.findings if f.code == "IA501"] == []


def test_a_heavy_import_names_the_module_it_takes_and_who_takes_the_same(
        tmp_path: Path) -> None:
    # Shaped like pydantic.plugin._loader (`from importlib.metadata import entry_points`
    # next to the root's `from importlib import import_module`) and httpx._main (five
    # `import rich.x` statements, all binding `rich`).
    sources = {
        "app/__init__.py": "",
        "app/plug.py": "from dep.meta import entry_points\n\n\n"
                       "def plugins():\n    return entry_points()\n",
        "app/other.py": "from dep import helper\n\n\ndef f():\n    return helper()\n",
        "app/cli.py": "import dep.console\nimport dep.table\n\n\n"
                      "def main():\n    return dep.console, dep.table\n",
    }
    write_tree(tmp_path, sources)
    app = tmp_path / "app"
    modules = (
        rec("app", None, origin=app / "__init__.py", package=True),
        rec("app.plug", None, origin=app / "plug.py"),
        rec("dep", "app.plug", "app.other", "app.cli", package=True),
        rec("dep.meta", "app.plug", ms=40),
        rec("app.other", None, origin=app / "other.py"),
        rec("app.cli", None, origin=app / "cli.py"),
        rec("dep.console", "app.cli", ms=30), rec("dep.table", "app.cli", ms=30),
    )
    heavy = {f.module: f.message for f in run_review(make_report(("app",), modules)).findings
             if f.code == "IA102"}
    assert "imports the package dep.meta at module level" in heavy["app.plug"]
    assert "the same way" not in heavy["app.plug"]  # app.other takes dep, not dep.meta
    assert ("imports the package dep (dep.console, dep.table) at module level but uses "
            "`dep` only inside main()") in heavy["app.cli"]

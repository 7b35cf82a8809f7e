"""The text, DOT and GraphML renderings of a static graph and its cycles."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

import networkx as nx
import pydot
import pytest
from rich.console import Console
from static_helpers import STATIC

from importaudit import api
from importaudit.config import parse_kinds
from importaudit.cycletext import claim_sentence
from importaudit.render import RenderOptions, get_renderer
from importaudit.render.terminal_graph import render_static

if TYPE_CHECKING:
    from importaudit.model import Report


@pytest.fixture(autouse=True)
def _in_fixtures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(STATIC)


def _text(report: Report, command: str, verbosity: int = 0) -> str:
    stream = io.StringIO()
    console = Console(file=stream, width=400, color_system=None, highlight=False)
    render_static(report, console, RenderOptions(command=command, verbosity=verbosity))
    return stream.getvalue()


def test_cycles_text_names_the_path_the_lines_and_the_fix() -> None:
    text = _text(api.cycles(["cyclic"], api.StaticOptions(cache=False)), "cycles")
    assert "2 import cycle(s) over eager, optional, parent edges (0 fail at import, " \
           "1 can fail (unverified), 1 across packages)" in text
    assert "cycle 1: pkg_a <-> pkg_b  CAN FAIL AT IMPORT (unverified: not run: nothing was " \
           "asked to run them)" in text
    assert "can fail (unverified): cyclic/pkg_b/service.py:3 `from pkg_a.core import Base` " \
           "raises ImportError if pkg_a.core is the first of the cycle to start" \
        in text.replace("\\", "/")
    assert "shortest path: pkg_a.core -> pkg_b.service -> pkg_a.core" in text
    core = Path("cyclic/pkg_a/core.py")
    assert f"pkg_a.core -> pkg_b.service  eager  {core}:3  from pkg_b.service import Service" \
        in text
    # Plain imports both ways, not run: only what the reading shows, not a risk it did
    # not show (it read "fragile (import order matters)").
    assert "cycle 2: within pkg_a  no import statement takes a name from a partly " \
           "initialised module (unverified: not run: nothing was asked to run them)" in text
    assert "fragile" not in text
    assert "to break it, make these imports deferred or type-only:" in text
    assert text.isascii()


def test_verified_cycles_show_the_error_or_say_order_dependent() -> None:
    text = _text(api.cycles(["cyclic"], api.StaticOptions(cache=False, verify=True)), "cycles")
    assert "(1 fail at import, 1 import from each entry point, 1 across packages)" in text
    assert "cycle 1: pkg_a <-> pkg_b  FAILS AT IMPORT (reproduced)" in text
    # Nothing suspected in the plain-import cycle, and run from both of its members it
    # imports: proven, not "fragile (import order matters)".
    assert "cycle 2: within pkg_a  imports from each of its 2 entry point(s) (run)" in text
    assert "fragile" not in text
    assert ("fails: importing pkg_a.core first: ImportError: cannot import name 'Base' from "
            "partially initialized module 'pkg_a.core'") in text
    assert f"at {Path('cyclic/pkg_b/service.py')}:3" in text
    assert "can fail" not in text  # the claim is proven: no static wording left
    ordered = _text(api.cycles(["orders"], api.StaticOptions(cache=False, verify=True)), "cycles")
    assert "(1 fail at import, 1 order-dependent, 0 across packages)" in ordered
    assert "cycle 2: within sideways  order-dependent: did not fail from 2 entry point(s) " \
           "tried" in ordered
    assert ("suspected: orders/sideways/fields.py:3 `from sideways.models import Model` would "
            "raise ImportError if it ran while sideways.models was half-initialised (before "
            "defining Model)") in ordered.replace("\\", "/")
    assert "CAN FAIL" not in ordered


def test_unverified_claims_name_only_orders_that_can_occur() -> None:
    text = _text(api.cycles(["orders"], api.StaticOptions(cache=False)), "cycles")
    # `viapkg.models` never starts first: importing it runs its package, in the cycle.
    assert ("`from viapkg.models import Model` raises ImportError if viapkg.models has "
            "started before viapkg.fields (it is never the first to start: importing it runs "
            "its package viapkg first; the cycle starts at viapkg) and has not yet defined "
            "Model") in text
    assert ("`from sideways.models import Model` raises ImportError if sideways.models is "
            "the first of the cycle to start and has not yet defined Model") in text
    assert "viapkg.models is imported first" not in text


def test_no_cycles_says_over_which_kinds() -> None:
    text = _text(api.cycles(["typeonly"], api.StaticOptions(cache=False)), "cycles")
    assert "no import cycles over eager, optional, parent edges" in text
    every = _text(api.cycles(["typeonly"], api.StaticOptions(kinds=parse_kinds("all"),
                                                             cache=False)), "cycles")
    assert "closes only after import" in every


def test_graph_text_lists_edges_by_module_with_lines_and_problems() -> None:
    text = _text(api.graph(["relative"], api.StaticOptions(cache=False)), "graph", verbosity=1)
    assert "import graph: 7 modules (7 in the targets, 0 outside), 11 edges" in text
    assert "relpkg.sub.deep" in text
    assert "  -> relpkg.sub  eager  line 3  (LIMIT)" in text
    assert "relpkg.gone  (imported, but not in the scanned tree)" in text
    assert "3 problem(s) reading the source:" in text
    assert "climbs above the top-level package of relpkg.sub.deep" in text


def test_quiet_graph_text_is_the_summary_only() -> None:
    text = _text(api.graph(["relative"], api.StaticOptions(cache=False)), "graph", verbosity=-1)
    assert "->" not in text
    assert text.startswith("import graph: ")


def test_dot_is_valid_and_keeps_kinds_and_lines() -> None:
    stream = io.StringIO()
    get_renderer("dot")(api.graph(["cyclic"],
                                  api.StaticOptions(cache=False)), stream, RenderOptions())
    (parsed,) = pydot.graph_from_dot_data(stream.getvalue())
    edges = {(e.get_source().strip('"'), e.get_destination().strip('"')): e
             for e in parsed.get_edges()}
    edge = edges["pkg_a.core", "pkg_b.service"]
    assert edge.get("kinds") == "eager"
    assert edge.get("lines").strip('"') == f"{Path('cyclic/pkg_a/core.py')}:3"
    assert edges["pkg_a.core", "pkg_b"].get("style") == "solid"


def test_graphml_reads_back_into_the_same_graph() -> None:
    report = api.graph(["lazy"], api.StaticOptions(cache=False))
    stream = io.StringIO()
    get_renderer("graphml")(report, stream, RenderOptions())
    back = nx.read_graphml(io.BytesIO(stream.getvalue().encode()))
    assert report.graph is not None
    assert set(back.nodes) == {n.name for n in report.graph.modules}
    assert set(back.edges) == {(e.importer, e.imported) for e in report.graph.edges}
    assert back.edges["stubpkg", "stubpkg.tools"]["kinds"] == "lazy"
    assert back.nodes["json"]["external"] is True


def test_a_cycles_statements_are_shown_as_written(tmp_path: Path) -> None:
    # werkzeug's shape: `from .sansio import http as _sansio_http` at the bottom of
    # http.py was shown as `import werkzeug.sansio.http`, a statement nowhere in it.
    for name, text in {
        "web/__init__.py": "",
        "web/http.py": "def etag():\n    return 1\n\n\nfrom .sansio import http as _sansio_http\n",
        "web/sansio/__init__.py": "",
        "web/sansio/http.py": "import json, web.http as base\nfrom ..http import (\n"
                              "    etag,\n)\n",
    }.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    text = _text(api.cycles([str(tmp_path / "web")], api.StaticOptions(cache=False)), "cycles")
    assert "web.http -> web.sansio.http  eager  " in text
    assert "http.py:5  from .sansio import http as _sansio_http" in text
    assert "http.py:1  import json, web.http as base" in text


def test_a_statement_over_several_lines_is_read_from_its_own_lines(tmp_path: Path) -> None:
    """Only the statement is parsed: brackets, backslashes, a one-line try, an indent."""
    from importaudit.model import EdgeKind, ImportEdge
    from importaudit.render.terminal_graph import statement_text

    source = tmp_path / "mod.py"
    source.write_text(
        "from .shapes import (\n    Circle,\n    Square as Box,\n)\n"  # 1-4
        "import os.path, \\\n    json\n"                                # 5-6
        "try: from . import fast as speed\nexcept ImportError:\n    speed = None\n"  # 7-9
        "def load():\n    if True:\n        from .plugins import (x,\n"  # 10-12
        "    y)\n"                                                        # 13
        "x = (1,\n     2); import csv\n")                                 # 14-15

    def shown(line: int, imported: str, kind: EdgeKind = EdgeKind.EAGER) -> str:
        return statement_text(ImportEdge("pkg.mod", imported, kind, str(source), line))

    assert shown(1, "pkg.shapes") == "from .shapes import Circle, Square as Box"
    assert shown(5, "json") == "import os.path, json"
    assert shown(7, "pkg.fast", EdgeKind.OPTIONAL) == "from . import fast as speed"
    assert shown(12, "pkg.plugins", EdgeKind.DEFERRED) == "from .plugins import x, y"
    # Not the first statement of its line: the edge's own text, not a wrong guess.
    assert shown(15, "csv") == "import csv"


def test_a_cycle_with_one_import_order_says_so() -> None:
    # toolz and toolz.curried: the package is in the cycle, so every import of either
    # runs the package's `__init__` first: one order, and running it does not fail (it
    # read "order-dependent"). past.builtins and its misc: nothing suspected, one order
    # (it read "fragile (import order matters)"), which is run too: it imports.
    text = _text(api.cycles(["oneorder"], api.StaticOptions(cache=False, verify=True)),
                 "cycles")
    assert "(0 fail at import, 2 safe in their only order, 0 across packages)" in text
    assert "within curry  does not fail: its only order (it always starts at curry) was " \
           "run" in text
    assert "within shim  does not fail: its only order (it always starts at shim) was " \
           "run" in text
    assert "order-dependent" not in text and "fragile" not in text
    # The statement suspected in curry's cycle ran in that only order: one quiet line
    # says so, not an alarm per statement beside "does not fail" (-v lists them).
    assert "1 `from` import(s) suspected, which that order ran without error (-v lists " \
           "them)" in text
    assert "suspected: " not in text
    listed = _text(api.cycles(["oneorder"], api.StaticOptions(cache=False, verify=True)),
                   "cycles", verbosity=1)
    assert "suspected: oneorder/curry/curried/__init__.py:4 `from curry import compose`" \
        in listed.replace("\\", "/")
    report = api.cycles(["oneorder"], api.StaticOptions(cache=False, verify=True))
    (curry,) = (c for c in report.cycles if c.packages == ("curry",))
    assert claim_sentence(curry).startswith("It does not fail at import here: a `from")
    (shim,) = (c for c in report.cycles if c.packages == ("shim",))
    # Nothing looked possible there: the sentence does not say it did.
    assert claim_sentence(shim).startswith("It does not fail at import here: the cycle has "
                                           "one import order")
    unrun = _text(api.cycles(["oneorder"], api.StaticOptions(cache=False)), "cycles")
    assert "within shim  one import order: it always starts at shim" in unrun


def test_an_order_read_from_guarded_or_dynamic_imports_is_run_before_it_is_trusted() -> None:
    # The packages' order ruled out the failing order from imports that need not run
    # (a platform test, a try, import_module): the held edges' modules are imported
    # first too, and each of these cycles fails at import.
    text = _text(api.cycles(["guarded"], api.StaticOptions(cache=False, verify=True)),
                 "cycles")
    for package in ("dynguard", "tryguard", "winguard"):
        assert f"within {package}  FAILS AT IMPORT (reproduced)" in text, text


def test_a_cycle_nothing_is_suspected_of_is_run_from_each_entry_point() -> None:
    # Plain imports and a submodule import: no `from x import name` is at risk, and each
    # read "fragile (import order matters)". Run from each member it can start at,
    # attrcycle fails (a module-level `b.DEFAULT` on the half-initialised `b`) and
    # missingdep's every order fails for another reason: nothing shown either way.
    report = api.cycles(["unsuspected"], api.StaticOptions(cache=False, verify=True))
    text = _text(report, "cycles")
    assert "(1 fail at import, 0 across packages)" in text
    assert "cycle 1: within attrcycle  FAILS AT IMPORT (reproduced)" in text
    # (Python 3.13 names the module's file in the message: "'attrcycle.b' from '...'".)
    assert ("fails: importing attrcycle.b first: AttributeError: partially initialized "
            "module 'attrcycle.b'") in text
    assert "has no attribute 'DEFAULT'" in text
    assert f"at {Path('unsuspected/attrcycle/a.py')}:5" in text
    assert "cycle 2: within missingdep  no import statement takes a name from a partly " \
           "initialised module (unverified: the 2 entry point(s) tried failed for another " \
           "reason first)" in text
    assert ("failed for another reason: importing missingdep.b first: ModuleNotFoundError: "
            "No module named 'importaudit_fixture_not_installed'") in text
    assert "fragile" not in text
    attr, missing = report.cycles
    assert not attr.can_fail and attr.fails
    assert claim_sentence(attr).startswith("It fails at import: importing attrcycle.b first")
    assert claim_sentence(missing) == ""


def test_graph_text_says_what_a_module_without_a_file_is() -> None:
    text = _text(api.graph(["runmade"], api.StaticOptions(cache=False)), "graph")
    assert ("runmade.compat.moves  (imported, which no file defines: runmade.compat is a "
            "module, not a package," in text)
    assert ("runmade.__init__  (imported, the __init__.py of package runmade run a second "
            "time, as a module of its own)" in text)
    assert "not in the scanned tree" not in text

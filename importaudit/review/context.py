"""What every rule sees: the report, indexes over it, source facts and the settings.

Built once per review; rules read from it and never change it. `make_finding` is the
one place a finding gets its severity: the grade of its measured impact on the scale
(`grade`: on figures that repeat exactly between identical reviews), raised to the
rule's floor for rules whose problem is a hazard (a cycle that can fail, a connection
opened at import time) rather than only a cost.
"""

from __future__ import annotations

import ast
import dataclasses
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from importaudit import defaults
from importaudit.loadgraph import LoadGraph, ancestors
from importaudit.model import EdgeKind, Finding, Impact, ImportEdge, Report, Severity
from importaudit.review.impact import (
    DEFAULT_SCALE,
    SeverityScale,
    claim_key,
    defer_claim,
    severity_of,
)
from importaudit.review.source import Binding, BindingKind, ModuleFacts, Use, module_facts
from importaudit.runtime.heapgaps import unmeasured
from importaudit.static.sourcetree import project_package

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

    import networkx as nx

    from importaudit.review.eager import HeldPull, InitPlan
    from importaudit.review.impact import Claim, ClaimKey
    from importaudit.review.order import LazyCheck, LazyTrial, OrderVerdict
    from importaudit.review.suppress import Suppression
    from importaudit.static.sourcetree import Exclusions

    StarCheck = Callable[[Sequence[str]], Mapping[str, tuple[str, tuple[str, ...]]]]


_MS = 1_000_000
_MIB = 1024 * 1024
#: Import statements that run when the module does (not type-only, not in functions).
RUNS = (BindingKind.EAGER, BindingKind.OPTIONAL)
#: Uses that need a name while the module body runs.
NEEDED_AT_IMPORT = frozenset({Use.IMPORT_TIME, Use.EVALUATED_ANNOTATION})


@dataclass(frozen=True, slots=True)
class ReviewSettings:
    """Which rules run, what is suppressed, and the thresholds the rules use."""

    select: frozenset[str] | None = None  # rule codes to run (None: every rule)
    ignore: tuple[str, ...] = ()  # config suppressions: "CODE" or "CODE:module-pattern"
    scale: SeverityScale = DEFAULT_SCALE
    init_many_names: int = 10  # IA101: an __init__ binding this many names always counts
    heavy_min_severity: Severity = Severity.MEDIUM  # IA102: how heavy "heavy" is
    utility_max_names: int = 3  # IA103: "one helper" means at most this many names
    utility_min_modules: int = 5  # IA103: a "whole tree" is at least this many modules
    utility_min_share: float = 0.2  # IA103: ... and at least this share of what it loads
    large_all: int = 10  # IA301: names in __all__ that count as large
    large_all_min_providers: int = 3  # IA301: submodules a star import must load
    expensive_self_ns: int = 10 * _MS  # IA602: a module body slower than this
    expensive_self_heap: int = 4 * _MIB  # IA602: or retaining more heap than this
    expensive_self_rss: int = 16 * _MIB  # IA602: or growing RSS more than this
    # IA103 pulls held for their utility package's IA101 are folded into it (one fix,
    # one finding), and so is a finding whose fix moves only imports another's moves
    # (`overlap`); `fix` rewrites each pull itself, so it asks for them unfolded.
    fold_pulls: bool = True
    # IA302: runs `from m import *` for these modules in a fresh interpreter of the
    # measured environment -> {module: (what it raised, the __all__ names it lacks)},
    # only those whose star import failed. None: nothing may run (a saved report).
    star_check: StarCheck | None = None
    # IA101: imports modules first from a copy with a package's `__init__` made lazy as
    # `fix` would write it (`review.order`). None: nothing may run (a saved report, or
    # `fix`, which proves its own rewrites).
    lazy_check: LazyCheck | None = None
    # The seconds `lazy_check` was given in all (`--prove-time`), for the findings'
    # words when it ran out (`ReviewContext.unproven`).
    prove_time: float = defaults.PROVE_TIME_S
    # IA101 and the savings that count a parent lazy: (package, its `__init__` file) ->
    # the names `fix`'s lazy `__init__` would defer there (None: it could not say). A
    # name it keeps eager (a side-effect import, a conditional one, one its own code
    # uses) is not counted deferred. None: judged from the review's own reading.
    lazy_names: Callable[[str, str], frozenset[str] | None] | None = None
    # IA602: (module, slow), the verdicts an earlier review gave modules whose figure is
    # near the threshold this time (`api.verdicts`); the others are judged on figures.
    kept_verdicts: tuple[tuple[str, bool], ...] = ()
    # What the review's walk leaves out (`--exclude` patterns; tests unless
    # `--include-tests`): the walk of the rest of the project (`project_modules`) leaves
    # out the same, so reviewing part of a package answers as reviewing all of it does.
    # None: the walk's defaults (tests left out).
    exclusions: Exclusions | None = None


def own_packages(report: Report) -> frozenset[str]:
    """Packages the report is about (its targets), as opposed to dependencies.

    A target's top-level package, or, for a target inside a namespace package, the first
    package of its name that is no namespace package (`project_package`): reviewing
    google.cloud.storage is not reviewing google.auth or google.protobuf, other
    distributions' packages in the same `google` namespace. A target that is a
    namespace package itself (google.cloud) is its own: the projects inside it, not
    the whole `google` namespace.
    """
    files: dict[str, str | None] = {}
    namespaces: set[str] = set()
    if report.graph is not None:
        files.update((n.name, n.file) for n in report.graph.modules if not n.external)
        namespaces.update(n.name for n in report.graph.modules
                          if n.namespace and not n.external)
    for record in report.modules:
        files.setdefault(record.name, record.origin)

    def own(name: str) -> str:
        return name if name in namespaces else project_package(name, files.get(name))

    tops: set[str] = set()
    if report.graph is not None:
        tops.update(own(r) for r in report.graph.roots
                    if all(p.isidentifier() for p in r.split(".")))
    for target in report.targets:
        if os.sep in target or "/" in target or target.endswith(".py"):
            path = Path(target.rstrip("/"))
            stem = path.stem if path.suffix == ".py" else path.name
            if stem == "__init__":
                stem = path.parent.name
            tops.add(stem)
        elif target:
            tops.add(own(target))
    return frozenset(t for t in tops if all(p.isidentifier() for p in t.split(".")))


def compiled_imports(report: Report) -> list[tuple[str, str]]:
    """The import-time statements of compiled modules, read from the source beside them.

    A mypyc-compiled module (mypy, black) imports through the C API: the profile sees
    what it loads first, but not the statements that find a module loaded already, so
    mypy.applytype seemed to be the only way mypy.nodes loads (its other imports,
    mypy.types among them, load it too).
    """
    graph = report.graph
    if graph is None:
        return []
    compiled = {n.name for n in graph.modules if n.compiled}
    return [(e.importer, e.imported) for e in graph.edges
            if e.importer in compiled and e.kind in (EdgeKind.EAGER, EdgeKind.OPTIONAL)]


def is_stdlib(module: str) -> bool:
    """Whether `module` belongs to the standard library of the running interpreter."""
    return module.split(".", maxsplit=1)[0] in sys.stdlib_module_names


def same_family(a: str, b: str) -> bool:
    """Whether b is a, an ancestor of a, or inside a's parent package (its neighbours)."""
    parent = a.rpartition(".")[0] or a
    return b in (a, parent) or a.startswith(b + ".") or b.startswith(parent + ".")


@dataclass(frozen=True, slots=True)
class OwnModule:
    """A module of the reviewed packages, with where its source lives."""

    name: str
    file: str | None
    is_package: bool


class ReviewContext:
    """The report and everything derived from it that the rules share."""

    def __init__(self, report: Report, settings: ReviewSettings | None = None) -> None:
        self.report = report
        self.settings = settings or ReviewSettings()
        # The runtime load graph; savings judged on the fastest runs, so noise cannot
        # make a finding come and go.
        # A heap run that did not finish left modules without heap figures: no saving
        # that includes one states a heap figure (`RunMeta.heap_gaps`).
        self.tree = LoadGraph(report.modules, fastest=True, hits=compiled_imports(report),
                              heap_unknown=unmeasured(report))
        # What each saving finding's fix cuts, so shared savings can be grouped after.
        self.claims: dict[ClaimKey, Claim] = {}
        # The hazard floors of findings (IA201's failing cycle), kept for regrading.
        self.floors: dict[ClaimKey, Severity] = {}
        # Findings whose subject is the very failure their module's import ran into
        # (IA201's cycle that fails at import): kept though that module failed.
        self.failure_findings: set[ClaimKey] = set()
        # IA103 findings held for their utility package's IA101 (see fold_utility_pulls).
        self.held: list[HeldPull] = []
        self.own = own_packages(report)
        self.modules = self._own_modules()
        self._facts: dict[str, ModuleFacts | None] = {}
        self.edges_from: dict[str, list[ImportEdge]] = {}
        graph_nodes = report.graph.modules if report.graph is not None else ()
        self._graph_modules = frozenset(n.name for n in graph_nodes)
        if report.graph is not None:
            for edge in report.graph.edges:
                self.edges_from.setdefault(edge.importer, []).append(edge)
        version = report.meta.python_version if report.meta else ""
        self.lazy_annotations = _version_at_least(version, (3, 14))
        self._import_graph: nx.DiGraph[str] | None = None
        # Own module -> {local name: its class whose annotations the project's code
        # reads at run time} (`introspect.read_at_run_time`, made on first use).
        self.introspected: dict[str, dict[str, str]] | None = None
        self._project: dict[str, OwnModule] | None = None  # see `project_modules`
        self._served: dict[str, dict[str, str]] = {}  # see `served_lazily`
        # What a lazy `__init__` of each package asked about broke (`review.order`).
        self.order: dict[str, OrderVerdict | None] = {}
        # The lazy `__init__`s a trial kept every entry importing with (package -> the
        # trial), and those of them IA101 offers: each later trial applies the offered
        # ones too, so the review offers what works when all are applied together.
        self.lazy_tried: dict[str, LazyTrial] = {}
        self.lazy_offered: dict[str, LazyTrial] = {}
        # The packages whose trial the proving time cut short (`ProofTimeSpent`).
        self.unproven: set[str] = set()
        self._deferrable: dict[str, frozenset[str] | None] = {}  # see `deferrable`
        self._lazy_parent: dict[str, bool] = {}  # see `counts_lazy`
        self.init_plans: dict[str, InitPlan | None] = {}  # IA101's, by package (`eager`)
        # How many of `all_facts` (in its order) have had IA101's plan made and, when
        # offered, noted in `lazy_offered` (`eager.settle_offers`), whoever asked first.
        self.offers_settled = 0
        self._offer_order: dict[str, int] | None = None
        self._suppressions: list[Suppression] | None = None  # see `suppressions`
        self._runs_here: dict[tuple[str, int], bool | None] = {}  # see `runs_here`
        self._defined_at: dict[str, dict[str, list[int]]] = {}  # see `defined_at`

    def import_graph(self) -> nx.DiGraph[str]:
        """The static graph over the edges cycles count (built on first use)."""
        if self._import_graph is None:
            import networkx as nx

            from importaudit.model import IMPORT_TIME_KINDS
            from importaudit.static.graph import to_networkx

            graph = self.report.graph
            # The kinds the cycles were sought over, so cuts are judged on the same graph.
            self._import_graph = (
                to_networkx(graph, graph.cycle_kinds or IMPORT_TIME_KINDS)
                if graph is not None else nx.DiGraph())
        return self._import_graph

    def _own_modules(self) -> dict[str, OwnModule]:
        found: dict[str, OwnModule] = {}
        graph = self.report.graph
        if graph is not None:
            for node in graph.modules:
                if not node.external and self.is_own(node.name):
                    # A compiled module's source is the `.py` beside it (None: unknown).
                    file = node.source if node.compiled else node.file
                    found[node.name] = OwnModule(node.name, file, node.is_package)
        for record in self.report.modules:
            if not self.is_own(record.name) or record.preloaded:
                continue
            file = record.origin if record.origin and record.origin.endswith(".py") else None
            known = found.get(record.name)
            if known is None or known.file is None:
                found[record.name] = OwnModule(record.name, file, record.is_package)
        return dict(sorted(found.items()))

    def project_modules(self) -> Mapping[str, OwnModule]:
        """The other modules of the projects the reviewed ones belong to, found on disk.

        A review of part of a package (openai.types.chat) holds what its walk and its
        profile reached; the rest of the project (openai.resources, which hands those
        TypedDicts to a function reading their annotations) runs all the same, and
        `introspect` must see it. Each own package (`own`: a target's top-level
        package, the portions of a namespace package present) is walked as a review
        of it walks it (`discover`: nothing is imported; tests are left out unless
        `--include-tests`, as `ReviewSettings.exclusions` says; not what `--exclude`
        names, which still runs), in the folders its reviewed modules were
        found in (site-packages, a src/ layout, each portion). A package the review's
        walk covered whole (a root of its graph) is not walked again. Read on first use.
        """
        if self._project is None:
            self._project = _project_modules(self)
        return self._project

    def is_own(self, module: str) -> bool:
        """Whether `module` belongs to the reviewed packages (is one or is inside one)."""
        own = self.own
        head, dot, rest = module.partition(".")
        while True:
            if head in own:
                return True
            if not dot:
                return False
            part, dot, rest = rest.partition(".")
            head = f"{head}.{part}"

    def package_of(self, module: str) -> str:
        """The package `module` belongs to as a project's (`project_package`).

        Its top-level package, or inside a namespace package the one its loaded file
        says (google.api_core, not google).
        """
        record = self.tree.get(module)
        return project_package(module, record.origin if record is not None else None)

    def facts(self, module: str) -> ModuleFacts | None:
        """Source facts of a module with Python source (None: no readable source).

        Own modules are the ones reviewed; a dependency's facts only help follow its
        re-exports (which submodule really defines a helper).
        """
        if module not in self._facts:
            own = self.modules.get(module)
            record = self.tree.get(module)
            facts = None
            if own is not None and own.file is not None:
                facts = module_facts(module, own.file, is_package=own.is_package,
                                     lazy_annotations=self.lazy_annotations)
            elif record is not None and record.origin and record.origin.endswith(".py"):
                facts = module_facts(module, record.origin, is_package=record.is_package,
                                     lazy_annotations=self.lazy_annotations)
            self._facts[module] = facts
        return self._facts[module]

    def runs_here(self, facts: ModuleFacts, line: int) -> bool | None:
        """Whether the module-level statement at `line` runs on the measured interpreter.

        False under a test of the platform or of the Python version that is false there,
        True when every `if` around it is such a test and true there, None when an `if`
        around it tests anything else (`runtime.guarded.runs_here`): typing_extensions
        runs `from typing import TypeVarTuple` on Python 3.15 only, and defines a class
        of that name before.
        """
        meta = self.report.meta
        if meta is None:
            return None
        key = (facts.path, line)
        if key not in self._runs_here:
            from importaudit.runtime.guarded import runs_here

            version = tuple(int(p) for p in meta.python_version.split(".")[:3]
                            if p.isdigit())
            self._runs_here[key] = runs_here(facts.path, line, meta.platform, version or None)
        return self._runs_here[key]

    def defined_at(self, facts: ModuleFacts) -> dict[str, list[int]]:
        """Each name a module-level def, class or assignment binds -> their lines, in order.

        Read once per module: IA103 asks it of each name the module's importers take
        (transformers.utils, which every module of transformers takes names from, was
        walked again for each of its hundreds of names).
        """
        if not facts.defined:
            return {}
        if facts.path not in self._defined_at:
            from importaudit.runtime.absent import module_level, parse

            found: dict[str, list[int]] = {}
            tree = parse(facts.path)
            for node in module_level(tree.body) if tree is not None else ():
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    bound = [node.name]
                elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
                    bound = list(dict.fromkeys(target_names(
                        node.targets if isinstance(node, ast.Assign) else [node.target])))
                else:
                    continue
                for name in bound:
                    found.setdefault(name, []).append(node.lineno)
            self._defined_at[facts.path] = found
        return self._defined_at[facts.path]

    def star_names(self, module: str) -> frozenset[str]:
        """The names `from module import *` takes: its `__all__`, else its public globals."""
        facts = self.facts(module)
        if facts is None:
            return frozenset()
        if facts.all_names is not None:
            return frozenset(facts.all_names)
        return frozenset(n for n in facts.defined if not n.startswith("_"))

    def suppressions(self) -> list[Suppression]:
        """The review's suppressions: inline comments, then config entries (`ignore`)."""
        if self._suppressions is None:
            from importaudit.review import suppress

            self._suppressions = [
                *suppress.inline_suppressions(self.all_facts()),
                *(suppress.parse_config_entry(e) for e in self.settings.ignore)]
        return self._suppressions

    def silenced(self, code: str, module: str, line: int | None) -> bool:
        """Whether a finding of `code` on `module` at `line` of its file is suppressed."""
        own = self.modules.get(module)
        file = own.file if own else None
        return any(s.covers(code, module, file, line) for s in self.suppressions())

    def offer_order(self) -> dict[str, int]:
        """The own modules with readable source, in `all_facts` order -> their place."""
        if self._offer_order is None:
            self._offer_order = {f.name: i for i, f in enumerate(self.all_facts())}
        return self._offer_order

    def all_facts(self) -> Iterable[ModuleFacts]:
        """Source facts of every own module that has readable source, by name."""
        for name in self.modules:
            facts = self.facts(name)
            if facts is not None:
                yield facts

    def is_module(self, name: str) -> bool:
        """Whether `name` is a module the profile or the graph knows (not an attribute)."""
        return name in self.tree or name in self.modules or name in self._graph_modules

    def submodule_of(self, binding: Binding) -> str:
        """The module a binding loads: `pkg.attr` when that is a submodule, else `pkg`.

        Or the submodule a lazy `pkg` serves `attr` from (`served_lazily`).
        """
        if not binding.attr:
            return binding.module
        if self.is_module(binding.target):
            return binding.target
        return self.served_lazily(binding.module).get(binding.attr, binding.module)

    def served_lazily(self, package: str) -> dict[str, str]:
        """The names a lazy package's `__getattr__` serves, each with its submodule.

        Those it imports only under `if TYPE_CHECKING:` from one of its own submodules
        and binds nowhere else (huggingface_hub.utils, and what `fix` writes): taking
        one (`from . import hf_raise_for_status`) loads that submodule. A walk of the
        tree may have loaded it before, so the load graph does not always show it.
        And those its lazy mechanism declares as the static graph reads them
        (`static.scan.lazy_provides`): lazy_loader's `attach(__name__,
        submod_attrs={...})` table, an `attach_stub`'s `.pyi` (scikit-image's
        `from ..feature import hessian_matrix` loads skimage.feature.corner), a
        `__getattr__`'s literal map.
        """
        served = self._served.get(package)
        if served is None:
            facts = self.facts(package)
            served = {}
            if facts is not None and facts.has_getattr:
                bound = {b.name for b in facts.bindings if b.kind in RUNS}
                for b in facts.bindings:
                    source = b.target if self.is_module(b.target) else b.module
                    if (b.kind is BindingKind.TYPE_ONLY and b.name not in bound
                            and source.startswith(package + ".")):
                        served.setdefault(b.name, source)
                declared = self._declared(facts)
                served.update((name, source) for name, source in declared.items()
                              if name not in served and source is not None)
            self._served[package] = served
        return served

    def _declared(self, facts: ModuleFacts) -> dict[str, str | None]:
        """Name -> submodule a lazy package's mechanism declares it gives (`served_lazily`).

        Only submodules of the package that exist, as the static graph keeps them; a
        name declared from two modules is from neither (None), as the graph has it.
        """
        from importaudit.static.scan import absolute_name, lazy_provides

        package = facts.name
        found: dict[str, str | None] = {}
        for given in lazy_provides(Path(facts.path)):
            source = absolute_name(package, True, given.module, given.level, given.anchor)
            if source is None or not source.startswith(package + ".") or not self.is_module(
                    source):
                continue
            for name in given.names or ():
                found[name] = source if found.get(name, source) == source else None
        return found

    def deferrable(self, package: str) -> frozenset[str] | None:
        """The names a lazy `__init__` of `package` would defer, as `fix` writes it.

        None when unknown (no `lazy_names` setting, no file, or it could not be read).
        """
        if package not in self._deferrable:
            own = self.modules.get(package)
            ask = self.settings.lazy_names
            self._deferrable[package] = (ask(package, own.file) if ask is not None
                                         and own is not None and own.file else None)
        return self._deferrable[package]

    def stays_eager(self, facts: ModuleFacts, binding: Binding) -> bool:
        """Whether a lazy `__init__` keeps `binding` of package `facts` eager.

        Its own body uses the name while it runs, or `fix` would not defer it.
        """
        if facts.uses_of(binding.name) & NEEDED_AT_IMPORT:
            return True
        deferred = self.deferrable(facts.name)
        return deferred is not None and binding.name not in deferred

    def needed_at_import(self, package: str) -> frozenset[str]:
        """The modules `package`'s `__init__` still loads when made lazy.

        Those its own body uses names of while it runs, and those of names `fix`'s lazy
        `__init__` keeps eager: a lazy `__init__` cannot defer them.
        """
        facts = self.facts(package)
        if facts is None:
            return frozenset()
        return frozenset(self.submodule_of(b) for b in facts.bindings
                         if b.kind in RUNS and self.stays_eager(facts, b))

    def counts_lazy(self, package: str) -> bool:
        """Whether a saving may count `package`'s `__init__` lazy: IA101 offers it.

        `eager.offers_lazy_init`: a rewrite graded LOW or more. sqlalchemy.testing's
        IA101 counted sqlalchemy lazy (2 of its 48 modules), whose own IA101 says to keep
        it eager (its lazy form breaks an import cycle's order). Asked of a package's
        parents only, so the question never comes back to the package it is asked for.
        """
        known = self._lazy_parent.get(package)
        if known is None:
            from importaudit.review.eager import offers_lazy_init

            known = self._lazy_parent[package] = offers_lazy_init(self, package)
        return known

    def defer_claim(self, importer: str, deferred: Iterable[str],
                    kept: Iterable[str] = ()) -> Claim:
        """What deferring `importer`'s imports of `deferred` saves (see `impact.defer_claim`).

        With those parent packages lazy that IA101 asks to make lazy (`counts_lazy`), as
        it would make them: what their own bodies use at import time still loads, and so
        does what, deferred, was shown to break an import of the package (`review.order`:
        asked only when a parent's laziness changes the saving, since that runs the
        package).
        """
        from importaudit.review.order import order_kept

        needs = {p: self.needed_at_import(p) for p in ancestors(importer)[1:]
                 if self.counts_lazy(p)}
        claim = defer_claim(self.tree, importer, deferred, kept, needs)
        if claim.saved == claim.alone or self.settings.lazy_check is None:
            return claim
        found = {p: order_kept(self, p) for p in needs}
        if not any(subs for subs, _ in found.values()):
            return claim
        # What the names a parent keeps eager are defined in loads with it, as any
        # other import of the importer's would.
        return defer_claim(self.tree, importer, deferred,
                           frozenset(kept).union(*(names for _, names in found.values())),
                           {p: needs[p] | found[p][0] for p in needs})

    def claimed(self, claim: Claim, finding: Finding) -> Finding:
        """`finding`, noting what its fix saves so shared savings can be grouped."""
        self.claims[claim_key(finding)] = claim
        return finding

    def grade(self, impact: Impact) -> Severity:
        """The severity `impact` earns on the scale, from figures that repeat exactly.

        Module counts and the tracemalloc heap are the same in every identical review;
        time and RSS are not (even the lower bound over the runs moves a few percent,
        which flips a grade whenever a figure sits near a bound). So when either exact
        figure was measured, only they grade; time (its lower bound) and RSS grade only
        an impact that has nothing else (a body's own cost without a memory run).
        """
        if impact.heap_bytes is not None or impact.modules is not None:
            impact = Impact(None, impact.heap_bytes, None, impact.modules)
        return severity_of(impact, self.settings.scale)

    def regrade(self, finding: Finding, impact: Impact) -> Finding:
        """`finding` with `impact` instead of its own, graded on it (never below its floor)."""
        severity = max(self.grade(impact), self.floors.get(claim_key(finding), Severity.INFO))
        return dataclasses.replace(finding, impact=impact, severity=severity)

    def make_finding(
        self, code: str, title: str, module: str, message: str, fix: str, *,
        impact: Impact, file: str | None = None, line: int | None = None,
        chain: tuple[str, ...] = (), floor: Severity = Severity.INFO,
        explains_failure: bool = False,
    ) -> Finding:
        """A finding whose severity is its impact's grade, at least `floor`.

        `explains_failure`: what the finding is about is why its module fails to import
        (a cycle proven to fail), so the failure does not take it out of the review.
        """
        severity = max(self.grade(impact), floor)
        if file is None:
            own = self.modules.get(module)
            file = own.file if own else None
        finding = Finding(code=code, title=title, severity=severity, module=module,
                          message=message, fix=fix, file=file, line=line, impact=impact,
                          chain=chain)
        if floor > Severity.INFO:
            self.floors[claim_key(finding)] = floor
        if explains_failure:
            self.failure_findings.add(claim_key(finding))
        return finding


def _version_at_least(version: str, wanted: tuple[int, int]) -> bool:
    parts = version.split(".")
    try:
        return (int(parts[0]), int(parts[1])) >= wanted
    except (ValueError, IndexError):
        return False


def _project_modules(ctx: ReviewContext) -> dict[str, OwnModule]:
    """`ReviewContext.project_modules`: the walk of each own package not walked whole."""
    from importaudit.errors import ImportAuditError
    from importaudit.static.discover import discover
    from importaudit.static.sourcetree import Exclusions, SearchPath, name_root

    graph = ctx.report.graph
    walked = set(graph.roots) if graph is not None else set()
    left_out = set(graph.excluded) if graph is not None else set()
    folders: dict[str, set[str]] = {}  # own package -> where its reviewed modules start
    for module in ctx.modules.values():
        base = name_root(module.name, module.file) if module.file else None
        parts = module.name.split(".")
        package = next((".".join(parts[:n]) for n in range(1, len(parts) + 1)
                        if ".".join(parts[:n]) in ctx.own), None)
        if base is not None and package is not None and package not in walked:
            folders.setdefault(package, set()).add(base)
    found: dict[str, OwnModule] = {}
    python = ctx.report.meta.python if ctx.report.meta is not None else sys.executable
    for package, bases in sorted(folders.items()):
        entries = tuple(sorted(bases))
        # Looked up there only: the measured interpreter is not asked (`locate`).
        where = SearchPath(entries, python=python)
        try:
            # Tests as the review walks them (a test's reader runs only under the
            # tests), not `--exclude`: a module left out of the review still runs, and
            # its readers still read (rev24).
            tests = (ctx.settings.exclusions or Exclusions()).tests
            tree = discover([package], cwd=entries[0], search_path=where,
                            exclusions=Exclusions(tests=tests))
        except (ImportAuditError, OSError):
            continue  # (what cannot be walked adds nothing)
        for name, source in tree.modules.items():
            file = source.scanned
            parts = name.split(".")
            if (name in ctx.modules or file is None or not file.endswith(".py")
                    or any(".".join(parts[:n]) in left_out for n in range(1, len(parts) + 1))):
                continue
            found[name] = OwnModule(name, file, source.is_package)
    return found


def target_names(targets: Sequence[ast.expr]) -> Iterator[str]:
    """The names assignment targets bind (`a`, `a, (b, *c)`; not `a.b` nor `a[0]`)."""
    for target in targets:
        if isinstance(target, ast.Name):
            yield target.id
        elif isinstance(target, ast.Tuple | ast.List):
            yield from target_names(target.elts)
        elif isinstance(target, ast.Starred):
            yield from target_names([target.value])

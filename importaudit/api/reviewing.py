"""Use cases that review and re-render: `review`, `review_program`, `report`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from importaudit.api.profiling import Program, profile, profile_program
from importaudit.api.runs import (
    Environments,
    exclusions,
    noted,
    same_code,
    saved_measure,
    saved_targets,
    whole,
)
from importaudit.api.static import cycles, static_graph
from importaudit.config.options import (
    Measure,
    ReviewOptions,
    StaticOptions,
    program_measure,
)
from importaudit.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import TextIO

    from importaudit.merge import Merged
    from importaudit.model import ModuleRecord, Report, StaticGraph
    from importaudit.review.context import ReviewSettings, StarCheck
    from importaudit.review.order import LazyBreak, LazyTrial


def _chosen(options: ReviewOptions) -> frozenset[str] | None:
    from importaudit.review.registry import get_rule

    return frozenset(get_rule(code).code for code in options.select) \
        if options.select else None


def review(targets: Sequence[str], options: ReviewOptions | None = None, *,
           measured: Report | None = None,
           environments: Environments | None = None) -> Report:
    """Profile every module of `targets`, read their import graph, and review both.

    Returns the tree-mode profile with the static graph, its cycles and the findings
    (ranked by measured impact, suppressions applied; stale ones reported as IA001).
    `options.select` limits the rules run (codes); `options.ignore` holds suppressions
    ("CODE" or "CODE:module-pattern"). `measured` reviews an existing profile instead
    of measuring again (the static graph is still read from the source, in the
    environment the report names unless `options` gives one: see `runs.saved_measure`;
    with no `targets`, the report's). Suspected
    cycles are run to prove them (see `cycles`) only when measuring and IA201 is
    selected; IA101's lazy `__init__`s where an import cycle may need the eager order
    (`review.order`) only when measuring and `options.prove_lazy`. Both the
    measurement and the graph walk the same modules (the walk
    options of `options.measure`), found on the sys.path of its interpreter. A
    `measure.shard` measures one shard's part of the tree; the graph is still the
    whole tree's.
    """
    import dataclasses

    from importaudit.review import review_report
    from importaudit.review.context import ReviewSettings

    options = options or ReviewOptions()
    envs = environments or Environments()
    notes: tuple[str, ...] = ()
    if measured is not None:  # its graph is read where it was measured
        whole(measured, "reviewed")
        targets = targets or saved_targets(measured)
        looked_up, note = saved_measure(options.measure, measured, envs)
        options = dataclasses.replace(options, measure=looked_up)
        notes = (note,) if note else ()
    elif options.distribution:
        targets, widened, notes = _with_distribution(targets, options.measure, envs)
        options = dataclasses.replace(options, measure=widened)
    chosen = _chosen(options)
    tree = dataclasses.replace(options.measure, tree=True, isolated=False)
    report = measured if measured is not None else profile(targets, tree,
                                                           environments=envs)
    # The graph with every edge; cycles over import-time edges, their claims run when
    # this review runs the targets anyway (not from a saved report) and IA201 wants them.
    verify = measured is None and (chosen is None or "IA201" in chosen)
    static = cycles(targets, StaticOptions(
        measure=options.measure, verify=verify,
        not_run="a review of a saved report runs no code" if measured is not None
        else "IA201 was not selected"), environments=envs)
    report = noted(dataclasses.replace(report, graph=static.graph, cycles=static.cycles),
                   *notes)
    if measured is not None:
        same_code(report)
    # IA302 confirms a suspect `__all__` by running its star import, when this review
    # runs the targets anyway.
    star = (_star_check(static.graph, options.measure, envs)
            if measured is None and static.graph is not None else None)
    # IA101's lazy __init__s are run where an import cycle may need the eager order,
    # as are the parent packages other savings count lazy (`review.order`).
    lazy = (_LazyProver(static.graph, options.measure, envs, options.prove_time)
            if measured is None and static.graph is not None and options.prove_lazy
            and (chosen is None or chosen & _LAZY_PARENT_RULES) else None)
    settings = ReviewSettings(select=chosen, ignore=options.ignore,
                              fold_pulls=options.fold_pulls, star_check=star,
                              lazy_check=lazy, lazy_names=lazy_names,
                              prove_time=options.prove_time,
                              exclusions=exclusions(options.measure))
    if measured is None:
        report, kept = _settled(report, settings, targets, options.measure, envs)
        settings = dataclasses.replace(settings, kept_verdicts=tuple(kept.items()))
    reviewed = review_report(report, settings)
    if lazy is not None and lazy.cut:
        cut = sorted(set(lazy.cut))
        # IA101 says so only where it is shown: not with `--select IA501` (the trials
        # run for the savings alone), nor with IA101 ignored everywhere.
        shown = ((chosen is None or "IA101" in chosen)
                 and not any(e.strip().upper() == "IA101" for e in options.ignore))
        told = ("IA101 says so, no other finding's saving counts them lazy" if shown
                else "no finding's saving counts them lazy")
        reviewed = noted(reviewed, (
            f"proving lazy __init__s stopped at --prove-time "
            f"{options.prove_time:g} s: not proven for {len(cut)} package(s) "
            f"({', '.join(cut[:4])}{', ...' if len(cut) > 4 else ''}): {told}, and "
            "`importaudit fix` proves each rewrite before writing it"))
    return reviewed


def _with_distribution(targets: Sequence[str], measure: Measure, envs: Environments,
                       ) -> tuple[list[str], Measure, tuple[str, ...]]:
    """`targets` and the other packages of their distributions that importing them loads.

    pytest's code is in `_pytest`, which the pytest distribution installs beside it and
    `pytest/__init__.py` imports: a review of pytest alone measured 247 modules and
    found nothing, since `_pytest` counted as a dependency. Only a target named as an
    installed top-level package counts (not a path, nor a tree of the user's own).
    What its distribution installs is read from its installed files, in the measured
    environment (`distribution_siblings`); what importing the target loads, by
    following the static graph's import-time edges from the target module itself
    (`past/translation` imports libfuturize, but `import past` never runs it). An added
    package is walked only as far as that import loads it: its other modules cost
    the target nothing, and one of them that fails to import (future's
    `backports.http.cookies`) is no failure of the target's. The user's `--exclude`
    patterns keep a package out. Returns the targets, the measure with those other
    modules left out, and the notes that say what was added.
    """
    import dataclasses

    from importaudit.api.runs import exclusions
    from importaudit.model import IMPORT_TIME_KINDS
    from importaudit.runtime.interpreter import distribution_siblings
    from importaudit.static.discover import names_a_path

    here = Path.cwd()
    names = [t for t in targets if t.isidentifier() and not names_a_path(t, here)]
    if not names:
        return list(targets), measure, ()
    interpreter = envs.interpreter(measure)
    leave = exclusions(measure)
    installed: dict[str, tuple[str, frozenset[str]]] = {}  # target -> (distribution, others)
    for name in names:
        found = distribution_siblings(interpreter, name, measure.timeout)
        others = frozenset(t for t in found[1] if leave.reason(t) is None) if found else ()
        if found is not None and others:
            installed[name] = (found[0], frozenset(others))
    if not installed:
        return list(targets), measure, ()
    chosen = list(targets)
    added: dict[str, list[str]] = {}  # target -> the packages added for it
    taken: set[str] = set(installed)  # top-level packages walked
    while True:
        graph = static_graph(chosen, StaticOptions(measure=measure), environments=envs)
        ahead: dict[str, list[str]] = {}
        for edge in graph.edges:
            if edge.kind in IMPORT_TIME_KINDS:
                ahead.setdefault(edge.importer, []).append(edge.imported)
        loaded = {owner: _loads(owner, ahead) for owner in installed}
        reached = {(top, owner) for owner, modules in loaded.items() for module in modules
                   if (top := module.split(".")[0]) not in taken
                   and top in installed[owner][1]}
        if not reached:
            break
        for top, owner in sorted(reached):
            if top not in taken:
                taken.add(top)
                chosen.append(top)
                added.setdefault(owner, []).append(top)
    # The modules of each added package that importing its owner does not load.
    walked = {n.name for n in graph.modules if not n.external}
    notes: list[str] = []
    unloaded: list[str] = []
    for owner, more in added.items():
        used = loaded[owner]
        rest = sorted(n for n in walked if n.split(".")[0] in more and n not in used)
        left = [n for n in rest if n.rpartition(".")[0] not in rest]  # (a package takes its own)
        unloaded += left
        them, its = ("it", "its") if len(more) == 1 else ("them", "their")
        notes.append(f"reviewed {', '.join(more)} too: the {installed[owner][0]} distribution "
                     f"installs {them} beside {owner}, and importing {owner} loads {them} ("
                     + (f"{its} {len(rest)} other module(s) are left out; " if rest else "")
                     + f"--no-distribution reviews {owner} alone)")
    measure = dataclasses.replace(measure, exclude=(*measure.exclude, *unloaded))
    return chosen, measure, tuple(notes)


def _loads(module: str, ahead: Mapping[str, Sequence[str]]) -> set[str]:
    """The modules importing `module` loads, by the import-time edges `ahead`."""
    seen = {module}
    stack = [module]
    while stack:
        for imported in ahead.get(stack.pop(), ()):
            if imported not in seen:
                seen.add(imported)
                stack.append(imported)
    return seen


def _settled(report: Report, settings: ReviewSettings, targets: Sequence[str],
             measure: Measure, envs: Environments) -> tuple[Report, dict[str, bool]]:
    """`report` with the modules whose time verdict was near its threshold measured again.

    They are imported again, without the rest of the tree, `SETTLE_REPEAT` times (after
    a warm-up, like any profile), and their CPU figures (with the garbage collector's
    share of them, which IA602 leaves out) replace the tree run's: the
    median of 15 runs moves less between reviews than that of 5. It cannot hold still a
    body that costs the threshold itself, nor one measured while the machine runs slower
    for tens of seconds (whole batches of runs took 40% longer on an idle 2-core VM).
    The report's notes say which modules were measured again. Where even that figure
    is near the threshold, an earlier review's verdict on the same code stands
    (`api.verdicts`): returned as module -> slow, and named in the notes.
    """
    import dataclasses

    from importaudit.api import verdicts
    from importaudit.api.runs import new_report, resolve_targets, run_profile
    from importaudit.defaults import SETTLE_REPEAT
    from importaudit.review import unsettled
    from importaudit.runtime.runner import ProfileRequest
    from importaudit.static.cache import default_cache_dir
    from importaudit.units import format_ns

    near = unsettled(report, settings)
    if not near:
        return report, {}
    again = dataclasses.replace(measure, repeat=SETTLE_REPEAT, tree=False, isolated=False,
                                memory=False, shard=None)
    extra_path = resolve_targets(targets, measure.search_first).extra_path
    interpreter = envs.interpreter(measure)
    # One child imports them all, each run: their own CPU time leaves out what they
    # import, so sharing a process changes little, and costs one import of the
    # package's dependencies per run instead of one per module.
    request = ProfileRequest(mode="import", args=tuple(near), measure=again,
                             extra_path=extra_path)
    alone = new_report(tuple(near), run_profile(request, interpreter))
    measured: dict[str, ModuleRecord] = {} if alone.failure is not None else {
        m.name: m for m in alone.modules
        if m.name in near and m.error is None and m.self_cpu_ns is not None}
    if not measured:
        return report, {}
    modules = tuple(
        dataclasses.replace(m, self_cpu_ns=measured[m.name].self_cpu_ns,
                            self_cpu_ns_min=measured[m.name].self_cpu_ns_min,
                            # The collector's share of those runs, left out of the figure.
                            gc_cpu_ns=measured[m.name].gc_cpu_ns,
                            full_collections=measured[m.name].full_collections)
        if m.name in measured else m for m in report.modules)
    notes = [f"measured {', '.join(measured)} again ({SETTLE_REPEAT} runs, without the "
             "rest of the tree): the CPU time of the body was near IA602's threshold"]
    judged = [verdicts.Judged(name, record.origin, record.body_cpu_ns or 0, near[name])
              for name, record in measured.items()]
    kept = verdicts.kept(judged, interpreter, default_cache_dir())
    notes.extend(
        f"IA602 on {j.name}: {format_ns(j.cpu_ns)} of CPU is within "
        f"{round((verdicts.BAND - 1) * 100)}% of the {format_ns(j.threshold_ns)} threshold, "
        f"so an earlier review's verdict on the same code stands: "
        f"{'slow' if kept[j.name] else 'not slow'}" for j in judged if j.name in kept)
    return noted(dataclasses.replace(report, modules=modules), *notes), kept


#: The rules whose savings count parent packages lazy as IA101 would make them.
_LAZY_PARENT_RULES = frozenset({"IA101", "IA103", "IA501"})


class _LazyProver:
    """IA101's lazy `__init__`s tried from a copy in fresh interpreters (see `fix.order`).

    Within `seconds` in all: the time the trials took adds up, and a trial that would
    run past what is left stops before its next interpreter (`ProofTimeSpent`, which
    `review.order` reads as not proven). `cut` names the packages it stopped.
    """

    def __init__(self, graph: StaticGraph, measure: Measure, envs: Environments,
                 seconds: float) -> None:
        self.graph, self.measure, self.envs = graph, measure, envs
        self.left = seconds
        self.cut: list[str] = []

    def __call__(self, trial: LazyTrial) -> LazyBreak | None:
        import time

        from importaudit.fix.order import first_break
        from importaudit.review.order import ProofTimeSpent
        from importaudit.runtime.verify import import_roots

        if self.left <= 0:
            self.cut.append(trial.package)
            raise ProofTimeSpent(trial.package)
        started = time.monotonic()
        try:
            return first_break(trial, self.envs.interpreter(self.measure),
                               extra_path=import_roots(self.graph, trial.entries),
                               timeout=self.measure.timeout, deadline=started + self.left)
        except ProofTimeSpent:
            self.cut.append(trial.package)
            raise
        finally:
            self.left -= time.monotonic() - started


def lazy_names(package: str, file: str) -> frozenset[str] | None:
    """The names `fix`'s lazy `__init__` of `package` (at `file`) would defer.

    Read, not run: also for a saved report. None when the file cannot be read or parsed.
    """
    import libcst

    from importaudit.fix.lazy_init import plan_init

    try:
        return frozenset(plan_init(package, Path(file), file).names)
    except (OSError, UnicodeDecodeError, libcst.ParserSyntaxError):
        return None


def _star_check(graph: StaticGraph, measure: Measure, envs: Environments) -> StarCheck:
    """Star imports run in fresh interpreters of `measure.python` (see IA302)."""

    def check(modules: Sequence[str]) -> dict[str, tuple[str, tuple[str, ...]]]:
        from importaudit.runtime.verify import import_roots, star_imports

        return star_imports(modules, envs.interpreter(measure),
                            extra_path=import_roots(graph, modules), timeout=measure.timeout)

    return check


def review_program(program: Program, options: ReviewOptions | None = None) -> Report:
    """Run a program (see `profile_program`) and review what its imports did.

    No static graph is read (a program has no package tree of its own to walk): the
    rules judge the runtime profile, among them what only a running program shows, such
    as imports that blocked an asyncio event loop and files executed as two modules.
    `options.measure` is the program's (default: `config.program_measure`).
    """
    from importaudit.review import review_report
    from importaudit.review.context import ReviewSettings

    options = options or ReviewOptions(measure=program_measure(Measure()))
    report = profile_program(program, options.measure)
    return review_report(report, ReviewSettings(select=_chosen(options),
                                                ignore=options.ignore))


def load_reports(paths: Sequence[str]) -> tuple[Report, ...]:
    """Saved reports (or baselines) read back, for `importaudit report`."""
    from importaudit.baseline import load as load_saved

    if not paths:
        raise UsageError("give a saved report (JSON) to render")
    return tuple(load_saved(p).report for p in paths)


def merge_reports(paths: Sequence[str], *, partial: bool = False) -> Merged:
    """The saved reports of the shards of one split, merged (see `importaudit.merge`)."""
    from importaudit.merge import merge

    if len(paths) < 1:
        raise UsageError("give the shards' reports to merge")
    return merge(list(zip(paths, load_reports(paths), strict=True)), partial=partial)


def report(
    paths: Sequence[str], fmt: str, stream: TextIO, *,
    labels: Sequence[str] | None = None,
) -> tuple[Report, ...]:
    """Render one or two saved reports again in format `fmt`, without measuring.

    One report renders in any format; two render as a before/after comparison, which
    the `html` and `markdown` formats support.
    """
    from importaudit.render import RenderOptions, get_renderer

    reports = load_reports(paths)
    out = stream
    if len(reports) == 1:
        get_renderer(fmt)(reports[0], out, RenderOptions(command="report"))
        return reports
    if len(reports) != 2 or fmt not in ("html", "markdown"):
        raise UsageError("two reports render as a before/after comparison, in html or "
                         "markdown only")
    names = tuple(labels) if labels else ("before", "after")
    if len(names) != 2:
        raise UsageError("give two labels, one per report")
    pair = (names[0], names[1])
    if fmt == "html":
        from importaudit.render.html import render_comparison as html_comparison

        html_comparison(reports[0], reports[1], out, labels=pair)
    else:
        from importaudit.render.markdown import render_comparison as md_comparison

        md_comparison(reports[0], reports[1], out, labels=pair)
    return reports

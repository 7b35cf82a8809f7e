"""Use cases that review and re-render: `review`, `review_program`, `report`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from importaudit.api.profiling import Program, profile, profile_program
from importaudit.api.runs import (
    Environments,
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
    from collections.abc import Sequence
    from typing import TextIO

    from importaudit.merge import Merged
    from importaudit.model import ModuleRecord, Report, StaticGraph
    from importaudit.review.context import ReviewSettings, StarCheck
    from importaudit.review.order import LazyBreak, LazyCheck, LazyTrial


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
        targets, notes = _with_distribution(targets, options.measure, envs)
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
    lazy = (_lazy_check(static.graph, options.measure, envs)
            if measured is None and static.graph is not None and options.prove_lazy
            and (chosen is None or chosen & _LAZY_PARENT_RULES) else None)
    settings = ReviewSettings(select=chosen, ignore=options.ignore,
                              fold_pulls=options.fold_pulls, star_check=star,
                              lazy_check=lazy, lazy_names=lazy_names)
    if measured is None:
        report, kept = _settled(report, settings, targets, options.measure, envs)
        settings = dataclasses.replace(settings, kept_verdicts=tuple(kept.items()))
    return review_report(report, settings)


def _with_distribution(targets: Sequence[str], measure: Measure, envs: Environments,
                       ) -> tuple[list[str], tuple[str, ...]]:
    """`targets` and the other packages of their distributions that they import at import time.

    pytest's code is in `_pytest`, which the pytest distribution installs beside it and
    `pytest/__init__.py` imports: a review of pytest alone measured 247 modules and
    found nothing, since `_pytest` counted as a dependency. A package of the same
    distribution that the targets' import does not reach (pytest's `py` shim) stays
    out: it costs the targets nothing. Only a target named as an installed top-level
    package counts (not a path, nor a tree of the user's own); what is added is read
    from the distribution's installed files, in the measured environment, and
    reached through the static graph's import-time edges. Returns the notes that say
    what was added.
    """
    from importaudit.model import IMPORT_TIME_KINDS
    from importaudit.runtime.interpreter import distribution_siblings
    from importaudit.static.discover import names_a_path

    here = Path.cwd()
    names = [t for t in targets if t.isidentifier() and not names_a_path(t, here)]
    if not names:
        return list(targets), ()
    interpreter = envs.interpreter(measure)
    installed: dict[str, tuple[str, frozenset[str]]] = {}  # target -> (distribution, others)
    for name in names:
        found = distribution_siblings(interpreter, name, measure.timeout)
        if found is not None and found[1]:
            installed[name] = (found[0], frozenset(found[1]))
    if not installed:
        return list(targets), ()
    chosen = list(targets)
    added: dict[str, list[str]] = {}  # target -> the packages added for it
    tops: dict[str, str] = {}  # a package walked -> the target it was added for
    tops.update((t, t) for t in installed)
    while True:
        graph = static_graph(chosen, StaticOptions(measure=measure), environments=envs)
        reached: dict[str, str] = {}
        for edge in graph.edges:
            importer, top = edge.importer.split(".")[0], edge.imported.split(".")[0]
            owner = tops.get(importer)
            if (owner is not None and top not in tops and edge.kind in IMPORT_TIME_KINDS
                    and top in installed[owner][1]):
                reached.setdefault(top, owner)
        if not reached:
            break
        for top, owner in sorted(reached.items()):
            tops[top] = owner
            chosen.append(top)
            added.setdefault(owner, []).append(top)
    notes = tuple(
        f"reviewed {', '.join(more)} too: the {installed[owner][0]} distribution installs "
        f"{'it' if len(more) == 1 else 'them'} beside {owner}, and importing {owner} "
        f"loads {'it' if len(more) == 1 else 'them'} (--no-distribution reviews {owner} "
        "alone)" for owner, more in added.items())
    return chosen, notes


def _settled(report: Report, settings: ReviewSettings, targets: Sequence[str],
             measure: Measure, envs: Environments) -> tuple[Report, dict[str, bool]]:
    """`report` with the modules whose time verdict was near its threshold measured again.

    They are imported again, without the rest of the tree, `SETTLE_REPEAT` times (after
    a warm-up, like any profile), and their CPU figures replace the tree run's: the
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
    extra_path = resolve_targets(targets).extra_path
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
                            self_cpu_ns_min=measured[m.name].self_cpu_ns_min)
        if m.name in measured else m for m in report.modules)
    notes = [f"measured {', '.join(measured)} again ({SETTLE_REPEAT} runs, without the "
             "rest of the tree): the CPU time of the body was near IA602's threshold"]
    judged = [verdicts.Judged(name, record.origin, record.self_cpu_ns or 0, near[name])
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


def _lazy_check(graph: StaticGraph, measure: Measure, envs: Environments) -> LazyCheck:
    """A lazy `__init__` tried from a copy in fresh interpreters (see `fix.order`)."""

    def check(trial: LazyTrial) -> LazyBreak | None:
        from importaudit.fix.order import first_break
        from importaudit.runtime.verify import import_roots

        return first_break(trial, envs.interpreter(measure),
                           extra_path=import_roots(graph, trial.entries),
                           timeout=measure.timeout)

    return check


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

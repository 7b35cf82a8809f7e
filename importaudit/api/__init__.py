"""The use cases of importaudit: the one place that wires the parts together.

Each use case takes its subject (targets, a program, saved reports) and its options
object, built once by the command line (or the caller) from flags, `[tool.importaudit]`
and defaults: a `Measure` (profile, why), `StaticOptions` (graph, cycles),
`ReviewOptions` (review), `FixOptions` (fix), or the whole `Config` (the gate). Each
returns a `Report` (or a small result object around one) and raises `ImportAuditError`
subclasses for what the user must fix. The CLI and the pytest plugin are thin adapters
over these functions; one module per family:

- `runs`: what all share (targets resolved, one run's interpreters, the walk);
- `profiling`: profile, profile_program, profile_importtime, why, shard_plan;
- `static`: graph, cycles, static_graph, import_graph;
- `gate`: check, calibrate, the baseline's save, show and diff;
- `reviewing`: review, review_program, report, merge_reports;
- `fixing`: fix.

The names are attached lazily (PEP 562): a command imports only the family it uses, so
`importaudit cycles` loads neither the runtime measurement nor review or fix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from importaudit._lazy import attach

if TYPE_CHECKING:
    from importaudit.api.fixing import fix
    from importaudit.api.gate import (
        calibrate,
        check,
        diff_reports,
        exit_status,
        load_config,
        save_baseline,
        show_baseline,
    )
    from importaudit.api.profiling import (
        Program,
        profile,
        profile_importtime,
        profile_program,
        shard_plan,
        why,
    )
    from importaudit.api.reviewing import (
        load_reports,
        merge_reports,
        report,
        review,
        review_program,
    )
    from importaudit.api.runs import Environments, ResolvedTargets, resolve_targets, shown_path
    from importaudit.api.static import cycles, graph, import_graph, static_graph
    from importaudit.config.options import (
        FixOptions,
        Measure,
        ReviewOptions,
        StaticOptions,
        program_measure,
    )

#: public name -> the module that defines it (imported on first use of one of its names)
_HOMES: dict[str, str] = {
    **dict.fromkeys(("fix",), "importaudit.api.fixing"),
    **dict.fromkeys(("calibrate", "check", "diff_reports", "exit_status", "load_config",
                     "save_baseline", "show_baseline"), "importaudit.api.gate"),
    **dict.fromkeys(("Program", "profile", "profile_importtime", "profile_program",
                     "shard_plan", "why"), "importaudit.api.profiling"),
    **dict.fromkeys(("load_reports", "merge_reports", "report", "review", "review_program"),
                    "importaudit.api.reviewing"),
    **dict.fromkeys(("Environments", "ResolvedTargets", "resolve_targets", "shown_path"),
                    "importaudit.api.runs"),
    **dict.fromkeys(("cycles", "graph", "import_graph", "static_graph"),
                    "importaudit.api.static"),
    **dict.fromkeys(("FixOptions", "Measure", "ReviewOptions", "StaticOptions",
                     "program_measure"), "importaudit.config.options"),
}

__all__ = [
    "Environments", "FixOptions", "Measure", "Program", "ResolvedTargets", "ReviewOptions",
    "StaticOptions", "calibrate", "check", "cycles", "diff_reports", "exit_status", "fix",
    "graph", "import_graph", "load_config", "load_reports", "merge_reports", "profile",
    "profile_importtime", "profile_program", "program_measure", "report", "resolve_targets",
    "review", "review_program", "save_baseline", "shard_plan", "show_baseline", "shown_path",
    "static_graph", "why",
]


__getattr__, __dir__ = attach(__name__, _HOMES)

"""Regenerate the before/after import review of risk_management against its legacy twin.

    python reports/regenerate.py [--repeat N] [--no-isolated]

"Before" is the legacy twin in tests/fixtures/legacy (risk_management + trading_engine
as review batch 10 found them); "after" is the real risk_management of this repo. Both
are profiled (every module of the tree, in a clean child interpreter), read statically
and reviewed; with isolated profiles (the default) each module is also measured alone
in a fresh interpreter, which is what the per-module table compares. Writes:

- reports/risk_management-review.md    the review, committed (replaces the seed's estimates;
  ends with each seed issue 3310-3319 mapped to the finding that detects it, see seed.py)
- reports/risk_management-review.html  the same as an interactive page (not committed)
- reports/legacy.json, reports/risk_management.json  the reviewed reports, for
  `importaudit report reports/legacy.json reports/risk_management.json --format html`
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "reports"
LEGACY = ROOT / "tests" / "fixtures" / "legacy"
LABELS = ("legacy (before)", "risk_management (after)")


def main(argv: list[str] | None = None) -> int:
    """Measure, review and write both reports; 0 on success."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="measured runs (medians)")
    parser.add_argument("--no-isolated", action="store_true",
                        help="skip the per-module isolated profiles (faster)")
    args = parser.parse_args(argv)

    os.chdir(ROOT)  # file paths in the review are shown relative to the repo
    sys.path.insert(0, str(ROOT))
    from importaudit import api
    from importaudit._atomic import write_text_atomic
    from importaudit.model import report_to_dict
    from importaudit.render.html import page
    from importaudit.render.markdown import comparison_markdown

    with tempfile.TemporaryDirectory() as scratch:
        # The legacy twin creates and connects to a SQLite file at import: keep it here.
        os.environ["LEGACY_RISK_DB"] = str(Path(scratch) / "legacy_risk.sqlite3")
        legacy_targets = [str(LEGACY / "risk_management"), str(LEGACY / "trading_engine")]
        print("reviewing the legacy twin ...", file=sys.stderr)
        before = api.review(legacy_targets,
                            api.ReviewOptions(measure=api.Measure(repeat=args.repeat)))
        # ISSUE-3316/3317 live in how the package is used: its asyncio service, run.
        print("reviewing the legacy service as a program ...", file=sys.stderr)
        service = api.Program("script", str(LEGACY / "risk_service.py"), stdout_to_stderr=True)
        program = api.review_program(service, api.ReviewOptions(
            measure=api.program_measure(api.Measure(), repeat=args.repeat)))
        print("reviewing risk_management ...", file=sys.stderr)
        after = api.review([str(ROOT / "risk_management")],
                           api.ReviewOptions(measure=api.Measure(repeat=args.repeat)))
        isolated = (None, None)
        if not args.no_isolated:
            print("isolated profiles ...", file=sys.stderr)
            isolated = (
                api.profile([str(LEGACY / "risk_management")], api.Measure(isolated=True,
                                                                           repeat=args.repeat)),
                api.profile([str(ROOT / "risk_management")], api.Measure(isolated=True,
                                                                         repeat=args.repeat)),
            )

    import json

    for name, report in (("legacy.json", before), ("risk_management.json", after)):
        write_text_atomic(OUT / name, json.dumps(report_to_dict(report), indent=2) + "\n")
    sys.path.insert(0, str(OUT))
    from seed import seed_markdown

    write_text_atomic(OUT / "risk_management-review.md",
                      comparison_markdown(before, after, labels=LABELS, isolated=isolated)
                      + "\n" + seed_markdown(before, program, isolated[0]))
    write_text_atomic(OUT / "risk_management-review.html",
                      page((before, after), LABELS, "importaudit: risk_management, before "
                           "and after review batch 10"))
    print(f"wrote {OUT / 'risk_management-review.md'} and .html", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The HTML report at scale: file size and time to interactive of a large real report.

Measures the import tree of large real packages (default: sympy, django, pandas,
sqlalchemy and numpy in the interpreter given by --python, several thousand modules)
and, side by side, the small tree of this repo's risk_management; renders both with
`importaudit report --format html`; then opens each page in headless Chromium
(Debian's `chromium`, through Playwright) several times, interleaved, and takes the
median of `domContentLoadedEventEnd`: the page's script runs inline at the end of the
body, so by then it has unpacked the data, drawn the chart, the timeline and the
table and attached its handlers. Prints sizes, bytes per module, the medians and the
ratio between the two pages, with the issue's targets (a 5,000-module page under
~1.5 MB, interactive in under a second). Nothing is asserted.

    python benchmarks/bench_html.py [--python EXE] [--runs 7] [--report BIG.json] [PKG ...]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PACKAGES = ["sympy", "django", "pandas", "sqlalchemy", "numpy"]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def run(command: list[str]) -> None:
    """Run one command; stop the benchmark with its output if it failed."""
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stderr[-2000:]}")


def importaudit(*args: str) -> list[str]:
    return [sys.executable, "-m", "importaudit", *args]


def modules_in(report: Path) -> int:
    data = json.loads(report.read_text(encoding="utf-8"))
    return sum(not m.get("preloaded") for m in data["modules"])


def _note(errors: list[str], exc: object) -> None:
    """Keep a page's uncaught JavaScript error (the page then failed to load)."""
    errors.append(str(exc))


def main(argv: list[str] | None = None) -> int:
    """Measure, render and time both pages; 0 when every command succeeded."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("packages", nargs="*", default=DEFAULT_PACKAGES)
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter whose packages are measured")
    parser.add_argument("--runs", type=int, default=7, help="page loads per page (median)")
    parser.add_argument("--report", type=Path, help="a saved large report instead of measuring")
    args = parser.parse_args(argv)
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("no chromium on this machine (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        big, small = args.report or folder / "big.json", folder / "small.json"
        if args.report is None:
            print(f"measuring the tree of {', '.join(args.packages)} ...", file=sys.stderr)
            run(importaudit("profile", "--tree", *args.packages, "--python", args.python,
                            "--repeat", "1", "--format", "json", "-o", str(big)))
        run(importaudit("profile", "--tree", "risk_management", "--repeat", "1",
                        "--format", "json", "-o", str(small)))
        pages = {}
        for name, report in (("large", big), ("small", small)):
            html = folder / f"{name}.html"
            run(importaudit("report", str(report), "--format", "html", "-o", str(html)))
            pages[name] = (html, modules_in(report), html.stat().st_size)

        times: dict[str, list[float]] = {name: [] for name in pages}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, headless=True,
                                                 args=CHROMIUM_ARGS)
            for _ in range(args.runs):
                for name, (html, _count, _size) in pages.items():  # interleaved: drift hits both
                    page = browser.new_page(viewport={"width": 1280, "height": 900})
                    errors: list[str] = []
                    page.on("pageerror", partial(_note, errors))
                    page.goto(html.as_uri())
                    page.wait_for_selector("body[data-ready=true]")
                    if errors:
                        sys.exit(f"{name} page failed: {errors}")
                    times[name].append(page.evaluate(
                        "performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"))
                    page.close()
            browser.close()

    print(f"{'page':6} {'modules':>8} {'size':>10} {'bytes/module':>13} {'interactive':>12}")
    medians = {}
    for name, (_html, count, size) in pages.items():
        medians[name] = statistics.median(times[name])
        print(f"{name:6} {count:8d} {size / 1e6:8.2f} MB {size / max(count, 1):13.0f} "
              f"{medians[name]:9.0f} ms")
    print(f"large/small time to interactive: {medians['large'] / medians['small']:.2f}x "
          f"(median of {args.runs} loads each)")
    print("targets: a 5,000-module page under ~1.5 MB, interactive in under 1 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

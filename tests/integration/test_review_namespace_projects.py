"""A project inside namespace packages shared with other distributions (google.cloud.*).

tests/fixtures/review/spread_ns has google-cloud-storage's shape: `vendorns` and
`vendorns.cloud` have no `__init__.py` and are spread over two site directories;
`vendorns.cloud.store` is the reviewed project and `vendorns.core` a dependency another
distribution installed in the same namespace (google.auth). Reviewing
google.cloud.storage reported IA101 on google.auth, google.api_core.retry and
google.resumable_media and an IA401 in google.protobuf, and `fix` rewrote them and
put its shared helper in `google/`, the folder every google-* distribution shares.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from importaudit.cli import cli

SPREAD = Path(__file__).resolve().parents[1] / "fixtures" / "review" / "spread_ns"
STORE = SPREAD / "site_a" / "vendorns" / "cloud" / "store"
ENV = f"PYTHONPATH={SPREAD / 'site_a'}{os.pathsep}{SPREAD / 'site_b'}"


def _run(*args: str, target: str = "vendorns.cloud.store", env: str = ENV) -> dict[str, Any]:
    result = CliRunner().invoke(cli, [*args, target, "--env", env,
                                      "--repeat", "1", "--format", "json", "-o", "-"])
    assert result.exit_code == 1, result.output  # findings / rewrites to apply
    found: dict[str, Any] = json.loads(result.stdout)
    return found


def test_only_the_project_inside_the_namespace_is_reviewed() -> None:
    report = _run("review")
    flagged = {(f["code"], f["module"]) for f in report["findings"]}
    assert ("IA101", "vendorns.cloud.store") in flagged
    assert ("IA101", "vendorns.cloud.store.media") in flagged
    # The other distribution's eager __init__ is not this project's to fix.
    assert not [f for f in flagged if not f[1].startswith("vendorns.cloud.store")]


def test_fix_rewrites_the_project_only_and_keeps_its_helper_inside_it() -> None:
    before = {p: p.read_bytes() for p in SPREAD.rglob("*.py")}
    result = _run("fix")
    files = {Path(r["file"]).resolve() for r in result["rewrites"]}
    assert files == {STORE / "__init__.py", STORE / "media" / "__init__.py",
                     STORE / "_lazy_exports.py"}
    assert {p: p.read_bytes() for p in SPREAD.rglob("*.py")} == before  # nothing written


def test_a_namespace_package_as_the_target_is_its_own_projects_not_the_namespace() -> None:
    # `review google.cloud` reported IA101 on google.auth and google.api_core: the
    # target, a namespace package, counted as the whole `google` namespace.
    result = CliRunner().invoke(cli, ["review", "vendorns.cloud", "--env", ENV, "--repeat",
                                      "1", "--format", "json", "-o", "-"])
    assert result.exit_code == 1, result.output
    flagged = {(f["code"], f["module"]) for f in json.loads(result.stdout)["findings"]}
    assert ("IA101", "vendorns.cloud.store") in flagged
    assert not [f for f in flagged if not f[1].startswith("vendorns.cloud.")]


def test_a_submodule_taken_from_a_namespace_package_is_the_dependency() -> None:
    # `from google.cloud import storage` was IA102's dependency `google`, the namespace:
    # with `from google.cloud import bigquery` used at import time too, `google` was
    # needed at import and storage, used only in a function, was never reported.
    site = Path(__file__).resolve().parents[1] / "fixtures" / "review" / "from_ns" / "site"
    result = CliRunner().invoke(cli, ["review", "nsreport", "--env", f"PYTHONPATH={site}",
                                      "--select", "IA102", "--repeat", "1",
                                      "--format", "json", "-o", "-"])
    assert result.exit_code == 1, result.output
    found = [(f["module"], f["chain"]) for f in json.loads(result.stdout)["findings"]]
    assert found == [("nsreport", ["nsreport", "fromns.heavy"])]


def test_fix_defers_a_submodule_taken_from_a_namespace_package() -> None:
    # With the dependency named fromns.heavy, the deferral matched only statements that
    # import from fromns.heavy: `from fromns import heavy` stayed where it was.
    site = Path(__file__).resolve().parents[1] / "fixtures" / "review" / "from_ns" / "site"
    result = _run("fix", "--select", "IA102", target="nsreport", env=f"PYTHONPATH={site}")
    (rewrite,) = result["rewrites"]
    assert (rewrite["module"], rewrite["codes"], rewrite["proof"]["passed"]) == (
        "nsreport", ["IA102"], True)
    assert "-from fromns import heavy\n" in rewrite["diff"]
    assert "+    from fromns import heavy\n" in rewrite["diff"]
    assert "-from fromns import light" not in rewrite["diff"]  # used at import: it stays


PKGUTIL = Path(__file__).resolve().parents[1] / "fixtures" / "review" / "spread_pkgutil"
PKGUTIL_ENV = f"PYTHONPATH={PKGUTIL / 'site_a'}{os.pathsep}{PKGUTIL / 'site_b'}"


def test_a_pkgutil_style_namespace_is_no_project_either() -> None:
    # azure.storage.blob 2.x over azure-storage-nspkg: `azure/storage/__init__.py` only
    # declares the namespace, and the review judged azure.storage.common, another
    # distribution, as the project's own code (IA101, IA102, IA103 on it).
    report = _run("review", target="pkgns.store", env=PKGUTIL_ENV)
    flagged = {(f["code"], f["module"]) for f in report["findings"]}
    assert flagged == {("IA101", "pkgns.store"), ("IA101", "pkgns.store.media")}


def test_fix_leaves_the_other_distributions_of_a_pkgutil_namespace_alone() -> None:
    store = PKGUTIL / "site_a" / "pkgns" / "store"
    before = {p: p.read_bytes() for p in PKGUTIL.rglob("*.py")}
    result = _run("fix", target="pkgns.store", env=PKGUTIL_ENV)
    files = {Path(r["file"]).resolve() for r in result["rewrites"]}
    assert files == {store / "__init__.py", store / "media" / "__init__.py",
                     store / "_lazy_exports.py"}
    assert {p: p.read_bytes() for p in PKGUTIL.rglob("*.py")} == before  # nothing written

"""The shared lazy-export helper: caching, dir(), errors, eager mode, threads, warm-up."""

from __future__ import annotations

import ast
import asyncio
import importlib
import sys
import textwrap
import threading
import time
from pathlib import Path
from types import ModuleType

import pytest

from risk_management import _lazy

PACKAGE_ROOT = Path(__file__).resolve().parents[3] / "risk_management"


def make_package(root: Path, name: str, init: str, **modules: str) -> None:
    """Write package *name* under *root* (already on sys.path) with *modules*."""
    package = root / name
    package.mkdir()
    (package / "__init__.py").write_text(textwrap.dedent(init))
    for module, source in modules.items():
        (package / f"{module}.py").write_text(textwrap.dedent(source))


@pytest.fixture
def tmp_root(tmp_path: Path) -> Path:
    sys.path.insert(0, str(tmp_path))  # the autouse fixture restores sys.path
    return tmp_path


INIT = """
from risk_management._lazy import attach
__getattr__, __dir__, __all__ = attach(
    __name__, submodules=("sub",), attributes={"Thing": ".things", "other": ".things"}
)
"""
THINGS = """
LOADS = []
LOADS.append(1)
class Thing:
    pass
other = object()
"""


def test_names_load_on_first_access_and_are_cached(tmp_root: Path) -> None:
    make_package(tmp_root, "lazy_a", INIT, things=THINGS, sub="VALUE = 3\n")
    package = importlib.import_module("lazy_a")
    assert "lazy_a.things" not in sys.modules
    thing = package.Thing
    assert thing is sys.modules["lazy_a.things"].Thing
    assert "Thing" in vars(package)  # cached: the next read never reaches __getattr__
    assert package.sub.VALUE == 3
    assert package.other is sys.modules["lazy_a.things"].other
    assert sys.modules["lazy_a.things"].LOADS == [1]


def test_dir_lists_lazy_names_before_they_load(tmp_root: Path) -> None:
    make_package(tmp_root, "lazy_b", INIT, things=THINGS, sub="")
    package = importlib.import_module("lazy_b")
    assert {"Thing", "other", "sub"} <= set(dir(package))
    assert "lazy_b.things" not in sys.modules
    assert package.__all__ == ["Thing", "other", "sub"]


def test_unknown_names_get_a_helpful_error(tmp_root: Path) -> None:
    make_package(tmp_root, "lazy_c", INIT, things=THINGS, sub="")
    package = importlib.import_module("lazy_c")
    with pytest.raises(AttributeError, match=r"no attribute 'Thnig'; did you mean 'Thing'") as err:
        _ = package.Thnig
    assert err.value.name == "Thnig"
    with pytest.raises(AttributeError, match="it exports Thing, other, sub"):
        _ = package.zzzzzz
    assert not hasattr(package, "nothing_like_it")


def test_a_broken_lazy_target_names_the_culprit(tmp_root: Path) -> None:
    make_package(tmp_root, "lazy_d", INIT, things="class Thing: pass\n", sub="")
    package = importlib.import_module("lazy_d")
    with pytest.raises(AttributeError, match=r"lazy_d.other is declared lazily in 'lazy_d.things'"):
        _ = package.other


def test_eager_mode_resolves_everything_at_import(
    tmp_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(_lazy.EAGER_ENV, "1")
    make_package(tmp_root, "lazy_e", INIT, things=THINGS, sub="")
    package = importlib.import_module("lazy_e")
    assert {"Thing", "other", "sub"} <= set(vars(package))


def test_eager_mode_turns_a_broken_target_into_an_import_error(
    tmp_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(_lazy.EAGER_ENV, "true")
    make_package(tmp_root, "lazy_f", INIT, things="class Thing: pass\n", sub="")
    with pytest.raises(AttributeError, match="defines no 'other'"):
        importlib.import_module("lazy_f")


@pytest.mark.parametrize("value", ["", "0", "no", "off"])
def test_eager_switch_is_off_unless_asked(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(_lazy.EAGER_ENV, value)
    assert not _lazy.eager_requested()


def test_declarations_are_checked(tmp_root: Path) -> None:
    make_package(
        tmp_root,
        "lazy_g",
        "from risk_management._lazy import attach\n"
        'attach(__name__, submodules=("x",), attributes={"x": ".y"})\n',
    )
    with pytest.raises(ValueError, match="declared twice"):
        importlib.import_module("lazy_g")
    make_package(
        tmp_root,
        "lazy_h",
        "from risk_management._lazy import attach\n"
        'attach(__name__, attributes={"A": ".a"}, star=("B",))\n',
    )
    with pytest.raises(ValueError, match="__all__ names nothing declared: B"):
        importlib.import_module("lazy_h")


def test_relative_targets_resolve_against_the_package() -> None:
    assert _lazy._absolute("a.b.c", ".x") == "a.b.c.x"
    assert _lazy._absolute("a.b.c", "..x.y") == "a.b.x.y"
    assert _lazy._absolute("a.b.c", "..") == "a.b"
    assert _lazy._absolute("a.b.c", "os.path") == "os.path"


def test_two_threads_touching_a_name_first_get_one_object(tmp_root: Path) -> None:
    gate = ModuleType("lazy_gate")
    gate.entered = threading.Event()  # type: ignore[attr-defined]
    gate.release = threading.Event()  # type: ignore[attr-defined]
    gate.runs = 0  # type: ignore[attr-defined]
    sys.modules["lazy_gate"] = gate
    slow = """
    import lazy_gate
    lazy_gate.runs += 1
    lazy_gate.entered.set()
    assert lazy_gate.release.wait(10), "test never released the import"
    class Thing:
        pass
    other = object()
    """
    make_package(tmp_root, "lazy_i", INIT, things=slow, sub="")
    package = importlib.import_module("lazy_i")
    results: list[object] = []
    errors: list[BaseException] = []

    def read() -> None:
        try:
            results.append(package.Thing)
        except BaseException as exc:
            errors.append(exc)

    first = threading.Thread(target=read)
    first.start()
    assert gate.entered.wait(10)  # type: ignore[attr-defined]
    # The first thread is inside the module body; the others now race it.
    others = [threading.Thread(target=read) for _ in range(4)]
    for t in others:
        t.start()
    time.sleep(0.05)  # widen the window; the test does not depend on its length
    gate.release.set()  # type: ignore[attr-defined]
    for t in [first, *others]:
        t.join(10)
    assert errors == []
    assert len(results) == 5
    assert len({id(r) for r in results}) == 1
    assert gate.runs == 1  # type: ignore[attr-defined]


def test_warm_async_does_not_block_the_event_loop(tmp_root: Path) -> None:
    gate = ModuleType("lazy_gate2")
    gate.release = threading.Event()  # type: ignore[attr-defined]
    sys.modules["lazy_gate2"] = gate
    # This module can only finish importing once the event loop has run a coroutine:
    # if warming blocked the loop, the import would time out and fail.
    (tmp_root / "needs_the_loop.py").write_text(
        "import lazy_gate2\n"
        "assert lazy_gate2.release.wait(10), 'the event loop was blocked'\n"
        "READY = True\n"
    )

    async def main() -> tuple[ModuleType, ...]:
        warming = asyncio.ensure_future(_lazy.warm_async(["needs_the_loop", "json"]))
        await asyncio.sleep(0)
        gate.release.set()  # type: ignore[attr-defined]
        return await warming

    loaded = asyncio.run(main())
    assert [m.__name__ for m in loaded] == ["needs_the_loop", "json"]
    assert loaded[0].READY


def test_warm_up_default_list_names_real_modules() -> None:
    from risk_management._warm import HEAVY_MODULES

    for name in HEAVY_MODULES:
        assert importlib.util.find_spec(name) is not None, name


# --------------------------------------------------------------------------- the real package


def init_files() -> list[Path]:
    return sorted(PACKAGE_ROOT.rglob("__init__.py"))


def declared(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(names imported under TYPE_CHECKING, names given to attach) -> absolute module."""
    tree = ast.parse(path.read_text())
    package = ".".join(path.parent.relative_to(PACKAGE_ROOT.parent).parts)
    typed: dict[str, str] = {}
    lazy: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            for stmt in node.body:
                assert isinstance(stmt, ast.ImportFrom), ast.dump(stmt)
                base = _lazy._absolute(package, "." * stmt.level + (stmt.module or ""))
                for alias in stmt.names:
                    assert alias.asname == alias.name, "re-export needs 'X as X'"
                    typed[alias.name] = base if stmt.module else f"{base}.{alias.name}"
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            keywords = {k.arg: ast.literal_eval(k.value) for k in node.value.keywords}
            for name in keywords.get("submodules", ()):
                lazy[name] = f"{package}.{name}"
            for name, where in keywords.get("attributes", {}).items():
                lazy[name] = _lazy._absolute(package, where)
    return typed, lazy


@pytest.mark.parametrize(
    "path", init_files(), ids=lambda p: str(p.parent.relative_to(PACKAGE_ROOT.parent))
)
def test_type_checking_block_matches_the_lazy_map(path: Path) -> None:
    typed, lazy = declared(path)
    assert lazy, "every __init__ exports through attach()"
    assert typed == lazy


def test_every_init_uses_the_shared_helper_and_defines_no_getattr() -> None:
    for path in init_files():
        source = path.read_text()
        assert "from risk_management._lazy import attach" in source, path
        assert "def __getattr__" not in source, path

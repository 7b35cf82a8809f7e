"""`--style lazy-loader` and `--style pep810`: what each writes, and what lazy_loader refuses."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from importaudit.fix.lazy_init import InitPlan, Surface, plan_init
from importaudit.fix.styles import lazy_loader_refusal, render_lazy_loader, render_pep810

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "fix"


def plan(folder: Path, package: str) -> InitPlan:
    return plan_init(package, folder / package / "__init__.py", f"{package}/__init__.py")


# What importing each original shows (as proof.snapshot records it): the submodules its
# imports loaded, the names a star import binds, its globals and its __all__.
ATTACH = Surface({"colours": ".colours", "deep": ".deep", "shapes": ".shapes"},
                 ("Circle", "Leaf", "Square", "colours"),
                 frozenset({"Circle", "Leaf", "Square", "colours", "deep", "shapes",
                            "__version__", "__all__", "__name__"}),
                 ("Circle", "Leaf", "Square", "colours"))
P810 = Surface({"colours": ".colours", "shapes": ".shapes"},
               ("Box", "Circle", "RED", "colours", "shapes"),
               frozenset({"Box", "Circle", "RED", "_PALETTE", "colours", "shapes"}))


def test_lazy_loader_form_attaches_every_name_and_the_stub_keeps_the_imports() -> None:
    found = plan(FIX / "style_attach", "fix_attach")
    assert lazy_loader_refusal(found, ATTACH) is None
    init, stub = render_lazy_loader(found, ATTACH)
    module = cst.parse_module(init)
    code = [module.code_for_node(s.with_changes(leading_lines=[])) for s in module.body]
    assert "import lazy_loader as lazy\n" in code
    call = next(c for c in code if c.startswith("__getattr__, __dir__, __all__ = lazy.attach("))
    # The names lazy_loader loads, by submodule relative to the package (dots inside),
    # and the submodules the eager imports used to load as attributes.
    assert "submodules=['colours', 'deep', 'shapes']" in call
    assert "'shapes': ['Circle', 'Square']" in call and "'deep.inner': ['Leaf']" in call
    # __all__ is still the module's own: its assignment comes after the attach call.
    assert code.index(call) < code.index('__all__ = ["Circle", "Leaf", "Square", "colours"]\n')
    assert "from ." not in init
    # The stub: the imports as written (comment kept), the dunders, __all__ as it was.
    assert "# Shapes\nfrom .shapes import Circle, Square\nfrom . import colours\n" in stub
    assert "from .deep.inner import Leaf\n" in stub and '__version__ = "1.0"\n' in stub
    assert stub.endswith("__all__ = ['Circle', 'Leaf', 'Square', 'colours']\n")


@pytest.mark.parametrize(("package", "surface", "reason"), [
    # `Square as Box`: attach loads a name from the attribute of the same name only.
    ("fix_plain", Surface({"shapes": ".shapes"}, (), frozenset({"Box", "Circle", "colours"})),
     "lazy_loader.attach cannot rename: Box (is Square)"),
    # Engine stays eager (the module uses it); attach's __dir__ would not list it.
    ("fix_modlevel", Surface({}, (), frozenset({"Engine", "Other", "DEFAULT"})),
     "DEFAULT, Engine would vanish from dir()"),
])
def test_lazy_loader_refuses_what_its_contract_cannot_keep(
        package: str, surface: Surface, reason: str) -> None:
    found = lazy_loader_refusal(plan(FIX, package), surface)
    assert found is not None and reason in found


def test_lazy_loader_leaves_a_stub_of_the_user_alone(tmp_path: Path) -> None:
    package = tmp_path / "fix_attach"
    package.mkdir()
    (package / "__init__.py").write_text("from .shapes import Circle\n")
    (package / "shapes.py").write_text("class Circle: pass\n")
    (package / "__init__.pyi").write_text("from .shapes import Circle as Circle\n")
    found = lazy_loader_refusal(plan(tmp_path, "fix_attach"),
                                Surface({"shapes": ".shapes"}, (), frozenset({"Circle"})))
    assert found == "it has a stub already (__init__.pyi): not overwritten"


def test_pep810_form_is_lazy_syntax_with_eager_names_split_off() -> None:
    after = render_pep810(plan(FIX / "style_pep810", "fix_p810"), P810)
    module = cst.parse_module(after)  # libcst's PEP 810 grammar: no Python here has it
    kinds = [(type(s.body[0]).__name__, module.code_for_node(s).strip().splitlines()[-1])
             for s in module.body[1:]]
    assert kinds == [
        ("LazyImportFrom", "lazy from .shapes import Circle, Square as Box"),
        ("ImportFrom", "from .colours import _PALETTE"),  # private: stays eager
        ("LazyImportFrom", "lazy from .colours import RED"),
        # shapes was an attribute only because the eager import loaded it; colours is
        # still loaded by the eager import of _PALETTE.
        ("LazyImportFrom", "lazy from . import shapes"),
    ]
    assert "# Shapes\nlazy from .shapes import" in after


def test_the_style_flag_offers_exactly_the_styles_fix_knows() -> None:
    import click

    from importaudit.cli.review import fix
    from importaudit.fix.styles import STYLES

    (option,) = [p for p in fix.params if p.name == "fix_style"]  # the key it sets
    assert isinstance(option.type, click.Choice)
    assert tuple(option.type.choices) == STYLES


def test_lazy_loader_does_not_replace_the_modules_own_getattr() -> None:
    from importaudit.fix.lazy_init import Surface, plan_init
    from importaudit.fix.styles import lazy_loader_refusal

    init = FIX / "fix_owngetattr" / "__init__.py"
    found = plan_init("fix_owngetattr", init, "fix_owngetattr/__init__.py")
    reason = lazy_loader_refusal(found, Surface())
    assert reason is not None and "__dir__ and __getattr__" in reason
    assert "--style pep562 asks them after the lazy names" in reason


"""What a test leaves in sys.modules: its own modules are forgotten, shared ones kept.

Importable from any test: pytest puts tests/ on sys.path for tests/conftest.py (whose
module name, `conftest`, other folders' conftest files share).
"""

from __future__ import annotations

import importlib.machinery
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types import ModuleType


def _is_extension(module: ModuleType | None) -> bool:
    loader = getattr(getattr(module, "__spec__", None), "loader", None)
    return isinstance(loader, importlib.machinery.ExtensionFileLoader)


_INSTALLED = tuple({os.path.realpath(p) + os.sep
                    for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)})


def _installed(module: ModuleType | None) -> bool:
    """Whether `module` comes with this environment (the standard library, site-packages).

    Such a module is the same whichever test imports it first; a test's own packages
    (fixtures, tmp_path) and modules made in memory are not.
    """
    where = getattr(module, "__file__", None)
    if where is None:
        spec = getattr(module, "__spec__", None)
        if getattr(spec, "origin", None) in ("built-in", "frozen"):
            return True
        try:  # a namespace package's path is recomputed from its parent's
            found = list(getattr(module, "__path__", None) or ())
        except (KeyError, AttributeError):
            return False
        if not found:
            return False
        where = found[0]
    return os.path.realpath(where).startswith(_INSTALLED)


def forget_new_modules(before: dict[str, ModuleType]) -> None:
    """Leave sys.modules as `before` (in place: code under test may hold it), but for
    the new modules that must stay.

    Extension modules stay: one cannot be unloaded, and importing it again while
    objects of the first import live on (a worker pool's _pickle, _queue and
    _multiprocessing) corrupted the heap (segfaults in the site-packages differential
    test, depending on memory layout). importaudit's own modules stay too: its packages
    attach names on first use (`_lazy.attach`) and keep them, so deleting
    `importaudit.model.runtime` would leave `importaudit.model.RunMeta` a class whose
    module is gone (get_type_hints then fails in a later test, depending on the order
    tests run in). So do the installed modules they use: a deleted `rich.segment`
    imported again made the renderer's Segment another class than the console's
    (NotRenderableError in the next test).
    """
    # Decided before any is deleted: a nested namespace package's path is computed
    # from its parent's, which must still be there.
    doomed = [name for name, module in list(sys.modules.items())
              if name not in before and not (
                  _is_extension(module) or name.partition(".")[0] == "importaudit"
                  or _installed(module))]
    for name in doomed:
        del sys.modules[name]
    sys.modules.update(before)

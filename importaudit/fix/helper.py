"""The code a lazy `__init__` runs: `attach`, written inline or as one shared module.

The text below is what `importaudit fix` writes into the user's package, so it runs on
the Python versions the package supports (3.7 and later syntax only, standard library
only). One package `__init__` gets it inline as `_attach`; several `__init__`s of one
package share a module `_lazy_exports.py` at the package's top instead of a copy each.
"""

from __future__ import annotations

#: File name of the shared helper at the top of a package.
SHARED_MODULE = "_lazy_exports"

#: The helper, as a function named `{name}`; `{doc}` is its first docstring line.
_ATTACH = '''\
def {name}(package, lazy, hidden=(), own_getattr=None, own_dir=None):
    """{doc}

    `lazy` maps a public name to (module, attribute) as the import statement said it,
    attribute None for a submodule itself; `hidden` are names the rewrite added that
    the original module did not have, kept out of `dir()`. `own_getattr` and `own_dir`
    name the module's own `__getattr__` and `__dir__` (renamed), asked after the lazy
    names once the module has bound them.
    """
    import importlib
    import sys

    def __getattr__(name):
        try:
            module_name, attr = lazy[name]
        except KeyError:
            hook = vars(sys.modules[package]).get(own_getattr) if own_getattr else None
            if hook is not None:
                return hook(name)
            raise AttributeError(
                "module %r has no attribute %r" % (package, name)) from None
        module = importlib.import_module(module_name, package)
        if attr is None:
            value = module
        else:
            try:
                value = getattr(module, attr)
            except AttributeError:
                # `from .mod import sub` also imports a submodule not yet loaded.
                value = importlib.import_module("." + attr, module.__name__)
        setattr(sys.modules[package], name, value)  # later lookups skip __getattr__
        return value

    def __dir__():
        hook = vars(sys.modules[package]).get(own_dir) if own_dir else None
        names = set(hook() if hook is not None else vars(sys.modules[package]))
        return sorted(names - set(hidden) | set(lazy))

    return __getattr__, __dir__
'''

_DOC = "PEP 562 __getattr__ and __dir__ that import the names of `lazy` on first use."


def inline_helper() -> str:
    """The helper as a private function of one `__init__`."""
    return _ATTACH.format(name="_attach", doc=_DOC)


def shared_helper_module() -> str:
    """The source of the shared helper module (`_lazy_exports.py`)."""
    return (f'"""Lazy exports for this package\'s __init__ files (written by importaudit fix)."""'
            f"\n\n\n{_ATTACH.format(name='attach', doc=_DOC)}")

"""Source facts the report model does not hold, from one small ast pass per module.

The runtime profile says what a module cost and the static graph says what it imports;
some rules also need to know how the module *uses* what it imports (only inside
functions? only in annotations?), how long its `__all__` is, whether it defines empty
placeholder classes, and which calls run while it is being imported. `module_facts`
reads one source file and answers those questions; it never executes the code.

The work is split by job: `facts` holds the records, `syntax` the per-node helpers,
`collector` the walk and `classuses` its marker/behaviour part. Every public name is
importable from here as before.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

from importaudit.review.collector import _Collector, derived_classes, with_repeated
from importaudit.review.facts import (
    ANNOTATION_USES,
    DATACLASS_MARKERS,
    MAIN_BLOCK,
    Binding,
    BindingKind,
    ClassUse,
    ImportTimeCall,
    ModuleFacts,
    Placeholder,
    Statement,
    Use,
)
from importaudit.review.syntax import (
    ANNOTATION_LIBRARIES,
    ANNOTATION_READERS,
    IGNORE_MARK,
    has_future_annotations,
    ignore_comments,
    implemented,
    resolve_relative,
)

__all__ = [
    "ANNOTATION_LIBRARIES",
    "ANNOTATION_READERS",
    "ANNOTATION_USES",
    "DATACLASS_MARKERS",
    "IGNORE_MARK",
    "MAIN_BLOCK",
    "Binding",
    "BindingKind",
    "ClassUse",
    "ImportTimeCall",
    "ModuleFacts",
    "Placeholder",
    "Statement",
    "Use",
    "ignore_comments",
    "module_facts",
    "resolve_relative",
]


def module_facts(
    name: str, path: str, *, is_package: bool = False, lazy_annotations: bool = False,
) -> ModuleFacts | None:
    """Facts about module `name` read from `path`; None if it cannot be read or walked.

    `lazy_annotations` says the interpreter defers annotations itself (Python 3.14+);
    `from __future__ import annotations` in the file turns it on as well.
    The same text of the same module is read once a process (`_read`): `fix` reviews
    the tree again in each round, from a copy where a few files changed.
    """
    try:
        source = Path(path).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    key = (name, source, is_package, lazy_annotations)
    if key not in _READ:
        if len(_READ) >= READ_KEPT:
            _READ.clear()
        _READ[key] = _read(name, source, is_package, lazy_annotations, path)
    found = _READ[key]
    if found is None or found.path == path:
        return found
    return dataclasses.replace(found, path=path)


#: How many module texts' facts `module_facts` keeps (then it starts again).
READ_KEPT = 4096
#: (module, its text, is_package, lazy_annotations) -> its facts, read at one path.
_READ: dict[tuple[str, str, bool, bool], ModuleFacts | None] = {}


def _read(name: str, source: str, is_package: bool, lazy_annotations: bool,
          first: str) -> ModuleFacts | None:
    """`module_facts` of a module's text, read at path `first`.

    Nothing in the facts depends on the path but `path` itself (the caller replaces
    it); `first` names the file in what parsing it warns about.
    """
    try:
        tree = ast.parse(source, filename=first)
        lazy = lazy_annotations or has_future_annotations(tree)
        collector = _Collector(name, is_package, lazy)
        collector.texts["__doc__"] = ast.get_docstring(tree, clean=False) or ""
        collector.module_body = tree.body
        for stmt in tree.body:
            collector.visit(stmt)
    except (SyntaxError, ValueError):
        return None
    except RecursionError:
        # A generated expression nested deeper than the walk can recurse (sympy's
        # resolvent_lookup: sums nested 569 deep); its module stays unread, the review goes on.
        return None
    return ModuleFacts(
        name=name,
        path=first,
        lazy_annotations=lazy,
        all_names=collector.all_names,
        all_line=collector.all_line,
        bindings=tuple(collector.bindings),
        uses={k: frozenset(v) for k, v in collector.uses.items()},
        functions_using={k: tuple(sorted(v)) for k, v in collector.functions.items()},
        # Candidates: whether the package uses one as a marker is for the rule to judge
        # from every module's `class_uses`; an interface other classes of the module
        # implement by duck typing is none.
        placeholders=tuple(p for p in collector.placeholders
                           if not implemented(p, collector.class_methods)),
        calls=tuple(collector.calls),
        work=(*with_repeated(collector.work, collector.statement_calls),
              *derived_classes(name, collector.classes)),
        has_getattr=collector.has_getattr,
        lazy_map_names=tuple(sorted(collector.lazy_names)),
        lazy_modules=dict(sorted(collector.lazy_modules.items())),
        annotation_consumers=tuple(sorted(collector.consumers)),
        decorators=frozenset(collector.decorators),
        reading_annotations=frozenset(collector.reading_owners),
        class_bases=frozenset(collector.class_bases),
        ignores=ignore_comments(source),
        refs={k: frozenset(v - {k}) for k, v in collector.refs.items()},
        class_uses={k: frozenset(v) for k, v in collector.class_uses.items()},
        attrs_given={k: frozenset(v) for k, v in collector.attrs_given.items()},
        attrs_read={k: frozenset(v) for k, v in collector.attrs_read.items()},
        method_calls=frozenset(collector.method_calls),
        defined=frozenset(collector.defined),
        star_imports=tuple(collector.star_imports),
        value_aliases=dict(sorted(collector.value_aliases.items())),
    )

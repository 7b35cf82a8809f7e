"""How a module uses names that may be classes: as markers, or as if they had behaviour.

The placeholder rule asks this of every module: an empty class used only as a marker
(compared, a base, a dict key) is deliberate; one read for attributes or called with
arguments stands in for missing code. `_ClassUseVisitor` is the part of the source
collector that records it; the collector supplies the import aliases it resolves through.
"""

from __future__ import annotations

import ast
import builtins
from typing import TYPE_CHECKING

from importaudit.review.facts import ANNOTATION_USES, ClassUse
from importaudit.review.syntax import dotted, union_members

if TYPE_CHECKING:
    from collections.abc import Sequence

    from importaudit.review.facts import Use


class _ClassUseVisitor(ast.NodeVisitor):
    """Records in `class_uses` how each resolvable name is used (marker or behaviour)."""

    # Set by the collector that derives from this visitor.
    module: str
    aliases: dict[str, str]  # module-level import aliases: local name -> dotted name
    local_aliases: dict[str, str]  # names imported inside functions
    class_uses: dict[str, set[ClassUse]]
    # dotted name -> attributes code assigns on it (`*`: a `setattr` with a computed name)
    attrs_given: dict[str, set[str]]
    attrs_read: dict[str, set[str]]  # dotted name -> attributes code reads (not dunders)
    _use: Use  # how the node being walked is used

    def _resolve(self, expr: ast.expr) -> str | None:
        """The dotted name `expr` refers to: through the imports, else a global of ours."""
        name = dotted(expr)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        base = (self.aliases.get(head) or self.local_aliases.get(head)
                or f"{self.module}.{head}")
        return f"{base}.{rest}" if rest else base

    def _mark(self, exprs: Sequence[ast.expr], use: ClassUse) -> None:
        """Note that the names in `exprs` (and in tuples/lists among them) are used so."""
        if self._use in ANNOTATION_USES:
            return  # a type checker's use: neither marker nor behaviour at run time
        for expr in exprs:
            items = expr.elts if isinstance(expr, ast.Tuple | ast.List | ast.Set) else [expr]
            for item in items:
                name = self._resolve(item)
                if name is not None:
                    self.class_uses.setdefault(name, set()).add(use)

    def _accept(self, annotation: ast.expr | None) -> None:
        """Note the types a parameter annotation names (`Backend`, `list[Backend] | None`).

        Whether the annotation is evaluated does not matter: it says what the function
        takes, so a class it names is one callers hand in.
        """
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                annotation = ast.parse(annotation.value, mode="eval").body
            except SyntaxError:
                return
        if annotation is None or isinstance(annotation, ast.Constant):
            return
        # A type among other types the function takes (`algorithm: HashAlgorithm |
        # NoDigestInfo | None`, cryptography's rsa) is an option it tells apart from the
        # others by its identity: an empty class there is a tag, a marker.
        alternatives = [m for m in union_members(annotation)
                        if not (isinstance(m, ast.Constant) and m.value is None)]
        if len(alternatives) > 1:
            for member in alternatives:
                tag = self._resolve(member)
                if tag is not None:
                    self.class_uses.setdefault(tag, set()).add(ClassUse.MARKER)
        name = self._resolve(annotation)
        if name is not None:
            self.class_uses.setdefault(name, set()).add(ClassUse.ACCEPTED)
            return
        for child in ast.iter_child_nodes(annotation):
            if isinstance(child, ast.expr):
                self._accept(child)

    def _setattr(self, node: ast.Call) -> None:
        """Note what `setattr(C, name, value)` gives C: `name`, or any (`*`) if computed.

        docutils fills its PreambleCmds namespace from docutils.sty in a loop of
        `setattr(PreambleCmds, block_name, definitions)`.
        """
        if dotted(node.func) != "setattr" or len(node.args) != 3:
            return
        name = self._resolve(node.args[0])
        if name is not None:
            attr = node.args[1]
            given = attr.value if isinstance(attr, ast.Constant) and isinstance(
                attr.value, str) else "*"
            self.attrs_given.setdefault(name, set()).add(given)

    def visit_Compare(self, node: ast.Compare) -> None:
        operands = [node.left, *node.comparators]
        # `C is None` asks whether a name is bound; `type(x) is C` asks about identity.
        if not any(isinstance(o, ast.Constant) for o in operands):
            self._mark(operands, ClassUse.MARKER)
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        base = node.value.func if isinstance(node.value, ast.Call) else node.value
        # `C.__name__` is what every class has; `C.flag = 1` gives it the attribute.
        dunder = node.attr.startswith("__") and node.attr.endswith("__")
        stored = not isinstance(node.ctx, ast.Load)
        if dunder or stored:
            self._mark([base], ClassUse.MARKER)
        name = None if dunder or self._use in ANNOTATION_USES else self._resolve(base)
        if name is not None:
            # Whether a read is behaviour depends on what the package gives the class
            # (the placeholder rule judges it over every module): docutils'
            # `PreambleCmds.color = ...`, read back where the preamble is written, is a
            # namespace's attribute, not a missing implementation.
            attrs = self.attrs_given if stored else self.attrs_read
            attrs.setdefault(name, set()).add(node.attr)
        self.generic_visit(node)

    def visit_Dict(self, node: ast.Dict) -> None:
        self._mark([k for k in node.keys if k is not None], ClassUse.MARKER)
        self.generic_visit(node)

    def visit_Set(self, node: ast.Set) -> None:
        self._mark(node.elts, ClassUse.MARKER)
        self.generic_visit(node)

    def _type_tuple(self, value: ast.expr | None) -> None:
        """Note the classes of a tuple of types assigned whole (`T = (dict, C)`) as markers.

        A tuple of names that names a built-in type is one for isinstance or except,
        whatever variable carries it there: msgpack.fallback's `dict_types = (dict,
        frozendict)`, where `frozendict` is an empty class on the Pythons that lack the
        built-in, so that no object is one. A tuple inside a subscript or another
        display (`Dict[str, C]`, `[(int, C)]`) is no such tuple.
        """
        if not isinstance(value, ast.Tuple) or not all(
                isinstance(e, ast.Name | ast.Attribute) for e in value.elts):
            return
        if any(isinstance(e, ast.Name) and _builtin_type(e.id) and e.id not in self.aliases
               for e in value.elts):
            self._mark(value.elts, ClassUse.MARKER)


def _builtin_type(name: str) -> bool:
    """Whether `name` is a built-in class (`dict`, `str`, `ValueError`)."""
    return isinstance(getattr(builtins, name, None), type)

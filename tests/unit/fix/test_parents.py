"""`fix.parents` gives the map libcst's ParentNodeProvider gives, node for node."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, ParentNodeProvider

from importaudit.fix.parents import parents

ROOT = Path(__file__).resolve().parents[3]
#: Syntax the project's own files may not use: each construct holds its nodes in fields
#: of another shape (optional, sequences of sequences, sentinels).
SYNTAX = '''
from __future__ import annotations
import a.b as c, d
from .e import (f as g, h)
x: int = 1
y, *z = [i async for i in w] if (q := 3) else {k: v for k, v in u.items()}
del x[1:2, ::3]
global_ = lambda p, /, q=1, *r, s, **t: (p, q, r, s, t)


@decorator(arg, *args, key=value, **kwargs)
class K(Base, metaclass=Meta):
    """Doc."""
    attr: "K" = f"{x!r:>{y}} and {z}"

    async def m(self, a: int = 2, *, b: str) -> None:
        global G
        nonlocal_ = 1
        async with ctx() as (one, two), other():
            async for item in items:
                yield item
        try:
            raise ValueError from None
        except* (TypeError, KeyError) as exc:
            pass
        else:
            assert a, "message"
        finally:
            return await thing


def matcher(value):
    match value:
        case {"key": [1, 2, *rest]} | Point(x=0, y=_) if rest:
            return rest
        case str() as text:
            return text
    while True:
        break
    else:
        pass
    return not -~value @ value ** 2 // 3 >> 1 & 7 ^ 8 | 9
'''


@pytest.mark.parametrize("source", [
    SYNTAX,
    *(ROOT / "importaudit" / path for path in (
        "fix/defer.py", "runtime/probe.py")),
], ids=lambda s: s.name if isinstance(s, Path) else "syntax")
def test_parents_are_libcst_s(source: str | Path) -> None:
    text = source.read_text(encoding="utf-8") if isinstance(source, Path) else source
    module = cst.parse_module(text)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(ParentNodeProvider)
    found = parents(module)
    assert len(found) == len(expected) > 100
    assert all(found[node] is parent for node, parent in expected.items())

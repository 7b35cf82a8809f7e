"""IA601's call classification: connections are told from harmless `.connect(...)` calls."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from importaudit.review.sideeffects import classify
from importaudit.review.source import module_facts

if TYPE_CHECKING:
    from pathlib import Path


def kinds(tmp_path: Path, code: str) -> list[tuple[str, str | None]]:
    path = tmp_path / "mod.py"
    path.write_text(textwrap.dedent(code))
    facts = module_facts("pkg.mod", str(path))
    assert facts is not None
    return [(call.name, classify(call)) for call in facts.calls]


def test_signal_and_slot_connects_are_not_database_work(tmp_path: Path) -> None:
    found = kinds(tmp_path, """
        from blinker import signal
        from django.db.models.signals import post_save

        started = signal("started")
        def on_save(sender, **kwargs): ...
        started.connect(on_save)
        post_save.connect(on_save)
        button.clicked.connect(on_save)
        """)
    assert found == [("blinker.signal", None), ("started.connect", None),
                     ("django.db.models.signals.post_save.connect", None),
                     ("button.clicked.connect", None)]


def test_methods_of_objects_a_database_call_made_are_database_work(tmp_path: Path) -> None:
    found = kinds(tmp_path, """
        import sqlite3
        from sqlalchemy import create_engine

        engine = create_engine("sqlite://")
        connection = engine.connect()
        connection.execute("select 1")
        create_engine("sqlite://").begin()
        db = sqlite3.connect(":memory:")
        db.commit()
        engine = object()
        engine.connect()
        """)
    assert found == [
        ("sqlalchemy.create_engine", "database"),
        ("engine.connect", "database"),
        ("connection.execute", "database"),  # engine -> connection -> execute
        ("<expr>.begin", "database"),  # on what create_engine(...) returned
        ("sqlalchemy.create_engine", "database"),
        ("sqlite3.connect", "database"),
        ("db.commit", "database"),
        ("object", None),
        ("engine.connect", None),  # `engine` was rebound: no database call made it
    ]


def test_work_in_an_import_error_handler_is_not_import_time_work(tmp_path: Path) -> None:
    # Shaped like numpy/_core/__init__.py: it lists its folder only to explain a failed
    # import of its C extension, which did not fail in the measured run.
    found = kinds(tmp_path, """
        import os
        try:
            from . import multiarray
        except ImportError as exc:
            names = [f for f in os.listdir(__path__[0]) if f.startswith("_multi")]
            raise ImportError(str(names)) from exc
        CONFIG = open("settings.cfg").read()
        """)
    # only the read that really runs on import; not the listdir, not the raise's str()
    assert sorted(found) == [("<expr>.read", None), ("open", "file")]


def test_a_cursor_is_database_work_only_on_what_a_database_call_made() -> None:
    # textual.widgets._input's `selection = reactive(Selection.cursor(0))` was HIGH
    # "database work while it is imported". tests/fixtures/review/editor has it, and a
    # real connection's cursor.
    from review_samples import FIXTURES

    def calls(module: str) -> list[tuple[str, str | None]]:
        facts = module_facts(f"editor.{module}", str(FIXTURES / "editor" / f"{module}.py"))
        assert facts is not None
        return [(call.name, classify(call)) for call in facts.calls]

    assert calls("widgets") == [("Selection.cursor", None)]
    assert calls("journal") == [("sqlite3.connect", "database"), ("DB.cursor", "database")]


def test_a_block_the_module_switched_off_does_no_import_time_work() -> None:
    # sphinx/__init__: `_in_development = False`, then `if _in_development:` runs git
    # with subprocess.run(): HIGH "process work while it is imported" before.
    from review_samples import FIXTURES

    facts = module_facts("editor.version", str(FIXTURES / "editor" / "version.py"))
    assert facts is not None
    # Only the switch rebound from the environment may run its subprocess.
    assert [(c.name, c.line, classify(c)) for c in facts.calls
            if c.name.startswith("subprocess")] == [("subprocess.run", 26, "process")]

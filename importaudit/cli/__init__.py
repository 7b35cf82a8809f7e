"""Command line adapter: flags -> one options object -> api call -> renderer -> exit status.

No measuring, maths or file formats here: each command gathers its flags (the shared
ones defined once in `options`), resolves them with `[tool.importaudit]` into one
options object, calls one function of `importaudit.api`, hands the result to a renderer
and maps the outcome to the exit statuses of CLI.md (0 fine, 1 found, 2 usage, 3 target
failed). One module per command family; each imports only click and what its flags
need, so `importaudit --help` stays fast (the rest loads inside the command bodies).
A command's module is imported when the command is looked up (`base._LazyGroup`), so
a run of one command does not load the others'.
"""

from __future__ import annotations

from importaudit.cli.base import cli, main, run

__all__ = ["cli", "main", "run"]

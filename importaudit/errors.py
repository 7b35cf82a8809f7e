"""Errors of importaudit: one root class, each subclass carrying its exit status.

Exit statuses are the same for every command (see CLI.md): 0 fine, 1 the thing asked
about was found, 2 usage or configuration error, 3 the target failed to import or the
child interpreter crashed or timed out. Interrupted by a signal (Ctrl-C, SIGTERM, SIGHUP),
a command exits 128 + the signal's number, as shells report it: 130 for Ctrl-C.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FOUND = 1
EXIT_USAGE = 2
EXIT_TARGET = 3


class ImportAuditError(Exception):
    """Root of every error importaudit reports to a user as one line."""

    exit_status: int = EXIT_USAGE


class UsageError(ImportAuditError):
    """Bad flags, arguments or input files."""


class ConfigError(ImportAuditError):
    """A `[tool.importaudit]` table (or environment variable) that is not valid."""


class TargetNotFoundError(UsageError):
    """A target module, package or path that does not exist."""


class InterpreterError(UsageError):
    """The interpreter named by `--python` cannot be run."""


class SchemaVersionError(UsageError):
    """A saved report written by a newer (or unknown) schema version."""


class TargetFailedError(ImportAuditError):
    """The target failed to import, or the child interpreter crashed or timed out."""

    exit_status = EXIT_TARGET


class Interrupted(KeyboardInterrupt):
    """A signal asked importaudit to stop (Ctrl-C, SIGTERM, SIGHUP).

    A KeyboardInterrupt, not an ImportAuditError: no `except Exception` may swallow it,
    and code that cleans up after Ctrl-C (the runner ends its child interpreters) does
    the same for the other signals.

    `partial` is what was measured before the signal, when a layer could still make
    something of it: the runner puts its partial measurement there, the use case
    replaces it with the report built from it, which the command line then writes out
    before it exits. None: nothing was measured yet, or the command keeps nothing.
    """

    partial: object | None = None

    def __init__(self, signum: int) -> None:
        import signal

        try:
            self.name = signal.Signals(signum).name
        except ValueError:
            self.name = f"signal {signum}"
        super().__init__(self.name)
        self.exit_status = 128 + signum

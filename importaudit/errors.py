"""Errors of importaudit: one root class, each subclass carrying its exit status.

Exit statuses are the same for every command (see CLI.md): 0 fine, 1 the thing asked
about was found, 2 usage or configuration error, 3 the target failed to import or the
child interpreter crashed or timed out.
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

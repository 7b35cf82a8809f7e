"""The use cases of importaudit: the one place that wires the parts together.

Each function takes plain arguments, returns a `Report` (or a small result object
around one) and raises `ImportAuditError` subclasses for what the user must fix. The
CLI and the pytest plugin are thin adapters over these functions.
"""

from __future__ import annotations

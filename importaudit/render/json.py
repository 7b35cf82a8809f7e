"""JSON renderer: the report as versioned JSON (what baselines and `report` read back)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, TextIO

from importaudit.model import report_to_dict

if TYPE_CHECKING:
    from importaudit.model import Report
    from importaudit.render import RenderOptions


def render(report: Report, stream: TextIO, options: RenderOptions) -> None:
    """Write `report` as indented JSON with a trailing newline."""
    json.dump(report_to_dict(report), stream, indent=2, sort_keys=False)
    stream.write("\n")

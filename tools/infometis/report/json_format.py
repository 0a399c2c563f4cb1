"""`--format json`: a stable contract; keys may be added, never renamed or removed."""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from infometis.report import Report


def render(report: Report, color: bool = False) -> str:
    document = {
        "version": 1,
        "summary": report.summary,
        "problems": [dataclasses.asdict(problem) for problem in report.problems],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"

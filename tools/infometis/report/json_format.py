"""`--format json`: a stable contract; keys may be added, never renamed or removed."""

import dataclasses
import json


def render(report, color: bool = False) -> str:
    document = {
        "version": 1,
        "summary": report.summary,
        "problems": [dataclasses.asdict(problem) for problem in report.problems],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"

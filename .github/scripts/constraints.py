#!/usr/bin/env python3
"""Print the pins of infometis's runtime dependencies, as installed here, for constraints.txt.

The action installs infometis with these pins (`pip install -c constraints.txt`), so a tag of
the action always installs the same build. Regenerate after changing dependencies:
`make constraints` (in a venv where `make install` has installed them).
"""

from __future__ import annotations

import re
from importlib.metadata import distribution

from packaging.requirements import Requirement


def closure(name: str, found: dict[str, str]) -> dict[str, str]:
    """{normalised name: installed version} of `name` and everything it requires (no extras)."""
    key = re.sub(r"[-_.]+", "-", name).lower()
    if key not in found:
        dist = distribution(name)
        found[key] = dist.version
        for text in dist.requires or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                closure(requirement.name, found)
    return found


if __name__ == "__main__":
    pins = closure("infometis", {})
    del pins["infometis"]
    print(
        "# infometis's runtime dependencies, pinned: the action installs with them (-c "
        "constraints.txt)."
    )
    print("# Made by .github/scripts/constraints.py (`make constraints`); do not edit by hand.")
    print("\n".join(f"{name}=={version}" for name, version in sorted(pins.items())))

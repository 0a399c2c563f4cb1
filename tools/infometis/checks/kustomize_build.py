"""kustomize-build — every folder a Flux Kustomization points at builds with kustomize.

The message is kustomize's own (without the deprecation warnings it prints first),
reported at the kustomization that failed; for a folder without one, at the Flux
Kustomization, or at the file that does not parse. A build that fails because a file it
reads does not parse is said once, by the yaml check, at that file. Remote resources
(https://, git::, github.com/…) are refused unless --online is given.

PASS::

    # apps/grafana/dev/kustomization.yaml
    resources:
      - ../base

FAIL::

    resources:
      - ../bsae            # no such folder: kustomize cannot build this
"""

import re

from ..model import ERROR

ID = "kustomize-build"
LEVEL = ERROR
MAX_MESSAGE = 600  # kustomize may print a whole object in its message (10,000 nested lists)


def shorten(message: str) -> str:
    """kustomize's error without the deprecation warnings it prints first, at most MAX_MESSAGE long."""
    message = re.sub(r"# Warning:.*?(?=\berror:|# Warning:|$)", "", message, flags=re.DOTALL).strip() or message
    return message if len(message) <= MAX_MESSAGE else message[:MAX_MESSAGE] + f"… ({len(message):,} characters)"

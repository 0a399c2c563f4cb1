"""yaml — every YAML file a render reads parses, and no mapping repeats a key.

Duplicate keys are reported here and nowhere else.

PASS::

    metadata:
      name: grafana
      labels: {app: grafana}

FAIL::

    metadata:
      name: grafana
      name: grafana-v2      # mapping key "name" already defined at line 2
"""

from ..model import ERROR
from ..yamlio import YAML_CHECK

ID = YAML_CHECK
LEVEL = ERROR


def check(run):
    for loaded in run.cache.loaded():
        if not run.config.is_excluded(loaded.path):
            yield from loaded.problems

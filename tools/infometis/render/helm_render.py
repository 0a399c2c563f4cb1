"""helm-render — every HelmRelease's chart renders with Helm, as helm-controller would.

Charts come from the chart cache (`infometis charts pull` fills it) or from a chart folder of
the repository. A chart that is not cached is an info (an error with --require-charts); a
template that fails (`fail`, `required`), values that the chart's values.schema.json rejects
(at the HelmRelease line of the key) and a valuesFrom reference that is not in the repository
(a warning) are reported at the HelmRelease. Problems in what the chart renders are the other
checks', located at the HelmRelease with the chart, version and template in the message.

PASS::

    # values.schema.json: {"properties": {"replicas": {"type": "integer"}}}
    spec:
      values:
        replicas: 2

FAIL::

    spec:
      values:
        replicas: two        # got string, want integer
"""

from infometis.model import ERROR

ID = "helm-render"
LEVEL = ERROR

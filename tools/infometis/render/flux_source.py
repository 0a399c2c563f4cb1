"""flux-source — every Flux Kustomization's sourceRef can be resolved.

A GitRepository that points at this repository's remote, or that is referenced but not
defined (the `flux-system` source that flux bootstrap creates), is this repository (said
once, as info). Any other source needs `--source KIND/[NAMESPACE/]NAME=DIR`; without one,
its Kustomizations are skipped with one info each.

PASS::

    sourceRef:
      kind: GitRepository
      name: flux-system

FAIL::

    sourceRef:
      kind: OCIRepository
      name: not-defined-anywhere
"""

from infometis.model import ERROR

ID = "flux-source"
LEVEL = ERROR

"""duplicate-resource — no two renders give one cluster the same object.

Objects are identified by kind, API group, namespace and name. Resources of a
Kustomization with spec.kubeConfig go to the cluster it targets, not to the one that
holds it, so they never clash with the holder's.

PASS::

    # apps/grafana/dev renders ConfigMap grafana/grafana-config once

FAIL::

    # infrastructure/configs and apps/grafana/dev both render Namespace//grafana
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from infometis.model import ERROR, Problem, ResourceId

if TYPE_CHECKING:
    from infometis.render.runs import Rendered, RepoRun

ID = "duplicate-resource"
LEVEL = ERROR


def check(run: RepoRun) -> Iterator[Problem]:
    for cluster in run.clusters:
        first_seen: dict[tuple[str, ResourceId], Rendered] = {}
        for rendered in cluster.renders:
            for resource in rendered.resources:
                key = (rendered.target, resource.id)
                if key not in first_seen:
                    first_seen[key] = rendered
                    continue
                earlier = first_seen[key]
                # two objects of one render end up with one name (substitution)
                if earlier is rendered:
                    message = f"{resource.id} is rendered twice by {rendered.kustomization.id.name}"
                    hint = (
                        "give each object a name of its own "
                        "(the values its name is written from are equal)"
                    )
                else:
                    message = (
                        f"{resource.id} is also rendered by {earlier.kustomization.id.name}"
                        f" (here by {rendered.kustomization.id.name})"
                    )
                    hint = "keep one definition: remove it from one of the two kustomizations"
                yield Problem.at(
                    ID,
                    LEVEL,
                    message,
                    run.locate(resource),
                    cluster=rendered.target,
                    resource=str(resource.id),
                    hint=hint,
                )

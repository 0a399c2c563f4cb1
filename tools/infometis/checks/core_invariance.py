"""core-invariance — "the Kafka test": a service's core is the same in every cluster.

The core objects of a service are the rendered resources whose origin is under
apps/<service>/base/ (a border component's IngressRoute is not core; the labels and patches
it adds to core objects are, and must then be alike everywhere). Objects are matched across
the clusters that render the service by kind, group and name (namespaces may differ), and
compared once these are set aside:

- the allowed environment fields (`allowedEnvironmentFields` in .infometis.yaml, added to the
  defaults: metadata.namespace, spec.replicas, containers[*].resources, …; [*] is any list
  index); of an `…image` field, and of any container's image (a CronJob's too: kustomize's
  `images:` pins them all), only the tag and digest: the repository must be the same;
- labels and annotations whose key is the cluster's environment name;
- the cluster's own settings: a value that differs only where it holds the cluster's domain,
  name or environment (cluster-settings), or the namespace the service runs in there, is the
  same text substituted per cluster, e.g. `nifi.${domain}` set by a border component; the
  service's own Namespace object is matched whatever its name. Option `settings` (default:
  domain, cluster, environment) lists the cluster-settings keys that count. Hostnames written
  into the base itself are the business of the border checks, not this one.

Lists of named items (containers, env, ports, volumes) are compared name by name, as
kustomize merges them: an order that a patch changed is no difference.

Each difference is reported once per (service, object, field path), with every cluster's
value, at the overlay that introduced it: the kustomization (or a patch it lists) of the
cluster that parts from the base, at the line naming the field. An object that some
clusters render and others do not is a difference too. A service rendered by one cluster
has nothing to compare.

PASS::

    # apps/kafka/dev and apps/kafka/prod only set the image tag and the container's resources

FAIL::

    # apps/kafka/uat/kustomization.yaml
    patches:
      - target: {kind: StatefulSet, name: kafka}
        patch: |
          - op: replace
            path: /spec/template/spec/containers/0/env/3/value   # the KRaft quorum, in uat only
            value: 0@kafka-0.kafka-headless:9093
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from infometis.analysis import comparison, invariance, masking
from infometis.analysis.invariance import (
    MISSING,
    PRESENT,
    UNKNOWN,
    Difference,
    Item,
    ObjectKey,
)
from infometis.checks.overlay_location import overlay_location
from infometis.load.config import STRING_LIST
from infometis.model import ERROR, Location, Problem, as_list
from infometis.model.fieldpath import field_path, parse_patterns

if TYPE_CHECKING:
    from infometis.checks.overlay_location import Memo
    from infometis.render.kustomize import Resource
    from infometis.render.runs import Rendered, RepoRun

ID = "core-invariance"
LEVEL = ERROR
# The schema of this check's options in .infometis.yaml (checked when the file is read).
OPTIONS = {"settings": STRING_LIST}


def cluster_settings(run: RepoRun) -> dict[str, dict[str, str]]:
    """Per cluster, the cluster-settings values that count (option `settings`)."""
    keys = as_list(run.config.options(ID).get("settings")) or invariance.DEFAULT_SETTINGS
    return {
        cluster.name: {str(k): str(cluster.settings[k]) for k in keys if cluster.settings.get(k)}
        for cluster in run.clusters
    }


def renders_by_resource(run: RepoRun) -> dict[int, Rendered]:
    """id(resource) → the render that holds it (what `locate` needs)."""
    return {
        id(resource): rendered
        for cluster in run.clusters
        for rendered in cluster.renders
        for resource in rendered.resources
    }


def check(run: RepoRun) -> Iterator[Problem]:
    patterns = parse_patterns(run.config.environment_fields)
    settings = cluster_settings(run)
    memo: Memo
    renders, memo = renders_by_resource(run), {}
    for service, by_cluster in sorted(invariance.core_objects(run).items()):
        if len(by_cluster) < 2:
            continue
        found = comparison.differences(
            service, by_cluster, patterns, {c: settings.get(c, {}) for c in by_cluster}
        )
        for difference in found:
            yield _problem(run, difference, by_cluster, renders, patterns, memo)


def locate(
    run: RepoRun,
    difference: Difference,
    by_cluster: dict[str, dict[ObjectKey, Resource]],
    renders: dict[int, Rendered],
    patterns: list[tuple[Any, ...]],
    memo: Memo | None = None,
) -> tuple[str, Resource, Location]:
    """(the cluster that differs, its resource, where to fix it: the overlay line, else the object).
    `memo` keeps, across the differences of one run, each base document masked once and each
    overlay's text read once: thousands of problems cost microseconds each, not milliseconds."""
    memo = {} if memo is None else memo
    name = difference.object[2]
    objects = {c: by_cluster[c].get(difference.object) for c in by_cluster}
    reference = _reference(run, objects, difference.path, patterns, memo)
    cluster = comparison.odd_clusters(difference, reference)[0]
    resource = objects[cluster] or next(r for r in objects.values() if r is not None)
    rendered = renders[id(objects[cluster] or next(iter(by_cluster[cluster].values())))]
    return (
        cluster,
        resource,
        overlay_location(run, rendered, difference.path, objects[cluster], name, memo),
    )


def _problem(
    run: RepoRun,
    difference: Difference,
    by_cluster: dict[str, dict[ObjectKey, Resource]],
    renders: dict[int, Rendered],
    patterns: list[tuple[Any, ...]],
    memo: Memo,
) -> Problem:
    kind, _, name = difference.object
    cluster, resource, where = locate(run, difference, by_cluster, renders, patterns, memo)
    if not difference.path:
        missing = [c for c, v in difference.values.items() if v is MISSING]
        present = [c for c, v in difference.values.items() if v is PRESENT]
        message = (
            f"{difference.service} {kind}/{name}: missing in {', '.join(missing)}"
            f" (rendered in {', '.join(present)})"
        )
        hint = (
            f"every environment renders the whole core: do not delete or leave out objects of "
            f"apps/{difference.service}/base in an overlay"
        )
    else:
        field = field_path(difference.path)
        skip = _common_prefix(difference.values.values())
        shown = ", ".join(f"{c} {_show(v, skip)}" for c, v in difference.values.items())
        items = [part.name for part in difference.path if isinstance(part, Item)]
        named = f" ({items[-1]})" if items else ""
        message = f"{difference.service} {kind}/{name}: {field}{named} differs: {shown}"
        hint = (
            f"an overlay may change only the allowed environment fields: change {field} in "
            f"apps/{difference.service}/base for every environment, "
            "or allow it in allowedEnvironmentFields"
        )
    return Problem.at(
        ID, LEVEL, message, where, cluster=cluster, resource=str(resource.id), hint=hint
    )


def _reference(
    run: RepoRun,
    objects: dict[str, Resource | None],
    path: tuple[Any, ...],
    patterns: list[tuple[Any, ...]],
    memo: Memo,
) -> Any:
    """The base's own value at `path`, masked alike (PRESENT for the object itself), or UNKNOWN:
    the clusters that keep it are the norm, the others' overlays introduced the difference."""
    if not path:
        return PRESENT
    for resource in objects.values():
        document = run.document(resource) if resource is not None else None
        if document is not None:
            key = ("masked", id(document))
            # (document, its masked data): the document kept so its id stays its own
            if key not in memo:
                memo[key] = (document, masking.masked(document.data, patterns))
            return comparison.value_at(memo[key][1], path)
    return UNKNOWN


def _common_prefix(values: Iterable[Any]) -> int:
    """Where long strings start to differ, less some context: shown from there."""
    texts = [v for v in values if isinstance(v, str)]
    if len(texts) < 2 or min(map(len, texts)) <= 50:
        return 0
    common = len(os.path.commonprefix(texts))
    return max(0, common - 20)


def _show(value: Any, skip: int = 0) -> str:
    """A value on one line, at most about 50 characters, from where long strings differ."""
    if value is MISSING:
        return "absent"
    text = (("..." if skip else "") + value[skip:]) if isinstance(value, str) else _compact(value)
    text = text.replace("\\", "\\\\").replace("\n", "\\n")
    text = text if len(text) <= 50 else text[:47] + "..."
    return f"'{text}'" if isinstance(value, str) else text


def _compact(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_compact(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_compact(v) for v in value) + "]"
    return (
        "null" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    )

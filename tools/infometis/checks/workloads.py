"""workloads — every container says what it needs, how it is checked, and that it is not root.

For each pod template of a workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
CronJob, Pod, ReplicationController), as rendered for each cluster:

- error: a container or initContainer without a CPU request, a memory request or a memory
  limit. A request left out while its limit is set counts as set: Kubernetes defaults the
  request to the limit. CPU limits are not required (they throttle a service that could
  use idle CPU, and many teams leave them out on purpose); `requireCpuLimits: true` asks
  for them too.
- warning: a container without a livenessProbe or a readinessProbe. Not for Jobs and
  CronJobs (they run to completion), nor for initContainers.
- warning: a container or initContainer that may run as root: `runAsNonRoot: true` is set
  neither in its securityContext nor in the pod's (a container's own value wins). Windows
  pods are not judged.

HelmRelease values are not judged: every chart shapes them its own way. A problem points
at the container (or its resources, or the securityContext concerned) in the file that
defines the workload; when the render differs there because an overlay patched it, at the
overlay's patches.

Option (.infometis.yaml)::

    checks:
      workloads:
        requireCpuLimits: true

PASS::

    securityContext:
      runAsNonRoot: true
    containers:
      - name: app
        readinessProbe: {httpGet: {path: /ready, port: http}}
        livenessProbe: {httpGet: {path: /live, port: http}}
        resources:
          requests: {cpu: 100m, memory: 256Mi}
          limits: {memory: 256Mi}

FAIL::

    containers:
      - name: app            # no memory limit (error), no probes, may run as root (warnings)
        resources:
          requests: {cpu: 100m, memory: 256Mi}
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from infometis.analysis.pods import Container, containers, pod_spec
from infometis.checks.once import said_once
from infometis.discover.closure import kustomization_file
from infometis.model import ERROR, WARNING, Level, Location, Problem
from infometis.model.fieldpath import field_path
from infometis.model.kinds import BATCH_KINDS

if TYPE_CHECKING:
    from infometis.render.kustomize import Resource
    from infometis.render.runs import Rendered, RepoRun

    # (level, message, the field it is said at, the fields compared with the source, hint)
    Judged = tuple[Level, str, tuple[Any, ...], tuple[tuple[Any, ...], ...], str]

ID = "workloads"
LEVEL = ERROR
# The schema of this check's options in .infometis.yaml (checked when the file is read).
OPTIONS = {"requireCpuLimits": {"type": "boolean"}}
RESOURCES_HINT = (
    "set resources.requests.cpu, resources.requests.memory and resources.limits.memory "
    "(a CPU limit is optional)"
)
PROBES_HINT = (
    "add a readinessProbe (is it ready for traffic?) and a livenessProbe (should it be restarted?)"
)
ROOT_HINT = (
    "set securityContext.runAsNonRoot: true in the pod spec (and an image user that is not root)"
)


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        if isinstance(node, dict):
            node = node.get(key)
        elif isinstance(node, list) and isinstance(key, int) and key < len(node):
            node = node[key]
        else:
            return None
    return node


def _set(node: Any, *path: Any) -> bool:
    return _get(node, path) not in (None, "")


def check(run: RepoRun) -> Iterator[Problem]:
    return said_once(run, _problems(run))


def _problems(run: RepoRun) -> Iterator[Problem]:
    require_cpu_limits = run.config.options(ID).get("requireCpuLimits") is True
    for cluster in run.clusters:
        for rendered in cluster.renders:
            for resource in rendered.resources:
                found = pod_spec(resource)
                if found is None:
                    continue
                path, spec = found
                judged = [*_resources(spec, path, require_cpu_limits), *_root(spec, path)]
                if resource.id.kind not in BATCH_KINDS:
                    judged += _probes(spec, path)
                for level, message, at, compared, hint in judged:
                    where, patched = _where(run, rendered, resource, at, compared)
                    message += " (as this patch leaves it)" if patched else ""
                    yield Problem.at(
                        ID,
                        level,
                        message,
                        where,
                        cluster=rendered.target,
                        resource=str(resource.id),
                        hint=hint,
                    )


def _resources(
    spec: dict[str, Any], path: tuple[Any, ...], require_cpu_limits: bool
) -> Iterator[Judged]:
    for container in containers(spec, path, ("initContainers", "containers")):
        resources = container.data.get("resources")
        missing: list[str] = []
        for kind in ("cpu", "memory"):  # a request defaults to its limit
            if not _set(resources, "requests", kind) and not _set(resources, "limits", kind):
                missing.append(f"resources.requests.{kind}")
        for kind in ("cpu", "memory") if require_cpu_limits else ("memory",):
            if not _set(resources, "limits", kind):
                missing.append(f"resources.limits.{kind}")
        if missing:
            at = container.path + ("resources",)
            yield (
                ERROR,
                f"{_name(container)}: no {', no '.join(missing)}",
                at,
                (at,),
                RESOURCES_HINT,
            )


def _probes(spec: dict[str, Any], path: tuple[Any, ...]) -> Iterator[Judged]:
    for container in containers(spec, path, ("containers",)):
        missing = [
            probe
            for probe in ("livenessProbe", "readinessProbe")
            if not _set(container.data, probe)
        ]
        if missing:
            compared = tuple(container.path + (probe,) for probe in missing)
            yield (
                WARNING,
                f"{_name(container)}: no {' and no '.join(missing)}",
                container.path,
                compared,
                PROBES_HINT,
            )


def _root(spec: dict[str, Any], path: tuple[Any, ...]) -> Iterator[Judged]:
    if _get(spec, ("os", "name")) == "windows":
        return
    pod_at = path + ("securityContext", "runAsNonRoot")
    pod_value = _get(spec, ("securityContext", "runAsNonRoot"))
    judged = list(containers(spec, path, ("initContainers", "containers")))
    failing: list[tuple[Container, Any]] = []
    for container in judged:
        own = _get(container.data, ("securityContext", "runAsNonRoot"))
        if (own if own is not None else pod_value) is not True:
            failing.append((container, own))
    if not failing:
        return
    if len(failing) == len(judged) and all(own is None for _, own in failing):
        said = "is false" if pod_value is False else "is not set"
        yield (
            WARNING,
            f"{field_path(pod_at)} {said} (nor in any container): the pod may run as root",
            pod_at,
            (pod_at,),
            ROOT_HINT,
        )
        return
    for container, own in failing:
        at = container.path + ("securityContext", "runAsNonRoot")
        said = (
            "securityContext.runAsNonRoot is false"
            if own is False
            else "runAsNonRoot is set neither here nor in the pod"
        )
        yield (
            WARNING,
            f"{_name(container)}: {said}: it may run as root",
            at,
            (at, pod_at),
            ROOT_HINT,
        )


def _name(container: Container) -> str:
    return field_path(container.path[:-2]) + "." + container.label


def _where(
    run: RepoRun,
    rendered: Rendered,
    resource: Resource,
    path: tuple[Any, ...],
    compared: tuple[tuple[Any, ...], ...],
) -> tuple[Location, bool]:
    """The line of `path` in the file that defines the resource; the overlay's patch when the
    render differs from that file in the fields judged (a patch changed them)."""
    document = run.document(resource)
    if document is not None:
        for field in compared:
            written = _get(document.data, field)
            if written != _get(resource.data, field) and "${" not in str(written):
                patched = _patches(run, rendered, resource)
                if patched is not None:
                    return patched, True
    return run.locate(resource, path), False


def _patches(run: RepoRun, rendered: Rendered, resource: Resource) -> Location | None:
    """The overlay's patch of this resource (else its patches, else the Flux Kustomization's)."""
    spec_file = kustomization_file(rendered.folder)
    for document in run.cache.load(spec_file).documents[:1] if spec_file else ():
        data = document.data if isinstance(document.data, dict) else {}
        for key in ("patches", "patchesStrategicMerge", "patchesJson6902"):
            entries = data.get(key)
            for index, entry in enumerate(entries if isinstance(entries, list) else []):
                if _patches_resource(entry, resource):
                    return document.location((key, index))
            if entries:
                return document.location((key,))
    k = rendered.kustomization
    return k.where("spec", "patches") if k.spec.get("patches") else None


def _patches_resource(entry: Any, resource: Resource) -> bool:
    if not isinstance(entry, dict):
        return False
    target = entry.get("target")
    if isinstance(target, dict):
        return target.get("kind") in (None, resource.id.kind) and target.get("name") in (
            None,
            resource.id.name,
        )
    return f"name: {resource.id.name}" in str(entry.get("patch") or "")

"""flux-hygiene — Flux objects that heal themselves, pin what they install, and use served APIs.

Judged on the rendered Flux objects of every cluster, and on the kustomization files the
renders read. Warnings, except an API version that Flux no longer serves (an error: the
object cannot be applied).

- Kustomization: sets `prune`, `interval`, `timeout`, and `wait: true` or `healthChecks`/
  `healthCheckExprs` (one warning per object, listing what is missing; an explicit
  `prune: false` is a decision written down, and accepted). The bootstrap
  Kustomization that syncs the cluster's own entry folder is written by `flux bootstrap`
  without timeout and wait: only prune and interval are asked of it.
- HelmRelease: `spec.chart.spec.version` is set and is an exact version, not a range
  (`*`, `>=1.0`, `1.x`, `~1.2`, `^1`). A HelmRelease with `chartRef` is judged by its source.
- GitRepository: `spec.ref` names a tag, semver range or commit; a branch only when it is
  listed in the option `branches` (default `[main]`). The GitRepository the bootstrap
  Kustomization reads follows its branch by design and is never reported. No ref at all
  means the branch `master`.
- OCIRepository: `spec.ref` names a tag other than `latest`, a semver range or a digest.
- API versions: a deprecated version gets its replacement; one that the Flux release given
  by the option `fluxVersion` (default: the newest known, 2.9) no longer serves is an error.
  Flux 2.7 removed every v1beta1 (helm v2beta1); 2.8 source and kustomize v1beta2, helm
  v2beta2; 2.9 notification and image v1beta2 (Alert, Provider → v1beta3; Receiver → v1).
- kustomization.yaml files: deprecated fields (`patchesStrategicMerge`, `patchesJson6902`,
  `bases`, `vars`, `commonLabels`, `imageTags`), at the key's line, with their replacement.

Options (.infometis.yaml)::

    checks:
      flux-hygiene:
        branches: [main, release]  # branches a GitRepository may follow
        allowRanges: false         # true accepts HelmRelease version ranges
        fluxVersion: "2.8"         # what the clusters run: later removals are warnings

PASS::

    spec:
      interval: 10m
      prune: true
      timeout: 5m
      wait: true

FAIL::

    spec:
      interval: 10m
      path: ./apps/kafka/dev     # no prune, no timeout, neither wait: true nor healthChecks
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol, cast

from infometis.analysis.written import scalar_location
from infometis.checks.once import said_once
from infometis.discover import closure as closures
from infometis.load.config import STRING_LIST
from infometis.model import ERROR, WARNING, Level, Location, Problem, ResourceId, as_list

if TYPE_CHECKING:
    from infometis.render.kustomize import Resource
    from infometis.render.runs import Rendered, RepoRun

    class Reporter(Protocol):
        """A problem of one resource of one render."""

        def __call__(
            self, message: str, where: Location, level: Level = ..., hint: str | None = ...
        ) -> Problem: ...


ID = "flux-hygiene"
LEVEL = WARNING
# The schema of this check's options in .infometis.yaml (checked when the file is read).
OPTIONS = {
    "branches": STRING_LIST,
    "allowRanges": {"type": "boolean"},
    "fluxVersion": {
        "type": "string",
        "pattern": "^v?[0-9]+\\.[0-9]+(\\.[0-9]+)?$",
        "x-form": 'a Flux release line, such as "2.8", or a release, such as "v2.8.3"',
    },
}

NEWEST_FLUX = (2, 9)
# The Flux release that stopped serving each deprecated version (roadmap, controller changelogs).
REMOVED = {
    "kustomize.toolkit.fluxcd.io": {"v1beta1": (2, 7), "v1beta2": (2, 8)},
    "helm.toolkit.fluxcd.io": {"v2beta1": (2, 7), "v2beta2": (2, 8)},
    "source.toolkit.fluxcd.io": {"v1beta1": (2, 7), "v1beta2": (2, 8)},
    "notification.toolkit.fluxcd.io": {"v1beta1": (2, 7), "v1beta2": (2, 9)},
    "image.toolkit.fluxcd.io": {"v1beta1": (2, 7), "v1beta2": (2, 9)},
}
CURRENT = {
    "kustomize.toolkit.fluxcd.io": "v1",
    "helm.toolkit.fluxcd.io": "v2",
    "source.toolkit.fluxcd.io": "v1",
    "notification.toolkit.fluxcd.io": "v1beta3",
    "image.toolkit.fluxcd.io": "v1",
}
CURRENT_BY_KIND = {("notification.toolkit.fluxcd.io", "Receiver"): "v1"}
KUSTOMIZE_FIELDS = {
    "patchesStrategicMerge": "patches (each entry a {path: file} or an inline patch)",
    "patchesJson6902": "patches (each entry with path or patch, and target)",
    "bases": "resources",
    "vars": "replacements",
    "commonLabels": "labels (with includeSelectors: true to keep its selector behaviour)",
    "imageTags": "images",
}
EXACT_VERSION = re.compile(r"^=?v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")
WHY = {
    "prune": "prune (removes what Git no longer has)",
    "interval": "interval (how often drift is corrected)",
    "timeout": "timeout (bounds each apply)",
    "wait": "wait: true or healthChecks (dependents wait for a healthy rollout)",
}


def check(run: RepoRun) -> Iterator[Problem]:
    return said_once(run, [*_flux_objects(run), *_kustomize_files(run)])


def _flux_version(options: dict[str, Any]) -> tuple[int, int]:
    match = re.match(r"^v?(\d+)\.(\d+)", str(options.get("fluxVersion") or ""))
    return (int(match.group(1)), int(match.group(2))) if match else NEWEST_FLUX


def _flux_objects(run: RepoRun) -> Iterator[Problem]:
    options = run.config.options(ID)
    for cluster in run.clusters:
        syncs = {k.id for k in cluster.entry_syncs}
        bootstrap_sources = {
            ResourceId(k.source.kind, "source.toolkit.fluxcd.io", k.source.namespace, k.source.name)
            for k in cluster.entry_syncs
            if k.source
        }
        for rendered in cluster.renders:
            for resource in rendered.resources:
                if not resource.id.group.endswith(".toolkit.fluxcd.io"):
                    continue
                problem = _reporter(rendered, resource)
                yield from _api_version(run, resource, _flux_version(options), problem)
                spec = resource.data.get("spec")
                spec = spec if isinstance(spec, dict) else {}
                kind = resource.id.kind
                if kind == "Kustomization" and resource.id.group == "kustomize.toolkit.fluxcd.io":
                    yield from _kustomization(run, resource, spec, resource.id in syncs, problem)
                elif kind == "HelmRelease":
                    yield from _helm_release(
                        run, rendered, resource, spec, bool(options.get("allowRanges")), problem
                    )
                elif kind == "GitRepository" and resource.id not in bootstrap_sources:
                    yield from _git_repository(run, resource, spec, _branches(options), problem)
                elif kind == "OCIRepository":
                    yield from _oci_repository(run, resource, spec, problem)


def _reporter(rendered: Rendered, resource: Resource) -> Reporter:
    def problem(
        message: str, where: Location, level: Level = WARNING, hint: str | None = None
    ) -> Problem:
        return Problem.at(
            ID, level, message, where, cluster=rendered.target, resource=str(resource.id), hint=hint
        )

    return problem


def _branches(options: dict[str, Any]) -> set[str]:
    branches = options.get("branches", ["main"])
    return {str(branch) for branch in (branches if isinstance(branches, list) else [branches])}


def _api_version(
    run: RepoRun, resource: Resource, flux: tuple[int, int], problem: Reporter
) -> Iterator[Problem]:
    group, version, kind = (
        resource.id.group,
        str(resource.data.get("apiVersion")).rpartition("/")[2],
        resource.id.kind,
    )
    current = CURRENT_BY_KIND.get((group, kind), CURRENT.get(group))
    removed = REMOVED.get(group, {}).get(version)
    if current is None or (removed is None and "alpha" not in version):
        return
    where = run.locate(resource, ("apiVersion",))
    hint = f"apiVersion: {group}/{current} (`flux migrate` rewrites the files)"
    if removed is None or removed <= flux:
        since = f"since Flux {removed[0]}.{removed[1]}" if removed else "by any current Flux"
        yield problem(
            f"{group}/{version} {kind} is no longer served {since}: use {group}/{current}",
            where,
            ERROR,
            hint,
        )
    else:
        yield problem(
            f"{group}/{version} {kind} is deprecated (removed in Flux {removed[0]}.{removed[1]}): "
            f"use {group}/{current}",
            where,
            WARNING,
            hint,
        )


def _kustomization(
    run: RepoRun, resource: Resource, spec: dict[str, Any], bootstrap: bool, problem: Reporter
) -> Iterator[Problem]:
    missing = [name for name in ("prune", "interval") if spec.get(name) is None]
    if not bootstrap:  # flux bootstrap writes its own sync without timeout and wait
        missing += ["timeout"] if not spec.get("timeout") else []
        if (
            spec.get("wait") is not True
            and not as_list(spec.get("healthChecks"))
            and not as_list(spec.get("healthCheckExprs"))
        ):
            missing.append("wait")
    if missing:
        names = ", ".join(
            "wait: true or healthChecks" if name == "wait" else name for name in missing
        )
        yield problem(
            f"Kustomization {resource.id.name} does not set {names}",
            run.locate(resource, ("spec",)),
            hint="set " + "; ".join(WHY[name] for name in missing),
        )


def _helm_release(
    run: RepoRun,
    rendered: Rendered,
    resource: Resource,
    spec: dict[str, Any],
    allow_ranges: bool,
    problem: Reporter,
) -> Iterator[Problem]:
    if spec.get("chartRef"):
        return  # the version is the referenced OCIRepository's or HelmChart's
    chart = cast("dict[str, Any]", spec.get("chart") if isinstance(spec.get("chart"), dict) else {})
    chart_spec = chart.get("spec")
    if not isinstance(chart_spec, dict):
        return  # not a chart template: the schema check says so
    path = ("spec", "chart", "spec", "version")
    version = chart_spec.get("version")
    if version is None or str(version).strip() == "":
        yield problem(
            f"HelmRelease {resource.id.name} does not pin spec.chart.spec.version: "
            "Flux installs the newest chart",
            run.locate(resource, path),
            hint='set spec.chart.spec.version to an exact chart version, e.g. "1.4.2"',
        )
    elif (
        not allow_ranges
        and "${" not in str(version)
        and not EXACT_VERSION.match(str(version).strip())
    ):
        yield problem(
            f"HelmRelease {resource.id.name} spec.chart.spec.version '{version}' is a range, "
            "not a pinned version",
            scalar_location(run, rendered, resource, path, version),
            hint="pin an exact chart version (or set allowRanges: true in checks.flux-hygiene)",
        )


def _git_repository(
    run: RepoRun, resource: Resource, spec: dict[str, Any], branches: set[str], problem: Reporter
) -> Iterator[Problem]:
    ref = cast("dict[str, Any]", spec.get("ref") if isinstance(spec.get("ref"), dict) else {})
    if not any(ref.get(key) for key in ("branch", "tag", "semver", "name", "commit")):
        yield problem(
            f"GitRepository {resource.id.name} has no spec.ref: Flux follows the branch 'master'",
            run.locate(resource, ("spec", "ref") if "ref" in spec else ("spec",)),
            hint="set spec.ref.tag, spec.ref.semver or spec.ref.commit",
        )
        return
    if any(ref.get(key) for key in ("tag", "semver", "commit")):
        return
    name = str(ref.get("name") or "")
    branch, field = (
        (str(ref["branch"]), "branch")
        if ref.get("branch")
        else (name.removeprefix("refs/heads/"), "name")
    )
    if field == "name" and not name.startswith("refs/heads/"):
        return  # a tag or another explicit reference
    if branch not in branches:
        yield problem(
            f"GitRepository {resource.id.name} follows the branch '{branch}': what it serves moves",
            run.locate(resource, ("spec", "ref", field)),
            hint="pin spec.ref.tag, semver or commit, "
            "or list the branch in checks.flux-hygiene.branches",
        )


def _oci_repository(
    run: RepoRun, resource: Resource, spec: dict[str, Any], problem: Reporter
) -> Iterator[Problem]:
    ref = cast("dict[str, Any]", spec.get("ref") if isinstance(spec.get("ref"), dict) else {})
    hint = "set spec.ref.tag (a version), spec.ref.semver or spec.ref.digest"
    if not any(ref.get(key) for key in ("tag", "semver", "digest")):
        yield problem(
            f"OCIRepository {resource.id.name} has no spec.ref tag, semver or digest: "
            "Flux pulls the tag 'latest'",
            run.locate(resource, ("spec", "ref") if "ref" in spec else ("spec",)),
            hint=hint,
        )
    elif str(ref.get("tag")) == "latest" and not ref.get("semver") and not ref.get("digest"):
        yield problem(
            f"OCIRepository {resource.id.name} follows the tag 'latest': what it serves moves",
            run.locate(resource, ("spec", "ref", "tag")),
            hint=hint,
        )


def _kustomize_files(run: RepoRun) -> Iterator[Problem]:
    """Deprecated fields of every kustomization file a render read."""
    for folder in sorted(run.reached_folders()):
        spec_file = closures.kustomization_file(folder)
        if spec_file is None or run.config.is_excluded(run.cache.relative(spec_file)):
            continue
        for document in run.cache.load(spec_file).documents[:1]:
            if not isinstance(document.data, dict):
                continue
            for field, replacement in KUSTOMIZE_FIELDS.items():
                if field in document.data:
                    yield Problem.at(
                        ID,
                        WARNING,
                        f"{field} is deprecated in kustomize: use {replacement}",
                        document.location((field,)),
                        hint="`kustomize edit fix` rewrites the deprecated fields",
                    )

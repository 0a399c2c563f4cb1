"""layers — each layer changes only what it may: environment overlays, mode adaptations, clusters.

1. An environment overlay (apps/<service>/<environment>/kustomization.yaml, any folder of a
   service with a base/ besides base/ and border/) builds on `../base` only (`resources`,
   `bases`), includes only its service's `../border` Component, and otherwise sets only
   `images`, `replicas`, `namespace`, `labels`/`commonLabels` and patches. Every field a patch
   sets must match `allowedEnvironmentFields` (.infometis.yaml, added to the defaults; `[*]` is
   any list index): a JSON 6902 op's `path` (and a move's `from`; `test` sets nothing), a
   strategic-merge patch's leaves (apiVersion, kind, metadata.name, metadata.namespace and the
   merge keys of list items, such as containers[].name, only say what is patched).
2. A mode adaptation (infrastructure/modes/<folder>/ and what its kustomization reads) holds
   only border kinds: NetworkPolicy, RBAC (Role, RoleBinding, ClusterRole,
   ClusterRoleBinding), ServiceAccount, ResourceQuota, LimitRange, Namespace, Service,
   Ingress, IngressClass, Traefik and Gateway API kinds, and what the `modeKinds` option
   adds (`Kind` or `Kind.group`). Generators (ConfigMaps, Secrets) are not border kinds.
3. Each cluster's cluster-settings (ConfigMap flux-system/cluster-settings) names one
   environment and one mode; the mode is a mode adaptation (a folder of infrastructure/modes/
   that no other mode folder includes: those are shared parts), and the cluster applies that
   adaptation and no other.

Repositories without apps/<service>/base or infrastructure/modes/ have nothing to judge.

PASS::

    # apps/kafka/dev/kustomization.yaml
    resources: [../base]
    images: [{name: apache/kafka, newTag: 4.1.0}]
    patches:
      - target: {kind: StatefulSet, name: kafka}
        patch: |
          - {op: replace, path: /spec/template/spec/containers/0/resources, value: {}}

FAIL::

    # apps/kafka/dev/kustomization.yaml
    resources: [../base, debug-pod.yaml]     # builds on ../base only
    patches:
      - patch: |
          - {op: replace, path: /spec/serviceName, value: other}   # not an allowed field
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from infometis.analysis import patches
from infometis.checks import layers_clusters
from infometis.checks.layers_clusters import MODES
from infometis.discover.closure import YAML_SUFFIXES, Closure, kustomization_file, walk
from infometis.load.config import STRING_LIST
from infometis.model import ERROR, Document, Location, Problem, ResourceId, as_list, layout
from infometis.model.fieldpath import field_path, under
from infometis.model.kinds import BORDER_GROUPS

if TYPE_CHECKING:
    from infometis.render.runs import RepoRun

    # where(path inside a patch) → its Location
    Where = Callable[[tuple[Any, ...]], Location]

ID = "layers"
LEVEL = ERROR
# The schema of this check's options in .infometis.yaml (checked when the file is read).
OPTIONS = {"modeKinds": STRING_LIST}

OVERLAY_FIELDS = {
    "apiVersion",
    "kind",
    "metadata",
    "resources",
    "bases",
    "components",
    "patches",
    "patchesStrategicMerge",
    "patchesJson6902",
    "images",
    "replicas",
    "namespace",
    "labels",
    "commonLabels",
}
BORDER_KINDS = {
    ("NetworkPolicy", "networking.k8s.io"),
    ("Ingress", "networking.k8s.io"),
    ("Ingress", "extensions"),
    ("IngressClass", "networking.k8s.io"),
    ("ServiceAccount", ""),
    ("ResourceQuota", ""),
    ("LimitRange", ""),
    ("Namespace", ""),
    ("Service", ""),
} | {
    (kind, "rbac.authorization.k8s.io")
    for kind in ("Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding")
}
KUSTOMIZE_GROUP = "kustomize.config.k8s.io"


def check(run: RepoRun) -> Iterator[Problem]:
    yield from _overlays(run)
    modes_root = run.repo / MODES
    if modes_root.is_dir():
        closures = {
            folder: walk(folder, run.cache)
            for folder in sorted(modes_root.iterdir())
            if folder.is_dir() and not run.config.is_excluded(run.cache.relative(folder))
        }
        yield from _adaptations(run, closures)
        # A folder another mode includes (common/) is a shared part, not a mode, unless a cluster
        # names it.
        shared = {f for folder, closure in closures.items() for f in closure.folders if f != folder}
        named = {str(cluster.settings.get("mode") or "") for cluster in run.clusters}
        modes = sorted(f.name for f in closures if f not in shared or f.name in named)
        # 3. cluster settings (layers_clusters.py)
        yield from layers_clusters.problems(run, modes, _problem)


# ---------------------------------------------------------------- 1. environment overlays


def _overlays(run: RepoRun) -> Iterator[Problem]:
    for base in layout.bases(run.repo):
        service = base.parent
        for folder in sorted(p for p in service.iterdir() if p.is_dir() and layout.is_overlay(p)):
            spec_file = kustomization_file(folder)
            if spec_file and not run.config.is_excluded(run.cache.relative(spec_file)):
                yield from _overlay(run, service, folder, spec_file)


def _overlay(run: RepoRun, service: Path, folder: Path, spec_file: Path) -> Iterator[Problem]:
    documents = run.cache.load(spec_file).documents
    if not documents or not isinstance(documents[0].data, dict):
        return
    document, spec = documents[0], documents[0].data
    name, env = service.name, folder.name
    core = f"change it in apps/{name}/base (the core, for every environment) or apps/{name}/border"
    for key in spec:
        if key not in OVERLAY_FIELDS:
            yield _problem(
                document.location((key,)),
                f"{key}: an environment overlay ({name}/{env}) may set only "
                "resources ../base, components ../border, images, replicas, namespace, labels "
                "and patches of allowed fields",
                core,
            )
    for key, allowed in (("resources", "base"), ("bases", "base"), ("components", "border")):
        for index, ref in enumerate(as_list(spec.get(key))):
            if not isinstance(ref, str) or os.path.normpath(folder / ref) != str(service / allowed):
                yield _problem(
                    document.location((key, index)),
                    f"{key}[{index}]: '{ref}' — an environment overlay ({name}/{env}) "
                    + (
                        "builds on ../base"
                        if allowed == "base"
                        else "includes its ../border Component"
                    )
                    + " only",
                    core,
                )
    for patch, where_of in _patches(run, folder, document, spec):
        for path, pointer in patches.touched(patch):
            if not under(path, run.config.environment_fields):
                text = field_path(path)
                pattern = re.sub(r"\[(\d+|-)\]", "[*]", text)
                yield _problem(
                    where_of(pointer),
                    f"a patch of {name}/{env} sets {text}: not an allowed environment field "
                    "(allowedEnvironmentFields in .infometis.yaml)",
                    f"{core}; or, if every environment may set it, add {pattern} to "
                    "allowedEnvironmentFields in .infometis.yaml",
                )


def _patches(
    run: RepoRun, folder: Path, document: Document, spec: dict[str, Any]
) -> Iterator[tuple[Any, Where]]:
    """(patch data, where(path inside the patch) → Location) for every patch of the overlay."""
    for key in ("patches", "patchesJson6902", "patchesStrategicMerge"):
        for index, item in enumerate(as_list(spec.get(key))):
            inline, ref = (
                (item, None)
                if isinstance(item, str) and ("\n" in item or ":" in item)
                else (None, item)
            )
            if isinstance(item, dict):
                inline, ref = item.get("patch"), item.get("path")
            if isinstance(inline, str):
                at = (key, index, "patch") if isinstance(item, dict) else (key, index)
                yield from _inline(run, document, at, inline)
            elif isinstance(ref, str) and (folder / ref).is_file():
                for patch_document in run.cache.load(folder / ref).documents:
                    yield patch_document.data, patch_document.location


def _inline(
    run: RepoRun, document: Document, at: tuple[Any, ...], text: str
) -> Iterator[tuple[Any, Where]]:
    """An inline patch: its lines, placed inside the overlay's file when it is a literal block."""
    anchor = document.location(at)
    parsed = run.cache.parse(text.encode(), document.file)  # kept with the parsed files
    first = _block_start(run, anchor)
    for patch_document in parsed.documents:

        def where(path: tuple[Any, ...], patch_document: Document = patch_document) -> Location:
            if first is None:
                return anchor
            inner = patch_document.location(path)  # a document's: line and column always set
            return Location(
                document.file,
                first[0] + cast(int, inner.line) - 1,
                first[1] + cast(int, inner.column),
            )

        yield patch_document.data, where


def _block_start(run: RepoRun, anchor: Location) -> tuple[int, int] | None:
    """The line and indentation of the block's first line, when the patch is a `|` or `>` block."""
    if not anchor.file:
        return None
    lines = run.cache.lines(run.repo / anchor.file)
    if (
        not anchor.line
        or anchor.line > len(lines)
        or not re.search(r"[|>][-+0-9]*\s*(#.*)?$", lines[anchor.line - 1])
    ):
        return None
    following = lines[anchor.line] if anchor.line < len(lines) else ""
    return anchor.line + 1, len(following) - len(following.lstrip(" "))


# ---------------------------------------------------------------- 2. mode adaptations


def _adaptations(run: RepoRun, closures: dict[Path, Closure]) -> Iterator[Problem]:
    extra = {str(kind) for kind in as_list(run.config.options(ID).get("modeKinds"))}
    seen: set[Path] = set()
    for folder, closure in closures.items():
        files = set(closure.manifests) | {p for p in folder.rglob("*") if p.suffix in YAML_SUFFIXES}
        for path in sorted(files - seen):
            seen.add(path)
            if path.is_file() and not run.config.is_excluded(run.cache.relative(path)):
                for document in run.cache.load(path).documents:
                    yield from _adaptation_document(document, folder.name, extra)


def _adaptation_document(document: Document, mode: str, extra: set[str]) -> Iterator[Problem]:
    data = document.data
    if not isinstance(data, dict):
        return
    rid = ResourceId.of(data)
    hint = (
        "a mode adaptation holds border kinds only: move it to infrastructure/ "
        "or to a service's base; "
        f"or allow its kind with checks.{ID}.modeKinds in .infometis.yaml"
    )
    if rid.group == KUSTOMIZE_GROUP:
        for key, kind in (("configMapGenerator", "ConfigMap"), ("secretGenerator", "Secret")):
            for index, _ in enumerate(as_list(data.get(key)) if kind not in extra else ()):
                yield _problem(
                    document.location((key, index)),
                    f"{key}[{index}]: the mode adaptation {mode} generates a {kind}, "
                    "not a border kind",
                    hint,
                )
        return
    if (
        not rid.kind
        or (rid.kind, rid.group) in BORDER_KINDS
        or rid.group in BORDER_GROUPS
        or rid.kind in extra
        or f"{rid.kind}.{rid.group}" in extra
    ):
        return
    kind = f"{rid.kind}.{rid.group}" if rid.group else rid.kind
    yield _problem(
        document.location(),
        f"{kind} {rid.name or '(no name)'} in the mode adaptation {mode}: not a border kind",
        hint,
        resource=str(rid),
    )


def _problem(where: Location, message: str, hint: str, **extra: str) -> Problem:
    return Problem.at(ID, LEVEL, message, where, hint=hint, **extra)

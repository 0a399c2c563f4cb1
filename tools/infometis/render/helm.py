"""Render a Helm chart as helm-controller installs it, in-process with Helm's own Go code.

The engine is `helm-python-sdk` (Helm v4's SDK compiled as a library): no helm binary, no
template engine of ours. After Helm: the CRDs of `crds/` unless the install policy skips them,
test hooks only when tests are enabled, the kustomize post-renderers (the real kustomize),
`commonMetadata` and the labels helm-controller stamps on every object. Renders are cached by
(engine, chart digest, release fields, merged values): a warm run renders no chart.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import yaml

from infometis.load.runner import kubectl, run
from infometis.load.yamlio import dump, load_stream
from infometis.render.cache import keep

if TYPE_CHECKING:
    from helm_python import Chart

FORMAT = "infometis-helm-1"
HELM_GROUP = "helm.toolkit.fluxcd.io"
TEMPLATE_ANNOTATION = "infometis.io/template"  # carried through the post-renderers, then removed
CLUSTER_SCOPED = {
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "StorageClass",
    "PriorityClass",
    "PersistentVolume",
    "IngressClass",
    "RuntimeClass",
    "CSIDriver",
    "CSINode",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "APIService",
    "Node",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "VolumeSnapshotClass",
    "PodSecurityPolicy",
    "ClusterIssuer",
    "GatewayClass",
}


@dataclass(frozen=True)
class Release:
    """What helm-controller passes to Helm for one HelmRelease."""

    name: str
    namespace: str
    values: dict[str, Any]
    crds: bool = True  # install.crds is not Skip
    tests: bool = False  # spec.test.enable
    post_renderers: list[Any] = field(default_factory=list)
    common_metadata: dict[str, Any] = field(default_factory=dict)
    owner: tuple[str, str] = ("", "")  # the HelmRelease's name and namespace


@dataclass
class Rendered:
    manifests: list[tuple[str, dict[str, Any]]]  # (template path, object)
    error: str | None = None
    # [(values path, why)] a schema error names
    paths: list[tuple[Sequence[str | int], str]] = field(default_factory=list)


class RenderError(Exception):
    pass


_loaded: dict[str, Chart] = {}  # key → helm_python.Chart
_guard = threading.Lock()


@functools.cache
def sdk() -> ModuleType:
    """helm_python, imported on first use: importing it loads an 85 MB library, which a run
    without HelmReleases (or `infometis --version`) should not pay for."""
    import helm_python

    return helm_python


@functools.cache
def engine() -> str:
    return f"helm {sdk().helm_sdk_version()} (helm-python-sdk {sdk().__version__})"


def load(key: str, path: Path) -> Chart:
    """A chart (archive or folder), loaded once per run per key; Helm's charts are thread-safe."""
    with _guard:
        chart = _loaded.get(key)
    if chart is None:
        chart = sdk().Chart.load(path)
        with _guard:
            _loaded.setdefault(key, chart)
    return chart


def folder_digest(folder: Path) -> str:
    """A chart folder's content digest: every file, path and bytes."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


class RenderStore:
    """Helm renders by key, in `memory` and under `<cache>/helm/` across runs. A command that
    renders twice hands both runs one memory: `diff` renders both revisions, and a chart that
    draws random values (a generated password) must render the same for both."""

    def __init__(self, folder: Path | None, memory: dict[str, str] | None = None):
        self.folder = folder / "helm" if folder else None
        self.memory = {} if memory is None else memory

    def key(self, digest: str, release: Release) -> str:
        text = json.dumps([FORMAT, engine(), digest, asdict(release)], sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def get(self, key: str, build: Callable[[], Rendered]) -> Rendered:
        text = self.memory.get(key)
        if text is None and self.folder is not None:
            try:
                text = (self.folder / key[:2] / f"{key}.json").read_text()
            except OSError:
                text = None
        if text is not None:
            try:
                payload = json.loads(text)
                return Rendered(
                    [tuple(m) for m in payload["manifests"]],
                    payload["error"],
                    [(tuple(p), why) for p, why in payload["paths"]],
                )
            except (ValueError, KeyError, TypeError):
                pass
        rendered = build()
        try:
            text = json.dumps(
                {"manifests": rendered.manifests, "error": rendered.error, "paths": rendered.paths}
            )
        except (TypeError, ValueError):
            return rendered
        self.memory[key] = text
        if self.folder is not None:
            keep(self.folder / key[:2] / f"{key}.json", text)
        return rendered


def render(chart: Chart, release: Release) -> Rendered:
    """Helm's render of `chart` for `release`, then what helm-controller does after Helm."""
    try:
        output = chart.render(
            release.values, name=release.name, namespace=release.namespace, is_install=True
        )
    except sdk().HelmError as error:
        message = " ".join(str(error).split())
        return Rendered(
            [],
            message,
            [
                (_pointer(p), why.strip())
                for p, why in re.findall(r"at '(/[^']*)':([^\n]*)", str(error))
            ],
        )
    except (TypeError, ValueError) as error:  # values JSON cannot hold (YAML dates, …)
        return Rendered([], f"values cannot be passed to Helm: {error}")
    manifests = []
    if release.crds:
        manifests += [
            (crd.get("filename") or crd.get("name") or "crds", data)
            for crd in chart.crds
            for data in load_stream(crd.get("data") or "")
            if isinstance(data, dict)
        ]
    for template, text in sorted(output.items()):
        if template.endswith("NOTES.txt"):
            continue
        try:
            documents = load_stream(text)
        except yaml.YAMLError as error:
            return Rendered(
                [], f"{template} renders YAML that does not parse: {' '.join(str(error).split())}"
            )
        for data in documents:
            if isinstance(data, dict) and data and (release.tests or not _is_test(data)):
                manifests.append((template, data))
    try:
        manifests = _post_render(manifests, release.post_renderers)
    except RenderError as error:
        return Rendered([], f"post-renderer: {error}")
    return Rendered([(t, _finish(d, release, manifests)) for t, d in manifests])


def _pointer(text: str) -> list[str | int]:
    return [
        int(p) if p.isdigit() else p.replace("~1", "/").replace("~0", "~")
        for p in text.strip("/").split("/")
        if p
    ]


def _is_test(data: dict[str, Any]) -> bool:
    hooks = ((data.get("metadata") or {}).get("annotations") or {}).get("helm.sh/hook", "")
    return any(h.strip().startswith("test") for h in str(hooks).split(","))


def _finish(
    data: dict[str, Any], release: Release, manifests: list[tuple[str, dict[str, Any]]]
) -> dict[str, Any]:
    """The namespace Helm's client gives namespaced objects, commonMetadata and origin labels."""
    metadata = data.setdefault("metadata", {}) if isinstance(data.get("metadata", {}), dict) else {}
    cluster_kinds = CLUSTER_SCOPED | {
        ((d.get("spec") or {}).get("names") or {}).get("kind")
        for _, d in manifests
        if d.get("kind") == "CustomResourceDefinition"
        and (d.get("spec") or {}).get("scope") == "Cluster"
    }
    if not metadata.get("namespace") and data.get("kind") not in cluster_kinds:
        metadata["namespace"] = release.namespace
    common = release.common_metadata or {}
    for part in ("labels", "annotations"):
        if isinstance(common.get(part), dict) and common[part]:
            metadata[part] = {
                **(metadata.get(part) or {}),
                **{str(k): str(v) for k, v in common[part].items()},
            }
    name, namespace = release.owner
    if name:
        metadata["labels"] = {
            **(metadata.get("labels") or {}),
            f"{HELM_GROUP}/name": name,
            f"{HELM_GROUP}/namespace": namespace,
        }
    return data


def _post_render(
    manifests: list[tuple[str, dict[str, Any]]], renderers: list[Any]
) -> list[tuple[str, dict[str, Any]]]:
    """Each kustomize post-renderer in turn, with the real kustomize."""
    for renderer in renderers:
        spec = renderer.get("kustomize") if isinstance(renderer, dict) else None
        if not isinstance(spec, dict) or not manifests:
            continue
        for template, data in manifests:
            data.setdefault("metadata", {}).setdefault("annotations", {})[TEMPLATE_ANNOTATION] = (
                template
            )
        manifests = _kustomize([data for _, data in manifests], spec)
    return manifests


def _kustomize(
    objects: list[dict[str, Any]], spec: dict[str, Any]
) -> list[tuple[str, dict[str, Any]]]:
    kustomization: dict[str, Any] = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": ["helm-output.yaml"],
    }
    for name in ("patches", "patchesStrategicMerge", "patchesJson6902", "images"):
        if spec.get(name):
            kustomization[name] = spec[name]
    with tempfile.TemporaryDirectory(prefix="infometis-helm-") as temp:
        (Path(temp) / "helm-output.yaml").write_text("---\n".join(dump(o) for o in objects))
        (Path(temp) / "kustomization.yaml").write_text(json.dumps(kustomization))
        result = run([kubectl(), "kustomize", temp], timeout=300)
    if result.returncode != 0:
        raise RenderError(
            " ".join(result.stderr.replace(temp + "/", "").split()).removeprefix("Error: ")
        )
    found = []
    for data in load_stream(result.stdout):
        if isinstance(data, dict):
            annotations = (data.get("metadata") or {}).get("annotations") or {}
            template = annotations.pop(TEMPLATE_ANNOTATION, "post-renderer")
            if not annotations and "annotations" in data.get("metadata", {}):
                del data["metadata"]["annotations"]
            found.append((template, data))
    return found

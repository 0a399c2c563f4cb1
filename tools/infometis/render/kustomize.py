"""Render one Flux Kustomization as kustomize-controller does: the real kustomize, with
the controller-side fields applied through a temporary wrapper kustomization."""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infometis.discover.closure import generated_resources, kustomization_file
from infometis.load.runner import kubectl, run
from infometis.load.yamlio import load_stream
from infometis.model import ResourceId, as_list
from infometis.model.errors import SetupError
from infometis.model.flux import FluxKustomization
from infometis.model.redact import without_objects

ORIGIN_ANNOTATION = "config.kubernetes.io/origin"
_ORIGIN_FIELD = re.compile(r"^(path|configuredIn): *(.+)$", re.MULTILINE)
# What kustomize says about our wrapper listing a folder as a resource: noise for the user.
_WRAPPER_NOISE = re.compile(
    r"accumulating resources: accumulation err='accumulating resources from '[^']*': "
    r"read [^:]*: is a directory': recursed accumulation of path '[^']*': "
)


@dataclass
class Resource:
    id: ResourceId
    data: dict[str, Any]
    origin: Path | None  # the file that defined it (or the kustomization that generated it)
    via: Resource | None = None  # the HelmRelease whose chart rendered it
    template: str | None = None  # and the chart's template that did


@dataclass
class Output:
    resources: list[Resource]
    error: str | None = None
    transient: bool = False  # a timeout or a signal: the same inputs may render next time
    # False: no "$" anywhere in the output (no ${var}, no $$), nothing to substitute
    variables: bool = True


def _relative(target: Path, start: Path) -> str:
    return Path(os.path.relpath(target, start)).as_posix()


def wrapper(k: FluxKustomization, folder: Path, here: Path) -> dict[str, Any]:
    """The kustomization that kustomize-controller would build for `k` in `folder`."""
    if kustomization_file(folder):
        resources = [_relative(folder, here)]
    else:
        resources = [_relative(item, here) for item in generated_resources(folder)]
    spec: dict[str, Any] = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": resources,
        "buildMetadata": ["originAnnotations"],
    }
    fields = k.spec
    if fields.get("targetNamespace"):
        spec["namespace"] = fields["targetNamespace"]
    for name in ("namePrefix", "nameSuffix", "patches", "images"):
        if fields.get(name):
            spec[name] = fields[name]
    metadata = fields.get("commonMetadata") or {}
    if isinstance(metadata, dict) and metadata.get("labels"):
        spec["labels"] = [{"pairs": metadata["labels"], "includeSelectors": False}]
    if isinstance(metadata, dict) and metadata.get("annotations"):
        spec["commonAnnotations"] = metadata["annotations"]
    components = [folder / str(c) for c in as_list(fields.get("components"))]
    if fields.get("ignoreMissingComponents"):
        components = [c for c in components if c.exists()]
    if components:
        spec["components"] = [_relative(c, here) for c in components]
    return spec


def _origin(data: dict[str, Any], here: Path) -> Path | None:
    annotations = (data.get("metadata") or {}).get("annotations")
    if not isinstance(annotations, dict) or ORIGIN_ANNOTATION not in annotations:
        return None
    text = annotations.pop(ORIGIN_ANNOTATION)
    if not annotations:
        del data["metadata"]["annotations"]
    match = _ORIGIN_FIELD.search(str(text))
    if not match:
        return None
    value = match.group(2).strip().strip("'\"")
    return Path(os.path.normpath(here / value)) if "://" not in value else None


def build(k: FluxKustomization, folder: Path, repo: Path, timeout: float = 300) -> Output:
    """Run kustomize for `k`; a failure is returned, not raised."""
    try:
        scratch = tempfile.TemporaryDirectory(prefix="infometis-")
    except OSError as err:
        raise SetupError(
            f"no writable temporary folder ({err.strerror or err}): set TMPDIR to one"
        ) from None
    with scratch as temp:
        here = Path(temp)
        (here / "kustomization.yaml").write_text(json.dumps(wrapper(k, folder, here)))
        result = run(
            [kubectl(), "kustomize", "--load-restrictor", "LoadRestrictionsNone", temp],
            timeout=timeout,
        )
        if result.returncode != 0:
            # killed by a signal (Ctrl-C, the OOM killer) says nothing of the inputs, as a timeout
            return Output(
                [],
                _clean_error(result.stderr, here, repo),
                transient=result.timed_out or result.returncode < 0,
            )
        resources = []
        for data in load_stream(result.stdout):
            if isinstance(data, dict):
                origin = _origin(data, here)
                resources.append(Resource(ResourceId.of(data), data, origin))
        return Output(resources, variables="$" in result.stdout)


def _clean_error(stderr: str, here: Path, repo: Path) -> str:
    """kustomize's message on one line, with paths relative to the repository root."""
    message = stderr
    for prefix in (str(repo) + "/", _relative(repo, here) + "/", str(here) + "/"):
        message = message.replace(prefix, "")
    message = _WRAPPER_NOISE.sub("", " ".join(message.split()))
    message = without_objects(message)  # an object kustomize prints whole may be a Secret
    return (
        message.removeprefix("Error: ").removeprefix("error: ")
        or "kustomize failed without a message"
    )

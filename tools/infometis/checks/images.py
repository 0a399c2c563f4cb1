"""images — every container image is pinned to a version, and comes from an allowed registry.

A workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod,
ReplicationController) names each image of its containers, initContainers,
ephemeralContainers and image volumes (`volumes[].image.reference`) with a tag other than `latest`, or with a digest (`@sha256:…`), parsed
as container runtimes parse it (in `registry:5000/app`, 5000 is a port, not a tag); an
invalid reference is an error too. Images are judged as rendered for each cluster, and
reported at the `images:` entry that set the tag (an overlay's, or the Flux
Kustomization's `spec.images`) if one did, else at the image line.

HelmRelease values are judged where an image is recognisable: a map under a key named
`image` (or ending in `Image`) with a `repository`, whose `tag` is `latest`. A missing tag
is not reported there: charts default it to their appVersion, pinned by the chart version.

Option (.infometis.yaml), an allow-list of registries (hosts, or host/path prefixes; a bare
name such as `nginx` is `docker.io/library/nginx`)::

    checks:
      images:
        registries: [ghcr.io/acme, registry.example.com:5000]

PASS::

    containers:
      - name: app
        image: ghcr.io/acme/app:1.4.2
      - name: proxy
        image: registry:5000/proxy@sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945

FAIL::

    containers:
      - name: app
        image: registry:5000/app     # no tag (5000 is the registry's port): it means latest
      - name: tools
        image: busybox:latest        # 'latest' moves
"""  # noqa: E501 (the text `infometis explain` prints, kept as it is)

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from infometis.analysis.pods import pod_images, pod_spec
from infometis.checks.once import said_once
from infometis.discover.closure import kustomization_file
from infometis.load.config import STRING_LIST
from infometis.model import ERROR, Document, Location, Problem, as_list
from infometis.model.fieldpath import field_path
from infometis.model.imageref import Reference, allowed, is_host, parse

if TYPE_CHECKING:
    from infometis.render.kustomize import Resource
    from infometis.render.runs import Rendered, RepoRun

ID = "images"
LEVEL = ERROR
# The schema of this check's options in .infometis.yaml (checked when the file is read).
OPTIONS = {"registries": STRING_LIST}
HINT = "pin a version tag (e.g. app:1.4.2) or a digest (app@sha256:…)"


def verdict(text: str, registries: list[str]) -> str | None:
    """What is wrong with an image reference, or None."""
    reference = parse(text)
    if reference is None:
        return f"'{text}' is not a valid image reference"
    if registries and not allowed(reference.name, registries):
        return (
            f"'{text}' comes from {reference.registry}, which is not an allowed registry "
            f"({', '.join(registries)})"
        )
    if reference.digest:
        return None
    if reference.tag is None:
        return f"'{text}' has no tag, which means 'latest': it moves"
    if reference.tag == "latest":
        return f"'{text}' uses the tag 'latest': it moves"
    return None


def check(run: RepoRun) -> Iterator[Problem]:
    return said_once(run, _problems(run))


def _problems(run: RepoRun) -> Iterator[Problem]:
    registries = [
        r
        for r in as_list(run.config.options(ID).get("registries"))
        if isinstance(r, str) and r.strip()
    ]
    for cluster in run.clusters:
        for rendered in cluster.renders:
            overrides: list[tuple[dict[str, Any], Document, tuple[str | int, ...]]] | None = None
            for resource in rendered.resources:
                found = pod_spec(resource)
                if found is not None:
                    problems: Iterator[tuple[str, tuple[Any, ...], Reference | None]]
                    problems = _workload(found, registries)
                elif (
                    resource.id.kind == "HelmRelease"
                    and resource.id.group == "helm.toolkit.fluxcd.io"
                ):
                    problems = _helm_release(resource, registries)
                else:
                    continue
                for message, path, untagged in problems:
                    where = None
                    if untagged is not None:  # an images: entry may have set the tag
                        overrides = (
                            overrides if overrides is not None else _overrides(run, rendered)
                        )
                        where = _override_location(untagged, overrides)
                        message += " (the tag is set here, by images:)" if where else ""
                    yield Problem.at(
                        ID,
                        LEVEL,
                        f"{field_path(path)}: {message}",
                        where or run.locate(resource, path),
                        cluster=rendered.target,
                        resource=str(resource.id),
                        hint=_hint(message, registries),
                    )


def _hint(message: str, registries: list[str]) -> str:
    if "not a valid image reference" in message:
        return (
            "write it as [registry[:port]/]repository[:tag][@digest], the repository in lower case"
        )
    if "not an allowed registry" in message:
        return (
            f"use an image from {', '.join(registries)} (mirror it there), "
            "or extend checks.images.registries"
        )
    return HINT


def _workload(
    found: tuple[tuple[Any, ...], dict[str, Any]], registries: list[str]
) -> Iterator[tuple[str, tuple[Any, ...], Reference | None]]:
    """(message, path, the reference when its tag is what is wrong) per image of the pod spec."""
    path, spec = found
    for _, image, image_path in pod_images(spec, path):  # absent: the schema's to say
        if "${" in image:  # unsubstituted: skip
            continue
        message = verdict(image.strip(), registries)
        if message:  # a valid reference from an allowed registry: its tag is what is wrong
            reference = parse(image.strip())
            wrong_tag = reference is not None and (
                not registries or allowed(reference.name, registries)
            )
            yield message, image_path, reference if wrong_tag else None


def _helm_release(
    resource: Resource, registries: list[str]
) -> Iterator[tuple[str, tuple[Any, ...], Reference | None]]:
    """Image blocks of HelmRelease values, judged only where their shape is unmistakable."""
    spec = resource.data.get("spec")
    values = spec.get("values") if isinstance(spec, dict) else None
    for path, key, node in _walk(values, ("spec", "values")):
        if not (key == "image" or key.endswith("Image")):
            continue
        if isinstance(node, str) and "${" not in node:
            reference = parse(node.strip())
            if reference and reference.tag == "latest" and not reference.digest:
                yield f"'{node}' uses the tag 'latest': it moves", path, None
        elif isinstance(node, dict) and isinstance(node.get("repository"), str):
            yield from _helm_block(node, path, registries)


def _helm_block(
    block: dict[str, Any], path: tuple[Any, ...], registries: list[str]
) -> Iterator[tuple[str, tuple[Any, ...], None]]:
    repository, tag = block["repository"].strip(), block.get("tag")
    if "${" in repository or block.get("digest") or "@" in repository:
        return
    if str(tag).strip() == "latest" or (tag is None and repository.endswith(":latest")):
        yield (
            "the image tag is 'latest': it moves",
            path + (("tag",) if tag is not None else ("repository",)),
            None,
        )
    # The registry is judged only when the values name it: otherwise it is the chart's choice.
    host = block.get("registry")
    if isinstance(host, str) and host.strip():
        named, field = f"{host.strip().strip('/')}/{repository}", "registry"
    elif is_host(repository.partition("/")[0]):
        named, field = repository, "repository"
    else:
        return
    reference = parse(named)
    if registries and reference and not allowed(reference.name, registries):
        yield (
            (
                f"'{named}' comes from {reference.registry}, which is not an allowed registry "
                f"({', '.join(registries)})"
            ),
            path + (field,),
            None,
        )


def _walk(
    node: Any, path: tuple[Any, ...], depth: int = 0
) -> Iterator[tuple[tuple[Any, ...], str, Any]]:
    """(path, key, value) of every map entry under `node`, lists included; bounded depth."""
    if depth > 12:
        return
    items = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    for key, value in items:
        if isinstance(key, str):
            yield path + (key,), key, value
        yield from _walk(value, path + (key,), depth + 1)


def _overrides(
    run: RepoRun, rendered: Rendered
) -> list[tuple[dict[str, Any], Document, tuple[str | int, ...]]]:
    """The `images:` entries that apply to a render, outermost (applied last) first:
    the Flux Kustomization's spec.images, then each kustomization from the folder down."""
    found: list[tuple[dict[str, Any], Document, tuple[str | int, ...]]] = []
    k = rendered.kustomization
    for index, entry in enumerate(as_list(k.spec.get("images"))):
        if isinstance(entry, dict) and k.document is not None:
            found.append((entry, k.document, ("spec", "images", index)))
    seen: set[Path] = set()
    pending = [Path(rendered.folder)]
    while pending:
        folder = Path(os.path.normpath(pending.pop(0)))
        spec_file = kustomization_file(folder) if folder.is_dir() and folder not in seen else None
        seen.add(folder)
        documents = run.cache.load(spec_file).documents[:1] if spec_file else ()
        for document in documents:
            data = document.data if isinstance(document.data, dict) else {}
            for index, entry in enumerate(as_list(data.get("images"))):
                if isinstance(entry, dict):
                    found.append((entry, document, ("images", index)))
            for key in ("resources", "bases", "components"):
                pending += [
                    folder / item for item in as_list(data.get(key)) if isinstance(item, str)
                ]
    return found


def _override_location(
    image: Reference, overrides: list[tuple[dict[str, Any], Document, tuple[str | int, ...]]]
) -> Location | None:
    """The `images:` entry that gave a rendered image its tag or digest, if any did."""
    for entry, document, path in overrides:
        names = [n for n in (entry.get("newName"), entry.get("name")) if isinstance(n, str)]
        if not any(
            (cast(Reference, parse(n)).name if parse(n) else n) == image.name for n in names
        ):
            continue
        for key in ("digest", "newTag"):
            if entry.get(key) is not None:
                return document.location(path + (key,))
        if isinstance(entry.get("newName"), str) and ":" in entry["newName"].rpartition("/")[2]:
            return document.location(path + ("newName",))
    return None

"""Flux's postBuild for one rendered Flux Kustomization: the variables it gets (its
postBuild.substitute, and the ConfigMaps and Secrets of substituteFrom that the cluster's
renders hold) and their substitution into its resources, as kustomize-controller does it;
each problem at the line that wrote the variable."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import yaml

from infometis.discover import closure as closures
from infometis.load.yamlio import dump, load_stream
from infometis.model import ERROR, Location, ResourceId, as_list
from infometis.model.substitute import TOO_DEEP, UNCLOSED, substitute
from infometis.render import substitution
from infometis.render.kustomize import Resource

if TYPE_CHECKING:
    from infometis.model.flux import FluxKustomization
    from infometis.render.pipeline import ClusterWalk
    from infometis.render.runs import RepoRun


def substitute_from(k: FluxKustomization) -> list[tuple[str, str, str, bool]]:
    """(kind, namespace, name, optional) of each substituteFrom entry."""
    refs = []
    for item in as_list((k.post_build or {}).get("substituteFrom")):
        if isinstance(item, dict):
            refs.append(
                (
                    str(item.get("kind")),
                    k.namespace,
                    str(item.get("name")),
                    bool(item.get("optional")),
                )
            )
    return refs


def _variables(
    walk: ClusterWalk, k: FluxKustomization, resources: list[Resource]
) -> tuple[dict[str, str], bool]:
    """The variables Flux would substitute for `k`, and whether some are unknown here (a
    source made outside the repository). Values lose their newlines, as in Flux."""
    variables: dict[str, str] = {}
    unknown = False
    for index, (kind, namespace, name, optional) in enumerate(substitute_from(k)):
        found = walk.objects.get((kind, namespace, name))
        own = None if found is not None else _own_object(resources, kind, namespace, name)
        where = k.where("spec", "postBuild", "substituteFrom", index)
        if own is not None:
            found = own
            if not optional:
                walk.problem(
                    substitution.ID,
                    ERROR,
                    f"substituteFrom {kind} {namespace}/{name} is rendered by this Kustomization "
                    "itself: on a fresh cluster it does not exist yet when the Kustomization is "
                    "first applied",
                    where,
                    k,
                    hint="move it to a Kustomization this one dependsOn (cluster settings "
                    "usually sit with the flux-system sync), or mark it optional: true",
                )
        if found is not None:
            variables.update(found)
        elif not optional and not walk.run.config.is_external(kind, namespace, name):
            unknown = True
            walk.problem(
                substitution.ID,
                ERROR,
                f"substituteFrom {kind} {namespace}/{name} is not in the "
                "repository: its variables are unknown here",
                where,
                k,
                hint=f"if it is created outside Git, declare it in .infometis.yaml: "
                f"external: [{kind}/{namespace}/{name}]; else add it, or mark it optional: true",
            )
        else:
            unknown = unknown or not optional
    # (called only for a Kustomization with a postBuild)
    inline = cast("dict[str, Any]", k.post_build).get("substitute") or {}
    variables.update(
        {str(key): str(value) for key, value in inline.items()} if isinstance(inline, dict) else {}
    )
    for name in substitution.invalid_names(variables):
        walk.problem(
            substitution.ID,
            ERROR,
            f"'{name}' is not a valid variable name",
            k.where("spec", "postBuild"),
            k,
            hint="use letters, digits and '_', not starting with a digit",
        )
    return {name: value.replace("\n", "") for name, value in variables.items()}, unknown


def apply(
    walk: ClusterWalk,
    k: FluxKustomization,
    resources: list[Resource],
    closure: closures.Closure,
    written: bool = True,
) -> list[Resource]:
    """The resources as Flux applies them: each substituted once any variable exists, none when
    none does (new Resource objects: those given are left as they are)."""
    # its problems are said even when nothing is substituted
    variables, unknown = _variables(walk, k, resources)
    if not (written and variables):
        return resources
    substituted = []
    for resource in resources:
        substituted.append(resource)
        if substitution.disabled(resource.data):
            continue
        # C-fast; most resources have no variables
        if "$" not in json.dumps(resource.data, default=str):
            continue
        text = dump(resource.data)
        outcome = substitute(text, variables)
        for reference in outcome.invalid:
            needle = reference.removesuffix(UNCLOSED).removesuffix(TOO_DEEP)
            _problem(walk, k, resource, closure, f"cannot substitute {reference}", needle)
        for name in sorted(set(outcome.missing)) if not unknown else ():
            _problem(
                walk,
                k,
                resource,
                closure,
                f"variable '{name}' has no value and no default",
                "${" + name,
            )
        try:
            data = load_stream(outcome.text)[0]
        except (yaml.YAMLError, IndexError):  # substituted values that break the YAML, as in Flux
            _problem(walk, k, resource, closure, "the substituted resource is not valid YAML", "${")
        else:
            substituted[-1] = replace(resource, data=data, id=ResourceId.of(data))
    return substituted


def _problem(
    walk: ClusterWalk,
    k: FluxKustomization,
    resource: Resource,
    closure: closures.Closure,
    message: str,
    needle: str,
) -> None:
    where = _reference_location(walk.run, resource, closure, needle) or walk.run.locate(resource)
    walk.problem(
        substitution.ID,
        ERROR,
        f"{message} (in {resource.id})",
        where,
        k,
        hint="set it in postBuild.substitute or substituteFrom, give it a default "
        "${name:=value}, or escape it as $${name}",
    )


def _reference_location(
    run: RepoRun, resource: Resource, closure: closures.Closure, needle: str
) -> Location | None:
    """Where `needle` is written: in the resource's own document first, then in the other
    files of the render (a patch may have brought it in); never in comments or as $${...}."""
    document = run.document(resource)
    if document is not None:
        # (a resource with a document has an origin)
        following = [
            d.line
            for d in run.cache.load(cast(Path, resource.origin)).documents
            if d.line > document.line
        ]
        line = _line_of(resource.origin, needle, document.line, min(following, default=None))
        if line:
            return Location(document.file, line, None)
    for path in sorted(closure.manifests):
        line = _line_of(path, needle)
        if line:
            return Location(run.cache.relative(path), line, None)
    return None


def _own_object(
    resources: list[Resource], kind: str, namespace: str, name: str
) -> dict[str, str] | None:
    """The variables of a ConfigMap or Secret that this render itself holds, if it does."""
    for resource in resources:
        rid = resource.id
        if (rid.kind, rid.group, rid.namespace, rid.name) == (kind, "", namespace, name):
            return substitution.object_values(resource.data)
    return None


def _line_of(path: Path | None, needle: str, first: int = 1, stop: int | None = None) -> int | None:
    """The first line in [first, stop) holding `needle` outside comments and not escaped as $$."""
    try:
        # None is meant: its AttributeError is caught
        lines = path.read_text(errors="replace").splitlines()  # type: ignore[union-attr]
    except (OSError, AttributeError):
        return None
    for number in range(first, (stop or len(lines) + 1)):
        if number > len(lines):
            break
        text = re.sub(r"(^|\s)#.*$", "", lines[number - 1])
        if re.search(r"(?<!\$)" + re.escape(needle), text):
            return number
    return None

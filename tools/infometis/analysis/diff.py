"""What each cluster receives differently between two renders of the repository: resources
matched by ID, added, removed, changed (with a unified diff of their YAML), and kustomize's
hashed ConfigMap/Secret names seen as renames. Secret values never appear."""

from __future__ import annotations

import copy
import difflib
import re
from dataclasses import dataclass, replace
from typing import Any

from infometis.analysis.selection import EVERYTHING, Selection
from infometis.load.yamlio import dump
from infometis.model import ResourceId
from infometis.model.redact import redacted_secret, scrub
from infometis.render.runs import RepoRun

ADDED, CHANGED, REMOVED, RENAMED = "added", "changed", "removed", "renamed"
# kustomize's name suffix for generated objects
_HASHED = re.compile(r"^(?P<stem>.+)-[a-z0-9]{10}$")
_NOISE_LABELS = ("helm.sh/chart",)
_NOISE_ANNOTATIONS = ("checksum/",)


@dataclass(frozen=True)
class Change:
    cluster: str
    status: str
    resource: ResourceId
    kustomization: str  # the Flux Kustomization that renders it
    diff: str = ""  # unified diff of the YAML (changed, renamed)
    old_resource: ResourceId | None = None  # a rename's name before


def rendered_yaml(
    run: RepoRun,
    keep_noise: bool = False,
    selection: Selection = EVERYTHING,
    hidden: frozenset[str] = frozenset(),
) -> dict[str, dict[ResourceId, tuple[str, str]]]:
    """Cluster → resource ID → (its YAML as compared, the Flux Kustomization rendering it),
    for the resources `selection` keeps; Secret values, and the `hidden` values wherever they
    were substituted, as marks."""
    found: dict[str, dict[ResourceId, tuple[str, str]]] = {}
    for cluster in run.clusters:
        for rendered in cluster.renders:
            name = (
                rendered.kustomization.id.name
                if not rendered.kustomization.entry
                else "flux-system"
            )
            for resource in rendered.resources:
                if not selection.keeps(resource.data):
                    continue
                data = resource.data if keep_noise else without_noise(resource.data)
                found.setdefault(rendered.target, {})[resource.id] = (
                    scrub(dump(redacted_secret(data)), hidden),
                    name,
                )
    return found


def without_noise(data: dict[str, Any]) -> dict[str, Any]:
    """Helm's chart label and checksum annotations change with every chart bump: left out."""
    metadata = data.get("metadata")
    if not isinstance(metadata, dict):
        return data
    data = copy.deepcopy(data)
    for field, noisy in (("labels", _NOISE_LABELS), ("annotations", _NOISE_ANNOTATIONS)):
        values = data["metadata"].get(field)
        if isinstance(values, dict):
            for key in [k for k in values if str(k).startswith(noisy)]:
                del values[key]
            if not values:
                del data["metadata"][field]
    return data


def _unified(before: str, after: str, old: str | None, new: str | None) -> str:
    """A unified diff; /dev/null stands for the side without the resource, as in git."""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"a/{old}" if old else "/dev/null",
        tofile=f"b/{new}" if new else "/dev/null",
        n=3,
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _renames(
    removed: set[ResourceId], added: set[ResourceId]
) -> list[tuple[ResourceId, ResourceId]]:
    """Generated ConfigMaps/Secrets whose content hash changed: the same stem, kind and
    namespace."""

    def stem(rid: ResourceId) -> tuple[str, str, str] | None:
        match = (
            _HASHED.match(rid.name)
            if rid.kind in ("ConfigMap", "Secret") and rid.group == ""
            else None
        )
        return (rid.kind, rid.namespace, match["stem"]) if match else None

    olds = {stem(rid): rid for rid in sorted(removed) if stem(rid)}
    return [(olds[stem(rid)], rid) for rid in sorted(added) if stem(rid) in olds]


def compare(
    base: RepoRun,
    head: RepoRun,
    keep_noise: bool = False,
    selection: Selection = EVERYTHING,
    limit_bytes: int | None = None,
) -> list[Change]:
    hidden = base.hidden | head.hidden
    before, after = (
        rendered_yaml(base, keep_noise, selection, hidden),
        rendered_yaml(head, keep_noise, selection, hidden),
    )
    changes: list[Change] = []
    for cluster in sorted(set(before) | set(after)):
        old, new = before.get(cluster, {}), after.get(cluster, {})
        removed, added = set(old) - set(new), set(new) - set(old)
        for old_id, new_id in _renames(removed, added):
            removed.discard(old_id)
            added.discard(new_id)
            changes.append(
                Change(
                    cluster,
                    RENAMED,
                    new_id,
                    new[new_id][1],
                    _unified(
                        old[old_id][0], new[new_id][0], f"{cluster}/{old_id}", f"{cluster}/{new_id}"
                    ),
                    old_id,
                )
            )
        changes += [
            Change(
                cluster,
                ADDED,
                rid,
                new[rid][1],
                _unified("", new[rid][0], None, f"{cluster}/{rid}"),
            )
            for rid in sorted(added)
        ]
        changes += [
            Change(
                cluster,
                REMOVED,
                rid,
                old[rid][1],
                _unified(old[rid][0], "", f"{cluster}/{rid}", None),
            )
            for rid in sorted(removed)
        ]
        for rid in sorted(set(old) & set(new)):
            if old[rid][0] != new[rid][0]:
                label = f"{cluster}/{rid}"
                changes.append(
                    Change(
                        cluster,
                        CHANGED,
                        rid,
                        new[rid][1],
                        _unified(old[rid][0], new[rid][0], label, label),
                    )
                )
    order = {ADDED: 0, RENAMED: 1, CHANGED: 1, REMOVED: 2}
    changes = (
        [replace(c, diff=truncated(c.diff, limit_bytes)) for c in changes]
        if limit_bytes
        else changes
    )
    return sorted(changes, key=lambda c: (c.cluster, order[c.status], str(c.resource)))


def truncated(diff: str, limit: int) -> str:
    """At most `limit` bytes of a resource's diff, cut at a line, saying how much was left out."""
    data = diff.encode()
    if len(data) <= limit:
        return diff
    kept = data[:limit].decode(errors="ignore").rpartition("\n")[0]
    return f"{kept}\n… {len(data) - len(kept.encode()) - 1} more bytes left out (--limit-bytes)\n"

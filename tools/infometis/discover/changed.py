"""Changed-only runs: the files changed since a revision (or given, as pre-commit gives them),
and the part of a run they can affect, whose problems are the ones reported.

Every Flux Kustomization is still rendered, those the change cannot touch from the render
cache, so the checks that compare renders (references, duplicates, routes, the Kafka test)
see what a full run sees: on the changed part, the result is a full run's. The changed part:

- the Flux Kustomizations whose renders read a changed file (a file of a folder their build
  visits counts: kustomize does not say what it reads), those defined in a changed file, and,
  until nothing more is added, those that dependsOn them or substitute from objects they render;
  a render that reads a changed file affects the Kustomizations it defines only through their
  own files, unless the changed file is not one of those (a kustomization or a patch: all);
- problems at a changed file or at a file those renders read, about a resource they render
  (in any cluster: the Kafka test compares clusters), problems of the cross-render checks in
  a cluster they render in, and problems that are about the repository as a whole.

A change to the configuration, a schema or a CustomResourceDefinition can change every
verdict: then everything is reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from infometis.discover import closure as closures
from infometis.load import git
from infometis.model.errors import ConfigError

if TYPE_CHECKING:
    from infometis.load.filecache import FileCache
    from infometis.model import Problem, ResourceId
    from infometis.model.flux import FluxKustomization

# A run (render.runs.RepoRun), its clusters (ClusterRun) and the options (Options) belong to
# a stage above this one: they are Any here.

GLOBAL_FILES = (".infometis.yaml", ".infometis.yml", ".sops.yaml")
GLOBAL_TOPS = ("schemas/",)
CROSS_RENDER_CHECKS = (
    "references",
    "duplicate-resource",
    "routes",
    "flux-depends-on",
    "substitution",
    "border",
)
REPOSITORY_CHECKS = ("unreached",)


def since(repo: Path, ref: str) -> set[str]:
    """Repository-relative paths changed from the merge-base of `ref` and HEAD to the working
    tree, untracked files included; an unknown `ref` is a usage error."""
    if git.query(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}") is None:
        raise ConfigError(
            f"--changed-since {ref}: not a commit of {repo} (in CI, fetch it: fetch-depth: 0)"
        )
    return git.changed_since(
        repo, git.query(repo, "merge-base", ref, "HEAD") or ref, error=ConfigError
    )


def is_global(path: str, cache: FileCache) -> bool:
    """A change that can change every verdict: configuration, schemas, CRDs."""
    if path in GLOBAL_FILES or path.startswith(GLOBAL_TOPS):
        return True
    file = cache.root / path
    if path.endswith((".yaml", ".yml")) and file.is_file():
        return any(
            isinstance(d.data, dict) and d.data.get("kind") == "CustomResourceDefinition"
            for d in cache.load(file).documents
        )
    return False


@dataclass
class Scope:
    files: set[str] = field(default_factory=set)
    resources: set[str] = field(default_factory=set)
    clusters: set[str] = field(default_factory=set)

    def contains(self, problem: Problem) -> bool:
        if problem.file is None and problem.resource is None:
            return True
        return (
            problem.file in self.files
            or problem.resource in self.resources
            or problem.check in REPOSITORY_CHECKS
            or (problem.check in CROSS_RENDER_CHECKS and problem.cluster in self.clusters)
        )


def scope(run_: Any, changed: set[str]) -> Scope | None:
    """The part of `run_` that the changed files can affect; None: all of it."""
    if any(is_global(path, run_.cache) for path in changed):
        return None
    found = Scope(files=set(changed))
    paths = {run_.repo / path for path in changed}
    for cluster in run_.clusters:
        affected, partly = _affected(run_, cluster, paths, changed)
        for rendered in cluster.renders:
            k = rendered.kustomization
            if k in partly:  # only the definitions of some of its Flux Kustomizations changed
                found.resources |= {str(r.id) for r in rendered.resources if r.origin in partly[k]}
            elif k in affected:
                found.clusters.add(rendered.target)
                found.resources |= {str(resource.id) for resource in rendered.resources}
        for build in _builds(cluster):
            if build.kustomization in affected:
                found.clusters.add(build.target)
                read = build.closure.files if build.closure else ()
                found.files |= {run_.cache.relative(path) for path in read}
        found.resources |= {str(k.id) for k in affected if not k.entry}
    return found


def _builds(cluster: Any) -> list[Any]:
    """Every build of the cluster (Rendered), those that failed too."""
    return cast("list[Any]", cluster.renders + cluster.failed)


def _reads(closure: closures.Closure | None, paths: set[Path]) -> set[Path]:
    """The changed `paths` a build read (none when it was never built)."""
    if closure is None:
        return set()
    return {path for path in paths if path in closure.files or path.parent in closure.folders}


def _affected(
    run_: Any, cluster: Any, paths: set[Path], changed: set[str]
) -> tuple[set[FluxKustomization], dict[FluxKustomization, set[Path]]]:
    """The Flux Kustomizations of `cluster` (and its entry) that the change can affect, and
    those whose render changes only in the definitions of some children (→ those files)."""
    every: list[FluxKustomization] = list(cluster.kustomizations.values())
    children: dict[ResourceId | None, list[FluxKustomization]] = {}
    for k in every:
        children.setdefault(k.parent, []).append(k)
    affected = {k for k in every if k.document is not None and k.document.file in changed}
    partly: dict[FluxKustomization, set[Path]] = {}
    for build in _builds(cluster):
        k = build.kustomization
        reasons = _reads(build.closure, paths)
        if not reasons:
            continue
        own = children.get(k.id, [])
        definitions = {child.document.file for child in own if child.document is not None}
        relative = {run_.cache.relative(path) for path in reasons}
        if relative <= definitions:
            partly[k] = reasons
            affected |= {
                child
                for child in own
                if child.document is not None and child.document.file in relative
            }
        else:
            affected.add(k)
            affected |= set(own)
    affected = _dependents(cluster, every, affected)
    return affected, {k: files for k, files in partly.items() if k not in affected}


def _dependents(
    cluster: Any, every: list[FluxKustomization], affected: set[FluxKustomization]
) -> set[FluxKustomization]:
    """Add, until nothing more comes, what dependsOn or substitutes from the affected ones."""
    while True:
        ids = {k.id for k in affected}
        objects = {
            (r.id.kind, r.id.namespace, r.id.name)
            for rendered in cluster.renders
            if rendered.kustomization in affected
            for r in rendered.resources
        }
        more = {
            k
            for k in every
            if k not in affected
            and (any(ref in ids for _, ref in k.depends_on) or _substitutes_from(k) & objects)
        }
        if not more:
            return affected
        affected |= more


def _substitutes_from(k: FluxKustomization) -> set[tuple[str, str, str]]:
    items = (k.post_build or {}).get("substituteFrom") or []
    return {
        (str(item.get("kind")), k.namespace, str(item.get("name")))
        for item in items
        if isinstance(item, dict)
    }


# Where what Flux applies, and what judges it, comes from.
RENDERED_TOPS = ("clusters/", "infrastructure/", "apps/", "schemas/")


def relevant(files: tuple[str, ...], options_: Any) -> list[str]:
    """The given files that can change what the clusters receive or how they are judged."""
    found: list[str] = []
    for name in files:
        path = Path(name).resolve()
        try:
            relative = path.relative_to(options_.repo).as_posix()
        except ValueError:
            continue
        if options_.config.is_excluded(relative):
            continue
        if (
            relative.startswith(RENDERED_TOPS)
            or relative in GLOBAL_FILES
            or path.suffix in (".yaml", ".yml")
        ):
            found.append(relative)
    return found

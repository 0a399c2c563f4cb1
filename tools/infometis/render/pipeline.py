"""discover → render → check for one repository: every Flux Kustomization of every
cluster rendered once, as Flux would, children found in their parents' output."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import cast

from infometis.discover import closure as closures
from infometis.discover.sources import (
    EXTERNAL,
    PENDING,
    REPO,
    UNDEFINED,
    SourceTable,
)
from infometis.load import git
from infometis.load.filecache import FileCache
from infometis.model import (
    ERROR,
    FLUX_KUSTOMIZE_GROUP,
    INFO,
    Level,
    Location,
    Problem,
    ResourceId,
    as_list,
)
from infometis.model.flux import FluxKustomization, SourceRef, is_flux_kustomization, is_source
from infometis.render import flux_path, flux_source, helm, kustomize_build, postbuild, substitution
from infometis.render.cache import load_parsed, open_cache
from infometis.render.charts import ChartCache
from infometis.render.kustomize import Output, Resource, build, wrapper
from infometis.render.progress import Progress
from infometis.render.releases import ReleaseWalk
from infometis.render.runs import ClusterRun, Options, Rendered, RepoRun


class ClusterWalk:
    """Renders one cluster: the entry folder, then each Flux Kustomization found, in waves."""

    def __init__(
        self, options: Options, run: RepoRun, pool: ThreadPoolExecutor, name: str, entry: Path
    ) -> None:
        self.options, self.run, self.pool = options, run, pool
        self.cluster = ClusterRun(name, entry)
        self.problems: list[Problem] = []  # this cluster's, merged in cluster order at the end
        self.sources = SourceTable(options.repo, run.remotes, run.branches, options.mappings)
        self.objects: dict[tuple[str, str, str], dict[str, str]] = {}  # ConfigMaps and Secrets
        self.said: set[str] = set()
        self.notes_at: dict[str, FluxKustomization] = {}  # where a source note is best said
        self.resolved: dict[tuple[Path, str], tuple[Path | None, str | None]] = {}

    def problem(
        self,
        check: str,
        level: Level,
        message: str,
        where: Location | None = None,
        k: FluxKustomization | None = None,
        **extra: str | None,
    ) -> None:
        extra.setdefault("cluster", k.target if k else self.cluster.name)
        if k is not None and not k.entry:
            extra.setdefault("resource", str(k.id))
        self.problems.append(Problem.at(check, level, message, where, **extra))

    def walk(self) -> ClusterRun:
        relative = self.run.cache.relative(self.cluster.entry)
        root = FluxKustomization(
            ResourceId("Kustomization", FLUX_KUSTOMIZE_GROUP, "flux-system", relative),
            {"path": relative},
            self.cluster.name,
            entry=True,
        )
        pending = [root]
        while pending and not self.run.stopped.is_set():
            batch, pending = self._ready(pending)
            planned = [(k, folder) for k in batch if (folder := self.plan(k)) is not None]
            if self.run.progress:
                self.run.progress.add(self.cluster.name, len(planned))
            for k, folder, output, closure in self.pool.map(self._render, planned):
                pending += self._register(k, folder, output, closure)
        if not self.run.stopped.is_set():
            ReleaseWalk(self).render_all()  # once every values source and chart source is known
        return self.cluster

    def _ready(
        self, pending: list[FluxKustomization]
    ) -> tuple[list[FluxKustomization], list[FluxKustomization]]:
        for relax in range(3):
            ready = [k for k in pending if self._is_ready(k, relax)]
            if ready:
                return ready, [k for k in pending if k not in ready]
        return pending, []

    def _is_ready(self, k: FluxKustomization, relax: int) -> bool:
        if k.entry:
            return True
        if k.source and self.sources.resolve(k.source, relax).status == PENDING:
            return False
        return relax >= 2 or all(
            ref[3] or ref[:3] in self.objects for ref in postbuild.substitute_from(k)
        )

    def plan(self, k: FluxKustomization) -> Path | None:
        """The folder to render for `k`, or None (with the reason reported). A hook: a walk that
        renders part of a repository (a shard's) leaves what it does not render here."""
        if k.entry:
            return self.cluster.entry
        if k.source is None:
            self.problem(
                flux_source.ID,
                ERROR,
                "spec.sourceRef needs a kind and a name",
                k.where("spec", "sourceRef"),
                k,
            )
            return None
        resolution = self.sources.resolve(k.source, 2)
        if resolution.note and resolution.note not in self.said:
            self.said.add(resolution.note)
            at = self.notes_at.get(resolution.note, k)
            self.problem(flux_source.ID, INFO, resolution.note, at.where("spec", "sourceRef"), at)
        if resolution.status == EXTERNAL:
            self.cluster.skipped.append(k)
            self.problem(
                flux_source.ID,
                INFO,
                f"skipped: source {k.source} is not this repository",
                k.where("spec", "sourceRef"),
                k,
                hint=f"map it to a folder with --source {k.source}=DIR",
            )
            return None
        if resolution.status == UNDEFINED:
            self.problem(
                flux_source.ID,
                ERROR,
                f"sourceRef {k.source} is not defined in the repository",
                k.where("spec", "sourceRef"),
                k,
                hint=f"define it, fix the reference, or map it with --source {k.source}=DIR",
            )
            return None
        # (a source of this repository, or mapped to a folder: it has a root)
        folder, why = self._resolve(cast(Path, resolution.root), k.path)
        if why:
            self.problem(
                flux_path.ID,
                ERROR,
                why,
                k.where("spec", "path"),
                k,
                hint="spec.path is relative to the root of the source",
            )
            return None
        if folder == self.cluster.entry and resolution.status == REPO:
            self.cluster.entry_syncs.append(k)  # the sync of the entry folder itself
            return None
        return folder

    def _render(
        self, item: tuple[FluxKustomization, Path]
    ) -> tuple[FluxKustomization, Path, Output | None, closures.Closure]:
        k, folder = item
        closure = closures.walk(folder, self.run.cache)
        components = [
            (str(c), k.where("spec", "components", i))
            for i, c in enumerate(as_list(k.spec.get("components")))
        ]
        # (the walk parsed every manifest)
        closures.add_components(folder, components, self.run.cache, closure)
        refused = closure.refused or (closure.remote and not self.options.online)
        output = None if refused or self.run.stopped.is_set() else self.build(k, folder, closure)
        if self.run.progress:
            self.run.progress.done(self.cluster.name)
        return k, folder, output, closure

    def build(self, k: FluxKustomization, folder: Path, closure: closures.Closure) -> Output:
        """kustomize's render, from the render cache when its inputs have not changed. A hook:
        a walk run twice (a shard's) keeps its outputs."""
        repo, renders = self.options.repo, self.run.renders
        if renders is None:
            return kustomize_build.scrubbed(build(k, folder, repo), closure, self.run.cache)
        key = renders.key(wrapper(k, folder, repo), closure)
        return renders.get(
            key, lambda: kustomize_build.scrubbed(build(k, folder, repo), closure, self.run.cache)
        )

    def _register(
        self,
        k: FluxKustomization,
        folder: Path,
        output: Output | None,
        closure: closures.Closure,
    ) -> list[FluxKustomization]:
        self.cluster.reached |= closure.folders
        if output is None or output.error:
            self.cluster.failed.append(
                Rendered(k, folder, k.kube_config_target or k.target, [], closure)
            )
        if output is None:
            for why, where, hint in closure.refused:
                self.problem(kustomize_build.ID, ERROR, why, where, k, hint=hint)
            for reference, where in closure.remote if not self.options.online else ():
                self.problem(
                    kustomize_build.ID,
                    ERROR,
                    f"remote resource '{reference}' refused: the network is off",
                    where,
                    k,
                    hint="vendor it into the repository, or run with --online",
                )
            return []
        if output.error:
            cache = self.run.cache
            mistyped = kustomize_build.mistyped(
                output.error, kustomize_build.documents(closure, cache)
            )
            if mistyped:
                self.problem(
                    kustomize_build.ID,
                    ERROR,
                    mistyped.message,
                    mistyped.where,
                    k,
                    hint=mistyped.hint,
                )
            # a file the build reads that does not parse: the yaml check says it once, at the file
            elif not kustomize_build.explained(closure, cache, self.run.config):
                where = kustomize_build.failure_location(k, folder, closure, output.error, cache)
                self.problem(
                    kustomize_build.ID, ERROR, kustomize_build.shorten(output.error), where, k
                )
            return []
        resources = output.resources  # (kept as built: a shard walks a build twice)
        if k.post_build is not None:
            resources = postbuild.apply(self, k, resources, closure, output.variables)
        target = k.kube_config_target or k.target
        # a list of its own: the HelmReleases' objects join it once the walk is done
        self.cluster.renders.append(Rendered(k, folder, target, list(resources), closure))
        return self._children(k, target, resources)

    def _children(
        self, parent: FluxKustomization, target: str, resources: list[Resource]
    ) -> list[FluxKustomization]:
        children = []
        for resource in resources:
            data, rid = resource.data, resource.id
            if is_source(data):
                self.sources.define(SourceRef(rid.kind, rid.namespace, rid.name), data)
            elif rid.kind == "ArtifactGenerator":
                for artifact in (data.get("spec") or {}).get("artifacts") or []:
                    if isinstance(artifact, dict) and artifact.get("name"):
                        self.sources.define(
                            SourceRef("ExternalArtifact", rid.namespace, artifact["name"]), data
                        )
            elif rid.kind in ("ConfigMap", "Secret") and rid.group == "":
                self.objects.setdefault(
                    (rid.kind, rid.namespace, rid.name), substitution.object_values(data)
                )
                if rid.kind == "ConfigMap" and (rid.namespace, rid.name) == (
                    "flux-system",
                    "cluster-settings",
                ):
                    self.cluster.settings = dict(data.get("data") or {})
            if not is_flux_kustomization(data) or (target, rid) in self.cluster.kustomizations:
                continue
            child = FluxKustomization.parse(data, target, self.run.document(resource), parent.id)
            self.cluster.kustomizations[(target, rid)] = child
            children.append(child)
            if (
                parent.entry
                and child.source
                and self._syncs_entry(child)
                and child.source not in self.sources.this_repo
            ):
                note = (
                    f"{child.source} syncs the entry folder {parent.path}: "
                    "taken to be this repository"
                )
                self.sources.this_repo[child.source] = note
                self.notes_at[note] = child  # said at the sync rather than at its first user
        return children

    def _syncs_entry(self, k: FluxKustomization) -> bool:
        return self._resolve(self.options.repo, k.path)[0] == self.cluster.entry

    def _resolve(self, root: Path, path: str) -> tuple[Path | None, str | None]:
        """flux_path.resolve, once per root and path in a walk (it asks the file system)."""
        key = (root, path)
        if key not in self.resolved:
            self.resolved[key] = flux_path.resolve(root, path)
        return self.resolved[key]


def run_repository(
    options: Options,
    walker: Callable[[Options, RepoRun, ThreadPoolExecutor, str, Path], ClusterWalk] = ClusterWalk,
) -> RepoRun:
    """Render every cluster of the repository; problems are collected, never raised."""
    run = RepoRun(
        options.repo,
        options.config,
        FileCache(options.repo, load_parsed(options.cache_dir)),
        remotes=git.remote_urls(options.repo),
        branches=git.branches(options.repo),
        partial=options.partial,
        each_cluster=options.each_cluster,
        schema=options.schema,
        renders=open_cache(options.repo, options.cache_dir),
        progress=Progress() if options.progress else None,
        charts=ChartCache(options.charts_dir or options.cache_dir),
        helm_renders=helm.RenderStore(options.cache_dir, options.helm_memory),
    )
    # Clusters walk at once (each wave of one cluster waits for its slowest render, which
    # would leave cores idle); the renders of every cluster share one pool of `jobs` workers.
    with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        walks = [walker(options, run, pool, name, entry) for name, entry in options.entries]
        with ThreadPoolExecutor(max_workers=max(1, len(walks))) as clusters:
            try:
                run.clusters = list(clusters.map(lambda walk: walk.walk(), walks))
            except BaseException:  # Ctrl-C, SIGTERM: start no more renders, wait for none
                run.stopped.set()
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    for walk in walks:
        run.problems += walk.problems
    if run.progress:
        run.progress.close()
    return run

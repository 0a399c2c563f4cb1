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
from infometis.load.yamlio import YAML_CHECK, FileCache
from infometis.model import (
    ERROR,
    FLUX_KUSTOMIZE_GROUP,
    INFO,
    Document,
    Level,
    Location,
    Problem,
    ResourceId,
    as_list,
    redact,
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
            return self._scrubbed(build(k, folder, repo), closure)
        key = renders.key(wrapper(k, folder, repo), closure)
        return renders.get(key, lambda: self._scrubbed(build(k, folder, repo), closure))

    def _scrubbed(self, output: Output, closure: closures.Closure) -> Output:
        """kustomize's message without a value of the Secrets its inputs hold."""
        if output.error:
            values = set().union(
                *(
                    redact.secret_values(document.data)
                    for path in closure.manifests
                    if path.is_file()
                    for document in self.run.cache.load(path).documents
                )
            )
            values |= redact.hideable(closures.generator_values(closure, self.run.cache))
            output.error = redact.scrub(output.error, values)
        return output

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
            mistyped = kustomize_build.mistyped(output.error, self._kustomizations(closure))
            if mistyped:
                self.problem(
                    kustomize_build.ID,
                    ERROR,
                    mistyped.message,
                    mistyped.where,
                    k,
                    hint=mistyped.hint,
                )
            elif not self._explained(closure):  # else the yaml check says it once, at the file
                self.problem(
                    kustomize_build.ID,
                    ERROR,
                    kustomize_build.shorten(output.error),
                    self._failure_location(k, folder, closure, output.error),
                    k,
                )
            return []
        resources = output.resources  # (kept as built: a shard walks a build twice)
        if k.post_build is not None:
            resources = postbuild.apply(self, k, resources, closure, output.variables)
        target = k.kube_config_target or k.target
        # a list of its own: the HelmReleases' objects join it once the walk is done
        self.cluster.renders.append(Rendered(k, folder, target, list(resources), closure))
        return self._children(k, target, resources)

    def _kustomizations(self, closure: closures.Closure) -> list[tuple[Document, Path]]:
        """The kustomization.yaml documents a build read, each with its file."""
        files = (closures.kustomization_file(folder) for folder in sorted(closure.folders))
        return [
            (loaded.documents[0], path)
            for path in files
            if path
            for loaded in [self.run.cache.load(path)]
            if loaded.documents
        ]

    def _explained(self, closure: closures.Closure) -> bool:
        """Whether a file the build reads has a yaml error, which is then the failure's cause."""
        if not self.run.config.check(YAML_CHECK).enabled:
            return False
        for path in closure.files | closure.manifests:
            loaded = self.run.cache.parsed_file(path)
            if (
                loaded
                and any(p.level == ERROR for p in loaded.problems)
                and not self.run.config.is_excluded(loaded.path)
            ):
                return True
        return False

    def _failure_location(
        self, k: FluxKustomization, folder: Path, closure: closures.Closure, error: str
    ) -> Location:
        """The kustomization that failed; for a generated one that failed to parse a file, the
        first file that does not parse (kustomize does not name it), else the Flux
        Kustomization."""
        if closure.missing:  # a file the build needs is not there: the line that names it
            return closure.missing[0][1]
        spec_file = closures.kustomization_file(folder)
        if spec_file:
            return Location(self.run.cache.relative(spec_file), 1, 1)
        for manifest in sorted(closure.manifests) if _parse_failure(error) else ():
            loaded = self.run.cache.load(manifest) if manifest.is_file() else None
            if loaded and loaded.problems:
                return Location(loaded.path, loaded.problems[0].line, loaded.problems[0].column)
        return (
            k.where("spec", "path")
            if not k.entry
            else Location(self.run.cache.relative(folder) + "/")
        )

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


def _parse_failure(error: str) -> bool:
    """Whether kustomize failed on YAML it could not read (go-yaml's and kyaml's messages)."""
    return "yaml: " in error or "MalformedYAML" in error


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

"""`validate --shard I/N`: one deterministic part of the work, for a CI matrix whose shards
together report exactly what one unsharded run reports, each problem said by one shard.

Units. The unit of work is a service (shard_units.py: the folders `services:` names, default
apps/*, else those holding a Flux Kustomization whose spec.path lies below them): every Flux
Kustomization whose spec.path points into it, in every cluster (cross-cluster checks such as
core-invariance see a service whole). Services whose kustomizations read one another's folders
(an overlay on another service's base, a folder aggregating every service's overlays), or the
same files outside every service that no repository-wide build reads (a shared component,
through kustomize's components or Flux's spec.components), make one unit, which owns those files.
Units go to shards greedily by cost, the number of files in their folders: largest first, each to
the lightest shard (ties by name, then shard number), so a repository always splits the same.

Rendering. Every shard renders each cluster's entry folder, every repository-wide Flux
Kustomization (any that is not a service's: infrastructure, notifications...) and the service
Kustomizations whose render changes others: those whose files define Flux Kustomizations, the
sources those follow (or another unit's HelmReleases take charts from), CustomResourceDefinitions
or cluster-settings, or that read files another unit or a repository-wide build reads. Other
service Kustomizations are rendered by their unit's shard; the other shards still follow what
their build reads (the folders it reaches) and read their files for what they could render
(names written with the variables spec.postBuild.substitute gives read as Flux writes them).

Reporting. A problem of rendering belongs to the shard of its Flux Kustomization's unit (shard
1: the entry and the repository-wide ones); a check's problem to the shard of the service
whose folder holds its file, or of the unit that owns it; with its file outside the services
and owned by none (or no file), to the unit that alone rendered its resource, else to shard 1. A missing-schema summary counts resources of
every unit: shard 1's.

Context. Some verdicts on a shard's own objects depend on what other units render:
duplicate-resource and routes (a clash with another unit's object or route in the cluster);
references (an object another unit defines, a namespace that another unit's failed render
leaves unknown); border (another unit's namespace or Service makes a host name in-cluster);
substitution (a substituteFrom object that another unit defines); an infometis.io/ignore
annotation on another unit's object of the same name; the missing-schema summary (it counts
every resource of its kind). So after a first walk, a shard also renders, as context whose
problems are left to their own shards:

- units whose files could render, in a cluster, an object with the kind and name of one the
  shard renders there, or a route on a host one of its routes claims there, or a substituteFrom
  object it misses (names and hosts read from the files; with namePrefix/nameSuffix, any name
  containing the written one; ${variables} match anything); always, units whose names or kinds
  cannot be read from their files (replacements, JSON patches or allowNameChange/allowKindChange
  patches, Helm charts, generator or transformer plugins, remote resources, ${variables} in
  names or kinds that spec.postBuild.substitute does not give);
- shard 1: units whose files hold a kind with no schema (as the catalog finds schemas);
- for the shard's own references to objects not defined in a cluster, the units that render in
  that cluster into their namespace (or into none in particular, or with a HelmRelease whose chart
  can render: one is cached, or comes from the repository): they may define the object, or fail
  to render and leave it unknown; for its own border host names, the units that could render a
  namespace or Service named like the name's last label;
- every unit, when a sourceRef names a kind that is not a Kustomization source.

A second walk renders it, in the order an unsharded run would, reusing the first walk's builds.
A clean repository of independent services needs no context: each shard renders its services
and the repository-wide part. Checks never needing context: yaml, kustomize-build, flux-path,
flux-source, flux-depends-on, unreached, secrets, layers, core-invariance, images, workloads,
desired-state, flux-hygiene and schema's verdicts on resources.
"""

from __future__ import annotations

import copy
import json
import os
import re
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from . import closure as closures
from .checks import REGISTRY, border, references, routes, schema
from .checks.settings import IGNORE_ANNOTATION
from .flux import is_flux_kustomization, is_source
from .model import ResourceId, as_list
from .pipeline import ClusterWalk, Options, RepoRun, run_repository
from .schemas.catalog import Catalog
from .shard_units import VARIABLE, Split, split
from .substitute import substitute
from .yamlio import FileCache

KUSTOMIZATION_SOURCES = ("GitRepository", "OCIRepository", "Bucket", "ExternalArtifact")
# kustomization fields after which the names and kinds of its objects cannot be read from the files
OPAQUE_FIELDS = ("replacements", "helmCharts", "helmChartInflationGenerator", "generators", "transformers",
                 "configurations")
_RENAMING = re.compile(r"""path["']?\s*:\s*["']?/(?:metadata/name|kind|apiVersion)\b|allow(?:Name|Kind)Change""")
_HOST_MATCHER = re.compile(r"\b(Host|HostHeader|HostRegexp)\s*\(")
_HOST_VALUE = re.compile(r"\s*(?:`([^`]*)`|\"([^\"]*)\")\s*,?")
_MATCH_LINE = re.compile(r"""^\s*-?\s*["']?match["']?\s*:\s*(.*)$""", re.MULTILINE)
_NAMES = re.compile(r"\$\{#?([_a-zA-Z][_a-zA-Z0-9]*)")  # the variables a text names
_UNDEFINED = re.compile(r" ([^/\s]+)/\S+ is not defined in this cluster")


def parse(text: str) -> tuple[int, int]:
    """'I/N' → (I, N), 1 ≤ I ≤ N; ValueError says what is wrong."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not match:
        raise ValueError(f"'{text}' is not I/N (shard I of N, e.g. 2/3)")
    index, count = int(match.group(1)), int(match.group(2))
    if count < 1:
        raise ValueError(f"'{text}': in I/N, N must be at least 1")
    if not 1 <= index <= count:
        raise ValueError(f"'{text}': in I/N, I must be from 1 to N ({count})")
    return index, count


# ---------------------------------------------------------------- what a render could hold

@dataclass
class Facts:
    """What a Flux Kustomization's build reads, and what it could render, read from its files."""

    folders: set[Path] = field(default_factory=set)
    shared: bool = False  # every shard renders it
    ids: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (group, kind) → names
    affixed: bool = False  # namePrefix or nameSuffix: rendered names contain the written ones
    opaque: bool = False  # names or kinds cannot be read from the files
    kinds: set[tuple[str, str]] = field(default_factory=set)  # (apiVersion, kind)
    namespaces: set[str] = field(default_factory=set)  # those its objects may go to ("*": any)
    annotated: bool = False  # an infometis.io/ignore annotation: it counts in every cluster
    helm: bool = False  # a HelmRelease: its chart may make objects in other namespaces
    hosts: list[re.Pattern] = field(default_factory=list)
    any_host: bool = False  # a rule that may claim any host, or one not read

    def add(self, other: Facts) -> None:
        for key, names in other.ids.items():
            self.ids.setdefault(key, set()).update(names)
        self.affixed |= other.affixed
        self.opaque |= other.opaque
        self.kinds |= other.kinds
        self.namespaces |= other.namespaces
        self.annotated |= other.annotated
        self.helm |= other.helm
        self.hosts += other.hosts
        self.any_host |= other.any_host

    def may_render(self, group: str, kind: str, name: str) -> bool:
        written = self.ids.get((group, kind), set())
        if self.affixed:
            return any(w in name for w in written)
        return name in written or (kind in ("ConfigMap", "Secret") and not group
                                   and any(name.startswith(w + "-") for w in written))  # a generator's hash

    def may_name(self, label: str) -> bool:
        """Whether a namespace or a Service it renders may be called `label`."""
        return (self.opaque or bool({label, "*"} & self.namespaces)
                or self.may_render("", "Service", label) or self.may_render("", "Namespace", label))

    def may_claim(self, host: str) -> bool:
        return (host == "*" and self.any_host) or any(pattern.fullmatch(host) for pattern in self.hosts)


def _influential(data: dict, layout: Split, unit: str, name: str) -> bool:
    """An object whose render changes other renders: Kustomizations and the sources they (or
    another unit's HelmReleases) follow are found in renders, CRDs give schemas, cluster-settings
    the cluster's settings."""
    kind = data.get("kind")
    return (is_flux_kustomization(data)
            or (is_source(data) and kind in KUSTOMIZATION_SOURCES and layout.followed(kind, name, unit))
            or kind in ("ArtifactGenerator", "CustomResourceDefinition")
            or (kind == "ConfigMap" and (data.get("metadata") or {}).get("name") == "cluster-settings"))


def _pattern(value: str, regexp: bool) -> re.Pattern:
    parts = VARIABLE.split(value if regexp else value.lower())
    return re.compile(("~" if regexp else "") + ".*".join(re.escape(part) for part in parts), re.DOTALL)


def _host_values(text: str, start: int) -> list[str] | None:
    """The quoted values of a matcher's arguments from `start`; None when they cannot be read."""
    values = []
    while True:
        match = _HOST_VALUE.match(text, start)
        if not match:
            return values if values and text[start:].lstrip().startswith(")") else None
        values.append(match.group(1) if match.group(1) is not None else match.group(2))
        start = match.end()


def _routes(facts: Facts, text: str) -> None:
    """Route rules in a file's text, however they are written (manifests, patches): the hosts
    they may claim, ${variables} matching anything, and whether a rule may claim any host."""
    if "match" not in text and "Host" not in text:
        return
    for matcher in _HOST_MATCHER.finditer(text):
        values = _host_values(text, matcher.end())
        if values is None or any("\\" in value for value in values):  # escapes: not read
            facts.hosts.append(re.compile(".*", re.DOTALL))
            continue
        facts.hosts += [_pattern(value, matcher.group(1) == "HostRegexp") for value in values]
    for value in _MATCH_LINE.findall(text):
        facts.any_host |= "Host" not in value or value.lstrip()[:1] in ("|", ">")
    if "||" in text or "/match" in text or re.search(r"!\s*\(|!\s*Host", text):
        facts.any_host = True


def _expand(text: str, variables: dict[str, str], complete: bool) -> str:
    """`text` as Flux's substitution writes it with spec.postBuild.substitute (which takes
    precedence over substituteFrom); as it is (unread) when a variable is missing, or may come
    from substituteFrom (`complete` False)."""
    if "${" not in text or not (complete or set(_NAMES.findall(text)) <= variables.keys()):
        return text
    outcome = substitute(text, variables)
    return text if outcome.missing or outcome.invalid else outcome.text


def facts_of(k, folder: Path, unit: str, layout: Split, cache: FileCache, charts: bool = True) -> Facts:
    """`charts`: whether the chart cache holds any chart (else no HelmRelease renders objects)."""
    closure = closures.walk(folder, cache)
    spec = k.spec
    post_build = spec.get("postBuild") if isinstance(spec.get("postBuild"), dict) else {}
    given = post_build.get("substitute") if isinstance(post_build.get("substitute"), dict) else {}
    variables = {str(key): str(value) for key, value in given.items()}
    complete = not post_build.get("substituteFrom")
    components = [(str(c), k.where("spec", "components", i)) for i, c in enumerate(as_list(spec.get("components")))]
    closures.add_components(folder, components, cache, closure)
    facts = Facts(set(closure.folders))
    # what another unit (or every shard) reads too: rendered by every shard, its problems there said once
    facts.shared = any(layout.owner(path) != unit for path in closure.folders | closure.files | closure.manifests)
    facts.opaque = bool(closure.remote) or bool(_RENAMING.search(json.dumps(spec.get("patches") or [])))
    facts.affixed = bool(spec.get("namePrefix") or spec.get("nameSuffix"))
    facts.namespaces.add(str(spec.get("targetNamespace") or ""))
    for path in sorted(closure.manifests):
        if not path.is_file():
            continue
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue
        _routes(facts, text)
        facts.annotated |= IGNORE_ANNOTATION in text
        documents = [d.data for d in cache.load(path).documents if isinstance(d.data, dict)]
        if path.name in closures.KUSTOMIZATION_FILES:
            for data in documents[:1]:
                facts.opaque |= any(data.get(key) for key in OPAQUE_FIELDS) or bool(_RENAMING.search(text))
                facts.affixed |= bool(data.get("namePrefix") or data.get("nameSuffix"))
                facts.namespaces.add(str(data.get("namespace") or ""))
                for key, kind in (("configMapGenerator", "ConfigMap"), ("secretGenerator", "Secret")):
                    for entry in as_list(data.get(key)):
                        if isinstance(entry, dict) and isinstance(entry.get("name"), str) and entry["name"]:
                            name = _expand(entry["name"], variables, complete)
                            facts.ids.setdefault(("", kind), set()).add(name)
                            facts.opaque |= "${" in name
            continue
        for data in documents:
            rid = ResourceId.of(data)
            rid = replace(rid, name=_expand(rid.name, variables, complete),
                          namespace=_expand(rid.namespace, variables, complete))
            facts.shared |= _influential(data, layout, unit, rid.name)
            facts.helm |= data.get("kind") == "HelmRelease" and charts
            api_version = str(data.get("apiVersion") or "")
            facts.opaque |= "${" in api_version + rid.kind + rid.name or rid.kind.endswith("List")
            if rid.name:
                facts.ids.setdefault((rid.group, rid.kind), set()).add(rid.name)
            facts.kinds.add((api_version, rid.kind))
            facts.namespaces.add(rid.namespace)
    facts.namespaces = {"*" if "${" in n else n.lower() for n in facts.namespaces}
    return facts


# ---------------------------------------------------------------- the walk of one shard

class ShardWalk(ClusterWalk):
    """A cluster's walk that renders only what the shard needs, and says only its own problems."""

    def __init__(self, shard: Shard, options, run, pool, name, entry):
        super().__init__(options, run, pool, name, entry)
        self.shard = shard
        self.units: dict[int, str | None] = {}  # id(k) → the unit of its folder (None: repository-wide)
        self.shared: set[int] = set()  # id(k) of the service Kustomizations every shard renders
        self.attempted: list = []  # Flux Kustomizations this shard renders
        self.elsewhere: list[tuple] = []  # (k, unit, facts): left to their unit's shard
        shard.walks.append(self)

    def problem(self, check, level, message, where=None, k=None, **extra):
        if self.shard.owner_of_kustomization(k, self.units.get(id(k), "")) == self.shard.index:
            super().problem(check, level, message, where, k, **extra)

    def _plan(self, k):
        folder = super()._plan(k)
        if folder is None or k.entry:
            return folder
        unit = self.units[id(k)] = self.shard.layout.unit(folder)
        facts = self.shard.facts(k, folder, unit) if unit else None
        if facts is not None and facts.shared:
            self.shared.add(id(k))
        if facts is None or facts.shared or self.shard.renders(unit):
            self.attempted.append(k)
            return folder
        self.cluster.reached |= facts.folders
        self.elsewhere.append((k, unit, facts))
        return None

    def render_unit(self, k) -> str | None:
        """The unit a render belongs to, None when every shard renders it."""
        return None if k.entry or id(k) in self.shared else self.units.get(id(k))

    def _build(self, k, folder, closure):
        key = (str(folder), json.dumps(k.spec, sort_keys=True, default=str))
        if key not in self.shard.builds:
            self.shard.builds[key] = super()._build(k, folder, closure)
        return copy.deepcopy(self.shard.builds[key])  # substitution changes resources in place

    def missing_objects(self) -> set[tuple[str, str]]:
        """(kind, name) of the substituteFrom objects a render of this shard did not find."""
        return {(kind, name) for k in self.attempted for kind, namespace, name, _ in self._substitute_from(k)
                if (kind, namespace, name) not in self.objects}


class Shard:
    """One shard's run: its split, its walks, the context it renders, and whose problems are whose."""

    def __init__(self, options: Options):
        self.options = options
        self.index, count = options.shard
        self.layout = split(options.repo, count, options.config.services, [entry for _, entry in options.entries])
        self.context: set[str] = set()  # other units rendered for this shard's verdicts
        self.cache = FileCache(options.repo)  # files read for their facts: not validated here
        self.charts = _charts_render(options, self.layout)
        self.known: dict[tuple, Facts] = {}
        self.builds: dict[tuple, object] = {}  # kustomize outputs, for the second walk
        self.walks: list[ShardWalk] = []
        self.rendered_by: dict[str, set[str | None]] = {}  # resource → units (None: shared)

    def renders(self, unit: str) -> bool:
        return self.layout.shard_of[unit] == self.index or unit in self.context

    def facts(self, k, folder: Path, unit: str) -> Facts:
        key = (str(folder), unit, json.dumps(k.spec, sort_keys=True, default=str))
        if key not in self.known:
            self.known[key] = facts_of(k, folder, unit, self.layout, self.cache, self.charts)
        return self.known[key]

    def owner_of_kustomization(self, k, unit: str | None) -> int:
        if k is None or k.entry:
            return 1
        if unit == "":  # not planned yet: by its path in this repository
            unit = self.layout.unit(os.path.normpath(self.options.repo / (k.path.strip().lstrip("/") or ".")))
        return self.layout.shard_of[unit] if unit else 1

    def owner(self, problem) -> int:
        if problem.check == schema.ID and problem.message.startswith("no schema for "):
            return 1
        unit = self.layout.owner(problem.file) if problem.file else None
        if unit is None and problem.resource:
            units = self.rendered_by.get(problem.resource, set())
            unit = min(units) if units and None not in units else None
        return self.layout.shard_of[unit] if unit else 1

    # ------------------------------------------------------------ the walks

    def walk(self) -> RepoRun:
        self.walks = []
        run = run_repository(self.options, walker=partial(ShardWalk, self))
        self.rendered_by = {}
        for walk in self.walks:
            for rendered in walk.cluster.renders:
                unit = walk.render_unit(rendered.kustomization)
                for resource in rendered.resources:
                    self.rendered_by.setdefault(str(resource.id), set()).add(unit)
        return run

    def view(self, run: RepoRun) -> RepoRun:
        """The run as the references check must see it: what other shards render is not unknown."""
        clusters = [replace(walk.cluster, entry_syncs=walk.cluster.entry_syncs + [k for k, _, _ in walk.elsewhere])
                    for walk in self.walks]
        return replace(run, clusters=clusters)

    def needed(self, run: RepoRun, selected: set[str]) -> set[str]:
        """The units, not rendered, whose renders could change this shard's problems."""
        units: dict[str, Facts] = {}  # unit → what its Kustomizations left to other shards could render
        for walk in self.walks:
            for _, unit, facts in walk.elsewhere:
                units.setdefault(unit, Facts()).add(facts)
        if not units:
            return set()
        if any(k.source and k.source.kind not in KUSTOMIZATION_SOURCES
               for walk in self.walks for k in walk.cluster.kustomizations.values()):
            return set(units)
        ids: dict[int, set] = {}  # id(walk) → (group, kind, name) rendered in its cluster
        hosts: dict[int, set] = {}  # id(walk) → the hosts its routes claim
        for walk in self.walks:
            rendered = [resource for r in walk.cluster.renders for resource in r.resources]
            ids[id(walk)] = {(r.id.group, r.id.kind, r.id.name) for r in rendered}
            hosts[id(walk)] = _claimed_hosts(rendered)
        anywhere = set().union(*ids.values())  # an ignore annotation counts in every cluster
        needed = {unit for unit, facts in units.items() if facts.opaque}
        for walk in self.walks:
            missing = walk.missing_objects()
            for _, unit, facts in walk.elsewhere:
                if (any(facts.may_render(*i) for i in (anywhere if facts.annotated else ids[id(walk)]))
                        or any(facts.may_claim(host) for host in hosts[id(walk)])
                        or any(facts.may_render("", kind, name) for kind, name in missing)):
                    needed.add(unit)
        probe = replace(run, cache=FileCache(run.repo))  # what the checks load is not the walk's
        if "schema" in selected and self.index == 1 and run.schema.missing != "ignore":
            catalog = Catalog(run.schema, run.repo, schema.repository_crds(probe)[0])
            needed |= {unit for unit, facts in units.items()
                       if any(catalog.find(api_version, kind) is None for api_version, kind in facts.kinds)}
        if "references" in selected:  # what is not defined: another unit may define it, or fail to render
            wanted: dict[str, set[str]] = {}  # target → namespaces of the shard's undefined references
            for problem in references.check(self.view(probe)):
                match = _UNDEFINED.search(problem.message)
                if match and self.owner(problem) == self.index:
                    wanted.setdefault(problem.cluster, set()).add(match.group(1))
            for walk in self.walks:
                for k, unit, facts in walk.elsewhere:
                    namespaces = wanted.get(k.kube_config_target or k.target)
                    target_namespace = str(k.spec.get("targetNamespace") or "")
                    if namespaces and (not target_namespace or target_namespace in namespaces or facts.helm):
                        needed.add(unit)
        if "border" in selected:  # a host name whose last label another unit's namespace or Service makes in-cluster
            hosts = [m.group(1).lower().rstrip(".") for p in border.check(probe) if self.owner(p) == self.index
                     and (m := re.search(r"'([^']*)' is a hostname", p.message))]
            labels = {host.rsplit(".", 1)[-1] for host in hosts if "${" not in host}
            needed |= {unit for unit, facts in units.items()
                       if any(facts.may_name(label) for label in labels if label.isalpha())}
        return needed

    def problems(self, run: RepoRun, selected: set[str]):
        """This shard's problems: those of rendering (already its own), then the checks'."""
        yield from run.problems
        for check_id, module in REGISTRY.items():
            if hasattr(module, "check") and check_id in selected:
                found = module.check(self.view(run) if module is references else run)
                yield from (problem for problem in found if self.owner(problem) == self.index)


def _charts_render(options: Options, layout: Split) -> bool:
    """Whether a HelmRelease may render objects: a chart is cached, or one comes from the
    repository (a GitRepository, a Bucket, a HelmChart), which needs no cache."""
    folder = options.charts_dir or options.cache_dir
    if folder is not None and (folder / "charts").is_dir() and any(p.is_file() for p in (folder / "charts").rglob("*")):
        return True
    return bool(layout.found.chart_kinds - {"HelmRepository", "OCIRepository"})


def _claimed_hosts(resources) -> set[str]:
    hosts = set()
    for resource in resources:
        if resource.id.kind != "IngressRoute" or resource.id.group not in routes.TRAEFIK_GROUPS:
            continue
        spec = resource.data.get("spec") if isinstance(resource.data.get("spec"), dict) else {}
        for route in as_list(spec.get("routes")):
            if isinstance(route, dict) and isinstance(route.get("match"), str):
                try:
                    hosts |= {claim[0] for claim in routes.claims(routes.Parser(route["match"]).parse())}
                except routes.RuleError:
                    continue
    return hosts


def validate(options: Options, selected: set[str]) -> tuple[RepoRun, list]:
    """Render what shard I of N needs and return its run and its problems."""
    shard = Shard(options)
    run = shard.walk()
    shard.context = shard.needed(run, selected)
    if shard.context:
        run = shard.walk()
    return run, list(shard.problems(run, selected))

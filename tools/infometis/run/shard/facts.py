"""What the renders of a unit left to another shard could hold, read from its files without
rendering: the kinds and names it may define, the hosts its routes may claim."""

# kustomization fields after which the names and kinds of its objects cannot be read from the files
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast

from infometis.checks.settings import IGNORE_ANNOTATION
from infometis.discover import closure as closures
from infometis.load.filecache import FileCache
from infometis.model import ResourceId, as_list
from infometis.model.flux import FluxKustomization, is_flux_kustomization, is_source
from infometis.model.kinds import KUSTOMIZATION_SOURCE_KINDS
from infometis.model.substitute import substitute
from infometis.run.shard.scan import VARIABLE
from infometis.run.shard.units import Split

OPAQUE_FIELDS = (
    "replacements",
    "helmCharts",
    "helmChartInflationGenerator",
    "generators",
    "transformers",
    "configurations",
)
_RENAMING = re.compile(
    r"""path["']?\s*:\s*["']?/(?:metadata/name|kind|apiVersion)\b|allow(?:Name|Kind)Change"""
)
_HOST_MATCHER = re.compile(r"\b(Host|HostHeader|HostRegexp)\s*\(")
_HOST_VALUE = re.compile(r"\s*(?:`([^`]*)`|\"([^\"]*)\")\s*,?")
_MATCH_LINE = re.compile(r"""^\s*-?\s*["']?match["']?\s*:\s*(.*)$""", re.MULTILINE)
_NAMES = re.compile(r"\$\{#?([_a-zA-Z][_a-zA-Z0-9]*)")  # the variables a text names


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
    hosts: list[re.Pattern[str]] = field(default_factory=list)
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
        # a generator's hash
        return name in written or (
            kind in ("ConfigMap", "Secret")
            and not group
            and any(name.startswith(w + "-") for w in written)
        )

    def may_name(self, label: str) -> bool:
        """Whether a namespace or a Service it renders may be called `label`."""
        return (
            self.opaque
            or bool({label, "*"} & self.namespaces)
            or self.may_render("", "Service", label)
            or self.may_render("", "Namespace", label)
        )

    def may_claim(self, host: str) -> bool:
        return (host == "*" and self.any_host) or any(
            pattern.fullmatch(host) for pattern in self.hosts
        )


def _influential(data: dict[str, Any], layout: Split, unit: str, name: str) -> bool:
    """An object whose render changes other renders: Kustomizations and the sources they (or
    another unit's HelmReleases) follow are found in renders, CRDs give schemas, cluster-settings
    the cluster's settings."""
    kind = data.get("kind")
    return (
        is_flux_kustomization(data)
        or (
            is_source(data)
            and kind in KUSTOMIZATION_SOURCE_KINDS
            and layout.followed(kind, name, unit)
        )
        or kind in ("ArtifactGenerator", "CustomResourceDefinition")
        or (kind == "ConfigMap" and (data.get("metadata") or {}).get("name") == "cluster-settings")
    )


def _pattern(value: str, regexp: bool) -> re.Pattern[str]:
    parts = VARIABLE.split(value if regexp else value.lower())
    return re.compile(
        ("~" if regexp else "") + ".*".join(re.escape(part) for part in parts), re.DOTALL
    )


def _host_values(text: str, start: int) -> list[str] | None:
    """The quoted values of a matcher's arguments from `start`; None when they cannot be read."""
    values: list[str] = []
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


def facts_of(
    k: FluxKustomization,
    folder: Path,
    unit: str,
    layout: Split,
    cache: FileCache,
    charts: bool = True,
) -> Facts:
    """`charts`: whether the chart cache holds any chart (else no HelmRelease renders objects)."""
    closure = closures.walk(folder, cache)
    spec = k.spec
    post_build = cast(
        "dict[str, Any]",
        spec.get("postBuild") if isinstance(spec.get("postBuild"), dict) else {},
    )
    given = cast(
        "dict[str, Any]",
        post_build.get("substitute") if isinstance(post_build.get("substitute"), dict) else {},
    )
    variables = {str(key): str(value) for key, value in given.items()}
    complete = not post_build.get("substituteFrom")
    components = [
        (str(c), k.where("spec", "components", i))
        for i, c in enumerate(as_list(spec.get("components")))
    ]
    closures.add_components(folder, components, cache, closure)
    facts = Facts(set(closure.folders))
    # what another unit (or every shard) reads too: rendered by every shard, its problems there
    # said once
    facts.shared = any(
        layout.owner(path) != unit for path in closure.folders | closure.files | closure.manifests
    )
    facts.opaque = bool(closure.remote) or bool(
        _RENAMING.search(json.dumps(spec.get("patches") or []))
    )
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
                facts.opaque |= any(data.get(key) for key in OPAQUE_FIELDS) or bool(
                    _RENAMING.search(text)
                )
                facts.affixed |= bool(data.get("namePrefix") or data.get("nameSuffix"))
                facts.namespaces.add(str(data.get("namespace") or ""))
                for key, kind in (
                    ("configMapGenerator", "ConfigMap"),
                    ("secretGenerator", "Secret"),
                ):
                    for entry in as_list(data.get(key)):
                        if (
                            isinstance(entry, dict)
                            and isinstance(entry.get("name"), str)
                            and entry["name"]
                        ):
                            name = _expand(entry["name"], variables, complete)
                            facts.ids.setdefault(("", kind), set()).add(name)
                            facts.opaque |= "${" in name
            continue
        for data in documents:
            rid = ResourceId.of(data)
            rid = replace(
                rid,
                name=_expand(rid.name, variables, complete),
                namespace=_expand(rid.namespace, variables, complete),
            )
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

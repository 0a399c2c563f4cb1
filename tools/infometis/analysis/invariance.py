"""The Kafka test as plain functions: the core objects of each service (rendered from
apps/<service>/base/) in each cluster, masked of what an environment may set, and where
they still differ from one cluster to another.

A value that differs only by the cluster's own settings (its domain, name or environment,
as cluster-settings declares them, and the namespace the service runs in there) is the same
text substituted per cluster, e.g. a border component's `nifi.${domain}`: not a difference.
Everything else is.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from infometis.discover.closure import KUSTOMIZATION_FILES
from infometis.model import layout
from infometis.model.fieldpath import ANY_INDEX, ANY_KEY, Pattern, PatternToken, parse_patterns
from infometis.model.kinds import CONTAINER_LISTS
from infometis.render.kustomize import Resource

if TYPE_CHECKING:
    from infometis.render.runs import RepoRun

ObjectKey = tuple[str, str, str]  # kind, API group, name: namespaces may differ by cluster
# A cluster's settings values, and its generated objects' names → their names without the hash.
_Context = tuple[dict[str, str], dict[str, str]]
DEFAULT_SETTINGS = ("domain", "cluster", "environment")
LABEL_MAPS = ("labels", "annotations", "matchLabels")
_GENERATED_SUFFIX = re.compile(r"^(.+)-[a-z0-9]{10}$")  # kustomize's content hash


class _Sentinel:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


MISSING = _Sentinel("absent")  # the field (or object) is not there
PRESENT = _Sentinel("present")  # the object is there (path () of an object-level difference)
UNKNOWN = _Sentinel("unknown")  # no reference value to judge by
NAMESPACE = "${namespace}"  # the name a service's own Namespace object is matched by


class Item(int):
    """A list index that knows the name of its item: lists of named items (containers, env,
    ports, volumes) are matched by name, as kustomize merges them, whatever their order."""

    name: str

    def __new__(cls, index: int, name: str) -> Item:
        item = super().__new__(cls, index)
        item.name = name
        return item


@dataclass(frozen=True)
class Difference:
    service: str
    object: ObjectKey
    path: tuple[str | int, ...]  # () when the object itself is missing somewhere
    values: dict[str, Any]  # cluster → value (MISSING, or PRESENT for the object itself)


def object_key(resource: Resource) -> ObjectKey:
    """(kind, group, name); a generated ConfigMap or Secret without its content hash, which
    differs whenever the content does (the content is compared instead)."""
    name = resource.id.name
    generated = resource.origin is not None and resource.origin.name in KUSTOMIZATION_FILES
    if (
        generated
        and resource.id.kind in ("ConfigMap", "Secret")
        and (match := _GENERATED_SUFFIX.match(name))
    ):
        name = match.group(1)
    return resource.id.kind, resource.id.group, name


def core_objects(run: RepoRun) -> dict[str, dict[str, dict[ObjectKey, Resource]]]:
    """service → cluster → object → the rendered resource, for every object whose origin is
    under apps/<service>/base/ (objects of border components and overlays are not core). The
    objects a HelmRelease's chart renders are left out: the HelmRelease is compared, and its
    chart version is a pin each environment moves on its own."""
    found: dict[str, dict[str, dict[ObjectKey, Resource]]] = {}
    for cluster in run.clusters:
        for rendered in cluster.renders:
            for resource in rendered.resources:
                if resource.via is not None:
                    continue
                service = (
                    layout.core_service(run.cache.relative(resource.origin))
                    if resource.origin
                    else None
                )
                if service is not None and isinstance(resource.data, dict):
                    by_cluster = found.setdefault(service, {}).setdefault(rendered.target, {})
                    # a duplicate is duplicate-resource's
                    by_cluster.setdefault(object_key(resource), resource)
    for objects_by_cluster in found.values():
        for objects in objects_by_cluster.values():
            namespace = namespace_of(objects.values())
            key = ("Namespace", "", namespace)
            if namespace and key in objects:  # the service's own namespace, whatever its name here
                objects[("Namespace", "", NAMESPACE)] = objects.pop(key)
    return found


def namespace_of(objects: Iterable[Any]) -> str:
    """The namespace most of a service's objects are in, in one cluster ('' if none)."""
    counts: dict[str, int] = {}
    for obj in objects:
        data = getattr(obj, "data", obj)
        metadata = data.get("metadata") if isinstance(data, dict) else None
        namespace = metadata.get("namespace") if isinstance(metadata, dict) else None
        if isinstance(namespace, str) and namespace:
            counts[namespace] = counts.get(namespace, 0) + 1
    return max(counts, key=cast("Callable[[str], int]", counts.get)) if counts else ""


def image_repository(reference: str) -> str:
    """The image without its tag and digest: registry:5000/team/app:1.2@sha256:… →
    registry:5000/team/app."""
    name = reference.split("@", 1)[0]
    head, _, last = name.rpartition("/")
    return (head + "/" if head else "") + last.split(":", 1)[0]


def masked(
    data: Any, patterns: Iterable[str | Iterable[PatternToken]], environment: str = ""
) -> Any:
    """A copy of `data` without the environment fields (patterns as text or parsed): an `…image`
    field, and a container's image in any kind, keeps its repository only; labels and
    annotations keyed by the environment go."""
    return _mask(data, (), [_trie(tuple(parse_patterns(patterns)))], environment)


class _Node:
    """The patterns as a tree of their tokens: the patterns still matching a path are a few
    nodes, each step a dictionary look-up instead of a test of every pattern."""

    def __init__(self) -> None:
        self.end = False  # a pattern ends here: the field is the environment's
        self.exact: dict[str | int, _Node] = {}  # a key or an index → node
        self.any_key: _Node | None = None
        self.any_index: _Node | None = None

    def step(self, part: Any) -> list[_Node]:
        found = []
        # (a key 1.0 is not index 1)
        child = self.exact.get(part) if isinstance(part, (str, int)) else None
        if child is not None:
            found.append(child)
        if self.any_key is not None and isinstance(part, str):
            found.append(self.any_key)
        if self.any_index is not None and (isinstance(part, int) or part == "-"):
            found.append(self.any_index)
        return found


@functools.lru_cache(maxsize=16)
def _trie(patterns: tuple[Pattern, ...]) -> _Node:
    root = _Node()
    for pattern in patterns:
        node = root
        for token in pattern:
            if token is ANY_KEY:
                node.any_key = node.any_key or _Node()
                node = node.any_key
            elif token is ANY_INDEX:
                node.any_index = node.any_index or _Node()
                node = node.any_index
            else:
                # (neither ANY_KEY nor ANY_INDEX: a key or an index)
                node = node.exact.setdefault(cast("str | int", token), _Node())
        node.end = True
    return root


def _mask(value: Any, path: tuple[str | int, ...], live: list[_Node], environment: str) -> Any:
    if _is_container_image(path) and isinstance(value, str):
        # kustomize's `images:` pins tags in every kind: always the environment's
        return image_repository(value)
    if path:  # `live` matched path[:-1]: step on by the last part
        live = [child for node in live for child in node.step(path[-1])]
    if any(node.end for node in live):
        if path and path[-1] == "image" and isinstance(value, str):
            return image_repository(value)
        return MISSING
    if isinstance(value, dict):
        label_map = bool(path) and path[-1] in LABEL_MAPS
        kept = {}
        for key, item in value.items():
            if label_map and environment and key == environment:
                continue
            item = _mask(item, path + (key,), live, environment)
            if item is not MISSING:
                kept[key] = item
        return kept
    if isinstance(value, list):
        items = [
            _mask(item, path + (index,), live, environment) for index, item in enumerate(value)
        ]
        return [item for item in items if item is not MISSING]
    return value


def _is_container_image(path: tuple[str | int, ...]) -> bool:
    return (
        len(path) >= 3
        and path[-1] == "image"
        and isinstance(path[-2], int)
        and path[-3] in CONTAINER_LISTS
    )


def templated(value: Any, settings: dict[str, str], renames: dict[str, str] | None = None) -> Any:
    """`value` with each of the cluster's setting values written back as ${name} (whole words,
    longest first), and generated object names without their hash."""
    if isinstance(value, dict):
        return {key: templated(item, settings, renames) for key, item in value.items()}
    if isinstance(value, list):
        return [templated(item, settings, renames) for item in value]
    if not isinstance(value, str):
        return value
    if renames and value in renames:
        return renames[value]
    words = {str(v): k for k, v in settings.items() if v}
    if not words:
        return value
    alternatives = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
    return re.sub(
        rf"(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z0-9])",
        lambda m: "${" + words[m.group(0)] + "}",
        value,
    )


def differences(
    service: str,
    objects_by_cluster: dict[str, dict[ObjectKey, Any]],
    patterns: Iterable[str | Iterable[PatternToken]],
    settings: dict[str, dict[str, str]] | None = None,
) -> list[Difference]:
    """Each field (and object) of the service's core that is not the same in every cluster,
    once. Objects are Resources or plain dicts; `settings` is cluster → its settings values."""
    settings = {c: dict((settings or {}).get(c, {})) for c in objects_by_cluster}
    for (
        cluster,
        objects,
    ) in objects_by_cluster.items():  # namespaces may differ: so may what names them
        settings[cluster].setdefault("namespace", namespace_of(objects.values()))
    parsed = parse_patterns(patterns)
    renames = {
        cluster: {
            r.id.name: key[2]
            for key, r in objects.items()
            if isinstance(r, Resource) and r.id.name != key[2]
        }
        for cluster, objects in objects_by_cluster.items()
    }
    keys = sorted({key for objects in objects_by_cluster.values() for key in objects})
    found: list[Difference] = []
    for key in keys:
        presence = {
            c: PRESENT if key in objects else MISSING for c, objects in objects_by_cluster.items()
        }
        if MISSING in presence.values():
            found.append(Difference(service, key, (), presence))
        present = {
            c: objects[key]
            for c, objects in objects_by_cluster.items()
            if isinstance(getattr(objects.get(key), "data", objects.get(key)), dict)
        }  # else nothing to judge
        if len(present) < 2:
            continue
        values = {
            c: masked(getattr(obj, "data", obj), parsed, settings.get(c, {}).get("environment", ""))
            for c, obj in present.items()
        }
        context = {c: (settings.get(c, {}), renames.get(c, {})) for c in values}
        found += [
            Difference(service, key, path, by_cluster)
            for path, by_cluster in _compare(values, (), context)
        ]
    return found


def _compare(
    values: dict[str, Any], path: tuple[str | int, ...], context: dict[str, _Context]
) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any]]]:
    """(path, values) of each place where the clusters' values part: dicts key by key, lists of
    named items name by name, other lists of one length item by item, anything else (a list
    that grew, a scalar, a missing subtree) whole, unless the cluster's settings explain it."""
    first, *others = values.values()
    if all(other == first for other in others):
        return
    if all(isinstance(v, dict) for v in values.values()):
        for key in dict.fromkeys(k for v in values.values() for k in v):
            yield from _compare(
                {c: v.get(key, MISSING) for c, v in values.items()}, path + (key,), context
            )
        return
    if all(isinstance(v, list) for v in values.values()) and all(
        _names(v) is not None for v in values.values()
    ):
        by_name = {
            c: {item["name"]: (index, item) for index, item in enumerate(v)}
            for c, v in values.items()
        }
        for name in dict.fromkeys(n for items in by_name.values() for n in items):
            # where the first has it
            index = next(items[name][0] for items in by_name.values() if name in items)
            yield from _compare(
                {c: items.get(name, (0, MISSING))[1] for c, items in by_name.items()},
                path + (Item(index, name),),
                context,
            )
        return
    if (
        all(isinstance(v, list) for v in values.values())
        and len({len(v) for v in values.values()}) == 1
    ):
        for index in range(len(first)):
            yield from _compare({c: v[index] for c, v in values.items()}, path + (index,), context)
        return
    if not _explained(values, context):
        yield path, dict(values)


def _explained(values: dict[str, Any], context: dict[str, _Context]) -> bool:
    """Whether writing some of the settings back (and generated names) makes the values alike.
    Writing back never makes a missing value present; and when writing back all of the settings
    changes no value, no fewer can: one comparison then stands for every set of keys."""
    if any(v is MISSING for v in values.values()):
        return False
    every = tuple(sorted({key for settings, _ in context.values() for key in settings}))
    plain = [_written(v, context[c], ()) for c, v in values.items()]
    if all(
        _written(v, context[c], every) == written
        for (c, v), written in zip(values.items(), plain, strict=True)
    ):
        return all(written == plain[0] for written in plain[1:])
    return any(_alike(values, context, keys) for keys in _key_sets(context))


def _written(value: Any, context: _Context, keys: tuple[str, ...]) -> Any:
    settings, renames = context
    return templated(value, {k: settings[k] for k in keys if k in settings}, renames)


def _key_sets(context: dict[str, _Context]) -> Iterator[tuple[str, ...]]:
    """Which settings to write back: all of them, then fewer (a literal `dev` beside a
    substituted ${domain} must not be written back in the dev cluster alone), then none."""
    keys = sorted({key for settings, _ in context.values() for key in settings})
    for size in range(len(keys), -1, -1):
        yield from itertools.combinations(keys, size)


def _alike(values: dict[str, Any], context: dict[str, _Context], keys: tuple[str, ...]) -> bool:
    written = [_written(v, context[c], keys) for c, v in values.items()]
    return all(w == written[0] for w in written[1:])


def _names(items: list[Any]) -> list[str] | None:
    """The names of a list's items when each is a dict with a name of its own, else None."""
    names = [item.get("name") if isinstance(item, dict) else None for item in items]
    if all(isinstance(n, str) for n in names) and len(set(names)) == len(names):
        return cast("list[str]", names)
    return None


def value_at(data: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        if isinstance(part, Item) and isinstance(data, list) and _names(data) is not None:
            data = next((item for item in data if item["name"] == part.name), MISSING)
            if data is MISSING:
                return MISSING
        elif isinstance(part, int) and isinstance(data, list) and 0 <= part < len(data):
            data = data[part]
        elif isinstance(part, str) and isinstance(data, dict) and part in data:
            data = data[part]
        else:
            return MISSING
    return data


def odd_clusters(difference: Difference, reference: Any = UNKNOWN) -> list[str]:
    """The clusters that part from the norm: from `reference` (the base's own value, when
    known) if some clusters keep it, else from the value most clusters share."""
    values = difference.values
    if reference is not UNKNOWN:
        odd = [c for c, v in values.items() if v != reference]
        if len(odd) < len(values):
            return odd
    groups: dict[str, list[str]] = {}
    for cluster, value in values.items():
        groups.setdefault(repr(value), []).append(cluster)
    norm = max(groups.values(), key=len)
    return [c for c in values if c not in norm] if len(norm) > 1 else list(values)

"""Where the clusters' masked core objects still differ, field by field, and which clusters
part from the norm.

A value that differs only by the cluster's own settings (its domain, name or environment,
as cluster-settings declares them, and the namespace the service runs in there) is the same
text substituted per cluster, e.g. a border component's `nifi.${domain}`: not a difference.
Everything else is.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from typing import Any, cast

from infometis.analysis.invariance import (
    MISSING,
    PRESENT,
    UNKNOWN,
    Difference,
    Item,
    ObjectKey,
    namespace_of,
)
from infometis.analysis.masking import masked
from infometis.model.fieldpath import PatternToken, parse_patterns
from infometis.render.kustomize import Resource

# A cluster's settings values, and its generated objects' names → their names without the hash.
_Context = tuple[dict[str, str], dict[str, str]]


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
    # namespaces may differ: so may what names them
    for cluster, objects in objects_by_cluster.items():
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

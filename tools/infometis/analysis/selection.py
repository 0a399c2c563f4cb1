"""Which rendered resources `build` and `diff` show: kinds, Secrets and CRDs left out, label
selectors in kubectl's syntax, namespaces."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from infometis.model.errors import ConfigError

# kubectl's set-based and equality-based requirements: `k in (a,b)`, `k notin (a)`, `k=v`,
# `k==v`, `k!=v`, `k`, `!k`.
_SET = re.compile(r"^\s*(?P<key>[^\s!=(),]+)\s+(?P<op>in|notin)\s+\((?P<values>[^()]*)\)\s*$")
_EQUALITY = re.compile(r"^\s*(?P<key>[^\s!=(),]+)\s*(?P<op>==|=|!=)\s*(?P<value>[^\s!=(),]*)\s*$")
_EXISTS = re.compile(r"^\s*(?P<not>!?)\s*(?P<key>[^\s!=(),]+)\s*$")


@dataclass(frozen=True)
class Requirement:
    key: str
    op: str  # in, notin, exists, !exists
    values: frozenset[str] = frozenset()

    def matches(self, labels: dict[str, Any]) -> bool:
        if self.op == "exists":
            return self.key in labels
        if self.op == "!exists":
            return self.key not in labels
        present = self.key in labels and str(labels[self.key]) in self.values
        return present if self.op == "in" else not present


def _split(selector: str) -> list[str]:
    """Commas separate requirements, except inside a set's parentheses."""
    parts, depth, current = [], 0, ""
    for char in selector:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return parts + [current]


def parse_selector(selector: str) -> tuple[Requirement, ...]:
    """A label selector as kubectl reads it; a malformed one is a usage error."""
    found = []
    for part in _split(selector):
        if match := _SET.match(part):
            values = frozenset(v.strip() for v in match["values"].split(",") if v.strip())
            found.append(Requirement(match["key"], match["op"], values))
        elif match := _EQUALITY.match(part):
            found.append(
                Requirement(
                    match["key"],
                    "notin" if match["op"] == "!=" else "in",
                    frozenset({match["value"]}),
                )
            )
        elif match := _EXISTS.match(part):
            found.append(Requirement(match["key"], "!exists" if match["not"] else "exists"))
        else:
            raise ConfigError(
                f"--selector '{selector}': cannot read '{part.strip()}' "
                "(write key=value, key!=value, key in (a,b), key notin (a,b), key or !key)"
            )
    return tuple(found)


@dataclass(frozen=True)
class Selection:
    skip_kinds: frozenset[str] = frozenset()
    skip_secrets: bool = False
    skip_crds: bool = False
    selector: tuple[Requirement, ...] = ()
    namespaces: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls,
        skip_kinds: Iterable[str] = (),
        skip_secrets: bool = False,
        skip_crds: bool = False,
        selector: str | None = None,
        namespaces: Iterable[str] = (),
    ) -> Selection:
        kinds = frozenset(
            kind.strip() for item in skip_kinds for kind in item.split(",") if kind.strip()
        )
        return cls(
            kinds,
            skip_secrets,
            skip_crds,
            parse_selector(selector) if selector else (),
            frozenset(namespaces),
        )

    def keeps(self, data: dict[str, Any]) -> bool:
        kind = data.get("kind")
        if (
            kind in self.skip_kinds
            or (self.skip_secrets and kind == "Secret")
            or (self.skip_crds and kind == "CustomResourceDefinition")
        ):
            return False
        metadata = cast(
            "dict[str, Any]",
            data.get("metadata") if isinstance(data.get("metadata"), dict) else {},
        )
        if self.namespaces and metadata.get("namespace") not in self.namespaces:
            return False
        labels = cast(
            "dict[str, Any]",
            metadata.get("labels") if isinstance(metadata.get("labels"), dict) else {},
        )
        return all(requirement.matches(labels) for requirement in self.selector)


EVERYTHING = Selection()  # no filter

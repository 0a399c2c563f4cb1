"""Semantic versions and the constraint syntax Flux's source-controller reads (Masterminds
semver v3): `1.2.3`, `>=1.0.0 <2.0.0`, `1.2.x`, `6.x`, `~1.2`, `^1.2.3`, `1.2 - 1.4`, `a || b`,
`*`. A version range resolves to the highest version that matches; pre-releases count only
when the constraint names one."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from typing import TypeAlias, cast

# A parsed version: (major, minor, patch, pre-release identifiers or None); a bound made from
# a constraint has () as its pre-release, which sorts below every real one.
PreRelease: TypeAlias = "tuple[tuple[int, int, str], ...]"
Version: TypeAlias = "tuple[int, int, int, PreRelease | None]"
# What versions are compared by: (major, minor, patch, (1,) or (0, pre-release)).
Key: TypeAlias = "tuple[int, int, int, tuple[int] | tuple[int, PreRelease]]"

_VERSION = re.compile(
    r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$"
)
_PARTIAL = re.compile(
    r"^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$"
)
_TERM = re.compile(r"^(>=|=>|<=|=<|!=|~>|>|<|=|~|\^)?\s*(\S+)$")
_HIGHEST = (float("inf"),) * 3 + ((),)


def parse(text: str) -> Version | None:
    """A comparable version: (major, minor, patch, pre-release); pre-releases sort first."""
    match = _VERSION.match(str(text).strip())
    if not match:
        return None
    pre = (
        tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in match[4].split("."))
        if match[4]
        else None
    )
    return (int(match[1]), int(match[2] or 0), int(match[3] or 0), pre)


def _key(version: Version) -> Key:
    major, minor, patch, pre = version
    return (major, minor, patch, (1,) if pre is None else (0, pre))


def _partial(text: str) -> tuple[list[int], PreRelease | None]:
    """The numbers given before the first wildcard, and the pre-release."""
    match = _PARTIAL.match(text)
    if not match:
        raise ValueError(f"'{text}' is not a version")
    numbers: list[int] = []
    for part in match.groups()[:3]:
        if part is None or part in "xX*":
            break
        numbers.append(int(part))
    pre = cast(Version, parse(text))[3] if match[4] and len(numbers) == 3 else None
    return numbers, pre


def _bump(numbers: list[int], at: int) -> Version:
    """The first version above every one starting with numbers[:at+1]."""
    head = numbers[:at] + [numbers[at] + 1]
    return cast(Version, tuple(head + [0] * (3 - len(head))) + ((),))


def _floor(numbers: list[int], pre: PreRelease | None = None) -> Version:
    return cast(Version, tuple(numbers + [0] * (3 - len(numbers))) + (pre,))


def _term(op: str, text: str) -> list[tuple[str, Key]]:
    """One term as comparisons ((operator, version key) pairs, all of which must hold)."""
    numbers, pre = _partial(text)
    if not numbers:
        return (
            []
            if op in ("", "=", ">=", "=>", "<=", "=<", "~", "~>", "^")
            else [("<", _key((0, 0, 0, ())))]
        )
    low = _key(_floor(numbers, pre))
    if op in ("", "="):
        return (
            [("=", low)]
            if len(numbers) == 3
            else [(">=", low), ("<", _key(_bump(numbers, len(numbers) - 1)))]
        )
    if op in ("~", "~>"):
        return [(">=", low), ("<", _key(_bump(numbers, 0 if len(numbers) == 1 else 1)))]
    if op == "^":
        at = next((i for i, n in enumerate(numbers) if n != 0), len(numbers) - 1)
        return [(">=", low), ("<", _key(_bump(numbers, at)))]
    complete = len(numbers) == 3
    if op == ">":
        return [(">", low)] if complete else [(">=", _key(_bump(numbers, len(numbers) - 1)))]
    if op in ("<=", "=<"):
        return [("<=", low)] if complete else [("<", _key(_bump(numbers, len(numbers) - 1)))]
    if op == "!=":
        return [("!=", low)]
    return [({"=>": ">="}.get(op, op), low)]


def _group(text: str) -> list[tuple[str, Key]]:
    hyphen = re.match(r"^\s*(\S+)\s+-\s+(\S+)\s*$", text)
    if hyphen:
        return _term(">=", hyphen[1]) + _term("<=", hyphen[2])
    text = re.sub(r"(>=|=>|<=|=<|!=|~>|>|<|=|~|\^)\s+", r"\1", text)
    comparisons: list[tuple[str, Key]] = []
    for item in re.split(r"[\s,]+", text.strip()):
        if item:
            match = _TERM.match(item)
            if not match:
                raise ValueError(f"'{item}' is not a version constraint")
            comparisons += _term(match[1] or "", match[2])
    return comparisons


_TESTS: dict[str, Callable[[Key, Key], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}


def constraint(text: str) -> Callable[[Version], bool]:
    """A predicate over parsed versions; ValueError when `text` is not a constraint."""
    groups = [_group(part) for part in (str(text).strip() or "*").split("||")]
    with_pre = "-" in re.sub(r"\s+-\s+", " ", str(text))

    def matches(version: Version) -> bool:
        if version[3] is not None and not with_pre:
            return False
        key = _key(version)
        return any(all(_TESTS[op](key, bound) for op, bound in group) for group in groups)

    return matches


def is_exact(text: str) -> bool:
    return parse(text) is not None


def highest(versions: Collection[str], text: str) -> str | None:
    """The highest of `versions` (strings) matching constraint `text`; an exact version matches
    itself only. ValueError when `text` is not a constraint."""
    wanted = str(text or "*").strip()
    if wanted in versions and is_exact(wanted):
        return wanted
    matches = constraint(wanted)
    parsed = [(parse(v), v) for v in versions]
    found = [(_key(p), v) for p, v in parsed if p is not None and matches(p)]
    return max(found)[1] if found else None

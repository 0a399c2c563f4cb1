"""Traefik's rule language (`Host(`a`) && PathPrefix(`/b`)`): read into a tree, expanded into
alternatives, and each alternative into the host and path it claims."""

from __future__ import annotations

import re
from itertools import product
from typing import Any

# A node of a parsed rule, a tuple tagged by its first item: ("match", name, values),
# ("not", node), ("or", [node, ...]) or ("and", [node, ...]).
Node = tuple[Any, ...]
# (negated, name, values) of one matcher
Atom = tuple[bool, str, tuple[str, ...]]
# (host, path matcher, path, other conditions)
Claim = tuple[str, str, str, frozenset[str]]

HOSTS = ("Host", "HostHeader")
PATHS = ("Path", "PathPrefix")
MAX_ALTERNATIVES = 256  # a rule with more || alternatives than this is not expanded
_TOKEN = re.compile(
    r"\s*(?:(&&|\|\||[!(),])|`([^`]*)`|\"((?:[^\"\\]|\\.)*)\"|([A-Za-z][A-Za-z0-9]*))"
)


class RuleError(ValueError):
    """The rule cannot be read; the message says where."""


def tokens(rule: str) -> list[tuple[str, str, int]]:
    """(type, value, position): type is an operator itself, 'str' or 'name'."""
    if rule.count("`") % 2:  # said plainly: the tokens after a lone backtick are all shifted
        raise RuleError(f"unbalanced backticks: {rule.count('`')} of them")
    found: list[tuple[str, str, int]] = []
    at = 0
    while at < len(rule):
        if rule[at:].strip() == "":
            break
        match = _TOKEN.match(rule, at)
        if not match:
            stray = rule[at:].lstrip()
            where = len(rule) - len(stray) + 1
            why = f"unclosed {stray[0]}" if stray[0] in '`"' else f"unexpected '{stray[0]}'"
            raise RuleError(f"{why} at character {where}")
        operator, tick, quoted, name = match.groups()
        position = match.start() + len(match.group(0)) - len(match.group(0).lstrip()) + 1
        if operator:
            found.append((operator, operator, position))
        elif name:
            found.append(("name", name, position))
        else:
            found.append(("str", tick if tick is not None else quoted, position))
        at = match.end()
    return found


class Parser:
    """expr := and ('||' and)* ; and := unary ('&&' unary)* ;
    unary := '!' unary | '(' expr ')' | Name '(' [string (',' string)*] ')'"""

    def __init__(self, rule: str) -> None:
        self.items, self.at = tokens(rule), 0

    def parse(self) -> Node:
        if not self.items:
            raise RuleError("the rule is empty")
        node = self._binary("||")
        if self.at < len(self.items):
            raise RuleError(
                f"unexpected '{self.items[self.at][1]}' at character {self.items[self.at][2]}"
            )
        return node

    def _peek(self) -> str | None:
        return self.items[self.at][0] if self.at < len(self.items) else None

    def _expect(self, kind: str, what: str) -> str:
        if self._peek() != kind:
            where = (
                f"character {self.items[self.at][2]}" if self.at < len(self.items) else "the end"
            )
            raise RuleError(f"expected {what} at {where}")
        self.at += 1
        return self.items[self.at - 1][1]

    def _binary(self, operator: str) -> Node:
        parts = [self._binary("&&") if operator == "||" else self._unary()]
        while self._peek() == operator:
            self.at += 1
            parts.append(self._binary("&&") if operator == "||" else self._unary())
        return parts[0] if len(parts) == 1 else ("or" if operator == "||" else "and", parts)

    def _unary(self) -> Node:
        if self._peek() == "!":
            self.at += 1
            return ("not", self._unary())
        if self._peek() == "(":
            self.at += 1
            node = self._binary("||")
            self._expect(")", "')' (unbalanced parentheses)")
            return node
        name = self._expect("name", "a matcher such as Host(`...`)")
        self._expect("(", f"'(' after {name}")
        values: list[str] = []
        while self._peek() == "str":
            values.append(self._expect("str", "a value"))
            if self._peek() != ",":
                break
            self.at += 1
        self._expect(
            ")", f"')' closing {name}( (unbalanced parentheses or a value without backticks)"
        )
        return ("match", name, tuple(values))


def alternatives(node: Node) -> list[list[Atom]]:
    """The rule as a disjunction of conjunctions of (negated, name, values) atoms."""
    if node[0] == "match":
        return [[(False, node[1], node[2])]]
    if node[0] == "not":
        inner = node[1]
        return [
            [(True, inner[1], inner[2]) if inner[0] == "match" else (True, "expr", (repr(inner),))]
        ]
    if node[0] == "or":
        return [conj for part in node[1] for conj in alternatives(part)][:MAX_ALTERNATIVES]
    combined: list[list[Atom]] = [[]]
    for part in node[1]:
        combined = [left + right for left, right in product(combined, alternatives(part))][
            :MAX_ALTERNATIVES
        ]
    return combined


def _text(negated: bool, name: str, values: tuple[str, ...]) -> str:
    return ("!" if negated else "") + name + "(" + ", ".join(f"`{v}`" for v in values) + ")"


def claims(node: Node) -> set[Claim]:
    """(host, path matcher, path, other conditions) for every alternative of the rule."""
    found: set[Claim] = set()
    for conjunction in alternatives(node):
        hosts = [
            set(v.lower() for v in values)
            for neg, name, values in conjunction
            if not neg and name in HOSTS
        ]
        # a HostRegexp only counts when no plain Host narrows the alternative further
        hosts = hosts or [
            {"~" + v for v in values}
            for neg, name, values in conjunction
            if not neg and name == "HostRegexp"
        ]
        host_set = set.intersection(*hosts) if hosts else {"*"}
        paths = [(name, values) for neg, name, values in conjunction if not neg and name in PATHS]
        path_set = (
            {(paths[0][0], v) for v in paths[0][1]}
            if len(paths) == 1
            else ({("PathPrefix", "/")} if not paths else {("Paths", repr(sorted(paths)))})
        )
        others = frozenset(
            _text(neg, name, values)
            for neg, name, values in conjunction
            if neg or name not in HOSTS + PATHS + ("HostRegexp",)
        )
        found |= {(host, kind, path, others) for host in host_set for kind, path in path_set}
    return found

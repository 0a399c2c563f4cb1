"""What the words of a core base say, for the border check: a hostname (not an image, an
in-cluster name or an address) or an environment's name, with the names a run knows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from infometis.model import as_list

if TYPE_CHECKING:
    from infometis.render.runs import RepoRun

HOST_FIELDS = {"host", "hosts", "hostname", "hostnames"}
IN_CLUSTER_SUFFIXES = (".svc", ".cluster.local", ".local")
_HOST_MATCH = re.compile(r"Host(?:SNI|Regexp)?\(\s*`([^`]*)`")
_DOMAIN_VAR = re.compile(r"[\w.*-]*(?<!\$)\$\{domain\b[^}]*\}[\w.-]*")
_ENVIRONMENT_VAR = re.compile(r"(?<!\$)\$\{environment\b")
_NAME = re.compile(
    r"(?<![\w.-])(?:\*\.)?[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+",
    re.I,
)
_IP = re.compile(r"^[\d.:/]+$")
# Not words of the environment: file paths (/dev/null, /data/prod) and Chrome's
# --disable-dev-shm-usage.
_NOT_WORDS = re.compile(r"(?<![\w.:/-])/[\w./-]*|dev-shm", re.I)


@dataclass
class Context:
    domains: tuple[str, ...]
    environments: list[tuple[str, re.Pattern[str]]]
    known: set[str]  # namespaces and Services: last labels of in-cluster names
    lines: dict[str, list[str]] = field(default_factory=dict)


def context(run: RepoRun, options: dict[str, Any]) -> Context:
    """The domains, environments and in-cluster names of the run (and the check's options)."""
    settings = [cluster.settings for cluster in run.clusters]
    domains = {str(s.get("domain") or "").lower().strip(".") for s in settings}
    domains |= {str(d).lower().strip(".") for d in as_list(options.get("domains"))}
    domains = {d for d in domains if d and "${" not in d}
    parents = [d.split(".", 1)[1] for d in domains if d.count(".") >= 2]
    domains |= {p for p in parents if parents.count(p) > 1}  # two clusters': the platform's
    names = {str(s.get("environment") or "") for s in settings} | {
        str(e) for e in as_list(options.get("environments"))
    }
    environments = [
        (name, re.compile(rf"(?<![a-z0-9]){re.escape(name)}(?![a-z0-9])", re.I))
        for name in sorted(names)
        if name.strip()
    ]
    known = {
        r.id.namespace.lower()
        for c in run.clusters
        for rendered in c.renders
        for r in rendered.resources
    }
    known |= {
        r.id.name.lower()
        for c in run.clusters
        for rendered in c.renders
        for r in rendered.resources
        if r.id.kind in ("Service", "Namespace") and not r.id.group
    }
    return Context(tuple(sorted(domains)), environments, known)


def is_image(path: tuple[Any, ...], key: str) -> bool:
    parent = path[-2] if len(path) > 1 else None
    return (
        key == "image"
        or (path[:1] == ("images",))
        or (key in ("repository", "registry") and parent == "image")
    )


def hostname(key: str, value: str, context: Context) -> str | None:
    """The hostname in `value`, if it holds one (by the heuristics border's docstring gives)."""
    if key.lower() in HOST_FIELDS:
        found = next(
            (part for part in re.split(r"[\s,]+", value) if _external(part, context)), None
        )
        if found:
            return found
    for match in _HOST_MATCH.finditer(value):
        if match.group(1).strip() not in ("", "*"):
            return match.group(1).strip()
    variable = _DOMAIN_VAR.search(value)
    if variable:
        return variable.group(0)
    for match in _NAME.finditer(value):
        name = match.group(0).lower()
        if any(name == d or name.endswith("." + d) for d in context.domains):
            return match.group(0)
    return None


def _external(value: str, context: Context) -> bool:
    name = value.strip().rstrip(".").lower()
    if "${" in name:
        return True  # set where it runs: a hostname of the site
    if (
        "." not in name
        or _IP.match(name)
        or not _NAME.fullmatch(name)
        or name.endswith(IN_CLUSTER_SUFFIXES)
    ):
        return False
    last = name.rsplit(".", 1)[1]
    return last.isalpha() and last not in context.known


def environment(text: str, context: Context, host: str | None = None) -> str | None:
    """The environment `text` names; not inside a hostname already reported, nor as a
    top-level domain (https://grafana.dev: .dev is a TLD, events.dev is missed too)."""
    if _ENVIRONMENT_VAR.search(text):
        return "${environment}"
    text = _NOT_WORDS.sub(" ", text.replace(host, " ") if host else text)
    for name, pattern in context.environments:
        for match in pattern.finditer(text):
            tld = (
                match.start() > 0
                and text[match.start() - 1] == "."
                and not re.match(r"[\w.-]", text[match.end() :])
            )
            if not tld:
                return name
    return None


def excerpt(value: str, needle: str) -> str:
    """The line of a multi-line value that holds `needle`, shortened."""
    line = next(
        (text for text in value.splitlines() if needle.lower() in text.lower()), value
    ).strip()
    return line if len(line) <= 60 else line[:57] + "..."

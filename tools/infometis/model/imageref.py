"""Container image references, parsed as container runtimes parse them
(the grammar of github.com/distribution/reference): registry, repository path, tag, digest."""

from __future__ import annotations

import re
from dataclasses import dataclass

_PATH = re.compile(
    r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
)
_LABEL = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = re.compile(rf"(?:{_LABEL}(?:\.{_LABEL})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?")
_TAG = re.compile(r"[\w][\w.-]{0,127}")
_DIGEST = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}")


@dataclass(frozen=True)
class Reference:
    registry: str  # docker.io when the reference names none
    path: str  # library/nginx for the bare nginx
    tag: str | None
    digest: str | None

    @property
    def name(self) -> str:
        return f"{self.registry}/{self.path}"


def parse(text: str) -> Reference | None:
    """An image reference, or None when it is not a valid one."""
    name, _, digest = text.partition("@")
    if digest and not _DIGEST.fullmatch(digest):
        return None
    tag = None
    if ":" in name.rpartition("/")[2]:  # a colon before the last slash is a registry port
        name, _, tag = name.rpartition(":")
        if not _TAG.fullmatch(tag):
            return None
    first, slash, rest = name.partition("/")
    if slash and (is_host(first) or first != first.lower()):
        if not _DOMAIN.fullmatch(first):
            return None
        registry, path = _registry(first), rest
    else:
        registry, path = "docker.io", name
    if not _PATH.fullmatch(path):
        return None
    if registry == "docker.io" and "/" not in path:
        path = "library/" + path
    return Reference(registry, path, tag, digest or None)


def _registry(host: str) -> str:
    host = host.lower()
    return "docker.io" if host in ("index.docker.io", "registry-1.docker.io") else host


def allowed(name: str, registries: list[str]) -> bool:
    """True when the full image name (registry/path) is under one of the allowed prefixes."""
    for entry in registries:
        entry = entry.split("://")[-1].strip("/")
        first, _, rest = entry.partition("/")
        entry = "/".join(part for part in (_registry(first), rest) if part)
        if name == entry or name.startswith(entry + "/"):
            return True
    return False


def is_host(first: str) -> bool:
    """Whether the first part of a name is a registry (as Docker decides it)."""
    return "." in first or ":" in first or first == "localhost"

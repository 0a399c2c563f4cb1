"""--schema-location templates, read and filled in as kubeconform does (its Go template fields),
and refused up front when they could never find a schema."""

from __future__ import annotations

import re
from pathlib import Path

from infometis.model.errors import ConfigError

FIELD = re.compile(r"\{\{\s*\.(\w+)\s*\}\}")
FIELDS = (
    "NormalizedKubernetesVersion",
    "StrictSuffix",
    "ResourceKind",
    "ResourceAPIVersion",
    "Group",
    "KindSuffix",
)
# What kubeconform appends to a location that is neither a template nor a .json file:
# the layout of its kubernetes-json-schema repository.
DEFAULT_LAYOUT = (
    "/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}"
    "/{{ .ResourceKind }}{{ .KindSuffix }}.json"
)
SCHEMES = ("http://", "https://")


def is_url(text: str) -> bool:
    return text.startswith(SCHEMES)


def checked(location: str, online: bool) -> str:
    """The template of a --schema-location, or a ConfigError saying why it can never find a
    schema."""
    where = f"--schema-location {location}"
    template = location if location.endswith("json") else location.rstrip("/") + DEFAULT_LAYOUT
    leftover = FIELD.sub("", template)
    if "{{" in leftover or "}}" in leftover:
        raise ConfigError(
            f"{where}: not a template infometis can fill in: fields are written {{{{ .Name }}}}, "
            f"one of {', '.join(FIELDS)}"
        )
    unknown = sorted({name for name in FIELD.findall(template) if name not in FIELDS})
    if unknown:
        raise ConfigError(
            f"{where}: unknown template field {', '.join(unknown)} (known: {', '.join(FIELDS)})"
        )
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*)://", template)
    if scheme and not is_url(template):
        raise ConfigError(
            f"{where}: the {scheme[1]}:// scheme is not supported; use http(s):// or a local path"
        )
    if is_url(template):
        if not online:
            raise ConfigError(
                f"{where}: a remote location is fetched only with --online "
                "(or point at a local copy of the schemas)"
            )
        return template
    first = FIELD.search(template)
    fixed = template[: first.start()] if first else template  # the part every kind shares
    base = Path(fixed) if fixed.endswith("/") else Path(fixed).parent
    if not base.is_dir():
        raise ConfigError(f"{where}: no such folder {base}")
    return template


def expand(
    template: str, group: str, version: str, kind: str, k8s_version: str, strict: bool
) -> str:
    """A template filled in for one kind; `k8s_version` is X.Y.Z. As kubeconform, the group of a
    core kind is its version (apiVersion v1 gives Group v1 and KindSuffix -v1)."""
    first = (group or version).split(".")[0].lower()
    values = {
        "NormalizedKubernetesVersion": f"v{k8s_version}",
        "StrictSuffix": "-strict" if strict else "",
        "ResourceKind": kind.lower(),
        "ResourceAPIVersion": version,
        "Group": group or version,
        "KindSuffix": f"-{first}-{version.lower()}" if group else f"-{first}",
    }
    return FIELD.sub(lambda match: values[match[1]], template)

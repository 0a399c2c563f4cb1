"""`.infometis.yaml`: loaded, checked against the schema shipped with the package."""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import jsonschema

from .errors import ConfigError
from .yamlio import load_text

DEFAULT_FILE = ".infometis.yaml"
DEFAULT_EXCLUDE = ("tests/**", "benchmarks/**")


@dataclass(frozen=True)
class Config:
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    kubernetes_version: str | None = None
    ignored: frozenset[str] = field(default_factory=frozenset)  # from git

    def is_excluded(self, relative: str) -> bool:
        """True when `relative` (a path from the repository root) must not be validated."""
        for glob in self.exclude:
            if fnmatch.fnmatchcase(relative, glob):
                return True
            if glob.endswith("/**") and (relative + "/").startswith(glob[:-2]):
                return True
        return any(relative == item or (item.endswith("/") and relative.startswith(item))
                   for item in self.ignored)


def _schema() -> dict:
    return json.loads(resources.files("infometis").joinpath("data/config.schema.json").read_text())


def _describe(error: jsonschema.ValidationError, document, display: str) -> str:
    path, message = tuple(error.path), error.message
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {})
        unknown = sorted(str(key) for key in error.instance if key not in known)
        path += (unknown[0],)
        message = f"unknown key '{unknown[0]}' (known keys: {', '.join(known)})"
    elif path:
        message = f"{'.'.join(map(str, path))}: {message}"
    line = document.location(path).line if document else 1
    return f"{display}:{line}: {message}"


def load(path: Path, display: str, required: bool) -> Config:
    """Read the config file; a missing optional file gives the defaults."""
    if not path.is_file():
        if required:
            raise ConfigError(f"{display}: configuration file not found")
        return Config()
    loaded = load_text(path.read_bytes(), display)
    if loaded.problems:
        first = loaded.problems[0]
        raise ConfigError(f"{display}:{first.line or 1}: {first.message}")
    document = loaded.documents[0] if loaded.documents else None
    data = document.data if document else {}
    errors = sorted(jsonschema.Draft202012Validator(_schema()).iter_errors(data), key=lambda e: list(e.path))
    if errors:
        raise ConfigError(_describe(errors[0], document, display))
    return Config(exclude=DEFAULT_EXCLUDE + tuple(data.get("exclude") or ()),
                  kubernetes_version=data.get("kubernetesVersion"))

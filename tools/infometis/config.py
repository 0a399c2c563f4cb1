"""`.infometis.yaml`: loaded, checked against the schema shipped with the package."""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

import jsonschema

from .errors import ConfigError
from .yamlio import load_text

DEFAULT_FILE = ".infometis.yaml"
DEFAULT_EXCLUDE = ("tests/**", "benchmarks/**")
# What an environment may set differently from the core (paths inside a resource; [*] any index).
DEFAULT_ENVIRONMENT_FIELDS = (
    "metadata.namespace", "metadata.labels.environment", "metadata.annotations.environment",
    "spec.replicas", "spec.template.spec.containers[*].resources", "spec.template.spec.initContainers[*].resources",
    "spec.template.spec.containers[*].image", "spec.template.spec.initContainers[*].image",
    "spec.jobTemplate.spec.template.spec.containers[*].resources", "spec.jobTemplate.spec.template.spec.containers[*].image",
    "spec.values.replicas", "spec.values.replicaCount", "spec.values.resources", "spec.values.image.tag",
    "spec.chart.spec.version",
)
DEFAULT_PROMOTION = ("dev", "uat", "prod")


@dataclass(frozen=True)
class CheckSettings:
    """What .infometis.yaml says of one check."""

    enabled: bool = True
    level: str | None = None  # None: the check's own level
    ignore: tuple[str, ...] = ()  # globs of files whose problems are dropped
    options: dict = field(default_factory=dict)  # the check's own keys


@dataclass(frozen=True)
class Config:
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    kubernetes_version: str | None = None
    flux_version: str | None = None  # flux.version: the Flux release line whose bundled schemas apply
    ignored: frozenset[str] = field(default_factory=frozenset)  # from git
    preset: str = "default"
    checks: dict = field(default_factory=dict)  # check ID → CheckSettings
    environment_fields: tuple[str, ...] = DEFAULT_ENVIRONMENT_FIELDS
    external: frozenset = frozenset()  # (kind, namespace, name) provided out of band
    promotion: tuple[str, ...] = DEFAULT_PROMOTION  # environments, in the order versions move

    def check(self, check_id: str) -> CheckSettings:
        return self.checks.get(check_id, CheckSettings())

    def options(self, check_id: str) -> dict:
        """A check's own options from .infometis.yaml (checks.<id>, besides enabled/level/ignore)."""
        return self.check(check_id).options

    def is_external(self, kind: str, namespace: str, name: str) -> bool:
        return (kind, namespace, name) in self.external

    def is_excluded(self, relative: str) -> bool:
        """True when `relative` (a path from the repository root) must not be validated."""
        return any(_covers(glob, relative) for glob in self.exclude) or self.is_git_ignored(relative)

    def is_git_ignored(self, relative: str) -> bool:
        return any(relative == item or (item.endswith("/") and relative.startswith(item)) for item in self.ignored)


    def pointed_at(self, relatives: list[str]) -> Config:
        """Without the default exclusions that cover a folder the user named (--path,
        --source): what the user points at is never excluded by a default."""
        kept = tuple(glob for glob in self.exclude
                     if glob not in DEFAULT_EXCLUDE or not any(_covers(glob, path) for path in relatives))
        return replace(self, exclude=kept)


def _covers(glob: str, relative: str) -> bool:
    if fnmatch.fnmatchcase(relative, glob):
        return True
    return glob.endswith("/**") and (relative + "/").startswith(glob[:-2])


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
    checks = {check_id: CheckSettings(settings.get("enabled", True), settings.get("level"), tuple(settings.get("ignore") or ()),
                                      {k: v for k, v in settings.items() if k not in ("enabled", "level", "ignore")})
              for check_id, settings in (data.get("checks") or {}).items()}
    external = frozenset(tuple(item.split("/", 2)) for item in data.get("external") or ())
    return Config(exclude=DEFAULT_EXCLUDE + tuple(data.get("exclude") or ()),
                  kubernetes_version=data.get("kubernetesVersion"), flux_version=(data.get("flux") or {}).get("version"),
                  preset=data.get("extends", "default"),
                  checks=checks, environment_fields=DEFAULT_ENVIRONMENT_FIELDS + tuple(data.get("allowedEnvironmentFields") or ()),
                  external=external, promotion=tuple(data.get("promotion") or DEFAULT_PROMOTION))

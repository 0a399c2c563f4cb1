"""`.infometis.yaml`: loaded, checked against the schema shipped with the package."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infometis.load.yamlio import load_text
from infometis.model import Document, Level
from infometis.model.errors import ConfigError

if TYPE_CHECKING:
    import pathspec

DEFAULT_FILE = ".infometis.yaml"
OTHER_SPELLING = ".infometis.yml"
DEFAULT_EXCLUDE = ("tests/**", "benchmarks/**")
# What an environment may set differently from the core (paths inside a resource; [*] any index).
DEFAULT_ENVIRONMENT_FIELDS = (
    "metadata.namespace",
    "metadata.labels.environment",
    "metadata.annotations.environment",
    "spec.replicas",
    "spec.template.spec.containers[*].resources",
    "spec.template.spec.initContainers[*].resources",
    "spec.template.spec.containers[*].image",
    "spec.template.spec.initContainers[*].image",
    "spec.jobTemplate.spec.template.spec.containers[*].resources",
    "spec.jobTemplate.spec.template.spec.containers[*].image",
    "spec.values.replicas",
    "spec.values.replicaCount",
    "spec.values.resources",
    "spec.values.image.tag",
    "spec.chart.spec.version",
)
DEFAULT_PROMOTION = ("dev", "uat", "prod")
DEFAULT_SERVICES = ("apps/*",)


@dataclass(frozen=True)
class CheckSettings:
    """What .infometis.yaml says of one check."""

    enabled: bool = True
    level: Level | None = None  # None: the check's own level
    ignore: tuple[str, ...] = ()  # globs of files whose problems are dropped
    options: dict[str, Any] = field(default_factory=dict)  # the check's own keys


@dataclass(frozen=True)
class Config:
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    kubernetes_version: str | None = None
    # flux.version: the Flux release line whose bundled schemas apply
    flux_version: str | None = None
    ignored: frozenset[str] = field(default_factory=frozenset)  # from git
    preset: str = "default"
    checks: dict[str, CheckSettings] = field(default_factory=dict)  # check ID → CheckSettings
    environment_fields: tuple[str, ...] = DEFAULT_ENVIRONMENT_FIELDS
    # (kind, namespace, name) provided out of band
    external: frozenset[tuple[str, ...]] = frozenset()
    promotion: tuple[str, ...] = DEFAULT_PROMOTION  # environments, in the order versions move
    # the folders promote moves pins in (.gitignore lines)
    services: tuple[str, ...] = DEFAULT_SERVICES

    def check(self, check_id: str) -> CheckSettings:
        return self.checks.get(check_id, CheckSettings())

    def options(self, check_id: str) -> dict[str, Any]:
        """A check's own options from .infometis.yaml (checks.<id>, besides
        enabled/level/ignore)."""
        return self.check(check_id).options

    def is_external(self, kind: str, namespace: str, name: str) -> bool:
        return (kind, namespace, name) in self.external

    def is_excluded(self, relative: str) -> bool:
        """True when `relative` (a path from the repository root) must not be validated."""
        return matches(self.exclude, relative) or self.is_git_ignored(relative)

    def is_git_ignored(self, relative: str) -> bool:
        return any(
            relative == item or (item.endswith("/") and relative.startswith(item))
            for item in self.ignored
        )

    def pointed_at(self, relatives: list[str]) -> Config:
        """Without the default exclusions that cover a folder the user named (--path,
        --source): what the user points at is never excluded by a default."""
        kept = tuple(
            glob
            for glob in self.exclude
            if glob not in DEFAULT_EXCLUDE or not any(matches((glob,), path) for path in relatives)
        )
        return replace(self, exclude=kept)


def matches(globs: tuple[str, ...], relative: str) -> bool:
    """Whether a path from the repository root (a file, or a folder) matches one of `globs`,
    read as .gitignore lines: `apps/*.yaml` is not `apps/a/b.yaml`, `sandbox/` is every file below
    any folder of that name, `tests/**` everything below tests/."""
    spec = _spec(globs)
    return spec.match_file(relative) or spec.match_file(relative.rstrip("/") + "/")


@functools.lru_cache(maxsize=64)
def _spec(globs: tuple[str, ...]) -> pathspec.GitIgnoreSpec:
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(globs)


# What every check takes in checks.<ID>, besides the options its module declares (OPTIONS).
STRING_LIST = {"type": "array", "items": {"type": "string", "minLength": 1}}
COMMON_CHECK_OPTIONS = {
    "enabled": {"type": "boolean"},
    "level": {"enum": ["error", "warning", "info"]},
    "ignore": STRING_LIST,
}


def schema(check_options: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """The whole file's schema: the shipped top level, and the options of each check (check ID →
    the JSON-schema properties it takes besides the common ones)."""
    whole: dict[str, Any] = json.loads(
        resources.files("infometis").joinpath("data/config.schema.json").read_text()
    )
    whole["properties"]["checks"]["properties"] = {
        check_id: {
            "type": "object",
            "additionalProperties": False,
            "properties": {**COMMON_CHECK_OPTIONS, **options},
        }
        for check_id, options in check_options.items()
    }
    return whole


def find(repo: Path, given: str | None) -> tuple[Path, str, bool]:
    """The configuration file: (path, name to show, whether it must exist). `.infometis.yml` is
    read when it is the only spelling present; both present is refused, so none is ignored."""
    if given:
        path = Path(given)
        return (path if path.is_absolute() else repo / path), given, True
    if (repo / OTHER_SPELLING).is_file():
        if (repo / DEFAULT_FILE).is_file():
            raise ConfigError(
                f"{OTHER_SPELLING}: both {DEFAULT_FILE} and {OTHER_SPELLING} exist "
                "and only one is read; "
                f"merge them into {DEFAULT_FILE} and delete {OTHER_SPELLING}"
            )
        return repo / OTHER_SPELLING, OTHER_SPELLING, False
    return repo / DEFAULT_FILE, DEFAULT_FILE, False


def _describe(error: Any, document: Document | None, display: str) -> str:
    # error: a jsonschema ValidationError (jsonschema has no type information)
    path, message = tuple(error.path), error.message
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {})
        unknown = sorted(str(key) for key in error.instance if key not in known)
        what = "check" if path == ("checks",) else "key"
        message = f"unknown {what} '{unknown[0]}' (known {what}s: {', '.join(known)})"
        if path:
            message = f"{'.'.join(map(str, path))}: {message}"
        path += (unknown[0],)
    elif error.validator == "pattern" and error.schema.get("x-form"):
        # the form in words (the schema's x-form), not the regular expression
        where = ".".join(map(str, path)) or "value"
        message = f"{where}: '{error.instance}' is not {error.schema['x-form']}"
    elif path:
        message = f"{'.'.join(map(str, path))}: {message}"
        if error.validator == "type" and error.validator_value == "array":
            message += f" (write a list, e.g. [{error.instance}])"
    line = document.location(path).line if document else 1
    return f"{display}:{line}: {message}"


def _level(value: str | None) -> Level | None:
    return Level(value) if value else None  # (the schema allows only the levels' names)


def load(
    path: Path, display: str, required: bool, check_options: Mapping[str, dict[str, Any]]
) -> Config:
    """Read the config file, its checks.<ID> sections judged by `check_options` (see schema());
    a missing optional file gives the defaults."""
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
    # (a tenth of a second: only a repository with a configuration file pays it)
    import jsonschema  # type: ignore[import-untyped, unused-ignore]  # (no stubs installed)

    errors = sorted(
        jsonschema.Draft202012Validator(schema(check_options)).iter_errors(data),
        key=lambda e: list(e.path),
    )
    if errors:
        raise ConfigError(_describe(errors[0], document, display))
    checks = {
        check_id: CheckSettings(
            settings.get("enabled", True),
            _level(settings.get("level")),
            tuple(settings.get("ignore") or ()),
            {k: v for k, v in settings.items() if k not in ("enabled", "level", "ignore")},
        )
        for check_id, settings in (data.get("checks") or {}).items()
    }
    external = frozenset(tuple(item.split("/", 2)) for item in data.get("external") or ())
    return Config(
        exclude=DEFAULT_EXCLUDE + tuple(data.get("exclude") or ()),
        kubernetes_version=data.get("kubernetesVersion"),
        flux_version=(data.get("flux") or {}).get("version"),
        preset=data.get("extends", "default"),
        checks=checks,
        environment_fields=DEFAULT_ENVIRONMENT_FIELDS
        + tuple(data.get("allowedEnvironmentFields") or ()),
        external=external,
        promotion=tuple(data.get("promotion") or DEFAULT_PROMOTION),
        services=tuple(data.get("services") or DEFAULT_SERVICES),
    )

"""The check registry: each check is a module with ID, LEVEL, a docstring holding a
passing and a failing example, and, for checks that look at a finished run, check(run)."""

from . import (
    duplicate_resource,
    flux_depends_on,
    flux_path,
    flux_source,
    kustomize_build,
    schema,
    substitution,
    unreached,
    yaml_syntax,
)

REGISTRY = {module.ID: module for module in (
    yaml_syntax, kustomize_build, flux_path, flux_source, flux_depends_on,
    unreached, duplicate_resource, substitution, schema,
)}


def run_checks(run):
    """Problems found while rendering, then those of checks over the finished run."""
    yield from run.problems
    for module in REGISTRY.values():
        if hasattr(module, "check"):
            yield from module.check(run)

"""The check registry: each check is a module with ID, LEVEL, a docstring holding a
passing and a failing example, and, for checks that look at a finished run, check(run)."""

from infometis.checks import (
    border,
    core_invariance,
    desired_state,
    duplicate_resource,
    flux_depends_on,
    flux_hygiene,
    images,
    layers,
    references,
    routes,
    schema,
    secrets,
    unreached,
    workloads,
    yaml_syntax,
)
from infometis.render import flux_path, flux_source, helm_render, kustomize_build, substitution

REGISTRY = {module.ID: module for module in (
    yaml_syntax, kustomize_build, flux_path, flux_source, flux_depends_on,
    unreached, duplicate_resource, substitution, helm_render, schema,
    border, layers, core_invariance, references, routes, images, workloads, secrets, flux_hygiene, desired_state,
)}


# checks.<ID> in .infometis.yaml: the options each check takes besides enabled/level/ignore.
OPTIONS = {check_id: getattr(module, "OPTIONS", {}) for check_id, module in REGISTRY.items()}


def run_checks(run, selected=None):
    """Problems found while rendering, then those of the (selected) checks over the finished run."""
    yield from run.problems
    for check_id, module in REGISTRY.items():
        if hasattr(module, "check") and (selected is None or check_id in selected):
            yield from map(run.explain, module.check(run))

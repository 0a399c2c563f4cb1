"""The check registry: each check is a module with ID, LEVEL, a docstring holding a
passing and a failing example, and, for checks that look at a finished run, check(run)."""

from . import (
    border,
    core_invariance,
    desired_state,
    duplicate_resource,
    flux_depends_on,
    flux_hygiene,
    flux_path,
    flux_source,
    helm_render,
    images,
    kustomize_build,
    layers,
    references,
    routes,
    schema,
    secrets,
    substitution,
    unreached,
    workloads,
    yaml_syntax,
)

REGISTRY = {module.ID: module for module in (
    yaml_syntax, kustomize_build, flux_path, flux_source, flux_depends_on,
    unreached, duplicate_resource, substitution, helm_render, schema,
    border, layers, core_invariance, references, routes, images, workloads, secrets, flux_hygiene, desired_state,
)}


def run_checks(run, selected=None):
    """Problems found while rendering, then those of the (selected) checks over the finished run."""
    yield from run.problems
    for check_id, module in REGISTRY.items():
        if hasattr(module, "check") and (selected is None or check_id in selected):
            yield from map(run.explain, module.check(run))

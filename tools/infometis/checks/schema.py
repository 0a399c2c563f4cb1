"""schema — every rendered resource is valid against the schema of its kind.

Strict by default: an unknown field is an error. Schemas come from the repository's
schemas/ folder, its CustomResourceDefinitions, the bundled Kubernetes, Flux and Traefik
schemas, then --schema-location. Encrypted SOPS fields are never judged. A kind with no
schema anywhere is a warning (--missing-schemas).

PASS::

    spec:
      replicas: 3

FAIL::

    spec:
      replicas: "3"          # spec.replicas: '3' is a string, expected integer
      template:
        spec:
          containers:
            - name: app
              resources:
                limts: {}    # ...containers[0].resources.limts: unknown field
"""

from __future__ import annotations

from ..model import ERROR, WARNING, Problem
from ..schemas.catalog import Catalog
from ..schemas.crd import convert_crd, is_crd
from ..schemas.engine import field_path

ID = "schema"
LEVEL = ERROR


def repository_crds(run) -> dict:
    """CRDs rendered in any cluster, converted: (group, version, kind) → (schema, origin)."""
    found = {}
    for cluster in run.clusters:
        for rendered in cluster.renders:
            for resource in rendered.resources:
                if not is_crd(resource.data):
                    continue
                origin = f"CRD in {run.locate(resource).file or rendered.folder}"
                try:
                    for converted in convert_crd(resource.data, strict=run.schema.strict):
                        found.setdefault((converted.group, converted.version, converted.kind), (converted.schema, origin))
                except ValueError:
                    continue  # reported by the CRD's own schema check
    return found


def check(run):
    catalog = Catalog(run.schema, run.repo, repository_crds(run))
    reported: dict[tuple, Problem] = {}
    missing: dict[tuple, list] = {}
    for cluster in run.clusters:
        for rendered in cluster.renders:
            for resource in rendered.resources:
                yield from _judge(run, catalog, resource, rendered.target, reported, missing)
    if run.schema.missing != "ignore":
        level = ERROR if run.schema.missing == "error" else WARNING
        for (api_version, kind), (where, target, count) in sorted(missing.items()):
            yield Problem.at(ID, level, f"no schema for {kind} ({api_version}): {count} resource(s) not validated",
                             where, cluster=target,
                             hint=f"add {run.schema.folder}/<group>/{kind.lower()}_<version>.json, import its CRD with "
                                  "`infometis schemas import`, or pass --schema-location")


def _judge(run, catalog, resource, target, reported, missing):
    data = resource.data
    api_version, kind = data.get("apiVersion"), data.get("kind")
    if not api_version or not kind:
        absent = "apiVersion" if not api_version else "kind"
        yield Problem.at(ID, ERROR, f"{absent} is missing", run.locate(resource), cluster=target, resource=str(resource.id))
        return
    schema = catalog.find(str(api_version), str(kind))
    if schema is None:
        key = (str(api_version), str(kind))
        where, _, count = missing.get(key, (run.locate(resource), target, 0))
        missing[key] = (where, target, count + 1)
        return
    for violation in schema.violations(data):
        where = run.locate(resource, violation.path)
        key = (where.file, where.line, field_path(violation.path), violation.message)
        if key in reported:
            continue  # one base, many clusters: said once
        reported[key] = problem = Problem.at(
            ID, ERROR, f"{field_path(violation.path)}: {violation.message}", where,
            cluster=target, resource=str(resource.id), hint=f"schema: {schema.origin}")
        yield problem

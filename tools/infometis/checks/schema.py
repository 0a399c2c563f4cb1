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

from pathlib import Path

from ..fieldpath import field_path
from ..model import ERROR, WARNING, Problem
from ..schemas import kubeconform
from ..schemas.catalog import Catalog
from ..schemas.documents import Manifest, crd_schemas, files_under

ID = "schema"
LEVEL = ERROR


def repository_crds(run) -> tuple[dict, list]:
    """The CRDs of the repository, rendered or in any file that is not excluded, converted:
    (group, version, kind) → (schema, origin); and those that cannot be read, with where."""
    strict = run.schema.strict
    rendered = [resource for cluster in run.clusters for r in cluster.renders for resource in r.resources]
    found, broken = crd_schemas(rendered, strict, lambda r: f"CRD in {run.locate(r).file}")
    broken = [(run.locate(resource), why) for resource, why in broken]
    in_files = []
    for path in files_under([str(run.repo)], lambda folder: run.config.is_excluded(run.cache.relative(Path(folder)))):
        if path.suffix != ".json" and not run.config.is_excluded(run.cache.relative(path)) \
                and b"CustomResourceDefinition" in path.read_bytes():
            in_files += [Manifest(d.data, d) for d in run.cache.load(path).documents if isinstance(d.data, dict)]
    more, unreadable = crd_schemas(in_files, strict, lambda m: f"CRD in {m.document.file}")
    for key, value in more.items():
        found.setdefault(key, value)
    return found, broken + [(manifest.location(), why) for manifest, why in unreadable]


def check(run):
    crds, broken = repository_crds(run)
    for where, why in broken:
        yield Problem.at(ID, ERROR, f"cannot turn this CustomResourceDefinition into a schema: {why}", where)
    placed = [(resource, r.target) for cluster in run.clusters for r in cluster.renders for resource in r.resources]
    verdicts = _verdicts(run, Catalog(run.schema, run.repo, crds), [resource.data for resource, _ in placed])
    reported: set[tuple] = set()
    missing: dict[tuple, tuple] = {}
    for (resource, target), (origin, violations, trouble) in zip(placed, verdicts, strict=True):
        if trouble:
            yield Problem.at(ID, ERROR, trouble, run.locate(resource), cluster=target, resource=str(resource.id))
        elif violations is None:
            key = (str(resource.data.get("apiVersion")), str(resource.data.get("kind")))
            where, _, count = missing.get(key, (run.locate(resource), target, 0))
            missing[key] = (where, target, count + 1)
        for violation in violations or ():
            where = run.locate(resource, violation.path)
            key = (where.file, where.line, field_path(violation.path), violation.message)
            if key not in reported:  # one base, many clusters: said once
                reported.add(key)
                yield Problem.at(ID, ERROR, f"{field_path(violation.path)}: {violation.message}", where,
                                 cluster=target, resource=str(resource.id), hint=f"schema: {origin}")
    if run.schema.missing != "ignore":
        level = ERROR if run.schema.missing == "error" else WARNING
        for (api_version, kind), (where, target, count) in sorted(missing.items()):
            yield Problem.at(ID, level, f"no schema for {kind} ({api_version}): {count} resource(s) not validated",
                             where, cluster=target,
                             hint=f"add {run.schema.folder}/<group>/{kind.lower()}_<version>.json, import its CRD with "
                                  "`infometis schemas import`, or pass --schema-location")


def _verdicts(run, catalog: Catalog, resources: list[dict]) -> list[tuple]:
    """(schema origin, violations or None when no schema was found, trouble) for each resource."""
    if run.schema.engine == "kubeconform":
        outcomes = kubeconform.judge(resources, run.schema)
        return [("kubeconform", list(o.violations) if o.status != "missing" else None,
                 f"kubeconform: {o.message}" if o.status == "error" else "") for o in outcomes]
    verdicts = []
    for data in resources:
        api_version, kind = data.get("apiVersion"), data.get("kind")
        if not api_version or not kind:
            verdicts.append(("", [], f"{'apiVersion' if not api_version else 'kind'} is missing"))
            continue
        schema = catalog.find(str(api_version), str(kind))
        verdicts.append((schema.origin, schema.violations(data), "") if schema else ("", None, ""))
    return verdicts

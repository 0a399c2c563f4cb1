"""schema — every rendered resource is valid against the schema of its kind.

Strict by default: an unknown field is an error. Schemas come from the repository's
schemas/ folder, its CustomResourceDefinitions (a rendered one for the cluster it goes to),
the bundled Kubernetes, Flux (--flux-version), Traefik and Gateway API schemas, then
--schema-location. Encrypted SOPS fields are never judged. A kind with no
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

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from infometis.checks.once import said_once
from infometis.load.yamlio import MAX_FILE_BYTES
from infometis.model import ERROR, WARNING, Location, Problem, plural
from infometis.model.fieldpath import field_path
from infometis.schemas import kubeconform, packaged
from infometis.schemas.catalog import Catalog
from infometis.schemas.crd import is_crd
from infometis.schemas.documents import Manifest, crd_schemas, files_under
from infometis.schemas.engine import Violation

if TYPE_CHECKING:
    from infometis.render.kustomize import Resource
    from infometis.render.runs import RepoRun

    # (group, version, kind) → (schema, origin)
    CrdSchemas = dict[tuple[str, str, str], tuple[dict[str, Any], str]]
    # (schema origin, violations or None when no schema was found, trouble)
    Verdict = tuple[str, list[Violation] | None, str]

ID = "schema"
LEVEL = ERROR


def crd_scopes(
    run: RepoRun,
) -> tuple[CrdSchemas, dict[str, CrdSchemas], list[tuple[Location, str]]]:
    """The CRDs of the repository, converted ((group, version, kind) → (schema, origin)): those in
    files no cluster renders, for every cluster; those rendered, for the cluster they go to only
    (one repository may hold clusters of several Flux releases); and those that cannot be read."""
    strict = run.schema.strict
    rendered: dict[str, CrdSchemas] = {}
    broken: list[tuple[Location, str]] = []
    origins: set[Path | None] = set()
    for target, resources in _rendered_by_target(run).items():
        crds = [resource for resource in resources if is_crd(resource.data)]
        origins |= {resource.origin for resource in crds}
        # crd_schemas reads only .data, and hands back the objects it was given (its signature
        # says Manifest): Resources here
        found, unreadable = crd_schemas(
            cast("list[Manifest]", crds),
            strict,
            lambda r: f"CRD in {run.locate(cast('Resource', r)).file}",
        )
        rendered[target] = found
        broken += [(run.locate(cast("Resource", resource)), why) for resource, why in unreadable]
    in_files: list[Manifest] = []
    for path in cast(  # a folder's files: never "-" (standard input)
        list[Path],
        files_under(
            [str(run.repo)],
            lambda folder: run.config.is_excluded(run.cache.relative(Path(folder))),
        ),
    ):
        if (
            path.suffix != ".json"
            and path not in origins
            and not run.config.is_excluded(run.cache.relative(path))
            and _mentions_crd(path)
        ):
            in_files += [
                Manifest(d.data, d)
                for d in run.cache.load(path).documents
                if isinstance(d.data, dict)
            ]
    shared, unreadable = crd_schemas(in_files, strict, lambda m: f"CRD in {m.document.file}")
    # Flux's own kinds follow the Flux release a cluster runs: the CRDs it renders, else the bundled
    # line (flux.version). A copy in a file no cluster of this run renders (another cluster's
    # gotk-components.yaml, an older release) says nothing of this one.
    shared = {key: value for key, value in shared.items() if not key[0].endswith(".fluxcd.io")}
    return (
        shared,
        rendered,
        list(dict.fromkeys(broken)) + [(manifest.location(), why) for manifest, why in unreadable],
    )


def _mentions_crd(path: Path) -> bool:
    """A cheap look before parsing: the file names a CRD (unreadable or oversized: the yaml
    check's to say, if a render reads it)."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return False
        return b"CustomResourceDefinition" in path.read_bytes()
    except OSError:
        return False


def _rendered_by_target(run: RepoRun) -> dict[str, list[Resource]]:
    found: dict[str, list[Resource]] = {}
    for cluster in run.clusters:
        for render in cluster.renders:
            found.setdefault(render.target, []).extend(render.resources)
    return found


def repository_crds(run: RepoRun) -> tuple[CrdSchemas, list[tuple[Location, str]]]:
    """Every CRD of the repository, whichever cluster it goes to, and those that cannot be read."""
    shared, rendered, broken = crd_scopes(run)
    merged = dict(shared)
    for found in rendered.values():
        merged.update(found)
    return merged, broken


def check(run: RepoRun) -> Iterator[Problem]:
    return (problem for problem, _ in findings(run))


def findings(run: RepoRun) -> Iterator[tuple[Problem, bool]]:
    """(problem, whether it is about the repository as a whole: a kind without a schema, counted
    over every render), each said once."""
    return said_once(run, _findings(run), problem=lambda finding: finding[0])


def _findings(run: RepoRun) -> Iterator[tuple[Problem, bool]]:
    shared, rendered, broken = crd_scopes(run)
    for where, why in broken:
        yield (
            Problem.at(
                ID, ERROR, f"cannot turn this CustomResourceDefinition into a schema: {why}", where
            ),
            False,
        )
    placed = [
        (resource, r.target)
        for cluster in run.clusters
        for r in cluster.renders
        for resource in r.resources
    ]
    catalogs = _catalogs(run, shared, rendered)
    verdicts = _verdicts(
        run, [catalogs[target] for _, target in placed], [resource.data for resource, _ in placed]
    )
    missing: dict[tuple[str, str], tuple[Location, str, int]] = {}
    for (resource, target), (origin, violations, trouble) in zip(placed, verdicts, strict=True):
        if trouble:
            yield (
                Problem.at(
                    ID,
                    ERROR,
                    trouble,
                    run.locate(resource),
                    cluster=target,
                    resource=str(resource.id),
                ),
                False,
            )
        elif violations is None:
            key = (str(resource.data.get("apiVersion")), str(resource.data.get("kind")))
            where, _, count = missing.get(key, (run.locate(resource), target, 0))
            missing[key] = (where, target, count + 1)
        for violation in violations or ():
            yield (
                Problem.at(
                    ID,
                    ERROR,
                    f"{field_path(violation.path)}: {violation.message}",
                    run.locate(resource, violation.path),
                    cluster=target,
                    resource=str(resource.id),
                    hint=f"schema: {origin}",
                ),
                False,
            )
    if run.schema.missing != "ignore":
        level = ERROR if run.schema.missing == "error" else WARNING
        for (api_version, kind), (where, target, count) in sorted(missing.items()):
            yield (
                Problem.at(
                    ID,
                    level,
                    f"no schema for {kind} ({api_version}): "
                    f"{plural(count, 'resource')} not validated",
                    where,
                    cluster=target,
                    hint=packaged.other_flux_lines(api_version, kind, run.schema.flux_line())
                    or f"add {run.schema.folder}/<group>/{kind.lower()}_<version>.json, "
                    "import its CRD with "
                    "`infometis schemas import`, or pass --schema-location",
                ),
                True,
            )


def _catalogs(
    run: RepoRun, shared: CrdSchemas, rendered: dict[str, CrdSchemas]
) -> dict[str, Catalog]:
    """One catalog per target cluster: its own CRDs before the shared ones; one for targets with
    the same CRDs."""
    by_crds: dict[tuple[tuple[tuple[str, str, str], str], ...], Catalog] = {}
    found: dict[str, Catalog] = {}
    for target in {*rendered, *_rendered_by_target(run)}:
        crds = {**shared, **rendered.get(target, {})}
        key = tuple(sorted((name, origin) for name, (_, origin) in crds.items()))
        found[target] = by_crds.setdefault(key, Catalog(run.schema, run.repo, crds))
    return found


def _verdicts(
    run: RepoRun, catalogs: list[Catalog], resources: list[dict[str, Any]]
) -> list[Verdict]:
    """(schema origin, violations or None when no schema was found, trouble) for each resource."""
    if run.schema.engine == "kubeconform":
        outcomes = kubeconform.judge(resources, run.schema)
        return [
            (
                "kubeconform",
                list(o.violations) if o.status != "missing" else None,
                f"kubeconform: {o.message}" if o.status == "error" else "",
            )
            for o in outcomes
        ]
    verdicts: list[Verdict] = []
    for catalog, data in zip(catalogs, resources, strict=True):
        api_version, kind = data.get("apiVersion"), data.get("kind")
        if not api_version or not kind:
            verdicts.append(("", [], f"{'apiVersion' if not api_version else 'kind'} is missing"))
            continue
        schema = catalog.find(str(api_version), str(kind))
        verdicts.append((schema.origin, schema.violations(data), "") if schema else ("", None, ""))
    return verdicts

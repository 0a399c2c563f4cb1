"""`infometis schemas check|import|list`: plain manifests validated as kubeconform would,
CRDs vendored as schema files, and what the catalog covers."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from infometis.commands.common import SchemaArgs, load_config, schema_settings, write
from infometis.load import config as configs
from infometis.load import git
from infometis.model import ERROR, WARNING, Problem
from infometis.model.errors import ConfigError
from infometis.model.fieldpath import field_path
from infometis.report import Report, render
from infometis.report.text import problem_line
from infometis.schemas import bundled, packaged
from infometis.schemas.catalog import Catalog, SchemaSettings
from infometis.schemas.crd import file_name
from infometis.schemas.documents import Manifest, crd_schemas, files_under, read

ID = "schema"
KUSTOMIZE_CONFIG = "kustomize.config.k8s.io/"


def repository(repo: str | None, config: str | None) -> tuple[Path | None, configs.Config]:
    """The repository whose schemas/ folder and .infometis.yaml apply, found as `validate` finds
    it (--repo, else the Git top level of the current folder); outside any, none: plain files
    are checked against the bundled schemas alone."""
    root: Path | None
    if repo:
        root = Path(repo).resolve()
        if not root.is_dir():
            raise ConfigError(f"--repo {repo}: no such folder")
    else:
        found = git.query(Path.cwd(), "rev-parse", "--show-toplevel")
        root = Path(found) if found else None
    if root is None:
        return None, load_config(Path.cwd(), config) if config else configs.Config()
    return root, load_config(root, config)


def check(
    paths: list[str],
    schema: SchemaArgs,
    skip: tuple[str, ...],
    online: bool,
    format_name: str,
    output: str | None,
    reject: tuple[str, ...] = (),
    repo: str | None = None,
    config: str | None = None,
) -> int:
    """Each resource counted once, as kubeconform does: valid, invalid, an error or skipped;
    a problem of a file that belongs to no resource (it does not parse) is an error of its own."""
    root, found_config = repository(repo, config)
    settings = schema_settings(schema, found_config, online)
    manifests, problems, files = [], [], files_under(paths)
    for source in files:
        found, syntax = read(source)
        manifests += found
        problems += syntax
    crds, broken = crd_schemas(manifests, settings.strict, lambda m: f"CRD in {m.document.file}")
    catalog = Catalog(settings, root, crds)
    flawed, alone = _syntax_by_document(manifests, problems)
    counts = {"resources": len(manifests), "valid": 0, "invalid": 0, "errors": alone, "skipped": 0}
    problems += [
        Problem.at(
            ID,
            ERROR,
            f"cannot turn this CustomResourceDefinition into a schema: {why}",
            m.location(),
        )
        for m, why in broken
    ]
    for manifest in manifests:
        verdict, judged = _judge(manifest, catalog, settings, _kinds(skip), _kinds(reject))
        counts[
            "errors" if id(manifest.document) in flawed and verdict != "skipped" else verdict
        ] += 1
        problems += judged
    report = Report(dict(counts, files=len(files)), sorted(problems, key=Problem.sort_key))
    write(_render(report, format_name), output)
    return 1 if counts["invalid"] or counts["errors"] else 0


def _syntax_by_document(manifests: list[Manifest], problems: list[Problem]) -> tuple[set[int], int]:
    """The documents (by id) a syntax problem (a duplicate key) sits in, and how many problems
    sit in none."""
    spans = [
        (m.document, max((line for line, _ in m.document.lines.values()), default=m.document.line))
        for m in manifests
    ]
    flawed, alone = set(), 0
    for problem in problems:
        inside = [
            doc
            for doc, end in spans
            if doc.file == problem.file and doc.line <= (problem.line or 0) <= end
        ]
        flawed |= {id(doc) for doc in inside}
        alone += not inside
    return flawed, alone


def _kinds(given: tuple[str, ...]) -> frozenset[str]:
    """--skip/--reject values as kubeconform takes them: repeatable or comma-separated, Kind or
    apiVersion/Kind."""
    return frozenset(kind.strip() for value in given for kind in value.split(",") if kind.strip())


def _judge(
    manifest: Manifest,
    catalog: Catalog,
    settings: SchemaSettings,
    skip: frozenset[str],
    reject: frozenset[str],
) -> tuple[str, list[Problem]]:
    data = manifest.data
    if not isinstance(data, dict):
        return "errors", [
            Problem.at(ID, ERROR, "a manifest must be a mapping", manifest.location())
        ]
    missing = [key for key in ("apiVersion", "kind") if not data.get(key)]
    if missing:
        return "errors", [
            Problem.at(ID, ERROR, f"{' and '.join(missing)} missing", manifest.location())
        ]
    names = {
        str(data["kind"]),
        f"{data['apiVersion']}/{data['kind']}",
    }  # Kind, or group/version/Kind (v1/Kind for core)
    if names & reject:
        return "errors", [
            Problem.at(
                ID,
                ERROR,
                f"prohibited resource kind {data['kind']}",
                manifest.location(),
                hint="--reject forbids it",
            )
        ]
    if names & skip or str(data["apiVersion"]).startswith(KUSTOMIZE_CONFIG):
        return "skipped", []  # kustomization.yaml is a build input, not a resource
    schema = catalog.find(str(data["apiVersion"]), str(data["kind"]))
    if schema is None:
        message = f"no schema for {data['kind']} ({data['apiVersion']})"
        hint = (
            packaged.other_flux_lines(str(data["apiVersion"]), str(data["kind"]), catalog.flux_line)
            or "add a schema with `infometis schemas import CRD.yaml` or --schema-location, or "
            "--skip the kind"
        )
        level = {"error": ERROR, "warning": WARNING}.get(settings.missing)
        found = [Problem.at(ID, level, message, manifest.location(), hint=hint)] if level else []
        return ("errors" if level == ERROR else "skipped"), found
    violations = schema.violations(data)
    return ("invalid" if violations else "valid"), [
        Problem.at(
            ID,
            ERROR,
            f"{field_path(v.path)}: {v.message}",
            manifest.location(v.path),
            resource=f"{data['kind']}/{(data.get('metadata') or {}).get('name', '')}",
            hint=f"schema: {schema.origin}",
        )
        for v in violations
    ]


def _render(report: Report, format_name: str) -> str:
    if format_name != "text":
        return render(report, format_name)
    s = report.summary
    lines = [problem_line(p).strip() for p in report.problems]
    lines.append(
        f"Summary: {s['resources']} resources found in {s['files']} files - Valid: {s['valid']}, "
        f"Invalid: {s['invalid']}, Errors: {s['errors']}, Skipped: {s['skipped']}"
    )
    return "\n".join(lines) + "\n"


def import_crds(paths: list[str], repo: str | None, folder: str, strict: bool) -> int:
    """Write each CRD version's schema to <repo>/<folder>/<group>/<kind>_<version>.json."""
    root = Path(repo).resolve() if repo else git.toplevel(Path.cwd())
    manifests, code = [], 0
    for source in files_under(paths):
        found, syntax = read(source)
        manifests += found
        for problem in syntax:
            print(problem_line(problem).strip(), file=sys.stderr)
            code = 1
    crds, broken = crd_schemas(manifests, strict, lambda m: m.document.file)
    for manifest, why in broken:
        where = manifest.location()
        print(f"{where.file}:{where.line}: error: {why}", file=sys.stderr)
        code = 1
    if not crds and not broken:
        raise ConfigError(f"no CustomResourceDefinition in {', '.join(paths)}")
    for (group, version, kind), (schema, origin) in sorted(crds.items()):
        target = root / folder / file_name(group, kind, version)
        text = json.dumps(schema, indent=2, sort_keys=True) + "\n"
        state = "unchanged" if target.is_file() and target.read_text() == text else "wrote"
        if state == "wrote":
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(text)
            partial.replace(target)
        print(f"{state} {target.relative_to(root)} ({kind} {group}/{version}, from {origin})")
    return code


def list_schemas(repo: str | None, folder: str, schema: SchemaArgs) -> int:
    """Every kind the catalog covers offline, and from where, one per line."""
    root = Path(repo).resolve() if repo else git.toplevel(Path.cwd())
    config = load_config(root, None)
    settings = schema_settings(schema, config, online=False)
    rows = [(f"{folder}/", *_declared(path)) for path in sorted((root / folder).glob("*/*.json"))]
    k8s, line = settings.version(), settings.flux_line()
    rows += [(f"Kubernetes {k8s} (bundled)", api, kind) for api, kind in bundled.core_kinds(k8s)]
    for name in packaged.bundle_names(line):
        bundle = packaged.load(name)
        rows += [(bundle.origin, api, kind) for api, kind in bundle.kinds()]
    width = max(len(row[0]) for row in rows)
    for source, api, kind in rows:
        print(f"{source:<{width}}  {api:<45} {kind}")
    print(
        f"{len(rows)} kinds; Flux schemas of release line {line} "
        f"({packaged.load(packaged.FLUX + line).release}; "
        f"bundled lines: {', '.join(packaged.flux_lines())}, chosen with --flux-version or "
        "flux.version); "
        "CRDs in the repository and --schema-location add more at validation time"
    )
    return 0


def _declared(path: Path) -> tuple[str, str]:
    """The apiVersion and kind a schema file fixes (const or a one-item enum)."""
    properties = json.loads(path.read_text()).get("properties") or {}
    api, kind = ((properties.get(key) or {}) for key in ("apiVersion", "kind"))
    return str(api.get("const") or (api.get("enum") or ["?"])[0]), str(
        kind.get("const") or (kind.get("enum") or ["?"])[0]
    )

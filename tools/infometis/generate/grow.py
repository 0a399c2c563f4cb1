"""`infometis new environment|cluster|mode`: the other ways a repository grows."""

from __future__ import annotations

import re
from pathlib import Path

from infometis.generate import templates
from infometis.generate.cluster import add_border, add_cluster, repository_url
from infometis.generate.plan import GenerateError, Plan, refuse_existing
from infometis.generate.repo import (
    BUILTIN_MODES,
    Cluster,
    check_domain,
    check_name,
    clusters,
    environments,
    modes,
    overlays,
    parent_domain,
    services,
)
from infometis.load.files import read_text


def plan_environment(root: Path, name: str, source: str, force: bool) -> Plan:
    """Each service's `source` overlay copied as `name`: same files, same pinned versions."""
    check_name(name, "environment")
    known = environments(root)
    if source not in known:
        raise GenerateError(
            f"no environment {source!r} to copy (environments: {', '.join(known) or 'none yet'})"
        )
    if name in known and not force:
        raise GenerateError(
            f"environment {name} exists already: choose another name, "
            "or pass --force to copy the overlays again"
        )
    plan = Plan(root)
    for service in services(root):
        folder = root / "apps" / service / source
        if not (folder / "kustomization.yaml").is_file():
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            relative = path.relative_to(folder).as_posix()
            plan.create(
                f"apps/{service}/{name}/{relative}",
                _renamed_in_comments(read_text(path), source, name),
            )
    refuse_existing(plan, force, f"environment {name}")
    if not plan.creates:
        plan.notes.append(f"no service has a {source} overlay yet: nothing to copy")
    plan.notes.append(
        f"add {name} to `promotion:` in .infometis.yaml where versions should pass through it"
    )
    if not any(cluster.environment == name for cluster in clusters(root)):
        plan.notes.append(
            f"next: infometis new cluster NAME --environment {name} --mode MODE "
            "(until then no cluster applies it)"
        )
    return plan


def _renamed_in_comments(text: str, source: str, name: str) -> str:
    """The environment's name changed in comment lines only (`# kafka in dev: …`)."""
    word = re.compile(rf"(?<![\w-]){re.escape(source)}(?![\w-])")
    return "".join(
        word.sub(name, line) if line.lstrip().startswith("#") else line
        for line in text.splitlines(keepends=True)
    )


def plan_cluster(
    root: Path, name: str, environment: str, mode: str, domain: str | None, force: bool
) -> Plan:
    check_name(name, "cluster")
    check_name(environment, "environment")
    domain = check_domain(domain or f"{name}.{parent_domain(root)}")
    if mode not in modes(root) and mode not in BUILTIN_MODES:
        raise GenerateError(
            f"no mode {mode!r} (modes: {', '.join(sorted({*modes(root), *BUILTIN_MODES}))}): "
            f"create it with `infometis new mode {mode}`"
        )
    served = [service for service in services(root) if environment in overlays(root, service)]
    missing = [service for service in services(root) if service not in served]
    if missing:
        known = ", ".join(environments(root)) or "none"
        raise GenerateError(
            f"{', '.join(missing)} {'has' if len(missing) == 1 else 'have'} no {environment} "
            "overlay: create the overlays "
            f"with `infometis new environment {environment} --from ENV` (environments: {known})"
        )
    if (root / "clusters" / name).exists() and not force:
        raise GenerateError(
            f"cluster {name} exists already (clusters/{name}): choose another name, or pass --force"
        )
    cluster = Cluster(name, environment, mode, domain)
    plan = Plan(root)
    add_border(plan, mode)
    add_cluster(plan, cluster, repository_url(root), served)
    refuse_existing(plan, force, f"cluster {name}")
    plan.notes.append(
        f"next: infometis validate --cluster {name}; "
        f"then bootstrap Flux with --path=clusters/{name}"
    )
    return plan


def plan_mode(root: Path, name: str, force: bool) -> Plan:
    check_name(name, "mode")
    plan = Plan(root)
    if name in BUILTIN_MODES:
        add_border(plan, name)
    else:
        for path, text in templates.tree("mode", mode=name).items():
            plan.create(f"infrastructure/modes/{name}/{path}", text)
        if not (root / "infrastructure/modes/common/kustomization.yaml").exists():
            add_border(plan, name)
    refuse_existing(plan, force, f"mode {name}")
    if not plan.creates and not force:
        raise GenerateError(f"mode {name} exists already (infrastructure/modes/{name})")
    plan.notes.append(
        f"next: add what clusters of this mode need to infrastructure/modes/{name}/, "
        f"then infometis new cluster NAME --environment ENV --mode {name}"
    )
    return plan

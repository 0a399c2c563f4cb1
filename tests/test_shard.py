"""validate --shard I/N: services spread over N shards, whose problems together are exactly
those of one unsharded run, each said by one shard."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
from conftest import init_repo, invoke, load_generator, shared_or_skip, validate_json
from infometis.commands.common import RepoArgs, options
from infometis.run.shard import facts, needs, scan, units, walk

ROOT = Path(__file__).resolve().parents[1]
generator = load_generator()


def _write(repo: Path, relative: str, text: str) -> None:
    path = repo / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _add_resource(repo: Path, service: str, name: str, text: str) -> None:
    """A file in the service's base, listed in its kustomization."""
    _write(repo, f"apps/{service}/base/{name}", text)
    spec = repo / f"apps/{service}/base/kustomization.yaml"
    spec.write_text(spec.read_text().replace("resources:\n", f"resources:\n  - {name}\n", 1))


def _workload_kind(repo: Path, service: str) -> str:
    return (
        "StatefulSet" if (repo / f"apps/{service}/base/statefulset.yaml").exists() else "Deployment"
    )


def _replace(repo: Path, relative: str, old: str, new: str) -> None:
    """The first `old` in the file, replaced."""
    path = repo / relative
    text = path.read_text()
    assert old in text, (relative, old)
    path.write_text(text.replace(old, new, 1))


SECRET = (
    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\nstringData:\n"
    "  password: hunter2-{name}\n"
)
CONFIG = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  {key}: "{value}"\n'
POD = """apiVersion: v1
kind: Pod
metadata:
  name: {name}
spec:
  containers:
    - name: main
      image: busybox
      env:
        - name: PASSWORD
          valueFrom:
            secretKeyRef: {{name: {secret}, key: password}}
        - name: MODE
          valueFrom:
            configMapKeyRef: {{name: nowhere-config, key: mode}}
"""


def broken_repository(folder: Path) -> Path:
    """9 services in 3 environments, with problems in several services (in several shards)
    and outside them, some of them between two services."""
    generator.generate(folder, 9, 3, seed=3)
    # an unpinned image, and references: one to another service's Secret, one to nothing
    _add_resource(
        folder,
        "svc-007",
        "debug.yaml",
        POD.format(name="svc-007-debug", secret="svc-004-credentials"),
    )
    # a plaintext Secret, rendered (the one svc-007 refers to), and one in infrastructure, rendered
    # by none
    _add_resource(folder, "svc-004", "secret.yaml", SECRET.format(name="svc-004-credentials"))
    _write(folder, "infrastructure/configs/leaked.yaml", SECRET.format(name="leaked"))
    # an environment variable set in one overlay only: core-invariance (and layers)
    kind = _workload_kind(folder, "svc-002")
    with (folder / "apps/svc-002/uat/kustomization.yaml").open("a") as spec:
        spec.write(
            f"  - target:\n      kind: {kind}\n      name: svc-002\n    patch: |-\n"
            "      - op: add\n        path: /spec/template/spec/containers/0/env\n"
            "        value: [{name: MODE, value: uat-only}]\n"
        )
    # a folder no cluster reaches
    _write(
        folder,
        "apps/svc-004/staging/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n"
        "  - ../base\n",
    )
    # the same ConfigMap in two services: duplicate-resource
    for service in ("svc-001", "svc-006"):
        _add_resource(
            folder,
            service,
            "shared.yaml",
            CONFIG.format(name="shared-settings", key="owner", value=service),
        )
    # one service's route on another's host
    _replace(
        folder, "apps/svc-003/border/ingressroute.yaml", "svc-003.${domain}", "svc-005.${domain}"
    )
    # a variable with no value, a build that fails, a kind with no schema, a field no schema has
    _add_resource(
        folder,
        "svc-005",
        "settings.yaml",
        CONFIG.format(name="svc-005-settings", key="url", value="http://${undefined_host}/x"),
    )
    with (folder / "apps/svc-008/prod/kustomization.yaml").open("a") as spec:
        spec.write("  - path: missing-patch.yaml\n")
    _add_resource(
        folder,
        "svc-000",
        "widget.yaml",
        "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: svc-000\nspec: {}\n",
    )
    _replace(
        folder,
        "apps/svc-001/base/service.yaml",
        "  type: ClusterIP\n",
        "  type: ClusterIP\n  colour: blue\n",
    )
    # outside the services: a schema error in infrastructure, a Flux Kustomization without prune
    _replace(
        folder,
        "infrastructure/configs/middleware.yaml",
        "    frameDeny: true\n",
        "    frameDeny: true\n    frameDenial: true\n",
    )
    _replace(folder, "clusters/dev/apps/svc-006.yaml", "  prune: true\n", "")
    return init_repo(folder)


def coupled_repository(folder: Path) -> Path:
    """Services whose verdicts depend on one another, and on what infrastructure renders."""
    generator.generate(folder, 9, 3, seed=3)
    # a name shared once a prefix is added (duplicate-resource)
    _add_resource(folder, "svc-002", "cfg.yaml", CONFIG.format(name="cfg", key="a", value="1"))
    _add_resource(folder, "svc-006", "xcfg.yaml", CONFIG.format(name="x-cfg", key="a", value="2"))
    _replace(
        folder,
        "apps/svc-002/dev/kustomization.yaml",
        "resources:\n",
        "namePrefix: x-\nresources:\n",
    )
    # infrastructure routes to a service's Service, and to none (references)
    _write(folder, "infrastructure/configs/route.yaml", ROUTE)
    _replace(
        folder,
        "infrastructure/configs/kustomization.yaml",
        "resources:\n",
        "resources:\n  - route.yaml\n",
    )
    # a host whose last label is another service's Service: in-cluster (border), and one that is not
    _add_resource(
        folder,
        "svc-007",
        "ledger.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: ledger\n"
        "spec:\n  ports:\n    - port: 80\n",
    )
    _add_resource(
        folder,
        "svc-001",
        "client.yaml",
        CONFIG.format(name="svc-001-client", key="host", value="db.ledger"),
    )
    _add_resource(
        folder,
        "svc-008",
        "client.yaml",
        CONFIG.format(name="svc-008-client", key="host", value="db.example.com"),
    )
    # a service that defines a Flux Kustomization of its own
    _write(
        folder,
        "apps/svc-005/extra/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n"
        "  - cm.yaml\n",
    )
    _write(
        folder,
        "apps/svc-005/extra/cm.yaml",
        CONFIG.format(name="svc-005-extra", key="a", value="b"),
    )
    _replace(
        folder,
        "apps/svc-005/dev/kustomization.yaml",
        "resources:\n",
        "resources:\n  - nested.yaml\n",
    )
    _write(folder, "apps/svc-005/dev/nested.yaml", NESTED)
    # a substituteFrom of an object another service defines
    _add_resource(
        folder,
        "svc-006",
        "vars.yaml",
        CONFIG.format(name="svc-006-vars", key="colour", value="blue").replace(
            "metadata:\n", "metadata:\n  namespace: flux-system\n"
        ),
    )
    with (folder / "clusters/uat/apps/svc-003.yaml").open("a") as spec:
        spec.write("      - kind: ConfigMap\n        name: svc-006-vars\n")
    # a failing build without targetNamespace: whatever prod lacks, it might have defined
    _replace(folder, "clusters/prod/apps/svc-008.yaml", "  targetNamespace: apps\n", "")
    with (folder / "apps/svc-008/prod/kustomization.yaml").open("a") as spec:
        spec.write("  - path: missing-patch.yaml\n")
    with (folder / "apps/svc-003/prod/kustomization.yaml").open("a") as spec:
        spec.write(
            f"  - target:\n      kind: {_workload_kind(folder, 'svc-003')}\n      name: svc-003\n"
            "    patch: |-\n      - op: add\n"
            "        path: /spec/template/spec/containers/0/envFrom\n"
            "        value: [{secretRef: {name: prod-only}}]\n"
        )
    return init_repo(folder)


ROUTE = """apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata:
  name: legacy
  namespace: apps
spec:
  routes:
    - kind: Rule
      match: Host(`legacy.example.org`)
      services:
        - name: svc-004
          port: http
        - name: svc-404
          port: 80
"""
NESTED = """apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: svc-005-extra
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps/svc-005/extra
  sourceRef:
    kind: GitRepository
    name: flux-system
"""


def key(problem: dict) -> tuple:
    return problem["check"], problem["level"], problem["file"], problem["line"], problem["message"]


def sharded(repo: Path, count: int, *args: str) -> list[tuple[int, dict]]:
    """(exit code, report) of each shard."""
    return [
        validate_json(repo, "--shard", f"{index}/{count}", *args) for index in range(1, count + 1)
    ]


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    folder = broken_repository(tmp_path_factory.mktemp("broken") / "repo")
    return folder, validate_json(folder)


def test_the_broken_repository_has_problems_of_every_kind(broken):
    _, (code, report) = broken
    checks = Counter(p["check"] for p in report["problems"])
    assert code == 1
    for check in (
        "images",
        "references",
        "secrets",
        "core-invariance",
        "unreached",
        "duplicate-resource",
        "routes",
        "substitution",
        "kustomize-build",
        "schema",
        "flux-hygiene",
        "layers",
    ):
        assert checks[check], (check, checks)


@pytest.mark.parametrize("count", [1, 2, 3])
def test_the_shards_together_report_what_one_run_reports(broken, count):
    repo, (code, report) = broken
    results = sharded(repo, count)
    union = Counter(key(p) for _, shard_report in results for p in shard_report["problems"])
    assert union == Counter(key(p) for p in report["problems"])
    assert max(shard_code for shard_code, _ in results) == code
    assert [r["summary"]["shard"] for _, r in results] == [
        f"{i}/{count}" for i in range(1, count + 1)
    ]
    for index, (_, shard_report) in enumerate(results, start=1):  # outside the services: shard 1
        outside = {p["file"] for p in shard_report["problems"] if not p["file"].startswith("apps/")}
        assert (index == 1) == bool(outside), (index, outside)


@pytest.fixture(scope="module")
def coupled(tmp_path_factory):
    folder = coupled_repository(tmp_path_factory.mktemp("coupled") / "repo")
    return folder, validate_json(folder)


def test_the_coupled_repository(coupled):
    _, (_, report) = coupled
    found = {(p["check"], p["file"]) for p in report["problems"]}
    assert ("duplicate-resource", "apps/svc-006/base/xcfg.yaml") in found
    assert ("references", "infrastructure/configs/route.yaml") in found  # svc-404; svc-004 is there
    assert ("border", "apps/svc-008/base/client.yaml") in found
    assert ("border", "apps/svc-001/base/client.yaml") not in found  # db.ledger: svc-007's Service
    assert ("substitution", "clusters/uat/apps/svc-003.yaml") in found
    assert not [
        p for p in report["problems"] if p["check"] == "references" and "prod-only" in p["message"]
    ]


@pytest.mark.parametrize("count", [2, 3, 4])
def test_problems_between_services_are_found_by_their_shard(coupled, count):
    repo, (code, report) = coupled
    results = sharded(repo, count)
    assert Counter(key(p) for _, r in results for p in r["problems"]) == Counter(
        key(p) for p in report["problems"]
    )
    assert max(c for c, _ in results) == code


def _context(repo: Path, count: int, holding: str, selected: set[str]) -> set[str]:
    """The units that the shard holding service `holding` renders besides its own."""
    index = units.split(repo, count).shard_of[holding]
    found = walk.Shard(options(RepoArgs(repo=str(repo), shard=(index, count))))
    return needs.needed(found, found.walk(), selected)


def test_a_shard_renders_the_other_services_its_verdicts_depend_on(coupled, broken):
    coupled_repo, broken_repo = coupled[0], broken[0]
    assert "apps/svc-007" in _context(coupled_repo, 9, "apps/svc-001", {"border"})  # db.ledger
    assert "apps/svc-007" not in _context(coupled_repo, 9, "apps/svc-001", set())
    assert "apps/svc-002" in _context(
        coupled_repo, 9, "apps/svc-006", set()
    )  # x-cfg: svc-002's cfg in dev, prefixed
    assert "apps/svc-001" in _context(broken_repo, 9, "apps/svc-006", set())  # shared-settings
    assert "apps/svc-003" in _context(
        broken_repo, 9, "apps/svc-005", {"routes"}
    )  # svc-005.${domain}
    first = [unit for unit, number in units.split(broken_repo, 9).shard_of.items() if number == 1]
    assert "apps/svc-000" in _context(
        broken_repo, 9, first[0], {"schema"}
    )  # Widget: no schema, counted by shard 1
    assert _context(coupled_repo, 9, "apps/svc-003", {"references"}) >= {
        "apps/svc-008"
    }  # prod-only: svc-008 fails there


def test_each_service_is_in_one_shard_and_the_shards_are_balanced(tmp_path):
    generator.generate(tmp_path, 30, 3, seed=3)
    costs = scan.services(tmp_path)
    for count in (1, 2, 3, 4, 7):
        layout = units.split(tmp_path, count)
        shards = layout.shards()
        placed = [service for services in shards.values() for service in services]
        assert sorted(placed) == sorted(costs)  # each service exactly once
        loads = [sum(costs[s] for s in services) for services in shards.values()]
        assert max(loads) - min(loads) <= max(costs.values())  # greedy, largest first
        sizes = [len(services) for services in shards.values()]
        assert max(sizes) - min(sizes) <= 2


def test_the_split_does_not_depend_on_the_order_things_are_found(tmp_path, monkeypatch):
    generator.generate(tmp_path / "a", 12, 2, seed=5)
    first = units.split(tmp_path / "a", 3).shards()
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    assert units.split(tmp_path / "b", 3).shards() == first
    assert units.assign({"a": 5, "b": 5, "c": 9}, 2) == {"c": 1, "a": 2, "b": 2}
    assert units.assign({"b": 5, "c": 9, "a": 5}, 2) == {"c": 1, "a": 2, "b": 2}
    listing = Path.iterdir
    monkeypatch.setattr(Path, "iterdir", lambda self: reversed(sorted(listing(self))))
    assert units.split(tmp_path / "a", 3).shards() == first


def test_services_reading_each_other_are_one_unit(tmp_path):
    generator.generate(tmp_path, 4, 2, seed=1, layout="aggregate")
    layout = units.split(tmp_path, 2)
    assert set(layout.unit_of.values()) == {
        "apps/_environments"
    }  # every overlay is read by the aggregate
    assert sum(map(len, layout.shards().values())) == 5 and layout.shards()[2] == []


@pytest.mark.parametrize("value", ["0/2", "3/2", "x", "1/0", "2", "-1/2"])
def test_a_bad_shard_is_a_usage_error(tmp_path, value):
    generator.generate(tmp_path, 2, 1, seed=1)
    result = invoke("validate", "--repo", str(init_repo(tmp_path)), "--shard", value)
    assert result.exit_code == 2
    assert "--shard" in result.output and "I/N" in result.output


def test_the_sample_in_two_shards():
    code, report = validate_json(ROOT)
    results = sharded(ROOT, 2)
    assert Counter(key(p) for _, r in results for p in r["problems"]) == Counter(
        key(p) for p in report["problems"]
    )
    assert max(c for c, _ in results) == code
    assert all(r["summary"]["rendered"] < report["summary"]["rendered"] for _, r in results)
    services = units.split(ROOT, 2).shards()
    assert sorted(services[1] + services[2]) == sorted(scan.services(ROOT)) and all(
        services.values()
    )


def test_a_home_ops_layout_splits_by_app_and_the_shards_still_add_up():
    """kubernetes/apps/<namespace>/<app>/ks.yaml beside app/: each app a service; the apps sharing
    a component are one unit (its problems are said by one shard); most shards render a part."""
    repo = shared_or_skip("corpus", "bjw-s-labs__home-ops")
    arguments = ("--path", "kubernetes/flux/cluster")
    layout = units.split(repo, 3, entries=[repo / "kubernetes/flux/cluster"])
    assert "kubernetes/apps/media/jellyfin" in layout.unit_of and len(layout.unit_of) > 70
    readers = [
        s
        for s in layout.unit_of
        if (repo / s / "ks.yaml").is_file()
        and "components/kopiur/backup" in (repo / s / "ks.yaml").read_text()
    ]
    assert len(readers) > 10 and len({layout.unit_of[s] for s in readers}) == 1
    assert (
        layout.owner("kubernetes/components/kopiur/backup/pvc.yaml") == layout.unit_of[readers[0]]
    )
    code, whole = validate_json(repo, *arguments)
    results = sharded(repo, 3, *arguments)
    assert Counter(key(p) for _, r in results for p in r["problems"]) == Counter(
        key(p) for p in whole["problems"]
    )
    rendered = sorted(r["summary"]["rendered"] for _, r in results)
    assert rendered[0] < whole["summary"]["rendered"] / 2, rendered


def test_variables_postbuild_gives_are_read_into_names():
    variables = {"APP": "jellyfin", "EMPTY": ""}
    assert facts._expand("${KOPIUR_CLAIM:-${APP}}", variables, complete=True) == "jellyfin"
    # substituteFrom may give KOPIUR_CLAIM: not read
    assert (
        facts._expand("${KOPIUR_CLAIM:-${APP}}", variables, complete=False)
        == "${KOPIUR_CLAIM:-${APP}}"
    )
    assert facts._expand("${EMPTY:=x}-${APP}", variables, complete=False) == "x-jellyfin"
    assert (
        facts._expand("${OTHER}", variables, complete=True) == "${OTHER}"
    )  # plain and unknown: not read

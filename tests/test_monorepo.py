"""This repository's own monorepo, and the `build` and `graph` commands that show it."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import init_repo, invoke, validate_json

ROOT = Path(__file__).resolve().parents[1]
CLUSTERS = ("dev", "uat", "prod")
SERVICES = ("elasticsearch", "grafana", "kafka", "nifi", "nifi-registry")


@pytest.fixture(scope="module")
def built() -> dict[str, str]:
    """`infometis build` of every cluster, once for the module."""
    outputs = {}
    for cluster in CLUSTERS:
        result = invoke("build", cluster, "--repo", str(ROOT))
        assert result.exit_code == 0, result.stderr
        outputs[cluster] = result.stdout
    return outputs


def documents(text: str) -> list[dict]:
    return [d for d in yaml.safe_load_all(text) if d]


def find(docs: list[dict], kind: str, name: str) -> list[dict]:
    return [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]


def test_three_clusters_validate_clean():
    code, report = validate_json(ROOT)
    assert code == 0
    assert report["summary"]["clusters"] == 3 and report["summary"]["skipped"] == 0
    assert [p for p in report["problems"] if p["level"] != "info"] == []


def test_build_dev_shows_kafka_traefik_and_substituted_routes(built):
    docs = documents(built["dev"])
    assert find(docs, "StatefulSet", "kafka")[0]["spec"]["replicas"] == 3
    assert (
        find(docs, "HelmRelease", "traefik")[0]["spec"]["values"]["service"]["type"] == "NodePort"
    )
    routes = {
        d["metadata"]["name"]: d["spec"]["routes"][0]["match"]
        for d in docs
        if d["kind"] == "IngressRoute"
    }
    assert routes["nifi"] == "Host(`nifi.dev.infometis.internal`)"
    assert set(routes) == {"nifi", "nifi-registry", "grafana", "flux-webhook"}
    assert "${" not in built["dev"]


@pytest.mark.parametrize("cluster", ["uat", "prod"])
def test_shared_clusters_install_no_traefik_and_apply_as_the_tenant(built, cluster):
    docs = documents(built[cluster])
    assert find(docs, "HelmRelease", "traefik") == []
    services = [
        d for d in docs if d["kind"] == "Kustomization" and d["metadata"]["name"] in SERVICES
    ]
    assert len(services) == len(SERVICES)
    assert {d["spec"].get("serviceAccountName") for d in services} == {"infometis-reconciler"}
    binding = find(docs, "RoleBinding", "infometis-reconciler")[0]
    assert binding["metadata"]["namespace"] == "infometis" and binding["roleRef"]["name"] == "admin"


def test_build_follows_depends_on_order(built):
    for text in built.values():
        order = re.findall(r"^# Flux Kustomization flux-system/(\S+):", text, re.M)
        kustomizations = {
            d["metadata"]["name"]: d
            for d in documents(text)
            if d["kind"] == "Kustomization" and d["apiVersion"].startswith("kustomize.toolkit")
        }
        assert order[0] == "flux-system" and set(order) == set(kustomizations)
        for name, k in kustomizations.items():
            for dependency in k["spec"].get("dependsOn", []):
                assert order.index(dependency["name"]) < order.index(name)


def test_build_resource_count_matches_validate(built):
    _, report = validate_json(ROOT)
    assert sum(len(documents(text)) for text in built.values()) == report["summary"]["resources"]


def test_build_one_kustomization_and_an_unknown_one():
    result = invoke("build", "dev", "--repo", str(ROOT), "--kustomization", "kafka")
    assert result.exit_code == 0
    assert re.findall(r"^# Flux Kustomization (\S+):", result.stdout, re.M) == ["flux-system/kafka"]
    result = invoke("build", "dev", "--repo", str(ROOT), "-k", "kafak")
    assert result.exit_code == 2 and "no such Flux Kustomization in cluster dev" in result.stderr
    assert "flux-system/kafka" in result.stderr


def test_build_reports_render_errors_on_stderr(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "clusters", repo / "clusters")
    for part in ("infrastructure", "apps"):
        shutil.copytree(ROOT / part, repo / part)
    (repo / "apps/kafka/dev/kustomization.yaml").write_text("resources:\n  - ../missing\n")
    init_repo(repo)
    result = invoke("build", "dev", "--repo", str(repo))
    assert result.exit_code == 1
    assert "apps/kafka/dev/kustomization.yaml:2:5: error [kustomize-build]" in result.stderr
    assert "# Flux Kustomization flux-system/nifi:" in result.stdout  # the rest is still built


def test_environment_and_mode_come_from_cluster_settings_not_folder_names(tmp_path):
    repo = tmp_path / "repo"
    for part in ("infrastructure", "apps"):
        shutil.copytree(ROOT / part, repo / part)
    shutil.copytree(ROOT / "clusters/uat", repo / "clusters/staging")
    sync = repo / "clusters/staging/flux-system/gotk-sync.yaml"
    sync.write_text(sync.read_text().replace("./clusters/uat", "./clusters/staging"))
    init_repo(repo)
    result = invoke("graph", "--repo", str(repo))
    assert result.exit_code == 0
    assert result.stdout.startswith("cluster staging (environment uat, mode shared-cluster)")


def test_graph_formats_draw_every_edge_between_declared_nodes():
    mermaid = invoke("graph", "--repo", str(ROOT), "-o", "mermaid").stdout
    assert mermaid.startswith("flowchart LR\n") and mermaid.count("subgraph ") == 3
    declared = set(re.findall(r"^\s+(\w+)[\[(]", mermaid, re.M))
    edges = re.findall(r"^\s+(\w+) -->? (\w+)$|^\s+(\w+) -\.-> (\w+)$", mermaid, re.M)
    assert edges and all(node in declared for edge in edges for node in edge if node)
    assert "dev_k3 --> dev_k4" in mermaid  # infrastructure-configs, then the mode adaptation
    dot = invoke("graph", "dev", "--repo", str(ROOT), "-o", "dot").stdout
    assert dot.startswith("digraph flux {") and dot.rstrip().endswith("}") and "cluster_dev" in dot
    text = invoke("graph", "uat", "--repo", str(ROOT)).stdout
    assert "infrastructure-controllers" not in text and "after infrastructure-mode" in text


def test_readme_shows_the_dev_graph():
    mermaid = invoke("graph", "dev", "--repo", str(ROOT), "-o", "mermaid").stdout
    assert f"```mermaid\n{mermaid}```" in (ROOT / "README.md").read_text()


def _version(tag: str) -> tuple[int, ...]:
    return tuple(int(part) for part in tag.split("."))


def test_environments_pin_versions_dev_ahead_of_uat_ahead_of_prod():
    ahead = []
    for service in SERVICES:
        tags = []
        for cluster in CLUSTERS:
            overlay = yaml.safe_load(
                (ROOT / f"apps/{service}/{cluster}/kustomization.yaml").read_text()
            )
            tags.append([_version(image["newTag"]) for image in overlay.get("images", [])])
        if tags[0] and tags[0] > tags[1] > tags[2]:
            ahead.append(service)
    assert len(ahead) >= 2, ahead
    charts = {
        cluster: re.search(
            r'version: "([\d.]+)"',
            (ROOT / f"apps/grafana/{cluster}/kustomization.yaml").read_text(),
        )[1]
        for cluster in CLUSTERS
    }
    assert len(set(charts.values())) == 3


def test_core_topology_is_identical_in_every_environment(built):
    for name in ("kafka", "elasticsearch"):
        shapes = []
        for cluster in CLUSTERS:
            (statefulset,) = find(documents(built[cluster]), "StatefulSet", name)
            container = statefulset["spec"]["template"]["spec"]["containers"][0]
            shapes.append(
                (
                    statefulset["spec"]["replicas"],
                    container["env"],
                    statefulset["spec"]["volumeClaimTemplates"],
                )
            )
        assert shapes[0] == shapes[1] == shapes[2]


def test_core_bases_know_nothing_of_where_they_run():
    for base in ROOT.glob("apps/*/base"):
        text = "\n".join(path.read_text() for path in sorted(base.glob("*.yaml")))
        for document in yaml.safe_load_all(text):
            assert document.get("kind") not in ("Ingress", "IngressRoute", "Namespace"), base
        assert not re.search(r"\$\{|\b(dev|uat|prod)\b|NodePort|LoadBalancer", text), base


def test_every_secret_is_sops_encrypted_for_its_clusters_recipient():
    rules = yaml.safe_load((ROOT / ".sops.yaml").read_text())["creation_rules"]
    manifests = [
        path
        for part in ("clusters", "infrastructure", "apps")
        for path in (ROOT / part).rglob("*.yaml")
    ]
    secrets = [
        path
        for path in manifests
        if any(d and d.get("kind") == "Secret" for d in yaml.safe_load_all(path.read_text()))
    ]
    assert len(secrets) == 6
    for path in secrets:
        relative = path.relative_to(ROOT).as_posix()
        (rule,) = [r for r in rules if re.search(r["path_regex"], relative)]
        stanza = yaml.safe_load(path.read_text())["sops"]
        assert [r["recipient"] for r in stanza["age"]] == [rule["age"]]
        status = subprocess.run(
            [str(Path(sys.executable).parent / "sops"), "filestatus", str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
        assert status.stdout.strip() == '{"encrypted":true}'

"""`infometis get`: the inventory of each cluster, on the sample monorepo and on a fixture."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from conftest import invoke, validate_json

ROOT = Path(__file__).resolve().parents[1]
DEBUG_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: debug
spec:
  containers:
    - name: shell
      image: busybox:1.37.0
  ephemeralContainers:
    - name: probe
      image: ghcr.io/acme/probe:2.1.0
  volumes:
    - name: tools
      image:
        reference: qbrr:latest
"""


def get(*args: str):
    result = invoke("get", *args, "--repo", str(ROOT))
    assert result.exit_code == 0, result.output
    return result


def items(*args: str) -> list[dict]:
    return json.loads(get(*args, "-o", "json").stdout)["items"]


def test_kustomizations_with_path_source_depends_on_and_render_status():
    rows = {(row["cluster"], row["name"]): row for row in items("ks")}
    kafka = rows[("dev", "flux-system/kafka")]
    assert (
        kafka["path"] == "./apps/kafka/dev"
        and kafka["source"] == "GitRepository/flux-system/flux-system"
    )
    assert kafka["dependsOn"] == ["flux-system/infrastructure-mode"]
    assert kafka["status"] == "rendered" and kafka["resources"] > 0
    assert rows[("prod", "flux-system/flux-system")]["status"] == "rendered (the entry folder)"
    assert {cluster for cluster, _ in rows} == {"dev", "uat", "prod"}


def test_helm_releases_with_chart_and_version_per_cluster():
    grafana = {row["cluster"]: row for row in items("hr") if row["name"] == "infometis/grafana"}
    assert {cluster: row["version"] for cluster, row in grafana.items()} == {
        "dev": "10.1.4",
        "uat": "10.1.2",
        "prod": "10.0.0",
    }
    assert (
        grafana["dev"]["chart"] == "grafana"
        and grafana["dev"]["source"] == "HelmRepository/infometis/grafana"
    )


def test_sources_as_a_table_and_in_yaml():
    table = get("sources", "--cluster", "dev").stdout.splitlines()
    assert table[0].split() == ["CLUSTER", "KIND", "NAME", "URL"]
    assert any(
        line.split()[:3] == ["dev", "HelmRepository", "traefik/traefik"] for line in table[1:]
    )
    document = yaml.safe_load(get("sources", "--cluster", "dev", "-o", "yaml").stdout)
    assert {row["kind"] for row in document["items"]} == {"GitRepository", "HelmRepository"}
    wide = get("sources", "--cluster", "dev", "-o", "wide").stdout.splitlines()[0].split()
    assert wide == ["CLUSTER", "KIND", "NAME", "URL", "REF", "KUSTOMIZATION"]


def test_images_of_every_container_kind_and_image_volumes(fixture_repo):
    repo = fixture_repo("images-good")
    (repo / "apps/shop/base/pod.yaml").write_text(DEBUG_POD)
    kustomization = repo / "apps/shop/base/kustomization.yaml"
    kustomization.write_text(kustomization.read_text() + "  - pod.yaml\n")
    result = invoke("get", "images", "--repo", str(repo), "-o", "json")
    used = {row["image"]: row["used_by"] for row in json.loads(result.stdout)["items"]}
    assert used["ghcr.io/acme/probe:2.1.0"] == ["Pod/shop/debug ephemeralContainers[0] (probe)"]
    assert used["qbrr:latest"] == ["Pod/shop/debug volumes[0] (tools)"]
    # and the images check judges the image volume as it judges a container's image
    _, report = validate_json(repo, "--select", "images")
    assert [(p["file"], p["line"], p["message"]) for p in report["problems"]] == [
        (
            "apps/shop/base/pod.yaml",
            15,
            "spec.volumes[0].image.reference: 'qbrr:latest' uses the tag 'latest': it moves",
        )
    ]


def test_an_unknown_view_is_a_usage_error():
    result = invoke("get", "deployments", "--repo", str(ROOT))
    assert (
        result.exit_code == 2 and "no such view (views: ks, hr, sources, images)" in result.stderr
    )


def test_build_leaves_out_kinds_secrets_and_selects_by_label_and_namespace():
    def kinds(*args: str) -> list[str]:
        result = invoke("build", "dev", "--repo", str(ROOT), *args)
        assert result.exit_code == 0, result.output
        return [d["kind"] for d in yaml.safe_load_all(result.stdout) if d]

    everything = kinds()
    assert "StatefulSet" in everything and "Secret" in everything
    assert "StatefulSet" not in kinds("--skip-kinds", "StatefulSet") and "Secret" not in kinds(
        "--skip-secrets"
    )
    assert set(kinds("-l", "app.kubernetes.io/name in (kafka)", "--namespace", "infometis")) <= {
        "StatefulSet",
        "Service",
        "PodDisruptionBudget",
        "ConfigMap",
        "NetworkPolicy",
    }
    assert kinds("-l", "!app.kubernetes.io/name", "--namespace", "nowhere") == []
    result = invoke("build", "dev", "--repo", str(ROOT), "-l", "a in (b")
    assert result.exit_code == 2 and "--selector 'a in (b': cannot read" in result.stderr

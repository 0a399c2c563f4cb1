"""HelmReleases rendered with Helm's own engine: chart sources, values, release naming, the
chart cache, and what the checks see of a chart's objects. Charts are served for real on
127.0.0.1 (an HTTP Helm repository; an OCI registry from Debian's docker-registry)."""

from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import helm_python
import pytest
import yaml
from conftest import FIXTURES, git, init_repo, invoke, problems, shared_or_skip, validate_json
from infometis.model import semver
from infometis.render.helmrelease import merge, release_name, values_from

ROOT = Path(__file__).resolve().parents[1]
SHARED_CHARTS = (
    "grafana-10.0.0",
    "grafana-10.1.2",
    "grafana-10.1.4",
    "traefik-37.1.1",
    "localpv-provisioner-4.0.0",
)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # no line per request on standard error
        pass


# ---------------------------------------------------------------- the rules, one by one


@pytest.mark.parametrize(
    ("constraint", "expected"),
    [
        ("*", "6.14.1"),
        ("6.x", "6.14.1"),
        (">=1.0.0", "6.14.1"),
        ("~1.2", "1.2.9"),
        ("^1.2.3", "1.3.0"),
        ("^0.2.1", "0.2.5"),
        ("1.2 - 1.3", "1.3.0"),
        (">= 1.0.0, < 2.0.0", "1.3.0"),
        ("1.2.x || 2.x", "2.0.0"),
        ("1.2.3", "1.2.3"),
        ("9.9.9", None),
        (">=2.1.0-rc.0", "6.14.1"),
        ("<2.1.0-rc.2 >2.0.0", "2.1.0-rc.1"),
    ],
)
def test_version_ranges_resolve_to_the_highest_match(constraint, expected):
    versions = [
        "1.0.0",
        "1.2.3",
        "1.2.9",
        "1.3.0",
        "2.0.0",
        "2.1.0-rc.1",
        "6.14.1",
        "6.5.0",
        "0.2.5",
        "0.3.0",
    ]
    assert semver.highest(versions, constraint) == expected


def test_release_names_as_helm_controller_makes_them():
    assert release_name({}, "grafana") == "grafana"
    assert release_name({"targetNamespace": "monitoring"}, "grafana") == "monitoring-grafana"
    assert release_name({"releaseName": "mine", "targetNamespace": "x"}, "grafana") == "mine"
    long = release_name(
        {"targetNamespace": "a-very-long-target-namespace-name"}, "and-a-long-release-name"
    )
    assert (
        len(long) == 53
        and long.startswith("a-very-long-target-namespace-name-and-a-")
        and long[40] == "-"
    )


def test_values_from_in_order_with_target_path_and_optional():
    objects = {
        ("ConfigMap", "apps", "base"): {"values.yaml": "a: {b: 1, c: 2}\nlist: [1]"},
        ("Secret", "apps", "token"): {"token": "s3cret"},
    }
    spec = {
        "valuesFrom": [
            {"kind": "ConfigMap", "name": "base"},
            {"kind": "Secret", "name": "token", "valuesKey": "token", "targetPath": "auth.token"},
            {"kind": "ConfigMap", "name": "absent", "optional": True},
            {"kind": "ConfigMap", "name": "missing"},
        ]
    }
    values, unread = values_from(spec, "apps", objects)
    assert values == {"a": {"b": 1, "c": 2}, "list": [1], "auth": {"token": "s3cret"}}
    assert unread == [(3, "ConfigMap apps/missing is not in the repository")]
    assert merge(values, {"a": {"b": 5}, "list": [2]}) == {
        "a": {"b": 5, "c": 2},
        "list": [2],
        "auth": {"token": "s3cret"},
    }


# ---------------------------------------------------------------- a chart folder of the repository

CLUSTER = {
    "clusters/dev/kustomization.yaml": "resources: [namespace.yaml, release.yaml]\n",
    "clusters/dev/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: edge\n",
}
RELEASE = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: edge
  namespace: edge
spec:
  interval: 10m
  chart:
    spec:
      chart: ./charts/edge
      sourceRef:
        kind: GitRepository
        name: flux-system
        namespace: flux-system
  values:
    replicas: 2
"""


def edge_repo(tmp_path: Path, release: str = RELEASE) -> Path:
    repo = tmp_path / "edge-repo"
    for name, text in {**CLUSTER, "clusters/dev/release.yaml": release}.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    shutil.copytree(FIXTURES / "charts" / "edge", repo / "charts" / "edge")
    return init_repo(repo)


def built(repo: Path, *args: str) -> list[dict]:
    result = invoke("build", "dev", "--repo", str(repo), "--path", "dev=clusters/dev", *args)
    return [d for d in yaml.safe_load_all(result.stdout) if d]


def test_a_chart_folder_renders_from_the_work_tree(tmp_path):
    repo = edge_repo(tmp_path)
    objects = {
        (d["kind"], d["metadata"].get("namespace", ""), d["metadata"]["name"]): d
        for d in built(repo)
    }
    deployment = objects[("Deployment", "edge", "edge-edge")]  # the library subchart's name
    assert deployment["spec"]["replicas"] == 2
    assert deployment["spec"]["template"]["metadata"]["annotations"] == {
        "greeting": "hello edge",
        "existing": "0",
    }
    assert deployment["metadata"]["labels"]["helm.toolkit.fluxcd.io/name"] == "edge"
    assert (
        "CustomResourceDefinition",
        "",
        "widgets.example.com",
    ) in objects  # crds/, installed by default
    assert (
        "Pod",
        "edge",
        "edge-edge-test",
    ) not in objects  # a test hook runs only with spec.test.enable


def test_release_fields_crds_policy_post_renderers_and_common_metadata(tmp_path):
    release = RELEASE.replace(
        "  values:\n",
        """  targetNamespace: apps
  install:
    crds: Skip
  commonMetadata:
    labels:
      team: edge
  postRenderers:
    - kustomize:
        images:
          - name: registry.example.com/edge
            newTag: 3.0.0
        patches:
          - target: {kind: Deployment}
            patch: |
              - op: add
                path: /metadata/annotations
                value: {patched: "yes"}
  values:
""",
    )
    objects = {
        (d["kind"], d["metadata"].get("namespace", ""), d["metadata"]["name"]): d
        for d in built(edge_repo(tmp_path, release))
    }
    deployment = objects[("Deployment", "apps", "apps-edge-edge")]  # [targetNamespace-]name
    assert (
        deployment["spec"]["template"]["spec"]["containers"][0]["image"]
        == "registry.example.com/edge:3.0.0"
    )
    assert deployment["metadata"]["annotations"] == {"patched": "yes"}
    assert deployment["metadata"]["labels"]["team"] == "edge"
    assert not any(kind == "CustomResourceDefinition" for kind, _, _ in objects)


@pytest.mark.parametrize(
    ("values", "needle", "line"),
    [
        ("    replicas: two\n", "values.replicas: got string, want integer", 16),
        ("    broken: true\n", "edge/templates/guard.yaml", 15),
        ("    image:\n      tag: ''\n", "image.tag is required", 15),
        (
            "    raw: 'key: [unclosed'\n",
            "edge/templates/raw.yaml renders YAML that does not parse",
            15,
        ),
    ],
)
def test_a_chart_that_does_not_render_is_reported_at_the_helmrelease(
    tmp_path, values, needle, line
):
    repo = edge_repo(tmp_path, RELEASE.replace("    replicas: 2\n", values))
    code, report = validate_json(repo, "--path", "dev=clusters/dev")
    found = [p for p in report["problems"] if p["check"] == "helm-render"]
    assert code == 1 and len(found) == 1, found
    assert (
        found[0]["level"] == "error"
        and needle in found[0]["message"]
        and "chart edge 0.1.0" in found[0]["message"]
    )
    assert (found[0]["file"], found[0]["line"]) == ("clusters/dev/release.yaml", line)


def test_values_from_a_configmap_of_the_cluster(tmp_path):
    release = RELEASE.replace(
        "  values:\n    replicas: 2\n",
        """  valuesFrom:
    - kind: ConfigMap
      name: edge-values
    - kind: Secret
      name: edge-port
      valuesKey: port
      targetPath: port
    - kind: ConfigMap
      name: absent
    - kind: Secret
      name: encrypted
  values:
    image:
      tag: "1.1.0"
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: edge-values
  namespace: edge
data:
  values.yaml: |
    replicas: 3
    image:
      tag: "1.0.1"
""",
    )
    repo = edge_repo(tmp_path, release)
    (repo / "clusters/dev/release.yaml").open("a").write(
        "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: edge-port\n  namespace: edge\n"
        'stringData:\n  port: "9090"\n'
        "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: encrypted\n  namespace: edge\n"
        "stringData:\n  values.yaml: ENC[AES256_GCM,data:abc,type:str]\nsops:\n  version: 3.9.0\n"
    )
    git(repo, "commit", "-qam", "values")
    deployment = next(d for d in built(repo) if d["kind"] == "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert (
        deployment["spec"]["replicas"] == 3
        and container["image"] == "registry.example.com/edge:1.1.0"
    )
    assert (
        container["ports"][0]["containerPort"] == 9090
    )  # targetPath, typed as Helm's --set types it
    code, report = validate_json(repo, "--path", "dev=clusters/dev", "--select", "helm-render")
    # the ConfigMap that is not there; the SOPS-encrypted Secret is taken as present, its values
    # unknown
    assert problems(report, check="helm-render") == [
        ("helm-render", "warning", "clusters/dev/release.yaml", 22)
    ]


def test_a_problem_in_the_charts_output_names_chart_version_and_template(tmp_path):
    repo = edge_repo(
        tmp_path, RELEASE.replace("    replicas: 2\n", "    image:\n      tag: latest\n")
    )
    code, report = validate_json(repo, "--path", "dev=clusters/dev", "--select", "images")
    [problem] = [p for p in report["problems"] if p["check"] == "images"]
    assert code == 1 and (problem["file"], problem["line"]) == ("clusters/dev/release.yaml", 15)
    assert "(chart edge 0.1.0, template edge/templates/deployment.yaml)" in problem["message"]
    # a third-party chart's policy findings are scoped away by the HelmRelease's path
    (repo / ".infometis.yaml").write_text(
        "checks:\n  images:\n    ignore: [clusters/dev/release.yaml]\n"
    )
    code, report = validate_json(repo, "--path", "dev=clusters/dev", "--select", "images")
    assert code == 0 and not problems(report, check="images")


# ---------------------------------------------------- the sample, from a loopback Helm repository


@pytest.fixture(scope="module")
def helm_repository(tmp_path_factory):
    """The shared charts packaged now and served as a Helm HTTP repository on 127.0.0.1."""
    for name in SHARED_CHARTS:
        shared_or_skip("charts", name)
    folder = tmp_path_factory.mktemp("helm-repository")
    for name in SHARED_CHARTS:
        helm_python.package(ROOT.parent / "shared" / "charts" / name, destination=folder)
    helm_python.repo_index_generate(folder)
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def sample(tmp_path, helm_repository, monkeypatch):
    """The sample monorepo with its HelmRepositories pointing at the loopback repository (and
    a chart cache of its own, empty)."""
    monkeypatch.setenv("INFOMETIS_CACHE_DIR", str(tmp_path / "cache"))
    target = tmp_path / "fleet"
    for part in ("clusters", "infrastructure", "apps", ".infometis.yaml", ".sops.yaml"):
        (shutil.copytree if (ROOT / part).is_dir() else shutil.copy)(ROOT / part, target / part)
    for path in target.rglob("helmrepository.yaml"):
        text = path.read_text()
        path.write_text(
            "\n".join(
                f"  url: {helm_repository}" if line.startswith("  url:") else line
                for line in text.splitlines()
            )
            + "\n"
        )
    return init_repo(target)


def helm_objects(repo: Path, cluster: str) -> set[str]:
    return {
        f"{d['kind']}/{d['metadata']['name']}"
        for d in built_cluster(repo, cluster)
        if "helm.toolkit.fluxcd.io/name" in (d["metadata"].get("labels") or {})
    }


def built_cluster(repo: Path, cluster: str) -> list[dict]:
    result = invoke("build", cluster, "--repo", str(repo))
    return [d for d in yaml.safe_load_all(result.stdout) if d]


def test_offline_with_an_empty_cache_one_info_per_helmrelease(sample):
    code, report = validate_json(sample)
    infos = [
        (p["cluster"], p["message"]) for p in report["problems"] if p["check"] == "helm-render"
    ]
    assert code == 0 and len(infos) == 5, (
        infos
    )  # grafana in each cluster; traefik and storage in dev
    assert (
        "dev",
        "not rendered: chart grafana 10.1.4 from HelmRepository grafana is not in the chart cache; "
        "run `infometis charts pull`",
    ) in infos
    assert all(p["level"] == "info" for p in report["problems"] if p["check"] == "helm-render")
    code, report = validate_json(sample, "--require-charts")
    assert code == 1 and len(problems(report, check="helm-render", level="error")) == 5


def test_pull_then_validate_renders_every_helmrelease_and_finds_planted_mistakes(sample):
    pulled = invoke("charts", "pull", "--repo", str(sample))
    assert pulled.exit_code == 0 and pulled.stdout.count("pulled ") == 5, pulled.output
    code, report = validate_json(sample)
    assert code == 0 and not problems(report, check="helm-render"), report["problems"]
    assert report["summary"]["warnings"] == 0 and report["summary"]["resources"] > 200
    assert {
        "Deployment/grafana",
        "Deployment/traefik",
        "Deployment/localpv-provisioner",
    } <= helm_objects(sample, "dev")
    for cluster in ("uat", "prod"):
        assert "Deployment/grafana" in helm_objects(sample, cluster)
    graph = invoke("graph", "dev", "--repo", str(sample)).stdout
    assert re.search(
        r"HelmRelease infometis/grafana  chart grafana 10\.1\.4: \d+ objects", graph
    ), graph
    # planted: a value the chart's schema rejects, an unpinned image in values, a route to a port
    # the chart lacks
    traefik = sample / "infrastructure/controllers/traefik/helmrelease.yaml"
    traefik.write_text(
        traefik.read_text().replace(
            "    ingressRoute:\n", "    deployment:\n      replicas: two\n    ingressRoute:\n"
        )
    )
    grafana = sample / "apps/grafana/base/helmrelease.yaml"
    grafana.write_text(grafana.read_text().replace("tag: 12.2.0", "tag: latest"))
    route = sample / "apps/grafana/border/ingressroute.yaml"
    route.write_text(route.read_text().replace("port: 80", "port: 3001"))
    code, report = validate_json(sample, "--cluster", "dev")
    found = {
        (p["check"], p["file"], p["line"]) for p in report["problems"] if p["level"] == "error"
    }
    traefik_line = traefik.read_text().splitlines().index("      replicas: two") + 1
    assert (
        "helm-render",
        "infrastructure/controllers/traefik/helmrelease.yaml",
        traefik_line,
    ) in found
    grafana_values = grafana.read_text().splitlines().index("  values:") + 1
    assert ("images", "apps/grafana/base/helmrelease.yaml", grafana_values) in found
    messages = [p["message"] for p in report["problems"] if p["check"] == "references"]
    assert any("3001" in m for m in messages), report["problems"]
    assert code == 1


def test_pinned_charts_in_the_cache_are_not_fetched_again_and_the_key_follows_the_specs(
    sample, monkeypatch
):
    key = invoke("charts", "key", "--repo", str(sample)).stdout.strip()
    assert re.fullmatch(r"charts-[0-9a-f]{32}", key)
    assert invoke("charts", "pull", "--repo", str(sample)).exit_code == 0

    def no_network(url, headers=None):
        raise AssertionError(f"fetched {url}")

    monkeypatch.setattr(
        "infometis.render.charts._get", no_network
    )  # from here on, any fetch fails the test
    again = invoke("charts", "pull", "--repo", str(sample))
    assert (
        again.exit_code == 0
        and again.stdout.count("cached ") == 5
        and "pulled " not in again.stdout
    ), again.output

    assert (
        invoke("charts", "key", "--repo", str(sample)).stdout.strip() == key
    )  # the same specs, the same key
    overlay = sample / "apps/grafana/uat/kustomization.yaml"
    overlay.write_text(overlay.read_text().replace("10.1.2", "10.1.4"))
    assert (
        invoke("charts", "key", "--repo", str(sample)).stdout.strip() != key
    )  # a version is part of a spec


def test_diff_shows_what_a_chart_bump_renders(sample):
    assert invoke("charts", "pull", "--repo", str(sample)).exit_code == 0
    git(sample, "checkout", "-q", "-b", "bump")
    dev = sample / "apps/grafana/dev/kustomization.yaml"
    dev.write_text(dev.read_text().replace('version: "10.1.4"', 'version: "10.1.2"'))
    git(sample, "commit", "-q", "-am", "grafana 10.1.2 in dev")
    # with no render cache: a chart's random values (grafana's admin password) render the same
    # for both revisions, so only dev changes
    result = invoke(
        "diff",
        "--repo",
        str(sample),
        "--base",
        "main",
        "--head",
        "bump",
        "-o",
        "json",
        "--keep-noise",
        "--no-cache",
    )
    changes = json.loads(result.stdout)["changes"]
    changed = {(c["cluster"], c["resource"]) for c in changes}
    assert ("dev", "Deployment.apps/grafana/grafana") in changed or any(
        c[0] == "dev" and "Deployment" in c[1] and "grafana" in c[1] for c in changed
    ), changed
    assert all(c["cluster"] == "dev" for c in changes)


# ---------------------------------------------------------------- an OCI registry on 127.0.0.1


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    binary = shutil.which("docker-registry")
    if binary is None:
        pytest.skip(
            "docker-registry is not installed (Debian package docker-registry; .ci/run installs it)"
        )
    folder = tmp_path_factory.mktemp("registry")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = folder / "config.yml"
    config.write_text(
        f"version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: {folder / 'data'}\n"
        f"http:\n  addr: 127.0.0.1:{port}\nlog:\n  level: error\n"
    )
    process = subprocess.Popen(
        [binary, "serve", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    archive = helm_python.package(FIXTURES / "charts" / "edge", destination=folder)
    helm_python.push(archive, f"oci://127.0.0.1:{port}/charts", plain_http=True)
    yield f"127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


@pytest.mark.parametrize(
    "source",
    [
        """apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: edge
  namespace: edge
spec:
  interval: 10m
  url: oci://{registry}/charts/edge
  ref:
    semver: ">=0.1.0"
""",
        """apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: edge
  namespace: edge
spec:
  interval: 10m
  type: oci
  url: oci://{registry}/charts
""",
    ],
)
def test_charts_from_an_oci_registry(tmp_path, registry, source):
    if "OCIRepository" in source:
        release = (
            RELEASE.split("  chart:\n")[0]
            + "  chartRef:\n    kind: OCIRepository\n    name: edge\n  values:\n    replicas: 2\n"
        )
    else:
        release = RELEASE.replace("./charts/edge", "edge").replace(
            "        kind: GitRepository\n        name: flux-system\n"
            "        namespace: flux-system\n",
            "        kind: HelmRepository\n        name: edge\n",
        )
    repo = tmp_path / "oci-repo"
    for name, text in {
        **CLUSTER,
        "clusters/dev/kustomization.yaml": (
            "resources: [namespace.yaml, source.yaml, release.yaml]\n"
        ),
        "clusters/dev/source.yaml": source.format(registry=registry),
        "clusters/dev/release.yaml": release,
    }.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    init_repo(repo)
    cache = ("--cache-dir", str(tmp_path / "cache"))  # each source starts from an empty chart cache
    code, report = validate_json(repo, "--path", "dev=clusters/dev", *cache)
    assert [p["level"] for p in report["problems"] if p["check"] == "helm-render"] == ["info"]
    if "OCIRepository" in source:
        pulled = invoke("charts", "pull", "--repo", str(repo), "--path", "dev=clusters/dev", *cache)
        assert pulled.exit_code == 0 and "pulled edge 0.1.0" in pulled.stdout, pulled.output
        code, report = validate_json(repo, "--path", "dev=clusters/dev", *cache)
    else:  # validate --online pulls what the cache misses
        code, report = validate_json(repo, "--path", "dev=clusters/dev", "--online", *cache)
    assert not [p for p in report["problems"] if p["check"] == "helm-render"], report["problems"]
    assert any(
        d["kind"] == "Deployment" and d["spec"]["replicas"] == 2 for d in built(repo, *cache)
    )


def test_chart_sources_as_flux_resolves_them(tmp_path):
    from infometis.render.charts import ChartCache, ChartSource
    from infometis.render.helmrelease import chart_source

    sources = {
        ("OCIRepository", "apps", "pinned"): {
            "spec": {
                "url": "oci://ghcr.io/org/charts/app",
                "ref": {"digest": "sha256:abc", "tag": "1.0.0"},
            }
        },
        ("HelmChart", "flux-system", "app"): {
            "metadata": {"namespace": "flux-system"},
            "spec": {
                "chart": "app",
                "version": "1.x",
                "sourceRef": {"kind": "HelmRepository", "name": "charts"},
            },
        },
        ("HelmRepository", "flux-system", "charts"): {
            "spec": {"url": "https://charts.example.com"}
        },
    }
    pinned = chart_source(
        {"chartRef": {"kind": "OCIRepository", "name": "pinned"}}, "apps", sources, lambda *a: None
    )
    assert (pinned.chart.kind, pinned.chart.url, pinned.chart.digest) == (
        "oci",
        "oci://ghcr.io/org/charts/app",
        "sha256:abc",
    )
    via_helm_chart = chart_source(
        {"chartRef": {"kind": "HelmChart", "name": "app", "namespace": "flux-system"}},
        "apps",
        sources,
        lambda *a: None,
    )
    assert (via_helm_chart.chart.kind, via_helm_chart.chart.url, via_helm_chart.chart.version) == (
        "helm",
        "https://charts.example.com",
        "1.x",
    )
    other_git = chart_source(
        {"chart": {"spec": {"chart": "./c", "sourceRef": {"kind": "GitRepository", "name": "x"}}}},
        "apps",
        sources,
        lambda *a: None,
    )
    assert other_git.chart is None and "is not this repository" in other_git.missing
    # offline, a range resolves against the versions the last pull listed, to the highest pulled
    cache = ChartCache(tmp_path)
    source = ChartSource("helm", "https://charts.example.com", "app", "1.x")
    assert cache.find(source) is None
    cache.store(source, ["1.0.0", "1.2.0", "2.0.0"], "1.2.0", "1.2.0", b"archive")
    assert cache.find(source)[0] == "1.2.0"
    assert (
        cache.find(ChartSource("helm", "https://charts.example.com", "app", "2.x")) is None
    )  # listed, not pulled


def test_online_a_chart_that_cannot_be_pulled_says_why(tmp_path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    release = RELEASE.replace("./charts/edge", "edge").replace(
        "        kind: GitRepository\n        name: flux-system\n        namespace: flux-system\n",
        "        kind: HelmRepository\n        name: gone\n",
    )
    repo = edge_repo(
        tmp_path,
        release
        + f"""---
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: gone
  namespace: edge
spec:
  interval: 10m
  url: http://127.0.0.1:{port}
""",
    )
    code, report = validate_json(repo, "--path", "dev=clusters/dev", "--online", "--require-charts")
    [problem] = [p for p in report["problems"] if p["check"] == "helm-render"]
    assert code == 1 and problem["level"] == "error"
    assert (
        "not rendered: chart edge * from HelmRepository gone could not be pulled: "
        in problem["message"]
    )
    pulled = invoke("charts", "pull", "--repo", str(repo), "--path", "dev=clusters/dev")
    assert (
        pulled.exit_code == 1
        and "not pulled: chart edge * from HelmRepository gone" in pulled.stderr
    )


def test_a_subchart_that_is_not_vendored_is_said(tmp_path):
    repo = edge_repo(tmp_path)
    chart = repo / "charts/edge/Chart.yaml"
    chart.write_text(
        chart.read_text()
        + "  - name: redis\n    version: 19.0.0\n    repository: https://charts.example.com\n"
    )
    git(repo, "commit", "-qam", "a dependency")
    code, report = validate_json(repo, "--path", "dev=clusters/dev", "--select", "helm-render")
    [said] = [p for p in report["problems"] if p["check"] == "helm-render"]
    assert (
        code == 0
        and said["level"] == "info"
        and "subchart redis 19.0.0 is not in its charts/ folder" in said["message"]
    )
    assert any(d["kind"] == "Deployment" for d in built(repo))  # the rest renders


def test_an_unexpected_engine_failure_is_a_problem_and_the_run_goes_on(tmp_path, monkeypatch):
    from infometis.render import helm

    def broken(chart, release):
        raise RuntimeError("the engine fell over")

    monkeypatch.setattr(helm, "render", broken)
    code, report = validate_json(edge_repo(tmp_path), "--path", "dev=clusters/dev", "--no-cache")
    [problem] = [p for p in report["problems"] if p["check"] == "helm-render"]
    assert code == 1 and problem["message"] == "not rendered: RuntimeError: the engine fell over"
    assert report["summary"]["resources"] >= 2  # the rest of the cluster is still judged

"""The schema check, case by case (in the spirit of kubeconform's acceptance cases):
plain manifests through `infometis schemas check`, rendered ones through `validate`."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest
from conftest import SHARED, init_repo, invoke, problems, validate_json

ROOT = Path(__file__).resolve().parents[1]

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports:
            - containerPort: {port}
          resources:
            {limits}:
              memory: 64Mi
"""
WIDGET_CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: {type: integer}
---
"""
WIDGET = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: {size}\n"
KUSTOMIZATION = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  intervall: 10m
  interval: 10m
  path: ./apps
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
"""
HELMRELEASE = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: web
spec:
  interval: 1h
  chart:
    spec:
      chart: web
      version: 1
      sourceRef:
        kind: HelmRepository
        name: charts
"""
CONFIGMAP_LIST = """\
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata:
      name: good
    data:
      a: "1"
  - apiVersion: v1
    kind: ConfigMap
    metadata:
      name: bad
    data:
      a: 1
"""
SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
  labels: null
spec:
  selector:
    app: web
  ports:
    - name: http
      port: 80
      targetPort: {target}
"""

CURRENT_FLUX = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps
  prune: true
  deletionPolicy: WaitForTermination
  commonMetadata:
    labels: {team: apps}
  ignore:
    - paths: ["*.md"]
  sourceRef:
    kind: GitRepository
    name: flux-system
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 1m
  url: https://github.com/example/fleet
  ref: {branch: main}
  sparseCheckout: [clusters, apps]
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: web
spec:
  interval: 1h
  waitStrategy: {name: poller}
  healthCheckExprs:
    - apiVersion: example.com/v1
      kind: Widget
      current: status.ready == true
  chart:
    spec:
      chart: web
      sourceRef: {kind: HelmRepository, name: charts}
"""
ALERT = """\
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Alert
metadata:
  name: on-call
spec:
  providerRef: {{name: slack}}
  eventSeverity: error
  {field}:
    - kind: FluxInstance
      name: flux
"""
HTTPROUTE = """\
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
spec:
  parentRefs:
    - name: internal
      sectionName: https
  hostnames: [web.example.com]
  rules:
    - backendRefs:
        - name: web
          port: {port}
"""


def deployment(replicas="1", port="80", limits="limits") -> str:
    return DEPLOYMENT.format(replicas=replicas, port=port, limits=limits)


# name: (file text, extra arguments, exit code, [(level, line, message)])
CASES = {
    "valid resource": (deployment(), [], 0, []),
    "wrong type": (
        deployment(replicas='"3"'),
        [],
        1,
        [("error", 6, "spec.replicas: expected integer, found a string ('3')")],
    ),
    "unknown field, strict": (
        deployment(limits="limts"),
        [],
        1,
        [("error", 21, "spec.template.spec.containers[0].resources.limts: unknown field")],
    ),
    "unknown field, not strict": (deployment(limits="limts"), ["--no-strict"], 0, []),
    "missing kind": (
        "apiVersion: v1\nmetadata:\n  name: x\n",
        [],
        1,
        [("error", 1, "kind missing")],
    ),
    "missing apiVersion": (
        "kind: ConfigMap\nmetadata:\n  name: x\n",
        [],
        1,
        [("error", 1, "apiVersion missing")],
    ),
    "List items validated": (
        CONFIGMAP_LIST,
        [],
        1,
        [("error", 15, "data.a: expected string, found an integer (1)")],
    ),
    "empty documents": ("---\n---\n# only a comment\n---\n" + deployment() + "---\n", [], 0, []),
    "null values": (
        SERVICE.format(target="http").replace("  selector:", "  clusterIP: null\n  selector:"),
        [],
        0,
        [],
    ),
    "int-or-string port (name)": (SERVICE.format(target="http"), [], 0, []),
    "int-or-string port (number)": (SERVICE.format(target="8080"), [], 0, []),
    "port that must be a number": (
        deployment(port='"80"'),
        [],
        1,
        [
            (
                "error",
                19,
                "spec.template.spec.containers[0].ports[0].containerPort: expected integer",
            )
        ],
    ),
    "CRD in the files, valid resource": (WIDGET_CRD + WIDGET.format(size=3), [], 0, []),
    "CRD in the files, invalid resource": (
        WIDGET_CRD + WIDGET.format(size='"big"'),
        [],
        1,
        [("error", 27, "spec.size: expected integer, found a string ('big')")],
    ),
    "no schema anywhere": (
        WIDGET.format(size=3),
        [],
        0,
        [("warning", 1, "no schema for Widget (example.com/v1)")],
    ),
    "no schema anywhere, as an error": (
        WIDGET.format(size=3),
        ["--missing-schemas", "error"],
        1,
        [("error", 1, "no schema for Widget (example.com/v1)")],
    ),
    "no schema anywhere, ignored": (WIDGET.format(size=3), ["--missing-schemas", "ignore"], 0, []),
    "Flux Kustomization intervall": (
        KUSTOMIZATION,
        [],
        1,
        [("error", 7, "spec.intervall: unknown field")],
    ),
    "HelmRelease chart version 1": (
        HELMRELEASE,
        [],
        1,
        [("error", 10, "spec.chart.spec.version: expected string, found an integer (1)")],
    ),
    "fields of current Flux (2.9)": (CURRENT_FLUX, [], 0, []),
    "a 2.9 field under Flux 2.8": (
        CURRENT_FLUX,
        ["--flux-version", "2.8"],
        1,
        [("error", 13, "spec.ignore: unknown field")],
    ),
    "Flux Alert on a kind the installation adds": (ALERT.format(field="eventSources"), [], 0, []),
    "Flux Alert field misspelt": (
        ALERT.format(field="eventSource"),
        [],
        1,
        [
            ("error", 5, "spec.eventSources: required"),
            ("error", 8, "spec.eventSource: unknown field"),
        ],
    ),
    "Gateway API route": (HTTPROUTE.format(port=80), [], 0, []),
    "Gateway API route, port out of range": (
        HTTPROUTE.format(port=70000),
        [],
        1,
        [("error", 13, "spec.rules[0].backendRefs[0].port: 70000 is greater than")],
    ),
    "duplicate key: the yaml check's alone": (
        deployment().replace("  replicas: 1\n", "  replicas: 1\n  replicas: 2\n"),
        [],
        1,
        [("error", 7, 'mapping key "replicas" already defined at line 6')],
    ),
}


def check(tmp_path: Path, text: str, *arguments: str) -> tuple[int, dict]:
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text(text)
    result = invoke("schemas", "check", str(manifest), "-o", "json", *arguments)
    return result.exit_code, json.loads(result.stdout)


@pytest.mark.parametrize("name", CASES)
def test_case(tmp_path, name):
    text, arguments, expected_code, expected = CASES[name]
    code, report = check(tmp_path, text, *arguments)
    found = [(p["level"], p["line"], p["message"]) for p in report["problems"]]
    assert len(found) == len(expected), found
    for (level, line, message), (want_level, want_line, want_message) in zip(
        found, expected, strict=True
    ):
        assert (level, line) == (want_level, want_line) and message.startswith(want_message), found
    assert all(p["file"].endswith("manifest.yaml") for p in report["problems"])
    assert code == expected_code


WAIT_STRATEGY = HELMRELEASE.replace("      version: 1\n", "").replace(
    "  interval: 1h\n", "  interval: 1h\n  waitStrategy:\n    name: poller\n"
)


@pytest.mark.parametrize(
    ("arguments", "verdict"),
    [
        ([], (0, [])),
        (["--flux-version", "2.8"], (0, [])),
        (["--flux-version", "v2.8.3"], (0, [])),
        (
            ["--flux-version", "2.7"],
            (1, [("spec.waitStrategy: unknown field", "schema: Flux v2.7.5 (bundled)")]),
        ),
    ],
)
def test_flux_version_picks_the_schemas_of_that_release(tmp_path, arguments, verdict):
    """HelmRelease spec.waitStrategy came with Flux 2.8."""
    code, report = check(tmp_path, WAIT_STRATEGY, *arguments)
    assert (code, [(p["message"], p["hint"]) for p in report["problems"]]) == verdict


def test_a_flux_api_the_release_no_longer_serves_names_the_release_that_did(tmp_path):
    oci = (
        "apiVersion: source.toolkit.fluxcd.io/v1beta2\nkind: OCIRepository\nmetadata:\n"
        "  name: x\nspec:\n  interval: 1m\n  url: oci://x\n"
    )
    code, report = check(tmp_path, oci)
    assert code == 0 and [(p["level"], p["message"], p["hint"]) for p in report["problems"]] == [
        (
            "warning",
            "no schema for OCIRepository (source.toolkit.fluxcd.io/v1beta2)",
            "Flux 2.9 does not serve source.toolkit.fluxcd.io/v1beta2 OCIRepository; Flux 2.7 did "
            "(--flux-version 2.7 validates against it)",
        )
    ]
    assert check(tmp_path, oci, "--flux-version", "2.7")[1]["summary"]["valid"] == 1


def test_an_unbundled_flux_version_is_a_usage_error(tmp_path):
    (tmp_path / "manifest.yaml").write_text(WAIT_STRATEGY)
    result = invoke("schemas", "check", str(tmp_path), "--flux-version", "2.5")
    assert result.exit_code == 2 and "release lines 2.7, 2.8, 2.9" in result.stderr


def test_schemas_list_shows_the_flux_release(tmp_path):
    init_repo(tmp_path)
    newest = invoke("schemas", "list", "--repo", str(tmp_path)).stdout
    assert any(
        line.split()
        == ["Flux", "v2.9.4", "(bundled)", "kustomize.toolkit.fluxcd.io/v1", "Kustomization"]
        for line in newest.splitlines()
    )
    assert "Flux schemas of release line 2.9 (v2.9.4" in newest.splitlines()[-1]
    older = invoke("schemas", "list", "--repo", str(tmp_path), "--flux-version", "2.7").stdout
    assert "Flux v2.7.5 (bundled)" in older and "Flux v2.9.4" not in older
    assert any(
        line.split()[-2:] == ["kustomize.toolkit.fluxcd.io/v1beta2", "Kustomization"]
        for line in older.splitlines()
    )
    (tmp_path / ".infometis.yaml").write_text("flux:\n  version: '2.8'\n")
    assert (
        "Flux schemas of release line 2.8 (v2.8.8"
        in invoke("schemas", "list", "--repo", str(tmp_path)).stdout
    )


def test_summary_counts_like_kubeconform(tmp_path):
    (tmp_path / "a.yaml").write_text(CONFIGMAP_LIST)
    (tmp_path / "b.json").write_text(
        json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "j"}})
    )
    (tmp_path / "c.yaml").write_text("kind: ConfigMap\n---\n" + WIDGET.format(size=1))
    result = invoke("schemas", "check", str(tmp_path), "-o", "json", "--skip", "Widget")
    assert json.loads(result.stdout)["summary"] == {
        "resources": 5,
        "valid": 2,
        "invalid": 1,
        "errors": 1,
        "skipped": 1,
        "files": 3,
    }
    text = invoke("schemas", "check", str(tmp_path), "--skip", "Widget").stdout
    assert (
        text.splitlines()[-1]
        == "Summary: 5 resources found in 3 files - Valid: 2, Invalid: 1, Errors: 1, Skipped: 1"
    )


def test_stdin(tmp_path):
    result = invoke_stdin(deployment(replicas='"3"'))
    assert result.exit_code == 1 and "(stdin):6:" in result.stdout


def invoke_stdin(text: str):
    from click.testing import CliRunner
    from infometis.commands.main import main

    return CliRunner().invoke(main, ["schemas", "check", "-"], input=text)


def test_a_kind_not_bundled_through_a_file_schema_location(tmp_path):
    catalog = SHARED / "schemas" / "crds-catalog"
    if not catalog.is_dir():
        pytest.skip(f"{catalog} is absent: the real-world schema catalog is needed")
    location = str(catalog) + "/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json"
    generator = textwrap.dedent("""\
        apiVersion: source.extensions.fluxcd.io/v1beta1
        kind: ArtifactGenerator
        metadata:
          name: apps
        spec:
          sources:
            - {alias: repo, kind: GitRepository, name: flux-system}
          artifacts:
            - name: apps
              copy:
                - {from: "@repo/apps/**", to: "@artifact/", strategy: {strategy}}
        """)
    code, report = check(
        tmp_path, generator.replace("{strategy}", "Merge"), "--missing-schemas", "error"
    )
    assert code == 1 and report["problems"][0]["message"].startswith(
        "no schema for ArtifactGenerator"
    )
    code, report = check(
        tmp_path, generator.replace("{strategy}", "Merge"), "--schema-location", location
    )
    assert (code, report["problems"]) == (0, [])
    code, report = check(
        tmp_path, generator.replace("{strategy}", "Append"), "--schema-location", location
    )
    assert code == 1 and report["problems"][0]["message"].startswith(
        "spec.artifacts[0].copy[0].strategy:"
    )
    assert report["problems"][0]["hint"] == "schema: " + location.replace(
        "{{.Group}}", "source.extensions.fluxcd.io"
    ).replace("{{.ResourceKind}}", "artifactgenerator").replace(
        "{{.ResourceAPIVersion}}", "v1beta1"
    )


def test_remote_location_needs_online(tmp_path):
    result = invoke(
        "schemas",
        "check",
        str(ROOT / "apps"),
        "--schema-location",
        "https://example.invalid/{{.ResourceKind}}.json",
    )
    assert result.exit_code == 2 and "fetched only with --online" in result.stderr


# ---------------------------------------------------------------- through validate


@pytest.fixture
def monorepo(tmp_path) -> Path:
    repo = tmp_path / "repo"
    for part in ("clusters", "infrastructure", "apps", ".infometis.yaml"):
        (shutil.copytree if (ROOT / part).is_dir() else shutil.copy)(ROOT / part, repo / part)
    return repo


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_rendered_error_points_at_the_base_file_once_for_all_clusters(monorepo):
    edit(
        monorepo / "apps/kafka/base/statefulset.yaml",
        "      containers:\n",
        "      containerz: []\n      containers:\n",
    )
    code, report = validate_json(init_repo(monorepo), "--select", "schema")
    assert code == 1
    assert problems(report) == [("schema", "error", "apps/kafka/base/statefulset.yaml", 24)]
    assert report["problems"][0]["message"] == "spec.template.spec.containerz: unknown field"
    assert (
        report["problems"][0]["hint"] == "schema: Kubernetes 1.34 (bundled)"
    )  # kubernetesVersion in .infometis.yaml


def test_error_in_an_overlay_patch_points_at_the_resource(monorepo):
    patch = "        upgrade:\n          retries: 3\n        values:\n"
    edit(monorepo / "apps/grafana/prod/kustomization.yaml", "        values:\n", patch)
    code, report = validate_json(init_repo(monorepo), "--select", "schema")
    assert code == 1
    assert [(p["file"], p["message"]) for p in report["problems"]] == [
        ("apps/grafana/base/helmrelease.yaml", "spec.upgrade.retries: unknown field")
    ]


def test_sops_encrypted_secrets_are_validated_without_their_ciphertext(monorepo):
    code, report = validate_json(init_repo(monorepo), "--select", "schema")
    assert (code, report["problems"]) == (0, [])
    secret = (monorepo / "infrastructure/notifications/dev/webhook-token.sops.yaml").read_text()
    assert "ENC[AES256_GCM" in secret and "\nsops:\n" in secret


def test_flux_version_in_the_configuration_and_the_option(monorepo):
    edit(
        monorepo / "apps/grafana/base/helmrelease.yaml",
        "  interval: 30m\n",
        "  interval: 30m\n  waitStrategy:\n    name: poller\n",
    )
    with (monorepo / ".infometis.yaml").open("a") as config:
        config.write('flux:\n  version: "2.7"\n')
    repo = init_repo(monorepo)
    code, report = validate_json(repo, "--select", "schema")
    assert code == 1 and [
        (p["file"], p["line"], p["message"], p["hint"]) for p in report["problems"]
    ] == [
        (
            "apps/grafana/base/helmrelease.yaml",
            7,
            "spec.waitStrategy: unknown field",
            "schema: Flux v2.7.5 (bundled)",
        )
    ]
    code, report = validate_json(repo, "--select", "schema", "--flux-version", "2.8")
    assert (code, report["problems"]) == (0, [])
    edit(repo / ".infometis.yaml", '"2.7"', '"1.0"')
    result = invoke("validate", "--repo", str(repo), "--select", "schema")
    assert result.exit_code == 2 and "Flux version 1.0" in result.stderr


def test_kubernetes_version_outside_the_bundle_is_a_usage_error(monorepo):
    result = invoke("validate", "--repo", str(init_repo(monorepo)), "--kubernetes-version", "1.20")
    assert result.exit_code == 2 and "the bundled schemas cover 1.25 to" in result.stderr


def test_crd_file_anywhere_in_the_repository_gives_a_schema(monorepo):
    (monorepo / "crds").mkdir()
    (monorepo / "crds/widget.yaml").write_text(WIDGET_CRD)
    (monorepo / "apps/kafka/base/widget.yaml").write_text(WIDGET.format(size='"big"'))
    edit(
        monorepo / "apps/kafka/base/kustomization.yaml",
        "  - statefulset.yaml\n",
        "  - statefulset.yaml\n  - widget.yaml\n",
    )
    code, report = validate_json(init_repo(monorepo), "--select", "schema")
    assert problems(report) == [("schema", "error", "apps/kafka/base/widget.yaml", 6)]
    assert report["problems"][0]["hint"] == "schema: CRD in crds/widget.yaml" and code == 1


def test_a_rendered_crd_gives_a_schema_to_its_own_cluster_only(monorepo):
    """Clusters of one repository may run different releases of a controller."""
    (monorepo / "clusters/dev/widget-crd.yaml").write_text(WIDGET_CRD)
    for cluster in ("dev", "prod"):
        (monorepo / f"clusters/{cluster}/widget.yaml").write_text(WIDGET.format(size='"big"'))
    edit(
        monorepo / "clusters/dev/kustomization.yaml",
        "  - apps\n",
        "  - apps\n  - widget-crd.yaml\n  - widget.yaml\n",
    )
    edit(monorepo / "clusters/prod/kustomization.yaml", "  - apps\n", "  - apps\n  - widget.yaml\n")
    code, report = validate_json(init_repo(monorepo), "--select", "schema")
    assert code == 1 and [
        (p["level"], p["file"], p["cluster"], p["message"]) for p in report["problems"]
    ] == [
        (
            "error",
            "clusters/dev/widget.yaml",
            "dev",
            "spec.size: expected integer, found a string ('big')",
        ),
        (
            "warning",
            "clusters/prod/widget.yaml",
            "prod",
            "no schema for Widget (example.com/v1): 1 resource not validated",
        ),
    ]


def test_repository_schema_folder_comes_first(monorepo):
    folder = monorepo / "schemas/traefik.io"
    folder.mkdir(parents=True)
    (folder / "ingressroute_v1alpha1.json").write_text(
        json.dumps({"type": "object", "required": ["nothing"]})
    )
    code, report = validate_json(init_repo(monorepo), "--select", "schema")
    assert code == 1 and {p["hint"] for p in report["problems"]} == {
        "schema: schemas/traefik.io/ingressroute_v1alpha1.json"
    }


def test_import_writes_the_schema_folder_and_list_shows_it(monorepo, tmp_path):
    crd = tmp_path / "widget-crd.yaml"
    crd.write_text(WIDGET_CRD)
    repo = init_repo(monorepo)
    result = invoke("schemas", "import", str(crd), "--repo", str(repo))
    assert result.exit_code == 0 and result.stdout.startswith(
        "wrote schemas/example.com/widget_v1.json"
    )
    assert invoke("schemas", "import", str(crd), "--repo", str(repo)).stdout.startswith(
        "unchanged "
    )
    listed = invoke("schemas", "list", "--repo", str(repo)).stdout
    assert any(
        line.split() == ["schemas/", "example.com/v1", "Widget"] for line in listed.splitlines()
    )
    assert "Traefik chart 37.1.1 (bundled)" in listed and "apps/v1" in listed


def test_schemas_check_uses_what_import_wrote_as_validate_does(monorepo, tmp_path, monkeypatch):
    crd, widget = tmp_path / "widget-crd.yaml", tmp_path / "widget.yaml"
    crd.write_text(WIDGET_CRD)
    widget.write_text(WIDGET.format(size="big"))
    repo = init_repo(monorepo)
    assert invoke("schemas", "import", str(crd), "--repo", str(repo)).exit_code == 0
    outside = invoke("schemas", "check", str(widget), "--repo", str(tmp_path))
    assert outside.exit_code == 0 and "Skipped: 1" in outside.stdout  # no schema for Widget there
    found = invoke("schemas", "check", str(widget), "--repo", str(repo))
    assert (
        found.exit_code == 1
        and "spec.size: expected integer" in found.stdout
        and "Invalid: 1" in found.stdout
    )
    monkeypatch.chdir(
        repo / "apps"
    )  # the repository is found from a folder inside it, as validate finds it
    assert invoke("schemas", "check", str(widget)).stdout == found.stdout


def test_remote_location_is_fetched_with_online_and_cached(tmp_path, monkeypatch):
    import functools
    import http.server
    import threading

    served = tmp_path / "served"
    served.mkdir()
    (served / "widget.json").write_text(
        json.dumps(
            {
                "type": "object",
                "properties": {
                    "spec": {
                        "type": "object",
                        "properties": {"size": {"type": "integer"}},
                        "additionalProperties": False,
                    }
                },
            }
        )
    )
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    location = f"http://127.0.0.1:{server.server_address[1]}/{{{{.ResourceKind}}}}.json"
    try:
        code, report = check(
            tmp_path, WIDGET.format(size='"big"'), "--online", "--schema-location", location
        )
        assert code == 1 and report["problems"][0]["message"].startswith(
            "spec.size: expected integer"
        )
    finally:
        server.shutdown()
        server.server_close()
    # the server is gone: the cached copy answers
    code, report = check(tmp_path, WIDGET.format(size=3), "--online", "--schema-location", location)
    assert (code, report["problems"]) == (0, [])
    assert len(list((tmp_path / "cache/infometis/schemas").glob("*.json"))) == 1


def test_import_of_an_unreadable_crd_names_the_file_and_line(tmp_path):
    crd = tmp_path / "crds.yaml"
    crd.write_text(WIDGET_CRD.replace("  group: example.com\n", ""))
    result = invoke("schemas", "import", str(crd), "--repo", str(tmp_path))
    assert (
        result.exit_code == 1 and f"{crd}:1: error:" in result.stderr and "group" in result.stderr
    )
    assert not (tmp_path / "schemas").exists()


def test_finding_schemas_imports_neither_kubernetes_validate_nor_every_bundle():
    """The fixed cost of a run: the core schemas are read from kubernetes-validate's files without
    importing it, and a bundle is read only when a kind of its groups is met."""
    import subprocess
    import sys

    probe = (
        "import sys\nfrom infometis.schemas.catalog import Catalog, SchemaSettings\n"
        "from infometis.schemas import packaged\n"
        "catalog = Catalog(SchemaSettings())\n"
        "assert catalog.find('apps/v1', 'Deployment') and "
        "catalog.find('kustomize.toolkit.fluxcd.io/v1', 'Kustomization')\n"
        "print(sorted(m for m in sys.modules if m.startswith('kubernetes_validate')), "
        "packaged.load.cache_info().currsize)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["[]", "1"]

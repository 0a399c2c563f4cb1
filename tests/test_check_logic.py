"""Each check's logic on a run made from YAML text (tests/runs.py): in-process, without git,
kustomize or the command line, which the integration tests cover."""

from __future__ import annotations

from infometis.checks import duplicate_resource, images, references, routes, workloads
from runs import make_run

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      securityContext: {runAsNonRoot: true}
      containers:
        - name: web
          image: registry.example/web:1.4.2
          readinessProbe: {httpGet: {path: /ready, port: 8080}}
          livenessProbe: {httpGet: {path: /live, port: 8080}}
          resources:
            requests: {cpu: 100m, memory: 64Mi}
            limits: {memory: 64Mi}
"""


def said(check, run) -> list[tuple[str, int | None, str]]:
    return [(p.level, p.line, p.message) for p in check.check(run)]


def test_a_workload_that_says_what_it_needs_passes(tmp_path):
    assert said(workloads, make_run(tmp_path, DEPLOYMENT)) == []
    assert said(images, make_run(tmp_path, DEPLOYMENT)) == []


def test_a_missing_memory_limit_is_an_error_at_the_container(tmp_path):
    run = make_run(tmp_path, DEPLOYMENT.replace("            limits: {memory: 64Mi}\n", ""))
    found = said(workloads, run)
    assert [(level, line) for level, line, _ in found] == [("error", 13)], found
    assert found[0][2] == "spec.template.spec.containers[0] (web): no resources.limits.memory"


def test_a_latest_tag_is_found_at_its_line(tmp_path):
    run = make_run(tmp_path, DEPLOYMENT.replace("web:1.4.2", "web:latest"))
    found = said(images, run)
    assert [line for _, line, _ in found] == [10] and "latest" in found[0][2], found


def test_one_object_in_two_renders_is_a_duplicate_named_once(tmp_path):
    found = said(duplicate_resource, make_run(tmp_path, DEPLOYMENT, DEPLOYMENT))
    assert found == [
        ("error", 1, "Deployment.apps/shop/web is also rendered by apps-0 (here by apps-1)")
    ]


def test_a_reference_to_a_missing_object_is_undefined_data_and_an_error(tmp_path):
    text = DEPLOYMENT.replace(
        "      containers:\n", "      serviceAccountName: web-runner\n      containers:\n"
    )
    run = make_run(tmp_path, text)
    found = said(references, run)
    assert len(found) == 1 and found[0][:2] == ("error", 8), found
    assert "ServiceAccount shop/web-runner is not defined in this cluster" in found[0][2]
    assert [(ref.kind, ref.namespace, ref.name) for _, ref in references.undefined_refs(run)] == [
        ("ServiceAccount", "shop", "web-runner")
    ]
    defined = (
        "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: web-runner, namespace: shop}\n"
    )
    assert said(references, make_run(tmp_path, text, defined)) == []


ROUTE = """\
apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata: {{name: {name}, namespace: shop}}
spec:
  routes:
    - match: {match}
      kind: Rule
      services: [{{name: web, port: 80}}]
"""


def test_two_routes_claiming_one_host_and_path_collide(tmp_path):
    first = ROUTE.format(name="a", match="Host(`shop.example.com`)")
    second = ROUTE.format(name="b", match="Host(`shop.example.com`)")
    other = ROUTE.format(name="b", match="Host(`admin.example.com`)")
    assert said(routes, make_run(tmp_path, first, other)) == []
    found = said(routes, make_run(tmp_path, first, second))
    assert found and all(level == "error" for level, _, _ in found), found
    assert any("shop.example.com" in message for _, _, message in found), found

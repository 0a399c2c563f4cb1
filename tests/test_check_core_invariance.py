"""core-invariance, "the Kafka test": fixtures, the monorepo, and the plain functions that
`drift` can reuse (masked, differences, odd_clusters)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import init_repo, problems, validate_json
from hypothesis import given
from hypothesis import strategies as st
from infometis.analysis import comparison, invariance, masking
from infometis.analysis.invariance import MISSING, PRESENT, Difference, Item
from infometis.analysis.masking import masked
from infometis.load.config import DEFAULT_ENVIRONMENT_FIELDS, Config
from infometis.model import ResourceId
from infometis.model.fieldpath import ANY_INDEX, ANY_KEY, field_path, token_matches
from infometis.render.kustomize import Resource
from infometis.render.pipeline import run_repository
from infometis.render.runs import Options

ID = "core-invariance"
ROOT = Path(__file__).resolve().parents[1]


def validate(fixture_repo, case: str, *args: str):
    return validate_json(fixture_repo(case), "--select", ID, *args)


def messages(report: dict) -> list[str]:
    return [p["message"] for p in report["problems"] if p["check"] == ID]


# ---------------------------------------------------------------- fixtures


def test_good_has_no_difference(fixture_repo):
    # dev and prod change replicas, resources, image tags and an `environment` label; the border
    # component adds a label and https://registry.${domain} to the core Deployment in both
    code, report = validate(fixture_repo, "core-invariance-good")
    assert problems(report) == []
    assert code == 0


def test_bad_reports_each_difference_once_at_the_overlay(fixture_repo):
    code, report = validate(fixture_repo, "core-invariance-bad")
    assert problems(report) == [
        (ID, "error", "apps/kafka/dev/without-topics.yaml", 6),  # the $patch: delete names it
        (ID, "error", "apps/kafka/prod/kustomization.yaml", 23),  # the JSON patch's path
        (
            ID,
            "error",
            "apps/kafka/uat/kustomization.yaml",
            22,
        ),  # the env var's value, below its name
    ]
    assert messages(report) == [
        "kafka ConfigMap/kafka-topics-desired: missing in dev (rendered in prod, uat)",
        "kafka StatefulSet/kafka: spec.volumeClaimTemplates[0].spec.resources.requests.storage "
        "differs: dev '10Gi', prod '50Gi', uat '10Gi'",
        # kustomize puts the patched env var first in uat: matched by name, shown at its base index
        "kafka StatefulSet/kafka: spec.template.spec.containers[0].env[2].value "
        "(KAFKA_MIN_INSYNC_REPLICAS) differs: dev '2', prod '2', uat '1'",
    ]
    assert [p["cluster"] for p in report["problems"]] == ["dev", "prod", "uat"]
    assert report["problems"][2]["resource"] == "StatefulSet.apps/infometis/kafka"
    assert code == 1


def test_bad_with_the_field_allowed(fixture_repo):
    repo = fixture_repo("core-invariance-bad")
    (repo / ".infometis.yaml").write_text(
        "allowedEnvironmentFields:\n  - spec.volumeClaimTemplates[*].spec.resources\n"
    )
    _, report = validate_json(repo, "--select", ID)
    assert [p[2] for p in problems(report)] == [
        "apps/kafka/dev/without-topics.yaml",
        "apps/kafka/uat/kustomization.yaml",
    ]


# ---------------------------------------------------------------- the monorepo


def _run(repo: Path):
    entries = [(name, repo / "clusters" / name) for name in ("dev", "uat", "prod")]
    return run_repository(Options(repo=repo, entries=entries, config=Config(), jobs=4))


def test_monorepo_core_is_the_same_everywhere():
    run = _run(ROOT)
    core = invariance.core_objects(run)
    assert sorted(core) == ["elasticsearch", "grafana", "kafka", "nifi", "nifi-registry"]
    settings = {
        c.name: {k: c.settings[k] for k in invariance.DEFAULT_SETTINGS} for c in run.clusters
    }
    for service, by_cluster in core.items():
        assert list(by_cluster) == ["dev", "uat", "prod"]
        assert (
            comparison.differences(service, by_cluster, DEFAULT_ENVIRONMENT_FIELDS, settings) == []
        )
    # what the test compares, unmasked: the KRaft quorum and Elasticsearch discovery are there
    kafka = {c: o[("StatefulSet", "apps", "kafka")].data for c, o in core["kafka"].items()}
    quorum = {
        c: comparison.value_at(
            d,
            (
                "spec",
                "template",
                "spec",
                "containers",
                0,
                "env",
                Item(0, "KAFKA_CONTROLLER_QUORUM_VOTERS"),
                "value",
            ),
        )
        for c, d in kafka.items()
    }
    assert len(set(quorum.values())) == 1 and "2@kafka-2" in quorum["prod"]
    # without the cluster's settings, NiFi's proxy host and Grafana's root_url (from border
    # components) differ
    bare = [
        d for s, b in core.items() for d in comparison.differences(s, b, DEFAULT_ENVIRONMENT_FIELDS)
    ]
    assert [(d.service, d.path[-1]) for d in bare] == [("grafana", "root_url"), ("nifi", "value")]


def test_monorepo_quorum_changed_in_uat_is_reported_at_the_patch(tmp_path):
    repo = tmp_path / "monorepo"
    for top in ("apps", "clusters", "infrastructure"):
        shutil.copytree(ROOT / top, repo / top)
    for name in (".sops.yaml", ".infometis.yaml"):
        shutil.copy(ROOT / name, repo / name)
    overlay = repo / "apps/kafka/uat/kustomization.yaml"
    text = overlay.read_text()  # ends with the JSON patch of the container's resources
    overlay.write_text(
        text
        + (
            "      - op: replace\n"
            "        path: /spec/template/spec/containers/0/env/3/value\n"
            "        value: 0@kafka-0.kafka-headless:9093\n"
        )
    )
    code, report = validate_json(init_repo(repo), "--select", ID)
    assert problems(report) == [
        (ID, "error", "apps/kafka/uat/kustomization.yaml", len(text.splitlines()) + 2)
    ]
    assert messages(report)[0].startswith(
        "kafka StatefulSet/kafka: spec.template.spec.containers[0].env[3].value "
        "(KAFKA_CONTROLLER_QUORUM_VOTERS) differs: "
        "dev '0@kafka-0.kafka-headless:9093,1@kafka-1"
    )
    assert code == 1


# ---------------------------------------------------------------- plain functions

STATEFULSET = {
    "apiVersion": "apps/v1",
    "kind": "StatefulSet",
    "metadata": {"name": "kafka", "namespace": "dev-ns", "labels": {"app": "kafka", "dev": "true"}},
    "spec": {
        "replicas": 1,
        "template": {
            "spec": {
                "containers": [
                    {
                        "name": "kafka",
                        "image": "registry.local:5000/apache/kafka:4.1.0@sha256:abc",
                        "resources": {"limits": {"memory": "1Gi"}},
                        "env": [{"name": "A", "value": "1"}],
                    }
                ]
            }
        },
    },
}


def test_masked_drops_environment_fields_and_keeps_the_image_repository():
    result = masked(STATEFULSET, DEFAULT_ENVIRONMENT_FIELDS, "dev")
    assert result["metadata"] == {
        "name": "kafka",
        "labels": {"app": "kafka"},
    }  # no namespace, no `dev` label
    assert "replicas" not in result["spec"]
    container = result["spec"]["template"]["spec"]["containers"][0]
    assert container == {
        "name": "kafka",
        "image": "registry.local:5000/apache/kafka",
        "env": [{"name": "A", "value": "1"}],
    }
    assert STATEFULSET["spec"]["replicas"] == 1  # a copy: the resource is left alone


def test_masked_patterns_with_indices_quoted_keys_and_any_key():
    data = {
        "metadata": {"labels": {"app.kubernetes.io/version": "1", "keep": "x"}},
        "spec": {
            "ports": [{"port": 1}, {"port": 2}],
            "values": {"a": {"size": 1}, "b": {"size": 2, "kept": 3}},
        },
    }
    result = masked(
        data,
        ['metadata.labels["app.kubernetes.io/version"]', "spec.ports[1]", "spec.values.*.size"],
    )
    assert result == {
        "metadata": {"labels": {"keep": "x"}},
        "spec": {"ports": [{"port": 1}], "values": {"a": {}, "b": {"kept": 3}}},
    }


def test_image_repository():
    assert masking.image_repository("nginx:1.27") == "nginx"
    assert masking.image_repository("registry:5000/team/app") == "registry:5000/team/app"
    assert masking.image_repository("ghcr.io/a/b:1.2@sha256:ff") == "ghcr.io/a/b"


def _env(value, *extra):
    return {
        "kind": "StatefulSet",
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {"name": "kafka", "env": [*extra, {"name": "QUORUM", "value": value}]}
                    ]
                }
            }
        },
    }


def test_differences_one_per_field_with_every_cluster_value():
    key = ("StatefulSet", "apps", "kafka")
    found = comparison.differences(
        "kafka", {"dev": {key: _env("3")}, "uat": {key: _env("5")}, "prod": {key: _env("3")}}, []
    )
    path = ("spec", "template", "spec", "containers", 0, "env", 0, "value")
    assert found == [Difference("kafka", key, path, {"dev": "3", "uat": "5", "prod": "3"})]
    assert field_path(found[0].path) == "spec.template.spec.containers[0].env[0].value"
    assert comparison.odd_clusters(found[0]) == ["uat"]  # the value most clusters share is the norm
    assert comparison.odd_clusters(found[0], "5") == [
        "dev",
        "prod",
    ]  # unless the base says otherwise


def test_differences_match_named_items_whatever_their_order():
    key = ("StatefulSet", "apps", "kafka")
    first = _env("3", {"name": "OTHER", "value": "x"})
    moved = _env("3")
    moved["spec"]["template"]["spec"]["containers"][0]["env"].append(
        {"name": "OTHER", "value": "x"}
    )
    assert comparison.differences("kafka", {"dev": {key: first}, "prod": {key: moved}}, []) == []
    grown = _env("3", {"name": "OTHER", "value": "x"}, {"name": "NEW", "value": "y"})
    [difference] = comparison.differences("kafka", {"dev": {key: first}, "prod": {key: grown}}, [])
    assert difference.path[-1] == 1 and difference.path[-1].name == "NEW"
    assert difference.values == {"dev": MISSING, "prod": {"name": "NEW", "value": "y"}}


def test_differences_missing_object_and_settings():
    cm, svc = ("ConfigMap", "", "topics"), ("Service", "", "web")
    dev = {cm: {"data": {"url": "https://web.dev.example.internal"}}, svc: {"spec": {}}}
    prod = {cm: {"data": {"url": "https://web.example.com"}}}
    settings = {
        "dev": {"domain": "dev.example.internal", "environment": "dev"},
        "prod": {"domain": "example.com", "environment": "prod"},
    }
    assert comparison.differences("web", {"dev": dev, "prod": prod}, [], settings) == [
        Difference("web", svc, (), {"dev": PRESENT, "prod": MISSING})
    ]
    # the same text substituted per cluster; an equal value is never rewritten
    same = {"dev": {cm: {"data": {"a": "dev-tools"}}}, "prod": {cm: {"data": {"a": "dev-tools"}}}}
    assert comparison.differences("web", same, [], settings) == []
    other = {"dev": {cm: {"data": {"url": "https://a.dev.example.internal"}}}, "prod": prod}
    assert len(comparison.differences("web", other, [], settings)) == 1
    # ${domain} substituted beside a literal `dev`: only the domain is written back
    mixed = {
        c: {cm: {"data": {"p": f"url=https://web.{d}\nprofile=dev"}}}
        for c, d in (("dev", "dev.example.internal"), ("prod", "example.com"))
    }
    assert comparison.differences("web", mixed, [], settings) == []


def test_templated_writes_settings_back_as_whole_words():
    settings = {"domain": "dev.example.internal", "environment": "dev", "cluster": "dev-1"}
    assert comparison.templated("nifi.dev.example.internal", settings) == "nifi.${domain}"
    assert (
        comparison.templated("dev-1/devices/dev", settings) == "${cluster}/devices/${environment}"
    )


@pytest.mark.parametrize("odd", [["not", "a", "dict"], None, "text"])
def test_differences_never_crash_on_odd_data(odd):
    key = ("X", "", "x")
    assert (
        comparison.differences(
            "s", {"a": {key: odd}, "b": {key: {"spec": 1}}}, DEFAULT_ENVIRONMENT_FIELDS
        )
        == []
    )


def test_generated_config_maps_are_matched_without_their_hash():
    def generated(name, data):
        body = {"kind": "ConfigMap", "metadata": {"name": name}, "data": data}
        return Resource(
            ResourceId("ConfigMap", "", "ns", name),
            body,
            Path("/r/apps/web/base/kustomization.yaml"),
        )

    def deployment(config):
        body = {
            "kind": "Deployment",
            "spec": {
                "template": {"spec": {"volumes": [{"name": "c", "configMap": {"name": config}}]}}
            },
        }
        return Resource(
            ResourceId("Deployment", "apps", "ns", "web"),
            body,
            Path("/r/apps/web/base/deployment.yaml"),
        )

    by_cluster = {}
    for cluster, name, level in (
        ("dev", "web-config-7g2t9k5b4c", "debug"),
        ("prod", "web-config-m5dfh8k2b9", "info"),
    ):
        config, web = generated(name, {"level": level}), deployment(name)
        by_cluster[cluster] = {
            invariance.object_key(config): config,
            invariance.object_key(web): web,
        }
    [difference] = comparison.differences("web", by_cluster, [])
    assert difference.object == ("ConfigMap", "", "web-config") and difference.path == (
        "data",
        "level",
    )


def test_namespaces_may_differ_and_so_may_what_names_them():
    def objects(namespace):
        binding = {
            "kind": "RoleBinding",
            "metadata": {"name": "flux", "namespace": namespace},
            "subjects": [{"kind": "ServiceAccount", "name": "flux", "namespace": namespace}],
        }
        return {("RoleBinding", "rbac.authorization.k8s.io", "flux"): binding}

    assert (
        comparison.differences(
            "tenant",
            {"staging": objects("staging"), "production": objects("production")},
            DEFAULT_ENVIRONMENT_FIELDS,
        )
        == []
    )


# masking, against its definition: a field goes when a pattern names it whole (a shorter pattern
# naming a field above it takes the whole subtree); images keep their repository
_TOKENS = st.sampled_from(["a", "b", "image", "labels", "containers", ANY_KEY, ANY_INDEX, 0, 1])
_KEYS = st.sampled_from(["a", "b", "image", "labels", "containers", "dev"])
_DATA = st.recursive(
    st.one_of(st.none(), st.integers(0, 3), st.sampled_from(["x", "reg/app:1.0", "dev"])),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_KEYS, inner, max_size=4)),
    max_leaves=20,
)


def _defined(value, path, patterns, environment):
    if masking._is_container_image(path) and isinstance(value, str):
        return masking.image_repository(value)
    if path and any(len(p) == len(path) and all(map(token_matches, p, path)) for p in patterns):
        return (
            masking.image_repository(value)
            if path[-1] == "image" and isinstance(value, str)
            else MISSING
        )
    if isinstance(value, dict):
        labels = bool(path) and path[-1] in masking.LABEL_MAPS
        items = {
            k: _defined(v, path + (k,), patterns, environment)
            for k, v in value.items()
            if not (labels and environment and k == environment)
        }
        return {k: v for k, v in items.items() if v is not MISSING}
    if isinstance(value, list):
        return [
            v
            for v in (
                _defined(item, path + (i,), patterns, environment) for i, item in enumerate(value)
            )
            if v is not MISSING
        ]
    return value


@given(
    data=_DATA,
    patterns=st.lists(st.lists(_TOKENS, min_size=1, max_size=4).map(tuple), max_size=5),
    environment=st.sampled_from(["", "dev"]),
)
def test_masking_takes_exactly_the_fields_the_patterns_name(data, patterns, environment):
    assert masked(data, patterns, environment) == _defined(data, (), patterns, environment)

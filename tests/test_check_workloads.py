"""workloads: resources, probes and runAsNonRoot of pod templates; fixtures and the sample
monorepo."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from conftest import problems, validate_json
from runs import make_run

ID = "workloads"
ROOT = Path(__file__).resolve().parents[1]


def messages(report: dict) -> list[str]:
    return [p["message"] for p in report["problems"] if p["check"] == ID]


def test_good_has_no_problem(fixture_repo):
    # no CPU limit (not required), limits only (requests default to them), runAsNonRoot per
    # container, a Job without probes, an init container without probes, a HelmRelease
    code, report = validate_json(fixture_repo("workloads-good"), "--select", ID)
    assert problems(report) == []
    assert code == 0


def test_bad_reports_each_container(fixture_repo):
    code, report = validate_json(fixture_repo("workloads-bad"), "--select", ID)
    assert problems(report) == [
        (ID, "warning", "apps/shop/base/deployment.yaml", 16),  # the pod's securityContext
        (ID, "error", "apps/shop/base/deployment.yaml", 20),  # the init container: no resources
        (ID, "warning", "apps/shop/base/deployment.yaml", 44),  # the proxy container
        (ID, "error", "apps/shop/base/job.yaml", 14),
        (ID, "warning", "apps/shop/base/statefulset.yaml", 21),
        (ID, "error", "apps/shop/base/statefulset.yaml", 26),  # its resources
        (ID, "warning", "apps/shop/base/statefulset.yaml", 45),  # runAsNonRoot: false
        (ID, "error", "apps/shop/dev/kustomization.yaml", 7),  # the overlay's patch drops the limit
    ]
    assert messages(report) == [
        "spec.template.spec.securityContext.runAsNonRoot is not set (nor in any container): the "
        "pod may run as root",
        "spec.template.spec.initContainers[0] (migrate): no resources.requests.cpu, no "
        "resources.requests.memory, no resources.limits.memory",
        "spec.template.spec.containers[1] (proxy): no livenessProbe",
        "spec.template.spec.containers[0] (seed): no resources.requests.cpu, no "
        "resources.requests.memory, no resources.limits.memory",
        "spec.template.spec.containers[0] (cache): no livenessProbe and no readinessProbe",
        "spec.template.spec.containers[0] (cache): no resources.requests.cpu, no "
        "resources.limits.memory",
        "spec.template.spec.containers[1] (exporter): securityContext.runAsNonRoot is false: it "
        "may run as root",
        "spec.template.spec.containers[0] (shop): no resources.limits.memory (as this patch leaves "
        "it)",
    ]
    assert code == 1


def test_cpu_limits_when_asked(fixture_repo):
    repo = fixture_repo("workloads-good")
    (repo / ".infometis.yaml").write_text("checks:\n  workloads:\n    requireCpuLimits: true\n")
    _, report = validate_json(repo, "--select", ID)
    # the StatefulSet sets a CPU limit; the others leave it out
    assert problems(report) == [
        (ID, "error", "apps/shop/base/deployment.yaml", 22),  # the init container
        (ID, "error", "apps/shop/base/job.yaml", 16),
        (ID, "error", "apps/shop/dev/kustomization.yaml", 7),
    ]
    assert [m.split(": ", 1)[1] for m in messages(report)] == [
        "no resources.limits.cpu",
        "no resources.limits.cpu",
        "no resources.limits.cpu (as this patch leaves it)",
    ]


def test_one_base_in_two_clusters_is_said_once(fixture_repo):
    repo = fixture_repo("workloads-bad")
    shutil.copytree(repo / "clusters/dev", repo / "clusters/prod")
    sync = repo / "clusters/prod/flux-system/gotk-sync.yaml"
    sync.write_text(sync.read_text().replace("./clusters/dev", "./clusters/prod"))
    settings = repo / "clusters/prod/cluster-settings.yaml"
    settings.write_text(settings.read_text().replace("dev", "prod"))
    _, one = validate_json(repo, "--select", ID, "--cluster", "dev")
    _, both = validate_json(repo, "--select", ID)
    assert problems(both) == problems(one)
    assert {p["cluster"] for p in both["problems"]} == {"dev"}  # said for the first cluster only


def test_sample_monorepo_workloads():
    code, report = validate_json(ROOT, "--select", ID)
    assert problems(report) == []
    assert code == 0


ODD = [
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "a"}, "spec": None},
    {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "b"},
        "spec": {"template": "x"},
    },
    {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "c"},
        "spec": {
            "template": {
                "spec": {
                    "containers": "not a list",
                    "securityContext": "x",
                    "initContainers": [
                        "a string",
                        {"name": "x", "image": 42, "resources": "lots", "securityContext": [1]},
                    ],
                }
            }
        },
    },
    {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "d"},
        "spec": {
            "jobTemplate": {
                "spec": {
                    "template": {
                        "spec": {
                            "os": {"name": "windows"},
                            "containers": [
                                {
                                    "name": "w",
                                    "image": "mcr.microsoft.com/windows/servercore:ltsc2022",
                                    "resources": {"limits": {"cpu": 1, "memory": "1Gi"}},
                                }
                            ],
                        }
                    }
                }
            }
        },
    },
    {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "e"},
        "spec": {
            "containers": [{"name": "c", "image": "Bad Image"}],
            "ephemeralContainers": [{"name": "dbg", "image": "busybox"}],
        },
    },
    {
        "apiVersion": "example.com/v1",
        "kind": "Deployment",
        "metadata": {"name": "f"},
        "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "busybox"}]}}},
    },
    {
        "apiVersion": "helm.toolkit.fluxcd.io/v2",
        "kind": "HelmRelease",
        "metadata": {"name": "g"},
        "spec": {
            "values": [
                {"image": {"repository": 5, "tag": "latest"}},
                {"image": {"repository": "a/b", "tag": 7}},
                {"image": "nginx:latest"},
            ]
        },
    },
]


def test_odd_shapes_are_skipped_not_fatal(tmp_path):
    from infometis.checks import images, workloads

    run = make_run(tmp_path, yaml.safe_dump_all(ODD), spec={"images": "not a list"})
    assert sorted((p.level, p.message) for p in workloads.check(run)) == [
        (
            "error",
            "spec.containers[0] (c): no resources.requests.cpu, no resources.requests.memory, "
            "no resources.limits.memory",
        ),
        (
            "error",
            "spec.template.spec.initContainers[1] (x): no resources.requests.cpu, "
            "no resources.requests.memory, no resources.limits.memory",
        ),
        ("warning", "spec.containers[0] (c): no livenessProbe and no readinessProbe"),
        (
            "warning",
            "spec.securityContext.runAsNonRoot is not set (nor in any container): the pod may run "
            "as root",
        ),
        (
            "warning",
            "spec.template.spec.securityContext.runAsNonRoot is not set (nor in any container): "
            "the pod may run as root",
        ),
    ]  # the Windows CronJob is fine; the example.com "Deployment" is not a workload
    assert sorted(p.message for p in images.check(run)) == [
        "spec.containers[0].image: 'Bad Image' is not a valid image reference",
        "spec.ephemeralContainers[0].image: 'busybox' has no tag, which means 'latest': it moves",
        "spec.values[2].image: 'nginx:latest' uses the tag 'latest': it moves",
    ]

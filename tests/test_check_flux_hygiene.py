"""flux-hygiene: Kustomization fields, pinned charts and sources, served Flux API versions
and kustomize's deprecated fields, on the good and bad fixtures, with the check's options."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import git, problems, validate_json
from infometis.checks import flux_hygiene

ID = "flux-hygiene"
ROOT = Path(__file__).resolve().parents[1]


def validate(repo: Path, *args: str):
    return validate_json(repo, "--select", ID, *args)


def messages(report: dict) -> dict[tuple, str]:
    return {(p["file"], p["line"]): p["message"] for p in report["problems"] if p["check"] == ID}


def with_options(repo: Path, text: str) -> Path:
    (repo / ".infometis.yaml").write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "options")
    return repo


BAD = [
    (ID, "warning", "apps/podinfo/base/helmrelease.yaml", 31),  # podinfo-canary: no version
    (ID, "warning", "apps/podinfo/dev/kustomization.yaml", 14),  # "6.x", set by the overlay's patch
    (ID, "warning", "clusters/dev/apps.yaml", 8),  # no prune, timeout, wait
    (ID, "error", "clusters/dev/infrastructure.yaml", 2),  # kustomize v1beta2: removed in 2.8
    (ID, "warning", "clusters/dev/infrastructure.yaml", 22),  # wait: false and no healthChecks
    (ID, "error", "clusters/dev/notifications.yaml", 11),  # Alert v1beta2: removed in 2.9
    (ID, "warning", "infrastructure/configs/kustomization.yaml", 5),  # commonLabels
    (ID, "warning", "infrastructure/configs/kustomization.yaml", 7),  # bases
    (ID, "warning", "infrastructure/configs/kustomization.yaml", 9),  # patchesStrategicMerge
    (ID, "warning", "infrastructure/sources/gitrepositories.yaml", 9),  # branch develop
    (ID, "warning", "infrastructure/sources/gitrepositories.yaml", 15),  # no ref
    (ID, "error", "infrastructure/sources/helmrepository.yaml", 1),  # source v1beta2
    (ID, "warning", "infrastructure/sources/ocirepositories.yaml", 9),  # tag latest
    (ID, "warning", "infrastructure/sources/ocirepositories.yaml", 15),  # no ref
]


def test_good_has_no_problem(fixture_repo):
    # the bootstrap sync (branch main, no timeout or wait), healthChecks instead of wait,
    # exact chart versions set by an overlay, a tag, a semver range, notification v1beta3
    code, report = validate(fixture_repo("flux-hygiene-good"))
    assert problems(report, check=ID) == []
    assert code == 0


def test_bad_reports_each_problem_where_it_is_written(fixture_repo):
    code, report = validate(fixture_repo("flux-hygiene-bad"))
    assert problems(report, check=ID) == BAD
    assert code == 1  # API versions Flux no longer serves are errors


def test_bad_messages_name_what_is_missing_and_the_replacement(fixture_repo):
    _, report = validate(fixture_repo("flux-hygiene-bad"))
    found = messages(report)
    assert (
        found[("clusters/dev/apps.yaml", 8)]
        == "Kustomization podinfo does not set prune, timeout, wait: true or healthChecks"
    )
    assert (
        found[("clusters/dev/infrastructure.yaml", 22)]
        == "Kustomization infrastructure-configs does not set wait: true or healthChecks"
    )
    assert found[("clusters/dev/infrastructure.yaml", 2)] == (
        "kustomize.toolkit.fluxcd.io/v1beta2 Kustomization is no longer served since Flux 2.8: "
        "use kustomize.toolkit.fluxcd.io/v1"
    )
    assert found[("clusters/dev/notifications.yaml", 11)].endswith(
        "use notification.toolkit.fluxcd.io/v1beta3"
    )
    assert (
        found[("apps/podinfo/dev/kustomization.yaml", 14)]
        == "HelmRelease podinfo spec.chart.spec.version '6.x' is a range, not a pinned version"
    )
    assert (
        found[("infrastructure/configs/kustomization.yaml", 7)]
        == "bases is deprecated in kustomize: use resources"
    )
    assert (
        found[("infrastructure/sources/gitrepositories.yaml", 15)]
        == "GitRepository platform-docs has no spec.ref: Flux follows the branch 'master'"
    )


def test_options_allow_branches_ranges_and_an_older_flux(fixture_repo):
    repo = with_options(
        fixture_repo("flux-hygiene-bad"),
        (
            "checks:\n  flux-hygiene:\n    branches: [main, develop]\n    allowRanges: true\n"
            '    fluxVersion: "2.8"\n'
        ),
    )
    _, report = validate(repo)
    expected = [
        p
        for p in BAD
        if p[2:]
        not in (
            ("apps/podinfo/dev/kustomization.yaml", 14),
            ("infrastructure/sources/gitrepositories.yaml", 9),
        )
    ]
    expected = [
        (ID, "warning", *p[2:]) if p[2] == "clusters/dev/notifications.yaml" else p
        for p in expected
    ]
    assert problems(report, check=ID) == expected
    assert messages(report)[("clusters/dev/notifications.yaml", 11)] == (
        "notification.toolkit.fluxcd.io/v1beta2 Alert is deprecated (removed in Flux 2.9): "
        "use notification.toolkit.fluxcd.io/v1beta3"
    )


@pytest.mark.parametrize(
    "version, exact",
    [
        ("1.2.3", True),
        ("v1.2.3", True),
        ("=1.2.3", True),
        ("1.2.3-rc.1+build.5", True),
        ("*", False),
        (">=1.0", False),
        ("1.x", False),
        ("~1.2", False),
        ("^1", False),
        ("1.2", False),
        (">=1.0.0 <2.0.0", False),
        ("1.2.3 || 1.2.4", False),
    ],
)
def test_exact_versions(version, exact):
    assert bool(flux_hygiene.EXACT_VERSION.match(version)) is exact


def test_the_monorepo_is_clean():
    code, report = validate(ROOT)
    assert problems(report, check=ID) == []

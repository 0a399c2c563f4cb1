"""What .infometis.yaml and annotations do to problems, and the check registry's docs."""

from __future__ import annotations

import pytest
from conftest import git, invoke, problems, validate_json
from infometis.checks import REGISTRY


def configure(repo, text: str):
    (repo / ".infometis.yaml").write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "configure")
    return repo


def test_a_check_disabled_or_its_files_ignored_is_counted_not_reported(fixture_repo):
    repo = configure(
        fixture_repo("unreached-bad"), "checks:\n  unreached:\n    ignore: [infrastructure/**]\n"
    )
    code, report = validate_json(repo)
    assert problems(report, check="unreached") == [
        ("unreached", "warning", "apps/demo/prod/kustomization.yaml", 1)
    ]
    assert report["summary"]["disabled"] == 1
    configure(repo, "checks:\n  unreached:\n    enabled: false\n")
    code, report = validate_json(repo)
    assert problems(report, check="unreached") == [] and report["summary"]["disabled"] == 2


@pytest.mark.parametrize(
    ("globs", "still_reported"),
    [
        (
            "[old/]",
            ["apps/demo/prod/kustomization.yaml"],
        ),  # a folder name: every file below any folder so named
        (
            "[apps/*/kustomization.yaml]",
            ["apps/demo/prod/kustomization.yaml", "infrastructure/old/configs/kustomization.yaml"],
        ),
        ("[apps/**/kustomization.yaml]", ["infrastructure/old/configs/kustomization.yaml"]),
    ],
)
def test_ignore_globs_read_as_gitignore_lines(fixture_repo, globs, still_reported):
    repo = configure(fixture_repo("unreached-bad"), f"checks:\n  unreached:\n    ignore: {globs}\n")
    _, report = validate_json(repo, "--select", "unreached")
    assert [p[2] for p in problems(report, check="unreached")] == still_reported


def test_exclude_globs_read_as_gitignore_lines(fixture_repo):
    repo = configure(
        fixture_repo("unreached-bad"), "exclude: [old/]\n"
    )  # no longer matches nothing
    _, report = validate_json(repo, "--select", "unreached")
    assert [p[2] for p in problems(report, check="unreached")] == [
        "apps/demo/prod/kustomization.yaml"
    ]


def test_level_override_and_the_strict_preset(fixture_repo):
    repo = configure(fixture_repo("unreached-bad"), "checks:\n  unreached:\n    level: error\n")
    code, report = validate_json(repo)
    assert {p[1] for p in problems(report, check="unreached")} == {"error"} and code == 1
    configure(repo, "extends: strict\n")
    code, report = validate_json(repo)
    assert {p[1] for p in problems(report, check="unreached")} == {"error"} and code == 1
    configure(
        repo, "extends: strict\nchecks:\n  unreached:\n    level: info\n"
    )  # the check's own setting wins
    code, report = validate_json(repo, "--select", "unreached")
    assert {p[1] for p in problems(report, check="unreached")} == {"info"} and code == 0


def test_an_annotation_opts_a_resource_out_and_the_summary_says_so(fixture_repo):
    repo = fixture_repo("duplicate-resource-bad")
    path = repo / "apps/two/resources.yaml"
    path.write_text(
        path.read_text().replace(
            "  name: shared\n",
            "  name: shared\n  annotations:\n"
            '    infometis.io/ignore: "duplicate-resource, schema"\n',
            1,
        )
    )
    configure(repo, "{}\n")
    code, report = validate_json(repo)
    assert problems(report, check="duplicate-resource") == [] and code == 0
    assert report["summary"]["ignored"] == 1
    text = invoke("validate", "--repo", str(repo)).output
    assert text.rstrip().endswith(", 1 ignored by infometis.io/ignore")


def test_unknown_check_level_in_config_names_the_line(fixture_repo):
    repo = configure(fixture_repo("unreached-bad"), "checks:\n  unreached:\n    level: fatal\n")
    result = invoke("validate", "--repo", str(repo))
    assert result.exit_code == 2 and ".infometis.yaml:3:" in result.stderr


@pytest.mark.parametrize("check_id", sorted(REGISTRY))
def test_every_check_documents_a_passing_and_a_failing_example(check_id):
    module = REGISTRY[check_id]
    doc = module.__doc__ or ""
    assert doc.startswith(f"{check_id} — ") and "PASS::" in doc and "FAIL::" in doc
    assert module.LEVEL in ("error", "warning", "info") and module.ID == check_id
    explained = invoke("explain", check_id)
    assert explained.exit_code == 0 and "PASS::" in explained.output


def test_checks_lists_every_check():
    listed = invoke("checks").output.splitlines()
    assert [line.split()[0] for line in listed] == list(REGISTRY)
    assert invoke("explain", "no-such-check").exit_code == 2

"""Changed-only validation (FILES, as pre-commit passes them, and --changed-since REF): on the
part the change can affect, the result is a full run's; what it cannot affect is left out."""

from __future__ import annotations

import json
import re
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import git, init_repo, invoke, load_generator, validate_json
from hypothesis import given, settings
from hypothesis import strategies as st
from infometis.checks import run_checks
from infometis.commands.common import RepoArgs, options
from infometis.discover import changed as changes
from infometis.render.pipeline import run_repository

generator = load_generator()
SERVICES, ENVIRONMENTS = 3, 2


def _workload(repo: Path, service: str) -> str:
    base = f"apps/{service}/base"
    return (
        f"{base}/deployment.yaml"
        if (repo / base / "deployment.yaml").exists()
        else f"{base}/statefulset.yaml"
    )


def _mutate(repo: Path, relative: str, how: str) -> None:
    path = repo / relative
    text = path.read_text()
    if how == "unknown-field":
        text = text.replace("metadata:\n  name:", "metadata:\n  bogusField: 1\n  name:", 1)
    elif how == "latest":
        text = re.sub(r'newTag: "[^"]*"', "newTag: latest", text, count=1)
    elif how == "no-timeout":
        text = re.sub(r"\n  timeout: [^\n]*", "", text, count=1)
    else:
        text += "# touched\n"
    path.write_text(text)


def _repository(folder: Path) -> Path:
    """A generated repository with committed problems in svc-000 (outside any later change)."""
    generator.generate(folder, SERVICES, ENVIRONMENTS, seed=3)
    _mutate(folder, _workload(folder, "svc-000"), "unknown-field")
    _mutate(folder, "apps/svc-000/dev/kustomization.yaml", "latest")
    _mutate(folder, "clusters/dev/apps/svc-000.yaml", "no-timeout")
    return init_repo(folder)


def _keys(report: dict) -> list[tuple]:
    return sorted(
        (p["check"], p["level"], p["file"], p["line"], p["cluster"], p["resource"], p["message"])
        for p in report["problems"]
    )


def _expected(repo: Path, changed: set[str]) -> list[tuple]:
    """A full run's problems, restricted to the part the changed files can affect."""
    run = run_repository(options(RepoArgs(repo=str(repo))))
    part = changes.scope(run, changed)
    found = [p for p in run_checks(run) if part is None or part.contains(p)]
    return sorted(
        (p.check, p.level, p.file, p.line, p.cluster, p.resource, p.message) for p in found
    )


edits = st.lists(
    st.tuples(
        st.sampled_from(["svc-001", "svc-002"]),
        st.sampled_from(["base", "dev", "uat", "flux"]),
        st.sampled_from(["unknown-field", "latest", "no-timeout", "comment"]),
    ),
    min_size=1,
    max_size=2,
)


@settings(max_examples=5)
@given(edits)
def test_changed_only_equals_a_full_run_on_the_changed_part(chosen):
    with tempfile.TemporaryDirectory() as temp:
        repo = _repository(Path(temp) / "repo")
        changed = set()
        for service, where, how in chosen:
            relative = {
                "base": _workload(repo, service),
                "flux": f"clusters/dev/apps/{service}.yaml",
            }.get(where, f"apps/{service}/{where}/kustomization.yaml")
            fits = {
                "base": ("unknown-field", "comment"),
                "dev": ("latest", "comment"),
                "uat": ("latest", "comment"),
                "flux": ("no-timeout", "comment"),
            }
            _mutate(repo, relative, how if how in fits[where] else "comment")
            changed.add(relative)
        _, full = validate_json(repo)
        _, given_files = validate_json(repo, *(str(repo / name) for name in sorted(changed)))
        _, since = validate_json(repo, "--changed-since", "HEAD")
        assert _keys(given_files) == _keys(since)
        assert set(_keys(given_files)) <= set(_keys(full))
        assert _keys(given_files) == _expected(repo, changed)
        # what the change made is reported; the committed problems of svc-000 are not
        for problem in full["problems"]:
            if problem["file"] in changed:
                assert problem in given_files["problems"]
            if (
                problem["file"]
                and problem["file"].startswith("apps/svc-000/")
                and problem["check"] in ("images", "schema")
            ):
                assert problem not in given_files["problems"]
            if (
                problem["resource"]
                == "Kustomization.kustomize.toolkit.fluxcd.io/flux-system/svc-000"
            ):
                assert problem not in given_files["problems"]


def test_a_changed_overlay_reports_its_own_problems_only(tmp_path):
    repo = _repository(tmp_path / "repo")
    _mutate(repo, "apps/svc-001/dev/kustomization.yaml", "latest")
    code, full = validate_json(repo)
    assert {p["file"].split("/")[1] for p in full["problems"] if p["check"] == "images"} == {
        "svc-000",
        "svc-001",
    }
    code, report = validate_json(repo, str(repo / "apps/svc-001/dev/kustomization.yaml"))
    assert code == 1
    images = [p for p in report["problems"] if p["check"] == "images"]
    assert images and all("svc-001" in p["file"] for p in images)
    assert report["summary"]["unaffected"] > 0
    assert (
        report["summary"]["rendered"] == full["summary"]["rendered"]
    )  # unchanged renders come from the cache


def test_a_changed_flux_kustomization_reports_its_own_problems_only(tmp_path):
    repo = _repository(tmp_path / "repo")
    _mutate(repo, "clusters/dev/apps/svc-001.yaml", "no-timeout")
    _, full = validate_json(repo)
    hygiene = {p["resource"] for p in full["problems"] if p["check"] == "flux-hygiene"}
    assert {
        "Kustomization.kustomize.toolkit.fluxcd.io/flux-system/svc-000",
        "Kustomization.kustomize.toolkit.fluxcd.io/flux-system/svc-001",
    } <= hygiene
    _, report = validate_json(repo, str(repo / "clusters/dev/apps/svc-001.yaml"))
    assert {p["resource"] for p in report["problems"] if p["check"] == "flux-hygiene"} == {
        "Kustomization.kustomize.toolkit.fluxcd.io/flux-system/svc-001"
    }


def test_a_change_that_breaks_a_render_is_reported(tmp_path):
    repo = _repository(tmp_path / "repo")
    workload = repo / _workload(repo, "svc-001")
    workload.write_text(
        workload.read_text() + "broken: [unclosed\n"
    )  # said once, at the file, naming the overlays
    _, full = validate_json(repo)
    code, report = validate_json(repo, str(workload))
    failures = [p for p in full["problems"] if p["check"] in ("yaml", "kustomize-build")]
    assert len(failures) == 1 and code == 1
    assert _keys({"problems": failures}) == _keys(
        {"problems": [p for p in report["problems"] if p["check"] in ("yaml", "kustomize-build")]}
    )
    assert failures[0]["file"] == _workload(repo, "svc-001")
    assert failures[0]["message"].endswith(
        "; kustomize cannot build apps/svc-001/dev, apps/svc-001/uat, which read it"
    )
    assert _keys(report) == _expected(repo, {_workload(repo, "svc-001")})


def test_a_configuration_change_reports_everything(tmp_path):
    repo = _repository(tmp_path / "repo")
    (repo / ".infometis.yaml").write_text("checks:\n  workloads:\n    level: warning\n")
    _, full = validate_json(repo)
    _, report = validate_json(repo, "--changed-since", "HEAD")
    assert _keys(report) == _keys(full) and "unaffected" in report["summary"]
    assert report["summary"]["unaffected"] == 0


def test_changed_since_takes_the_merge_base_and_untracked_files(tmp_path):
    repo = _repository(tmp_path / "repo")
    git(repo, "checkout", "-q", "-b", "feature")
    _mutate(repo, "apps/svc-001/uat/kustomization.yaml", "latest")
    git(repo, "commit", "-q", "-am", "uat latest")
    git(repo, "checkout", "-q", "main")
    _mutate(repo, "apps/svc-002/uat/kustomization.yaml", "comment")
    git(repo, "commit", "-q", "-am", "main moves on")
    git(repo, "checkout", "-q", "feature")
    (repo / "notes.md").write_text("untracked\n")
    assert changes.since(repo, "main") == {"apps/svc-001/uat/kustomization.yaml", "notes.md"}
    _, report = validate_json(repo, "--changed-since", "main")
    assert {p["file"] for p in report["problems"] if p["check"] == "images"} <= {
        "apps/svc-001/uat/kustomization.yaml",
        _workload(repo, "svc-001"),
    }
    assert any(p["check"] == "images" for p in report["problems"])


def test_nothing_relevant_changed_is_a_clean_exit(tmp_path):
    repo = _repository(tmp_path / "repo")
    result = invoke("validate", "--repo", str(repo), "--changed-since", "HEAD")
    assert result.exit_code == 0 and "nothing to validate" in result.stderr
    (repo / "README.md").write_text("words\n")
    result = invoke("validate", "--repo", str(repo), str(repo / "README.md"))
    assert result.exit_code == 0 and "nothing to validate" in result.stderr


def test_an_unknown_ref_is_a_usage_error(tmp_path):
    repo = _repository(tmp_path / "repo")
    result = invoke("validate", "--repo", str(repo), "--changed-since", "no-such-branch")
    assert result.exit_code == 2
    assert (
        result.stderr.strip().count("\n") == 0 and "--changed-since no-such-branch" in result.stderr
    )
    assert "Traceback" not in result.output


@pytest.mark.parametrize("format_name", ["json", "sarif", "junit", "text", "github"])
def test_nothing_relevant_changed_still_prints_a_whole_report(tmp_path, format_name):
    repo = _repository(tmp_path / "repo")
    result = invoke("validate", "--repo", str(repo), "--changed-since", "HEAD", "-o", format_name)
    assert result.exit_code == 0 and "nothing to validate" in result.stderr
    if format_name == "json":
        report = json.loads(result.stdout)
        assert (
            report["problems"] == []
            and report["summary"]["errors"] == 0
            and report["summary"]["unaffected"] == 0
        )
    elif format_name == "sarif":
        assert json.loads(result.stdout)["runs"][0]["results"] == []
    elif format_name == "junit":
        assert ET.fromstring(result.stdout).tag == "testsuites"
    elif format_name == "text":
        assert "0 errors, 0 warnings, 0 infos" in result.stdout
    else:
        assert not result.stdout.startswith("::") and "0 errors" in result.stdout  # no annotation

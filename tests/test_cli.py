import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import invoke, validate_json

ROOT = Path(__file__).resolve().parents[1]


def test_this_repository_validates_clean():
    code, report = validate_json(ROOT)
    assert code == 0, report["problems"]
    assert report["summary"]["errors"] == 0 and report["summary"]["warnings"] == 0
    assert report["summary"]["clusters"] >= 1 and report["summary"]["rendered"] >= 2


def test_text_report_has_no_colour_when_not_a_terminal():
    result = invoke("validate", "--repo", str(ROOT))
    assert result.exit_code == 0 and "\033[" not in result.output
    assert result.output.splitlines()[-1].startswith("3 clusters, ")


def test_github_format_is_the_default_under_actions(monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    result = invoke("validate", "--repo", str(ROOT))
    assert "::notice title=infometis [flux-source]" in result.stdout


def test_output_file(tmp_path):
    target = tmp_path / "report.json"
    result = invoke("validate", "--repo", str(ROOT), "-o", "json", "--output-file", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(target.read_text())["version"] == 1


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--select", "no-such-check"], "--select no-such-check: no such check"),
        (["--cluster", "nowhere"], "--cluster nowhere: no such cluster"),
        (["--path", "missing/folder"], "--path 'missing/folder': no such folder"),
        (
            ["--source", "GitRepository"],
            "--source 'GitRepository': expected KIND/[NAMESPACE/]NAME=DIR",
        ),
        (["--config", "absent.yaml"], "absent.yaml: configuration file not found"),
        (
            ["no/such/file.yaml"],
            "no/such/file.yaml: no such file; FILE arguments name changed files",
        ),
    ],
)
def test_usage_errors_exit_2_with_a_message(arguments, message):
    result = invoke("validate", "--repo", str(ROOT), *arguments)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_unknown_config_key_names_the_line(tmp_path):
    (tmp_path / "clusters" / "dev").mkdir(parents=True)
    (tmp_path / ".infometis.yaml").write_text("exclude: []\nkubernetesVersoin: '1.34'\n")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    result = invoke("validate", "--repo", str(tmp_path))
    assert result.exit_code == 2
    assert (
        ".infometis.yaml:2: unknown key 'kubernetesVersoin' (known keys: extends, exclude, "
        "kubernetesVersion, flux, checks, allowedEnvironmentFields, external, services, "
        "promotion)"
    ) in result.output


def _repo_with_config(tmp_path, text: str, name: str = ".infometis.yaml"):
    (tmp_path / "clusters" / "dev").mkdir(parents=True)
    (tmp_path / name).write_text(text)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    return tmp_path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "checks:\n  imagez: {}\n",
            ".infometis.yaml:2: checks: unknown check 'imagez' (known checks: yaml, ",
        ),
        (
            "checks:\n  images:\n    levle: error\n",
            ".infometis.yaml:3: checks.images: unknown key 'levle' (known keys: enabled, level, "
            "ignore, registries)",
        ),
        (
            "checks:\n  images:\n    registries: nope.example\n",
            ".infometis.yaml:3: checks.images.registries: 'nope.example' is not of type 'array' "
            "(write a list, e.g. [nope.example])",
        ),
        (
            "checks:\n  workloads:\n    requireCpuLimits: 'yes'\n",
            ".infometis.yaml:3: checks.workloads.requireCpuLimits: 'yes' is not of type 'boolean'",
        ),
        (
            "checks:\n  flux-hygiene:\n    fluxVersion: two\n",
            ".infometis.yaml:3: checks.flux-hygiene.fluxVersion: 'two' is not a Flux release "
            'line, such as "2.8", or a release, such as "v2.8.3"',
        ),
        (  # a value of the wrong form is told the form in words, not the regular expression
            "external:\n  - Secret/sops-age\n",
            ".infometis.yaml:2: external.0: 'Secret/sops-age' is not Kind/namespace/name, such as "
            "Secret/flux-system/sops-age",
        ),
        (
            "kubernetesVersion: '133'\n",
            ".infometis.yaml:1: kubernetesVersion: '133' is not a Kubernetes minor version, "
            'such as "1.33"',
        ),
    ],
)
def test_check_options_are_checked_at_their_line(tmp_path, text, message):
    result = invoke("validate", "--repo", str(_repo_with_config(tmp_path, text)))
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_every_option_a_check_reads_is_one_it_declares():
    from infometis.checks import REGISTRY

    for check_id, module in REGISTRY.items():
        source = Path(module.__file__).read_text()
        read = set(re.findall(r'options\(ID\)\.get\("(\w+)"\)', source))
        read |= (
            set(re.findall(r'options\.get\("(\w+)"', source))
            if "run.config.options(ID)" in source
            else set()
        )
        assert read <= set(getattr(module, "OPTIONS", {})), (check_id, read)


def test_the_other_spelling_of_the_config_file_is_read_or_refused(tmp_path):
    repo = _repo_with_config(tmp_path, "kubernetesVersoin: '1.34'\n", name=".infometis.yml")
    result = invoke("validate", "--repo", str(repo))
    assert (
        result.exit_code == 2
        and ".infometis.yml:1: unknown key 'kubernetesVersoin'" in result.output
    )
    (repo / ".infometis.yaml").write_text("exclude: []\n")
    result = invoke("validate", "--repo", str(repo))
    assert result.exit_code == 2
    assert "both .infometis.yaml and .infometis.yml exist and only one is read" in result.output


def test_no_clusters_is_a_setup_error(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    result = invoke("validate", "--repo", str(tmp_path))
    assert result.exit_code == 2 and "no clusters found" in result.output


def test_a_missing_kubectl_is_a_setup_error_without_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("INFOMETIS_KUBECTL", str(tmp_path / "no-kubectl"))
    result = invoke("validate", "--repo", str(ROOT), "--no-cache")
    assert result.exit_code == 2
    assert f"INFOMETIS_KUBECTL={tmp_path / 'no-kubectl'} is not an executable file" in result.stderr


def test_the_kubectl_override_is_read_at_each_call(tmp_path, monkeypatch):
    from infometis.load import runner

    bundled = runner.kubectl()
    stand_in = tmp_path / "kubectl"
    stand_in.write_text("#!/bin/sh\n")
    stand_in.chmod(0o755)
    monkeypatch.setenv("INFOMETIS_KUBECTL", str(stand_in))
    assert runner.kubectl() == str(stand_in)
    monkeypatch.delenv("INFOMETIS_KUBECTL")
    assert runner.kubectl() == bundled != str(stand_in)


def _run_on_a_terminal(env: dict) -> str:
    import pty

    leader, follower = pty.openpty()
    subprocess.run(
        [sys.executable, "-m", "infometis.commands.main", "validate", "--repo", str(ROOT)],
        stdout=follower,
        stderr=subprocess.DEVNULL,
        env=env,
        check=False,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return b"".join(chunks).decode()


def test_colour_on_a_terminal_unless_no_color():
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    assert "\033[36minfo\033[0m" in _run_on_a_terminal(env)
    assert "\033[" not in _run_on_a_terminal(dict(env, NO_COLOR="1"))


def test_validate_writes_nothing(fixture_repo):
    from conftest import git

    repo = fixture_repo("yaml-bad")
    before = {p: p.stat().st_mtime_ns for p in repo.rglob("*") if ".git" not in p.parts}
    code, _ = validate_json(repo)
    after = {p: p.stat().st_mtime_ns for p in repo.rglob("*") if ".git" not in p.parts}
    assert code == 1
    assert before == after and git(repo, "status", "--porcelain", "--ignored") == ""


def test_a_folder_the_user_points_at_is_never_excluded_by_a_default(fixture_repo, tmp_path):
    """tests/** is excluded by default, but not when --path names a cluster there; what an
    exclusion keeps from the file-level checks is counted."""
    case = fixture_repo("yaml-bad")
    nested = tmp_path / "outer"
    (nested / "tests").mkdir(parents=True)
    case.rename(nested / "tests" / "case")
    subprocess.run(["git", "init", "-q", str(nested)], check=True)
    entry = "tests/case/clusters/dev"
    source = (
        "--source",
        "GitRepository/flux-system=tests/case",
    )  # its spec.paths start at tests/case
    code, report = validate_json(nested, "--path", f"dev={entry}", *source, "--select", "yaml")
    assert code == 1 and any(
        p["check"] == "yaml" and p["file"].startswith("tests/case/") for p in report["problems"]
    )
    assert report["summary"]["excluded"] == 0
    (nested / ".infometis.yaml").write_text("exclude:\n  - tests/case/apps/**\n")
    code, report = validate_json(nested, "--path", f"dev={entry}", *source, "--select", "yaml")
    assert report["summary"]["excluded"] > 0
    assert not any(
        p["file"].startswith("tests/case/apps/") for p in report["problems"] if p["file"]
    )


@pytest.mark.parametrize(
    "destination, message",
    [
        ("a-folder", "cannot write to --output-file {}: Is a directory"),
        ("missing/report.txt", "cannot write to --output-file {}: No such file or directory"),
    ],
)
def test_an_output_that_cannot_be_written_is_a_setup_error(tmp_path, destination, message):
    (tmp_path / "a-folder").mkdir()
    target = str(tmp_path / destination)
    result = invoke("validate", "--repo", str(ROOT), "--output-file", target)
    assert (
        result.exit_code == 2
        and message.format(target) in result.stderr
        and "internal" not in result.stderr
    )


def test_a_full_standard_output_is_a_setup_error():
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "infometis.commands.main", "validate", "--repo", str(ROOT)],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=300,
        )
    assert (
        done.returncode == 2
        and "cannot write to standard output: No space left on device" in done.stderr
    )


def test_no_writable_temporary_folder_is_a_setup_error(monkeypatch):
    import tempfile

    monkeypatch.setattr(
        tempfile, "tempdir", "/nonexistent/tmp"
    )  # as root, every real folder is writable
    result = invoke("validate", "--repo", str(ROOT), "--no-cache")
    assert (
        result.exit_code == 2
        and "no writable temporary folder" in result.stderr
        and "set TMPDIR" in result.stderr
    )


def test_explain_lists_the_options_a_check_takes():
    result = invoke("explain", "flux-hygiene")
    assert result.exit_code == 0
    assert (
        "checks.flux-hygiene takes: enabled (boolean), level (error, warning, info), ignore (list "
        "of globs), branches (list of strings), allowRanges (boolean), fluxVersion (string)"
    ) in result.output


@pytest.mark.parametrize("command", ["build", "graph"])
def test_a_cluster_argument_that_does_not_exist_is_named_as_given(command):
    result = invoke(command, "nope", "--repo", str(ROOT))
    assert result.exit_code == 2
    assert (
        "CLUSTER nope: no such cluster (clusters: " in result.output
        and "--cluster" not in result.output
    )

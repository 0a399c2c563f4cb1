"""secrets: plaintext Secrets and secretGenerators, well-known tokens anywhere in YAML; fixtures,
the sample monorepo (its SOPS files pass), and that no secret value ever reaches the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import problems, validate_json
from hypothesis import given
from hypothesis import strategies as st
from infometis.checks import secret_tokens

ID = "secrets"
ROOT = Path(__file__).resolve().parents[1]
# The fake values of the secrets-bad fixture: none may appear in any report.
VALUES = (
    "ghp_FakeGithubTokenForInfometisTests0123",
    "ghp_FakeGithubTokenForInfometisTests4567",
    "AIzaFakeGoogleApiKeyForInfometisTests01",
    "AKIAFAKEKEY0FORTESTS",
    "AGE-SECRET-KEY-1FAKEAGEKEYFQRTESTSQPZRY9X8GF2TVDW0S3JN54KHCE6MUA7LQPZRY9X8",
    "xoxb-123456789012-FakeSlackTokenForTests",
    "FakeWebhookForInfometisTests01",
    "T0FAKE0001",
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCFAKEFAKEFAKEFAKE",
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ",
    "hunter2-not-real",
    "plain-fallback-not-real",
    "smtp-not-real",
    "eyJhdXRocyI6",
)


def messages(report: dict) -> list[str]:
    return [p["message"] for p in report["problems"] if p["check"] == ID]


def test_good_has_no_problem(fixture_repo):
    # SOPS-encrypted Secret (with a key left in clear by its unencrypted_suffix), a SOPS dotenv
    # in a secretGenerator, a SealedSecret, an empty Secret, placeholders, a Secret under tests/
    code, report = validate_json(fixture_repo("secrets-good"), "--select", ID)
    assert problems(report) == []
    assert code == 0


def test_git_ignored_files_are_not_judged(fixture_repo):
    repo = fixture_repo("secrets-good")
    (repo / ".gitignore").write_text("local/\n")
    (repo / "local").mkdir()
    (repo / "local/secret.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: mine\nstringData:\n"
        "  password: not-real-either\n"
    )
    _, report = validate_json(repo, "--select", ID)
    assert problems(report) == []


def test_bad_reports_every_secret(fixture_repo):
    code, report = validate_json(fixture_repo("secrets-bad"), "--select", ID)
    assert problems(report) == [
        (ID, "error", ".github/workflows/notify.yml", 10),
        (ID, "error", "apps/shop/base/configmap.yaml", 6),
        (ID, "error", "apps/shop/base/configmap.yaml", 7),
        (ID, "error", "apps/shop/base/configmap.yaml", 8),
        (ID, "error", "apps/shop/base/secret.yaml", 8),
        (ID, "error", "infrastructure/secrets/dev/api-token.sops.yaml", 9),
        (ID, "error", "infrastructure/secrets/dev/kustomization.yaml", 15),
        (ID, "error", "infrastructure/secrets/dev/kustomization.yaml", 20),
        (ID, "error", "infrastructure/secrets/dev/registry.yaml", 8),
        (ID, "error", "ops/backup-credentials.yaml", 4),
        (ID, "error", "ops/backup-credentials.yaml", 5),
        (ID, "error", "ops/backup-credentials.yaml", 7),
        (ID, "error", "ops/backup-credentials.yaml", 9),
    ]
    assert messages(report) == [
        "a Slack webhook URL in jobs.notify.steps[0].env.HOOK",
        "a GitHub token in a comment",
        "a GitHub token in data.github-token",
        "a Google API key in data.maps",
        "Secret shop-admin holds 2 values in clear: stringData.username, stringData.password",
        "Secret api-token holds 1 value in a SOPS file but not encrypted: stringData.fallback",
        "secretGenerator[1] (shop-smtp) makes a Secret from data in clear: literal user, literal "
        "password",
        "secretGenerator[2] (shop-tls) makes a Secret from data in clear: file tls.crt, file "
        "tls.key",
        "Secret registry holds 1 value in clear: data['.dockerconfigjson']",
        "an AWS access key id in backup.s3.accessKeyId",
        "an age secret key in backup.ageKey",
        "a Slack token in backup.slack.token",
        "a private key in backup.sshKey",
    ]
    assert code == 1


def test_no_secret_value_reaches_the_report(fixture_repo):
    repo = fixture_repo("secrets-bad")
    for selected in (("--select", ID), ()):
        _, report = validate_json(repo, *selected)
        text = json.dumps(report)
        assert [value for value in VALUES if value in text] == []
    fixture_text = "".join(
        p.read_text() for p in repo.rglob("*") if p.is_file() and ".git/" not in p.as_posix()
    )
    assert all(value in fixture_text for value in VALUES)  # the values are there to be found


def test_sample_monorepo_sops_files_pass():
    code, report = validate_json(ROOT, "--select", ID)
    assert problems(report) == []
    assert code == 0


def test_odd_files_are_read_as_far_as_they_go(fixture_repo):
    repo = fixture_repo("secrets-good")
    odd = repo / "odd"
    odd.mkdir()
    # not YAML past line 1, but the token on line 2 is found all the same (no key path to name)
    (odd / "broken.yaml").write_text(
        "a: [unclosed\nkey: ghp_FakeGithubTokenForInfometisTests0123\n"
    )
    (odd / "binary.yaml").write_bytes(b"\x00\x01\xff binary")
    (odd / "kustomization.yaml").write_text(
        "secretGenerator:\n  - name: x\n    literals: [1, novalue, 'k=${VAR}']\n"
        "    files: [missing.txt, {a: 1}]\n    env: 7\n  - just a string\n"
    )
    (odd / "secrets.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: a}\ndata: [1, 2]\n"
        "stringData: {a: null, b: {c: d}}\n---\napiVersion: v1\nkind: Secret\nmetadata: x\n"
        "stringData: {a: 'op://vault/item/field'}\n"
        "---\n- a list\n---\nplain text\n"
    )
    _, report = validate_json(repo, "--select", ID)
    assert problems(report) == [(ID, "error", "odd/broken.yaml", 2)]
    assert messages(report) == ["a GitHub token in line 2"]


def test_no_output_format_echoes_a_secret(fixture_repo):
    """validate in every format, and diff in every format across a change of a Secret's value."""
    from conftest import git, invoke
    from infometis.report import REPORTERS

    repo = fixture_repo("secrets-bad")
    secret = repo / "apps/shop/base/secret.yaml"
    secret.write_text(secret.read_text().replace("hunter2-not-real", "hunter3-changed-not-real"))
    git(repo, "commit", "-qam", "a new password")
    outputs = {
        f"validate --format {name}": invoke("validate", "--repo", str(repo), "-o", name).output
        for name in sorted(REPORTERS)
    }
    for name in ("text", "markdown", "json"):
        result = invoke(
            "diff", "--repo", str(repo), "--base", "HEAD~1", "--head", "HEAD", "-o", name
        )
        assert result.exit_code == 1  # the Secret changed: the diff says so, without its value
        outputs[f"diff --format {name}"] = result.output
    outputs["build dev"] = invoke("build", "dev", "--repo", str(repo)).stderr
    leaked = {
        command: [v for v in (*VALUES, "hunter3-changed-not-real") if v in output]
        for command, output in outputs.items()
    }
    assert leaked == {command: [] for command in outputs}
    assert "Secret shop-admin holds 2 values in clear" in outputs["validate --format text"]


def test_a_generator_reading_a_file_git_ignores_is_an_error(fixture_repo):
    repo = fixture_repo("secrets-good")
    folder = repo / "apps" / "generated"
    folder.mkdir(parents=True)
    (folder / "kustomization.yaml").write_text(
        "secretGenerator:\n  - name: gen\n    envs:\n      - .env\n"
    )
    (folder / ".env").write_text("API_KEY=never-committed-value\n")
    (repo / ".gitignore").write_text(".env\n")
    _, report = validate_json(repo, "--select", "secrets")
    found = [(p["file"], p["line"], p["message"]) for p in report["problems"]]
    assert found == [
        (
            "apps/generated/kustomization.yaml",
            4,
            "secretGenerator[0] (gen) reads apps/generated/.env, "
            "which Git ignores: it renders here, but Flux's checkout does not have it and the "
            "build fails on the cluster",
        )
    ]
    assert "never-committed-value" not in json.dumps(report)


@pytest.mark.parametrize("kind", [kind for kind, _ in secret_tokens.TOKENS])
@given(data=st.data())
def test_every_token_holds_a_text_the_quick_search_looks_for(kind, data):
    """A file holding none of _TOKEN_TEXTS is not searched further: every token must hold one."""
    pattern = dict(secret_tokens.TOKENS)[kind]
    token = data.draw(st.from_regex(pattern, fullmatch=True))
    assert any(piece in token for piece in secret_tokens.TOKEN_TEXTS), token

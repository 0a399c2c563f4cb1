"""`--format sarif` and `--format junit`: SARIF valid against the official 2.1.0 schema, one
rule per check and one result per problem; JUnit with one test case per Flux Kustomization."""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from conftest import init_repo, invoke
from infometis.checks import REGISTRY, run_checks, settings
from infometis.commands.common import RepoArgs, SchemaArgs, options, selected_checks
from infometis.model import ERROR, INFO, WARNING, Problem
from infometis.render.pipeline import run_repository
from infometis.report import Report, junit, render, sarif
from infometis.run.judge import counts, files_read, kustomizations_detail

SARIF_SCHEMA = (
    Path(__file__).resolve().parents[2] / "shared" / "schemas" / "sarif" / "sarif-schema-2.1.0.json"
)
REPO_ROOT = Path(__file__).resolve().parents[1]


def sarif_validator() -> jsonschema.protocols.Validator:
    if not SARIF_SCHEMA.exists():
        pytest.skip(
            f"{SARIF_SCHEMA} is absent: the official SARIF schema sits next to the project in CI "
            "only"
        )
    schema = json.loads(SARIF_SCHEMA.read_text())
    validator = jsonschema.validators.validator_for(schema)  # the draft its $schema names
    validator.check_schema(schema)
    return validator(schema, format_checker=validator.FORMAT_CHECKER)


def uris(value, key: str = ""):
    if isinstance(value, dict):
        for name, item in value.items():
            yield from uris(item, name)
    elif isinstance(value, list):
        for item in value:
            yield from uris(item, key)
    elif key in ("$schema", "uri", "informationUri"):
        yield value


def assert_valid_sarif(document: dict) -> None:
    errors = sorted(sarif_validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    # the schema's "uri" format goes unchecked without an RFC 3986 package: the characters a URI
    # may hold
    for uri in uris(document):
        assert re.fullmatch(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+", uri), uri


def sarif_of(repo: Path, *args: str) -> tuple[int, dict]:
    result = invoke("validate", "--repo", str(repo), "-o", "sarif", *args)
    return result.exit_code, json.loads(result.stdout)


def validated_report(repo: Path) -> Report:
    """The Report `infometis validate` builds, with `kustomizations_detail` in its summary."""
    args = RepoArgs(repo=str(repo))
    checks = selected_checks(args)
    run = run_repository(options(args, SchemaArgs()))
    problems = list(run_checks(run, checks))
    kept = [p for p in problems if p.check in checks]
    applied = settings.apply(kept, run)
    summary = dict(counts(run), disabled=applied.disabled, ignored=applied.annotated)
    summary.setdefault("kustomizations_detail", kustomizations_detail(run))
    return Report.build(
        summary, applied.problems, suppressed=len(problems) - len(kept), reads=files_read(run)
    )


# SARIF


def test_sarif_of_a_failing_repository_is_valid_and_locates_the_problem(fixture_repo):
    code, document = sarif_of(fixture_repo("duplicate-resource-bad"))
    assert code == 1
    assert_valid_sarif(document)
    assert document["version"] == "2.1.0"
    assert document["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    (run,) = document["runs"]
    driver = run["tool"]["driver"]
    assert (
        driver["name"] == "infometis"
        and driver["version"]
        and driver["informationUri"].startswith("https://")
    )
    assert "%SRCROOT%" in run["originalUriBaseIds"]

    (result,) = [r for r in run["results"] if r["ruleId"] == "duplicate-resource"]
    assert result["level"] == "error"
    assert driver["rules"][result["ruleIndex"]]["id"] == "duplicate-resource"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {
        "uri": "apps/two/resources.yaml",
        "uriBaseId": "%SRCROOT%",
    }
    assert location["region"] == {"startLine": 9, "startColumn": 1}
    assert result["message"]["text"].startswith("Namespace//shared is also rendered by one")
    assert "keep one definition" in result["message"]["text"]  # the hint
    assert result["properties"] == {"cluster": "dev", "resource": "Namespace//shared"}
    assert set(result["partialFingerprints"]) == {sarif.FINGERPRINT}

    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels["flux-hygiene"] == "warning" and levels["flux-source"] == "note"


def test_sarif_has_one_rule_per_registered_check(fixture_repo):
    _, document = sarif_of(fixture_repo("duplicate-resource-bad"))
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == list(REGISTRY)
    by_id = {rule["id"]: rule for rule in rules}
    duplicate = by_id["duplicate-resource"]
    assert duplicate["name"] == "DuplicateResource"
    assert (
        duplicate["shortDescription"]["text"] == "no two renders give one cluster the same object."
    )
    assert "FAIL" in duplicate["fullDescription"]["text"] and duplicate["help"]["markdown"]
    assert duplicate["defaultConfiguration"] == {"level": "error"}
    assert by_id["unreached"]["defaultConfiguration"] == {"level": "warning"}
    assert {rule["defaultConfiguration"]["level"] for rule in rules} <= {"error", "warning", "note"}


def test_sarif_of_this_repository_is_valid():
    code, document = sarif_of(REPO_ROOT)
    assert_valid_sarif(document)
    results = document["runs"][0]["results"]
    assert (code == 1) == any(r["level"] == "error" for r in results)
    for result in results:
        artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%" and not artifact["uri"].startswith("/")
        assert (REPO_ROOT / artifact["uri"].rstrip("/")).exists(), artifact["uri"]


def test_sarif_of_problems_without_a_file_line_or_known_check_stays_valid():
    problems = [
        Problem("no-such-check", INFO, "about the whole repository"),
        Problem("schema", ERROR, "a file without a line", file="apps/a b/x.yaml"),
        Problem("schema", ERROR, "outside the repository", file="/tmp/elsewhere.yaml", line=3),
        Problem(
            "routes",
            WARNING,
            "host already claimed by apps/x/route.yaml:12",
            file="apps/y.yaml",
            line=4,
            cluster="dev",
            resource="IngressRoute.traefik.io/y/y",
        ),
    ]
    document = json.loads(render(Report.build({}, problems), "sarif"))
    assert_valid_sarif(document)
    run = document["runs"][0]
    results = {r["message"]["text"]: r for r in run["results"]}
    assert "locations" not in results["about the whole repository"]
    assert (
        run["tool"]["driver"]["rules"][results["about the whole repository"]["ruleIndex"]]["id"]
        == "no-such-check"
    )
    no_line = results["a file without a line"]["locations"][0]["physicalLocation"]
    assert no_line == {"artifactLocation": {"uri": "apps/a%20b/x.yaml", "uriBaseId": "%SRCROOT%"}}
    outside = results["outside the repository"]["locations"][0]["physicalLocation"][
        "artifactLocation"
    ]
    assert outside == {"uri": "file:///tmp/elsewhere.yaml"}


def test_sarif_fingerprints_follow_the_problem_not_its_lines():
    here = Problem(
        "routes",
        ERROR,
        "host already claimed by IngressRoute a/a (apps/a/route.yaml:12)",
        "apps/b.yaml",
        4,
    )
    moved = Problem(
        "routes",
        ERROR,
        "host already claimed by IngressRoute a/a (apps/a/route.yaml:15)",
        "apps/b.yaml",
        9,
    )
    other = Problem(
        "routes",
        ERROR,
        "host already claimed by IngressRoute c/c (apps/c/route.yaml:12)",
        "apps/b.yaml",
        4,
    )
    assert sarif.fingerprint(here) == sarif.fingerprint(moved) != sarif.fingerprint(other)


def test_sarif_fingerprints_survive_a_reworded_message_but_tell_fields_and_resources_apart():
    deployment = "Deployment.apps/shop/web"
    said = Problem(
        "schema",
        ERROR,
        "spec.replicas: expected integer, found a string ('3')",
        "apps/shop/web.yaml",
        6,
        resource=deployment,
    )
    reworded = Problem(
        "schema",
        ERROR,
        "spec.replicas: '3' is not of type 'integer'",
        "apps/shop/web.yaml",
        8,
        resource=deployment,
    )
    other_field = Problem(
        "schema",
        ERROR,
        "spec.paused: expected boolean, found a string ('no')",
        "apps/shop/web.yaml",
        6,
        resource=deployment,
    )
    other_resource = Problem(
        "schema", ERROR, said.message, "apps/shop/web.yaml", 6, resource="Deployment.apps/shop/api"
    )
    assert sarif.fingerprint(said) == sarif.fingerprint(reworded)
    assert len({sarif.fingerprint(p) for p in (said, other_field, other_resource)}) == 3
    document = json.loads(render(Report.build({}, [said]), "sarif"))
    assert list(document["runs"][0]["results"][0]["partialFingerprints"]) == ["infometis/v2"]


# JUnit


def junit_cases(xml: str) -> dict[str, ET.Element]:
    root = ET.fromstring(xml)
    assert root.tag == "testsuites"
    return {f"{case.get('classname')}::{case.get('name')}": case for case in root.iter("testcase")}


def test_junit_has_one_case_per_kustomization_and_fails_the_one_with_the_error(fixture_repo):
    report = validated_report(fixture_repo("duplicate-resource-bad"))
    xml = render(report, "junit")
    cases = junit_cases(xml)
    assert len(cases) == report.summary["kustomizations"] + 1  # and the repository's own case
    assert set(cases) == {
        "dev::flux-system/flux-system (./clusters/dev)",
        "dev::flux-system/one (./apps/one)",
        "dev::flux-system/two (./apps/two)",
        "repository::repository",
    }

    failing = {
        name: case.find("failure")
        for name, case in cases.items()
        if case.find("failure") is not None
    }
    assert list(failing) == ["dev::flux-system/two (./apps/two)"]
    text = failing["dev::flux-system/two (./apps/two)"].text
    assert (
        "apps/two/resources.yaml:9" in text
        and "Namespace//shared is also rendered by one (here by two)" in text
    )
    warned = cases["dev::flux-system/one (./apps/one)"]
    assert (
        warned.find("failure") is None and "does not set timeout" in warned.find("system-out").text
    )
    assert cases["repository::repository"].find("failure") is None

    root = ET.fromstring(xml)
    assert (root.get("tests"), root.get("failures")) == ("4", "1")
    assert {suite.get("name"): suite.get("tests") for suite in root.iter("testsuite")} == {
        "dev": "3",
        "repository": "1",
    }


def test_junit_attributes_a_kustomization_problem_by_the_resource_it_names(fixture_repo):
    report = validated_report(fixture_repo("flux-depends-on-bad"))
    cases = junit_cases(render(report, "junit"))
    assert len(cases) == report.summary["kustomizations"] + 1
    failing = sorted(name for name, case in cases.items() if case.find("failure") is not None)
    assert failing == ["dev::flux-system/a (./apps/a)", "dev::flux-system/c (./apps/c)"]
    assert (
        "dependsOn cycle: a → b → a" in cases["dev::flux-system/a (./apps/a)"].find("failure").text
    )


def test_junit_fails_every_kustomization_that_renders_an_invalid_base(tmp_path):
    repo = tmp_path / "repo"
    for part in ("clusters", "infrastructure", "apps", ".infometis.yaml"):
        (shutil.copytree if (REPO_ROOT / part).is_dir() else shutil.copy)(
            REPO_ROOT / part, repo / part
        )
    statefulset = repo / "apps/kafka/base/statefulset.yaml"
    statefulset.write_text(
        statefulset.read_text().replace("  replicas: 3\n", "  replicas: three\n", 1)
    )
    init_repo(repo)
    cases = junit_cases(render(validated_report(repo), "junit"))
    failing = sorted(name for name, case in cases.items() if case.find("failure") is not None)
    assert failing == [
        f"{env}::flux-system/kafka (./apps/kafka/{env})" for env in ("dev", "prod", "uat")
    ]
    assert (
        "apps/kafka/base/statefulset.yaml:7"
        in cases["uat::flux-system/kafka (./apps/kafka/uat)"].find("failure").text
    )
    assert cases["repository::repository"].find("failure") is None
    kafka = cases["dev::flux-system/kafka (./apps/kafka/dev)"]
    defined = (repo / kafka.get("file")).read_text().splitlines()[int(kafka.get("line")) - 1]
    assert (
        defined.strip() == "name: kafka"
    )  # the case points at the Flux Kustomization's definition


def test_junit_of_this_repository_counts_every_kustomization():
    report = validated_report(REPO_ROOT)
    cases = junit_cases(render(report, "junit"))
    assert len(cases) == report.summary["kustomizations"] + 1
    failures = sum(case.find("failure") is not None for case in cases.values())
    assert (failures > 0) == bool(report.summary["errors"])


def test_junit_escapes_what_xml_cannot_hold():
    detail = [
        {"cluster": "dev", "name": "apps/<shop> & co", "path": "./apps/shop", "folder": "apps/shop"}
    ]
    problems = [
        Problem(
            "schema",
            ERROR,
            'spec.x: <nil> & "quoted" \x1b[31mred',
            "apps/shop/a&b.yaml",
            2,
            1,
            "dev",
        ),
        Problem("images", WARNING, "tag <latest> & more", "apps/shop/d.yaml", 1, 1, "dev"),
        Problem("unreached", INFO, "left out", "apps/shop/e.yaml", 1, 1, "dev"),
        Problem("yaml", ERROR, "outside any <folder>", "elsewhere/x.yaml", 1, 1),
    ]
    xml = junit.render(Report.build({"kustomizations_detail": detail}, problems))
    assert "<nil>" not in xml and "&lt;nil&gt; &amp;" in xml
    cases = junit_cases(xml)  # parses: escaped, and no control character left
    shop = cases["dev::apps/<shop> & co (./apps/shop)"]
    failure = shop.find("failure")
    assert 'apps/shop/a&b.yaml:2:1: error [schema] spec.x: <nil> & "quoted"' in failure.text
    assert "\x1b" not in failure.text
    assert (
        shop.find("system-out").text == "apps/shop/d.yaml:1:1: warning [images] tag <latest> & more"
    )
    assert "left out" not in xml
    assert "outside any <folder>" in cases["repository::repository"].find("failure").text


def test_junit_without_the_kustomization_detail_reports_the_repository_alone():
    problems = [Problem("yaml", ERROR, "broken", "apps/x.yaml", 1, 1)]
    cases = junit_cases(junit.render(Report.build({}, problems)))
    assert list(cases) == ["repository::repository"]
    assert (
        cases["repository::repository"].find("failure").get("message").startswith("apps/x.yaml:1:1")
    )


def test_junit_from_the_command_line(fixture_repo):
    repo = fixture_repo("duplicate-resource-bad")
    summary = json.loads(invoke("validate", "--repo", str(repo), "-o", "json").stdout)["summary"]
    if "kustomizations_detail" not in summary:
        pytest.skip(
            "validate's summary has no kustomizations_detail yet: the command-line JUnit lists no "
            "Kustomization"
        )
    result = invoke("validate", "--repo", str(repo), "-o", "junit")
    assert result.exit_code == 1
    cases = junit_cases(result.stdout)
    assert len(cases) == summary["kustomizations"] + 1
    assert cases["dev::flux-system/two (./apps/two)"].find("failure") is not None


HOSTILE_NAME = "evil\n::error file=README.md,line=1::pwned \x1b[2J.yaml"


@pytest.mark.parametrize("format_name", ["text", "github"])
def test_control_characters_in_names_and_messages_never_reach_the_output(format_name):
    problem = Problem(
        "yaml",
        ERROR,
        "bad \x1b]0;title\x07 value\nnext",
        HOSTILE_NAME,
        3,
        1,
        cluster="dev\x1b[31m",
        hint="fix\rit",
    )
    text = render(
        Report.build(
            {"clusters": 1, "kustomizations": 0, "rendered": 0, "skipped": 0, "resources": 0},
            [problem],
        ),
        format_name,
    )
    assert "\x1b" not in text and "\x07" not in text and "\r" not in text
    assert not any(line.startswith("::error file=README.md") for line in text.splitlines())
    if format_name == "text":
        assert "evil\\n::error file=README.md,line=1::pwned \\x1b[2J.yaml:3:1" in text

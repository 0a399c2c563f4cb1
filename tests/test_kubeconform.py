"""The kubeconform backend, tested against a STAND-IN executable.

kubeconform itself is not installed where these tests run, so each test writes a small
Python script named `kubeconform` and puts it first on PATH. The stand-in records the
arguments it received (so the flag mapping can be checked), reads the YAML files in the
folder it was given, and answers in kubeconform's documented `-output json -verbose`
format: {"resources": [{"filename", "kind", "name", "version", "status", "msg",
"validationErrors": [{"path", "msg"}]}]}, with statusValid, statusInvalid and statusError
("could not find schema for <Kind>"), exiting 1 when something is invalid, as kubeconform
does. These tests check our side of that contract, not kubeconform's verdicts.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from infometis.model.errors import SetupError
from infometis.model.fieldpath import field_path, pointer_path
from infometis.schemas.catalog import SchemaSettings
from infometis.schemas.engine import Violation
from infometis.schemas.kubeconform import Outcome, _violations, arguments, find_kubeconform, judge

STAND_IN = """\
import json, os, sys
from pathlib import Path
import yaml

here = Path(__file__).parent
(here / "argv.json").write_text(json.dumps(sys.argv))
mode = os.environ.get("STAND_IN_MODE", "")
if mode == "garbage":
    print("this is not json")
    print("panic: runtime error: invalid memory address", file=sys.stderr)
    sys.exit(2)

def limts(node, path):
    if isinstance(node, dict):
        if "limts" in node:
            yield path
        for key, value in node.items():
            yield from limts(value, path + "/" + str(key).replace("~", "~0").replace("/", "~1"))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from limts(value, path + "/" + str(index))

(here / "files.json").write_text(json.dumps(sorted(f.name for f in Path(sys.argv[-1]).iterdir())))
results, failed = [], False
for file in sorted(Path(sys.argv[-1]).iterdir()):
    doc = yaml.safe_load(file.read_text())
    if mode == "omit-last" and file.name.startswith("000002"):
        continue
    entry = {"filename": str(file), "kind": doc.get("kind", ""), "name": doc.get("metadata", {}).get("name", ""),
             "version": doc.get("apiVersion", ""), "status": "statusValid", "msg": ""}
    errors = []
    if isinstance(doc.get("spec", {}).get("replicas"), str):
        errors.append({"path": "/spec/replicas", "msg": "got string, want integer"})
    errors += [{"path": p, "msg": "additional properties 'limts' not allowed"} for p in limts(doc, "")]
    if doc.get("kind") == "Widget":
        entry.update(status="statusError", msg="could not find schema for Widget")
    elif errors:
        entry.update(status="statusInvalid", msg=errors[0]["msg"], validationErrors=errors)
    failed = failed or entry["status"] in ("statusInvalid", "statusError")
    results.append(entry)
print(json.dumps({"resources": results}, indent=2))
sys.exit(1 if failed else 0)
"""  # noqa: E501  (the stand-in script is data: written out as it stands)


def install(folder: Path, name: str = "kubeconform") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / name
    script.write_text(f"#!{sys.executable}\n{STAND_IN}")
    script.chmod(0o755)
    return script


@pytest.fixture
def stand_in(tmp_path, monkeypatch) -> Path:
    """The stand-in first on PATH; returns its folder (argv.json lands there)."""
    folder = tmp_path / "bin"
    install(folder)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.delenv("INFOMETIS_KUBECONFORM", raising=False)
    monkeypatch.delenv("STAND_IN_MODE", raising=False)
    return folder


def deployment(name: str, **spec) -> dict:
    container = {"name": "app", "image": "nginx:1.27", "resources": {"limits": {"cpu": "1"}}}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [container]},
            },
            **spec,
        },
    }


def broken() -> dict:
    resource = deployment("broken")
    resource["spec"]["replicas"] = "3"
    resource["spec"]["template"]["spec"]["containers"][0]["resources"]["limts"] = {"cpu": "1"}
    return resource


WIDGET = {
    "apiVersion": "example.com/v1",
    "kind": "Widget",
    "metadata": {"name": "w"},
    "spec": {"size": 1},
}


def recorded(folder: Path) -> list[str]:
    return json.loads((folder / "argv.json").read_text())


def test_arguments_map_our_options_to_kubeconform_flags():
    strict = SchemaSettings(
        kubernetes_version="1.30",
        locations=("schemas/{{.ResourceKind}}.json", "default", "/s/x.json"),
    )
    assert arguments(strict) == [
        "-output",
        "json",
        "-verbose",
        "-kubernetes-version",
        "1.30.0",
        "-strict",
        "-schema-location",
        "default",
        "-schema-location",
        "schemas/{{.ResourceKind}}.json",
        "-schema-location",
        "/s/x.json",
    ]
    loose = arguments(SchemaSettings(strict=False))
    assert "-strict" not in loose
    assert loose[loose.index("-kubernetes-version") + 1] == f"{SchemaSettings().version()}.0"
    assert (
        loose.count("-schema-location") == 1
        and "-ignore-missing-schemas" not in loose
        and "-summary" not in loose
    )


def test_outcomes_come_back_in_input_order(stand_in):
    settings = SchemaSettings(
        kubernetes_version="1.29", strict=True, locations=("/schemas/{{.ResourceKind}}.json",)
    )
    outcomes = judge([deployment("a"), broken(), WIDGET, deployment("b")], settings)

    argv = recorded(stand_in)
    assert argv[0] == str(stand_in / "kubeconform")
    assert argv[1:-1] == arguments(settings)
    assert not Path(argv[-1]).exists()  # the temporary folder is gone

    assert [o.status for o in outcomes] == ["valid", "invalid", "missing", "valid"]
    assert outcomes[0] == outcomes[3] == Outcome("valid")
    assert outcomes[2] == Outcome("missing", message="could not find schema for Widget")
    assert outcomes[1].violations == (
        Violation(("spec", "replicas"), "got string, want integer"),
        Violation(
            ("spec", "template", "spec", "containers", 0, "resources", "limts"), "unknown field"
        ),
    )
    assert (
        field_path(outcomes[1].violations[1].path)
        == "spec.template.spec.containers[0].resources.limts"
    )


def test_each_resource_is_a_file_named_by_its_index(stand_in):
    many = [deployment(f"d{i}") for i in range(12)]
    many[11] = broken()
    outcomes = judge(many, SchemaSettings())
    assert json.loads((stand_in / "files.json").read_text()) == [f"{i:06d}.yaml" for i in range(12)]
    assert [o.status for o in outcomes] == ["valid"] * 11 + ["invalid"]
    assert judge([], SchemaSettings()) == []


def test_a_resource_kubeconform_did_not_report_is_an_error(stand_in, monkeypatch):
    monkeypatch.setenv("STAND_IN_MODE", "omit-last")
    outcomes = judge([deployment("a"), deployment("b"), deployment("c")], SchemaSettings())
    assert [o.status for o in outcomes] == ["valid", "valid", "error"]
    assert "did not report" in outcomes[2].message


def test_sops_ciphertext_is_never_judged(stand_in):
    encrypted = deployment("secret")
    encrypted["spec"]["replicas"] = "ENC[AES256_GCM,data:Mw==,type:int]"
    encrypted["sops"] = {"version": "3.9.0"}
    assert judge([encrypted], SchemaSettings()) == [Outcome("valid")]


def test_a_missing_executable_is_a_setup_error(tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("INFOMETIS_KUBECONFORM", raising=False)
    message = (
        "kubeconform not found on PATH: install it (https://github.com/yannh/kubeconform) "
        "or use --engine builtin"
    )
    with pytest.raises(SetupError) as raised:
        judge([deployment("a")], SchemaSettings())
    assert str(raised.value) == message
    assert raised.value.exit_code == 2


def test_output_that_is_not_json_is_a_setup_error(stand_in, monkeypatch):
    monkeypatch.setenv("STAND_IN_MODE", "garbage")
    with pytest.raises(SetupError, match="kubeconform failed: panic: runtime error"):
        judge([deployment("a")], SchemaSettings())
    assert not Path(recorded(stand_in)[-1]).exists()


def test_the_environment_overrides_the_path_lookup(tmp_path, monkeypatch):
    elsewhere = install(tmp_path / "elsewhere", "kubeconform-0.6.7")
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setenv("INFOMETIS_KUBECONFORM", str(elsewhere))
    monkeypatch.delenv("STAND_IN_MODE", raising=False)
    assert find_kubeconform() == str(elsewhere)
    assert [o.status for o in judge([broken()], SchemaSettings())] == ["invalid"]
    assert recorded(elsewhere.parent)[0] == str(elsewhere)
    monkeypatch.setenv("INFOMETIS_KUBECONFORM", str(tmp_path / "nowhere"))
    with pytest.raises(SetupError, match="INFOMETIS_KUBECONFORM="):
        find_kubeconform()


@pytest.mark.parametrize(
    ("pointer", "data", "expected"),
    [
        ("", None, ()),
        (
            "/spec/template/spec/containers/0/resources/limts",
            None,
            ("spec", "template", "spec", "containers", 0, "resources", "limts"),
        ),
        (
            "/metadata/annotations/example.com~1owner~0x",
            None,
            ("metadata", "annotations", "example.com/owner~x"),
        ),
        ("/metadata/labels/0", {"metadata": {"labels": {"0": "x"}}}, ("metadata", "labels", "0")),
        ("/items/1/x", {"items": [{}, {"x": 1}]}, ("items", 1, "x")),
    ],
)
def test_json_pointers_become_field_paths(pointer, data, expected):
    assert pointer_path(pointer, data) == expected


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("additional properties 'limts' not allowed", [(("spec", "limts"), "unknown field")]),
        (
            "additionalProperties 'a', 'b' not allowed",
            [(("spec", "a"), "unknown field"), (("spec", "b"), "unknown field")],
        ),
        ("got string, want integer", [(("spec",), "got string, want integer")]),
    ],
)
def test_kubeconform_messages(message, expected):
    assert _violations({"path": "/spec", "msg": message}, {}) == [Violation(*v) for v in expected]


def test_validate_with_the_kubeconform_engine_reports_like_the_builtin_one(stand_in, tmp_path):
    from conftest import init_repo, problems, validate_json

    root = Path(__file__).resolve().parents[1]
    repo = tmp_path / "repo"
    for part in ("clusters", "infrastructure", "apps"):
        shutil.copytree(root / part, repo / part)
    statefulset = repo / "apps/kafka/base/statefulset.yaml"
    text = statefulset.read_text()
    statefulset.write_text(
        text.replace(
            "          requests:\n            storage:", "          limts:\n            storage:"
        )
    )
    code, report = validate_json(init_repo(repo), "--engine", "kubeconform", "--select", "schema")
    assert problems(report) == [("schema", "error", "apps/kafka/base/statefulset.yaml", 100)]
    assert (
        report["problems"][0]["message"]
        == "spec.volumeClaimTemplates[0].spec.resources.limts: unknown field"
    )
    assert report["problems"][0]["hint"] == "schema: kubeconform" and code == 1


def test_validate_with_kubeconform_absent_is_a_setup_error(tmp_path, monkeypatch):
    from conftest import invoke

    if shutil.which("kubeconform"):
        pytest.skip("a real kubeconform is on PATH")
    monkeypatch.delenv("INFOMETIS_KUBECONFORM", raising=False)
    result = invoke(
        "validate", "--repo", str(Path(__file__).resolve().parents[1]), "--engine", "kubeconform"
    )
    assert result.exit_code == 2 and "kubeconform not found on PATH" in result.stderr


# --------------------------------------------- `schemas check` as kubeconform's acceptance cases


def run_check(tmp_path: Path, text: str, *arguments: str):
    from conftest import invoke

    manifest = tmp_path / "manifest.yaml"
    manifest.write_text(text)
    result = invoke("schemas", "check", str(manifest), "-o", "json", *arguments)
    return result, (json.loads(result.stdout) if result.exit_code != 2 else None)


REPLICATION_CONTROLLER = """\
apiVersion: v1
kind: ReplicationController
metadata:
  name: bob
spec:
  replicas: 2
  selector: {app: nginx}
  template:
    metadata:
      labels: {app: nginx}
    spec:
      containers:
        - name: nginx
          image: nginx
"""


def test_a_configmap_with_integer_and_boolean_keys_is_valid(tmp_path):
    text = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keys\ndata:\n  2: two\n"
        "  true: 'yes'\n  2023-01-01: day\n"
    )
    result, report = run_check(tmp_path, text)
    assert result.exit_code == 0 and report["problems"] == [] and report["summary"]["valid"] == 1


@pytest.mark.parametrize(
    ("api_version", "kind", "version", "expected"),
    [
        (
            "sagemaker.aws.amazon.com",
            "TrainingJob",
            "v1",
            "sagemaker.aws.amazon.com/v1/trainingjob-sagemaker-v1@v1.34.1-strict",
        ),
        ("", "ReplicationController", "v1", "v1/v1/replicationcontroller-v1@v1.34.1-strict"),
        ("apps", "Deployment", "v1", "apps/v1/deployment-apps-v1@v1.34.1-strict"),
    ],
)
def test_template_fields_are_filled_in_as_kubeconform_does(api_version, kind, version, expected):
    from infometis.schemas.locations import expand

    template = (
        "{{ .Group }}/{{.ResourceAPIVersion}}/{{ .ResourceKind }}{{ .KindSuffix }}"
        "@{{.NormalizedKubernetesVersion}}{{.StrictSuffix}}"
    )
    assert expand(template, api_version, version, kind, "1.34.1", True) == expected


TRAINING_JOB = (
    "apiVersion: sagemaker.aws.amazon.com/v1\nkind: TrainingJob\nmetadata:\n"
    "  name: job\nspec:\n  trainingJobName: {name}\n"
)
TRAINING_JOB_SCHEMA = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"trainingJobName": {"type": "string"}},
        }
    },
}


def test_kind_suffix_finds_a_schema_named_as_kubeconform_names_it(tmp_path):
    folder = tmp_path / "registry"
    folder.mkdir()
    (folder / "trainingjob-sagemaker-v1.json").write_text(json.dumps(TRAINING_JOB_SCHEMA))
    location = f"{folder}/{{{{ .ResourceKind }}}}{{{{ .KindSuffix }}}}.json"
    result, report = run_check(
        tmp_path, TRAINING_JOB.format(name="train"), "--schema-location", location
    )
    assert result.exit_code == 0 and report["summary"]["valid"] == 1
    result, report = run_check(tmp_path, TRAINING_JOB.format(name=3), "--schema-location", location)
    assert (
        result.exit_code == 1
        and report["problems"][0]["hint"] == f"schema: {folder}/trainingjob-sagemaker-v1.json"
    )


def test_a_folder_without_a_template_has_kubeconform_s_layout(tmp_path):
    layout = tmp_path / "registry" / "v1.34.1-standalone-strict"
    layout.mkdir(parents=True)
    (layout / "trainingjob-sagemaker-v1.json").write_text(json.dumps(TRAINING_JOB_SCHEMA))
    result, report = run_check(
        tmp_path,
        TRAINING_JOB.format(name=3),
        "--schema-location",
        str(tmp_path / "registry"),
        "--kubernetes-version",
        "1.34.1",
    )
    assert result.exit_code == 1 and report["problems"][0]["message"].startswith(
        "spec.trainingJobName: expected string"
    )


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("foo {{ .Foo }}", "unknown template field Foo"),
        ("schemas/{{ .ResourceKind.json", "not a template infometis can fill in"),
        ("s3://bucket/{{ .ResourceKind }}.json", "the s3:// scheme is not supported"),
        ("no-such-folder/{{ .ResourceKind }}.json", "no such folder no-such-folder"),
        ("foo", "no such folder foo"),
    ],
)
def test_a_schema_location_that_can_never_find_a_schema_is_a_usage_error(
    tmp_path, monkeypatch, location, message
):
    monkeypatch.chdir(tmp_path)
    result, _ = run_check(tmp_path, REPLICATION_CONTROLLER, "--schema-location", location)
    assert result.exit_code == 2 and message in result.stderr


@pytest.mark.parametrize(
    ("given", "code"), [("1.34.1", 0), ("v1.34.1", 0), ("1.34", 0), ("1.20.1", 2), ("1.x", 2)]
)
def test_kubernetes_version_takes_a_full_version(tmp_path, given, code):
    result, _ = run_check(tmp_path, REPLICATION_CONTROLLER, "--kubernetes-version", given)
    assert result.exit_code == code


def test_the_kubeconform_engine_gets_the_full_version():
    assert arguments(SchemaSettings(kubernetes_version="1.34.1"))[3:5] == [
        "-kubernetes-version",
        "1.34.1",
    ]


@pytest.mark.parametrize(
    ("skip", "verdict"),
    [
        ("ReplicationController", "skipped"),
        ("v1/ReplicationController", "skipped"),
        ("v2/ReplicationController", "valid"),
        ("Deployment,v1/ReplicationController", "skipped"),
        ("apps/v1/ReplicationController", "valid"),
    ],
)
def test_skip_takes_a_kind_or_a_group_version_kind(tmp_path, skip, verdict):
    result, report = run_check(tmp_path, REPLICATION_CONTROLLER, "--skip", skip)
    assert result.exit_code == 0 and report["summary"][verdict] == 1


def test_skip_a_group_version_kind_of_a_named_group(tmp_path):
    text = json.dumps(deployment("web"))
    assert run_check(tmp_path, text, "--skip", "apps/v1/Deployment")[1]["summary"]["skipped"] == 1
    assert run_check(tmp_path, text, "--skip", "apps/v2/Deployment")[1]["summary"]["valid"] == 1


def test_reject_makes_a_kind_an_error(tmp_path):
    result, report = run_check(
        tmp_path, REPLICATION_CONTROLLER, "--reject", "v1/ReplicationController"
    )
    assert result.exit_code == 1
    assert [p["message"] for p in report["problems"]] == [
        "prohibited resource kind ReplicationController"
    ]
    assert report["summary"] == {
        "resources": 1,
        "valid": 0,
        "invalid": 0,
        "errors": 1,
        "skipped": 0,
        "files": 1,
    }


def test_a_duplicate_key_is_counted_once(tmp_path):
    text = REPLICATION_CONTROLLER.replace("  replicas: 2\n", "  replicas: 2\n  replicas: 3\n")
    result, report = run_check(
        tmp_path, text + "---\n" + REPLICATION_CONTROLLER.replace("bob", "alice")
    )
    assert result.exit_code == 1 and [p["message"] for p in report["problems"]] == [
        'mapping key "replicas" already defined at line 6'
    ]
    assert report["summary"] == {
        "resources": 2,
        "valid": 1,
        "invalid": 0,
        "errors": 1,
        "skipped": 0,
        "files": 1,
    }


def test_a_file_that_does_not_parse_is_one_error(tmp_path):
    result, report = run_check(tmp_path, REPLICATION_CONTROLLER + "---\nkind: [unclosed\n")
    assert result.exit_code == 1 and report["summary"] == {
        "resources": 1,
        "valid": 1,
        "invalid": 0,
        "errors": 1,
        "skipped": 0,
        "files": 1,
    }

"""desired-state: labels, one data key, JSON (parse errors mapped into the YAML file), the
shipped schemas, unique names, and overlays that drop the base's entries."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml
from conftest import problems, validate_json
from infometis.analysis.written import TextAnchor
from infometis.checks import desired_payload, desired_state

ID = "desired-state"
ROOT = Path(__file__).resolve().parents[1]


def validate(repo: Path, *args: str):
    return validate_json(repo, "--select", ID, *args)


def messages(report: dict) -> dict[tuple, str]:
    return {(p["file"], p["line"]): p["message"] for p in report["problems"] if p["check"] == ID}


def test_good_has_no_problem(fixture_repo):
    # a payload in the base, one replaced by an overlay that keeps every topic, and one
    # generated from a JSON file by a configMapGenerator
    code, report = validate(fixture_repo("desired-state-good"))
    assert problems(report, check=ID) == []
    assert code == 0


def test_bad_reports_each_problem_at_its_line(fixture_repo):
    code, report = validate(fixture_repo("desired-state-bad"))
    assert problems(report, check=ID) == [
        (
            ID,
            "error",
            "apps/elasticsearch/base/indices-desired.yaml",
            14,
        ),  # JSON line 4 + key line 10
        (ID, "error", "apps/kafka/base/acls-desired.yaml", 8),  # unknown type, at the label
        (ID, "error", "apps/kafka/base/acls-desired.yaml", 20),  # two data keys
        (ID, "warning", "apps/kafka/dev/kustomization.yaml", 13),  # the overlay's payload key
        (ID, "error", "apps/kafka/dev/kustomization.yaml", 16),  # partitions: 0, inside the patch
        (ID, "error", "apps/nifi/base/flows-desired.yaml", 6),  # no infometis.component
        (ID, "error", "apps/nifi/base/flows-desired.yaml", 14),  # the name used twice
        (ID, "error", "apps/nifi/base/flows-desired.yaml", 15),  # version "latest"
    ]
    assert code == 1


def test_bad_messages(fixture_repo):
    _, report = validate(fixture_repo("desired-state-bad"))
    found = messages(report)
    assert (
        found[("apps/elasticsearch/base/indices-desired.yaml", 14)]
        == "data.indices.json is not valid JSON: Expecting value (line 4, column 3 of the document)"
    )
    assert (
        found[("apps/kafka/base/acls-desired.yaml", 8)]
        == "infometis.config-type 'acls' is unknown (known: flows, indices, topics)"
    )
    assert found[("apps/kafka/dev/kustomization.yaml", 13)] == (
        "data.topics.json: this payload replaces the one of apps/kafka/base/topics-desired.yaml "
        "and drops topics[events.dead-letter]"
    )
    assert (
        found[("apps/kafka/dev/kustomization.yaml", 16)]
        == "data.topics.json (topics): topics[0] (events.raw).partitions: 0 is less than the "
        "minimum of 1"
    )
    assert (
        found[("apps/nifi/base/flows-desired.yaml", 14)]
        == "data.flows.json (flows): flows[1].name 'ingest-events' is already used by flows[0]"
    )
    assert (
        found[("apps/nifi/base/flows-desired.yaml", 15)]
        == 'data.flows.json (flows): flows[1] (ingest-events).version: is a string "latest", '
        "expected integer"
    )
    columns = {(p["file"], p["line"]): p["column"] for p in report["problems"]}
    assert columns[("apps/kafka/dev/kustomization.yaml", 16)] == 38  # at "partitions" in the patch


def test_the_schemas_accept_the_monorepo_topics_and_flows():
    for service, file in (("kafka", "topics-desired.yaml"), ("nifi", "flows-desired.yaml")):
        data = yaml.safe_load((ROOT / "apps" / service / "base" / file).read_text())
        kind = data["metadata"]["labels"]["infometis.config-type"]
        payload = json.loads(next(iter(data["data"].values())))
        assert list(desired_payload.violations(desired_state.schemas()[kind], payload)) == []


def test_the_schemas_require_the_fields_of_each_entry():
    schemas = desired_state.schemas()
    for schema in schemas.values():
        jsonschema.Draft202012Validator.check_schema(schema)
    assert schemas["topics"]["$defs"]["topic"]["required"] == [
        "name",
        "partitions",
        "replicationFactor",
        "config",
    ]
    assert schemas["indices"]["$defs"]["shape"]["required"] == [
        "name",
        "shards",
        "replicas",
        "mappings",
    ]
    assert schemas["flows"]["$defs"]["flow"]["required"] == ["name", "version", "parameters"]
    shipped = resources.files("infometis").joinpath("data/desired-state")
    assert sorted(item.name for item in shipped.iterdir()) == [
        "flows.schema.json",
        "indices.schema.json",
        "topics.schema.json",
    ]


def test_missing_fields_are_said_once_per_entry():
    payload = {"indices": [{"name": "audit", "shards": 1, "settings": {"number_of_replicas": 1}}]}
    assert list(desired_payload.violations(desired_state.schemas()["indices"], payload)) == [
        (
            "indices[0] (audit).settings.number_of_replicas: has its own field: set replicas next "
            "to name",
            ("indices", 0, "settings", "number_of_replicas"),
        ),
        ("indices[0] (audit): missing replicas, mappings", ("indices", 0)),
    ]


@pytest.mark.parametrize(
    "text, path, offset",
    [
        ('{"a": [1, {"b": 2}]}', ("a", 1, "b"), 11),
        ('{"a": [1, {"b": 2}]}', ("a", 0), 7),
        ('{\n  "x": {},\n  "y": "z"\n}', ("y",), 15),
        ("[]", (), 0),
    ],
)
def test_json_positions(text, path, offset):
    assert desired_payload.positions(text)[path] == offset


def test_anchor_maps_document_lines_into_the_yaml_file():
    block = TextAnchor("f.yaml", 10, 3, first=11, indent=4)
    assert (block.at(4, 3).line, block.at(4, 3).column) == (14, 7)
    one_line = TextAnchor("f.yaml", 10, 3)
    assert (one_line.at(4, 3).line, one_line.at(4, 3).column) == (10, 3)


def test_the_monorepo_is_clean():
    _, report = validate(ROOT)
    assert problems(report, check=ID) == []

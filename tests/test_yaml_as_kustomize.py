"""YAML is read as the real kustomize reads it (Go's yaml.v3), never as PyYAML's YAML 1.1:
each case is built by `kubectl kustomize` and compared with what the loader makes of the file."""

import random
import subprocess

import pytest
from infometis.load.runner import kubectl
from infometis.load.yamlio import dump, load_stream, load_text

SCALARS = [
    "1e3",
    "1E3",
    "0o17",
    "017",
    "08",
    "0x1F",
    "0X1f",
    "0b101",
    "1_000",
    "1__0",
    "+1",
    "-1",
    "+.5",
    "-.5",
    ".5",
    "1.",
    "12e03",
    "0.1e-7",
    "1e+21",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "123456789012345678901234567890",
    "-9223372036854775809",
    "0x10000000000000000",
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "Yes",
    "NO",
    "true",
    "True",
    "TRUE",
    "tRUE",
    "false",
    "null",
    "Null",
    "~",
    "NULL",
    "nULL",
    "1:20",
    "190:20:30",
    "=",
    "<<x",
    "0",
    "-0",
    "00",
    "+0x1",
    "-0o7",
    "1_0.5",
    "._5",
    "1e",
    "e3",
    ".e3",
    "1.5.5",
    "0b2",
    "0o8",
    "1e400",
    "+",
    ".",
]


def _random_scalars(count: int) -> list[str]:
    chance = random.Random(19)
    return [
        "".join(chance.choice("0123456789+-._eExXoObB") for _ in range(chance.randint(1, 6)))
        for _ in range(count)
    ]


def _kustomize(tmp_path, manifest: str) -> list:
    (tmp_path / "kustomization.yaml").write_text("resources: [cm.yaml]\n")
    (tmp_path / "cm.yaml").write_text(manifest)
    result = subprocess.run(
        [kubectl(), "kustomize", str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return load_stream(result.stdout)


def _config_map(values: dict[str, str]) -> str:
    lines = "".join(f"  k{index}: {text}\n" for index, text in enumerate(values))
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\nspec:\n{lines}"


def test_plain_scalars_mean_what_they_mean_to_kustomize(tmp_path):
    scalars = list(
        dict.fromkeys(SCALARS + [s for s in _random_scalars(400) if not s.startswith(("-", "."))])
    )
    manifest = _config_map(scalars)
    ours = load_text(manifest.encode(), "cm.yaml").documents[0].data["spec"]
    theirs = _kustomize(tmp_path, manifest)[0]["spec"]
    differ = {
        scalars[int(key[1:])]: (ours[key], theirs.get(key))
        for key in ours
        if ours[key] != theirs.get(key)
        or isinstance(ours[key], str) != isinstance(theirs.get(key), str)
    }
    assert differ == {}


def test_dates_are_text_and_an_impossible_one_does_not_stop_the_run(tmp_path):
    manifest = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  d: 2023-02-29\n"
        "  e: 2023-02-28\n"
    )
    loaded = load_text(manifest.encode(), "cm.yaml")
    assert loaded.problems == () and loaded.documents[0].data["data"] == {
        "d": "2023-02-29",
        "e": "2023-02-28",
    }
    rendered = _kustomize(tmp_path, manifest)[0][
        "data"
    ]  # kustomize writes 2023-02-29 back unquoted
    assert rendered == {"d": "2023-02-29", "e": "2023-02-28T00:00:00Z"}


def test_a_redefined_anchor_is_taken_by_the_aliases_after_it(tmp_path):
    manifest = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"
        "data:\n  one: &x first\n  two: *x\n  three: &x second\n  four: *x\n"
    )
    loaded = load_text(manifest.encode(), "cm.yaml")
    assert loaded.problems == ()
    assert loaded.documents[0].data == _kustomize(tmp_path, manifest)[0]
    assert loaded.documents[0].location(("data", "four")).line == 9


@pytest.mark.parametrize(
    "body, expected",
    [
        ("  d: x\n  d: y\n", [(8, 'mapping key "d" already defined at line 7')]),
        ('  "1": a\n  1: b\n', [(8, 'mapping key "1" already defined at line 7')]),
        ("  a: x\n  A: y\n  'yes': z\n", []),
        ("  <<: *p\n  <<: *q\n", [(8, "duplicate merge key")]),
    ],
)
def test_duplicate_keys_get_kustomizes_verdict_and_message(tmp_path, body, expected):
    manifest = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"
        f"x: [&p {{p: '1'}}, &q {{q: '2'}}]\ndata:\n{body}"
    )
    loaded = load_text(manifest.encode(), "cm.yaml")
    assert [(p.line, p.message) for p in loaded.problems] == expected
    (tmp_path / "kustomization.yaml").write_text("resources: [cm.yaml]\n")
    (tmp_path / "cm.yaml").write_text(manifest)
    result = subprocess.run(
        [kubectl(), "kustomize", str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert (result.returncode != 0) == bool(expected)
    assert all(message in result.stderr for _, message in expected)


def test_what_is_written_reads_back_the_same_in_kustomize(tmp_path):
    # (kustomize itself writes the string "._5" unquoted, which it then reads as 0.5: left out)
    texts = [text for text in SCALARS if text != "._5"] + ["2023-02-29", "2023-02-28", "a: b", "#x"]
    strings = {f"s{index}": text for index, text in enumerate(texts)}
    numbers = {
        "int": 1000,
        "float": 1e21,
        "small": 1e-08,
        "big": 9223372036854775808,
        "flag": True,
        "none": None,
    }
    data = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "a"},
        "data": strings,
        "spec": numbers,
    }
    text = dump(data)
    assert "'1e3'" in text and "'yes'" in text and "'0o17'" in text
    assert load_stream(text) == [data]
    assert _kustomize(tmp_path, text) == [data]

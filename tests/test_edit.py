"""The splice editor: the edited value changes, every other byte stays."""

from __future__ import annotations

import os
import stat

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st
from infometis.load.files import read_text, write_atomic
from infometis.model.errors import EditError
from infometis.write.edit import append_item, find_value, replace_value, scalars

KUSTOMIZATION = """\
# NiFi in dev
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../base   # the base

  # the border
  - ../border
images:
  - name: apache/nifi
    newTag: "2.6.0" # {"$imagepolicy": "flux-system:nifi:tag"}
  - {name: busybox, newTag: '1.36'}
"""


def changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    assert len(old) == len(new)
    return [(a, b) for a, b in zip(old, new, strict=True) if a != b]


@pytest.mark.parametrize(
    ("path", "value", "line"),
    [
        (
            ("images", 0, "newTag"),
            "2.7.0",
            '    newTag: "2.7.0" # {"$imagepolicy": "flux-system:nifi:tag"}\n',
        ),
        (("images", 1, "newTag"), "1.37", "  - {name: busybox, newTag: '1.37'}\n"),
        (("kind",), "Component", "kind: Component\n"),
    ],
)
def test_replace_changes_exactly_one_line_and_back(path, value, line):
    after = replace_value(KUSTOMIZATION, path, value)
    assert [new for _, new in changed_lines(KUSTOMIZATION, after)] == [line]
    assert _read(after, path) == value
    assert replace_value(after, path, _read(KUSTOMIZATION, path)) == KUSTOMIZATION


@pytest.mark.parametrize(
    ("path", "value", "line"),
    [
        (("images", 1, "name"), "a,b", "  - {name: \"a,b\", newTag: '1.36'}\n"),
        (("kind",), "yes", 'kind: "yes"\n'),
        (("kind",), "a: b", 'kind: "a: b"\n'),
    ],
)
def test_plain_values_that_would_change_meaning_are_quoted(path, value, line):
    after = replace_value(KUSTOMIZATION, path, value)
    assert [new for _, new in changed_lines(KUSTOMIZATION, after)] == [line]
    assert _read(after, path) == value


def _read(text: str, path: tuple):
    node = yaml.safe_load(text)
    for key in path:
        node = node[key]
    return str(node)


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\r\nb: old # note\r\n",  # CRLF
        "a: 1\nb: old",  # no final newline
        "a: 1\nb:   old  # tab\tin\tcomment\n",
        "---\nx: 1\n---\nb: old\n",  # second document
    ],
)
def test_line_endings_and_comments_survive(text):
    document = 1 if text.startswith("---") else 0
    after = replace_value(text, ("b",), "new", document)
    assert after == text.replace("old", "new")


def test_anchors_and_aliases_are_refused():
    text = "a: &v 1.0\nb: *v\n"
    with pytest.raises(EditError, match="anchored"):
        replace_value(text, ("a",), "2.0")
    with pytest.raises(EditError, match="alias"):
        replace_value(text, ("b",), "2.0")


def test_block_scalars_and_missing_paths_are_refused():
    with pytest.raises(EditError, match="block scalar"):
        find_value("a: |\n  x\n", ("a",))
    with pytest.raises(EditError, match="not found"):
        find_value("a: 1\n", ("b",))
    with pytest.raises(EditError, match="not valid YAML"):
        find_value("a: [\n", ("a",))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (KUSTOMIZATION, KUSTOMIZATION.replace("  - ../border\n", "  - ../border\n  - new.yaml\n")),
        ("resources:\n- a\n\n# end\n", "resources:\n- a\n- new.yaml\n\n# end\n"),
        ("resources: [a, b]\n", "resources: [a, b, new.yaml]\n"),
        ("resources: []\n", "resources: [new.yaml]\n"),
        ("kind: Kustomization\nresources:\n", "kind: Kustomization\nresources:\n  - new.yaml\n"),
        ("kind: Kustomization\n", "kind: Kustomization\nresources:\n  - new.yaml\n"),
        (
            "kind: Kustomization\r\nresources:\r\n  - a\r\n",
            "kind: Kustomization\r\nresources:\r\n  - a\r\n  - new.yaml\r\n",
        ),
        ("resources:\n  - a", "resources:\n  - a\n  - new.yaml"),
    ],
)
def test_append_item_inserts_one_line(text, expected):
    assert append_item(text, ("resources",), "new.yaml") == expected


def test_append_item_refuses_a_mapping():
    with pytest.raises(EditError, match="not a list"):
        append_item("resources:\n  a: 1\n", ("resources",), "x")


def test_scalars_lists_every_value_once():
    found = {(s.path, s.value) for s in scalars("a: &x 1\nb: *x\nc: [d, {e: f}]\n")}
    assert found == {(("a",), "1"), (("c", 0), "d"), (("c", 1, "e"), "f")}


def test_write_atomic_keeps_mode_and_leaves_no_temp(tmp_path):
    target = tmp_path / "k.yaml"
    target.write_text("a: 1\n")
    target.chmod(0o600)
    write_atomic(target, "a: 2\n")
    assert read_text(target) == "a: 2\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert os.listdir(tmp_path) == ["k.yaml"]


def test_read_text_refuses_invalid_utf8(tmp_path):
    target = tmp_path / "bad.yaml"
    target.write_bytes(b"a: \xff\n")
    with pytest.raises(EditError, match="not UTF-8"):
        read_text(target)


_VALUES = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=20)


@given(value=_VALUES, style=st.sampled_from(["plain", "'", '"']), crlf=st.booleans())
@example(value="0", style="plain", crlf=False)  # a number written plain read back as one
@example(value="1:20", style="plain", crlf=False)  # YAML 1.1 reads it as 80
@example(value="1.2.3", style="plain", crlf=False)
def test_any_value_reads_back_and_nothing_else_moves(value, style, crlf):
    token = {"plain": "old", "'": "'old'", '"': '"old"'}[style]
    text = f"# head\nspec:\n  chart:\n    version: {token}   # pinned\n  other: [x, y]\n"
    if crlf:
        text = text.replace("\n", "\r\n")
    after = replace_value(text, ("spec", "chart", "version"), value)
    assert yaml.safe_load(after)["spec"]["chart"]["version"] == value
    span = find_value(after, ("spec", "chart", "version"))
    assert after[: span.start] == text[: text.index(token)]
    assert after[span.end :] == text[text.index(token) + len(token) :]

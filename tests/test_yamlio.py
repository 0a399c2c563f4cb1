from hypothesis import given
from hypothesis import strategies as st
from infometis.load.yamlio import dump, field_lines, load_stream, load_text


def test_duplicate_keys_are_problems_with_their_line():
    loaded = load_text(b"metadata:\n  name: a\n  name: b\n", "f.yaml")
    assert [(p.check, p.line, p.column, p.message) for p in loaded.problems] == [
        ("yaml", 3, 3, 'mapping key "name" already defined at line 2')
    ]


def test_syntax_error_has_a_line():
    loaded = load_text(b"a: 1\nb: [1, 2\nc: 3\n", "f.yaml")
    assert len(loaded.problems) == 1
    assert loaded.problems[0].line == 3 and loaded.problems[0].message.startswith("invalid YAML")


def test_field_lines_point_at_keys_and_items():
    loaded = load_text(b"---\nspec:\n  dependsOn:\n    - name: a\n    - name: b\n", "f.yaml")
    document = loaded.documents[0]
    assert document.line == 2
    assert document.location(("spec", "dependsOn", 1)).line == 5
    assert document.location(("spec", "nothing-here")).line == 2


def test_bom_crlf_empty_and_comment_only_files_load_clean():
    for raw in (b"\xef\xbb\xbfa: 1\n", b"a: 1\r\nb: 2\r\n", b"", b"# only a comment\n"):
        assert load_text(raw, "f.yaml").problems == ()


def test_invalid_utf8_and_binary_are_problems():
    assert load_text(b"a: \xff\n", "f.yaml").problems[0].message == "invalid UTF-8 at byte 3"
    assert load_text(b"\x00\x01\x02", "f.yaml").problems[0].message == "binary file, not YAML"


def test_a_lone_equals_sign_is_a_string():
    assert load_text(b"a: =\n", "f.yaml").documents[0].data == {"a": "="}


@given(st.binary(max_size=200))
def test_any_bytes_give_documents_or_problems(raw):
    loaded = load_text(raw, "f.yaml")
    assert isinstance(loaded.documents, tuple) and isinstance(loaded.problems, tuple)


def test_field_lines_walks_shared_alias_nodes_once():
    import yaml

    node = yaml.compose("a: &x {b: 1}\nc: *x\n")
    assert field_lines(node)[("a", "b")] == (1, 8)


@given(st.dictionaries(st.text(max_size=8), st.text(), max_size=4))
def test_dump_reads_back_as_what_it_dumped(data):
    # multi-line strings are dumped as literal blocks; whatever the characters, they read back
    assert load_stream(dump({"data": data})) == [{"data": data}]

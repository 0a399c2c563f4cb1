"""Properties of the code that reads what users write: the loader turns any bytes into
documents or problems (never an exception, always a line), and substitution ends for any text
and variables, values holding ${...} included. Limits and refusals of paths, by example."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import invoke
from hypothesis import given
from hypothesis import strategies as st
from infometis.discover import boundary, closure
from infometis.load.filecache import FileCache
from infometis.load.yamlio import MAX_DOCUMENTS, MAX_EXPANDED_NODES, load_text
from infometis.model.substitute import substitute

# Pieces of YAML (and of what is not YAML) that random bytes alone would rarely put together.
YAML_PIECES = [
    "a:",
    "b: ",
    " ",
    "  ",
    "\n",
    "\r\n",
    "\t",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ",",
    "&x ",
    "*x",
    "&y ",
    "*y",
    "<<: ",
    "? ",
    ": ",
    "---\n",
    "...\n",
    "#",
    "'",
    '"',
    "|",
    ">-",
    "!!binary ",
    "!!python/object:os.system ",
    "!!set ",
    "%YAML 1.1\n",
    "%TAG ! x\n",
    "1",
    "true",
    "~",
    "=",
    "\\",
    "\ufeff",
    "\x00",
    "\x85",
    "é",
    "${a}",
]
yaml_texts = st.lists(st.sampled_from(YAML_PIECES), max_size=40).map("".join)
raw_bytes = st.one_of(
    st.binary(max_size=300),
    yaml_texts.map(lambda text: text.encode("utf-8", "surrogatepass")),
    yaml_texts.map(lambda text: text.encode("latin-1", "replace")),
)


@contextmanager
def deadline(seconds: int):
    """Fail (rather than hang) when the body runs longer than `seconds`."""

    def expire(*_):
        raise TimeoutError(f"did not finish within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@given(raw_bytes)
def test_any_bytes_give_documents_or_problems_with_a_line(raw):
    with deadline(10):
        loaded = load_text(raw, "f.yaml")
    assert isinstance(loaded.documents, tuple)
    for problem in loaded.problems:
        assert problem.file == "f.yaml" and problem.line and problem.line >= 1
        assert "\n" not in problem.message


@given(raw_bytes)
def test_the_file_cache_never_raises(tmp_path_factory, raw):
    folder = tmp_path_factory.mktemp("cache")
    (folder / "f.yaml").write_bytes(raw)
    loaded = FileCache(folder).load(folder / "f.yaml")
    assert loaded.path == "f.yaml" and isinstance(loaded.problems, tuple)


references = st.lists(
    st.sampled_from(
        [
            "${",
            "}",
            "$${",
            "$",
            "a",
            "b",
            "ab",
            ":=",
            ":-",
            "=",
            "-",
            "#",
            "##",
            "%",
            "^",
            ",,",
            "/",
            "//",
            ":1",
            ":1:2",
            "*",
            " ",
            "\n",
        ]
    ),
    max_size=40,
).map("".join)
values = st.lists(
    st.sampled_from(["${a}", "${b}", "${ab:=${a}}", "${", "}", "x", "$${a}", "/"]), max_size=6
).map("".join)


@given(references, st.dictionaries(st.sampled_from(["a", "b", "ab"]), values))
def test_substitution_always_ends(text, variables):
    with deadline(10):
        outcome = substitute(text, variables)
    assert isinstance(outcome.text, str)


@given(values)
def test_a_substituted_value_is_never_substituted_again(value):
    assert substitute("${a}", {"a": value, "b": "B"}).text == value


def test_loader_limits():
    many = b"".join(b"---\nk: %d\n" % i for i in range(MAX_DOCUMENTS + 1))
    loaded = load_text(many, "f.yaml")
    assert loaded.refused and loaded.problems[0].line == 2 * MAX_DOCUMENTS + 2
    laughs = "a0: &a0 lol\n" + "".join(
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 7)
    )
    assert load_text(laughs.encode(), "f.yaml").refused.startswith(
        f"aliases expand this document to more than {MAX_EXPANDED_NODES:,}"
    )
    fine = "base: &b {x: 1}\n" + "".join(f"k{i}: {{<<: *b, y: {i}}}\n" for i in range(100))
    assert load_text(fine.encode(), "f.yaml").problems == ()
    assert (
        "nested deeper than 1,000 levels" in load_text(b"- " * 5000, "f.yaml").problems[0].message
    )


@pytest.mark.parametrize(
    "reference",
    [
        "https://github.com/org/repo//path?ref=v1",
        "http://example.com/x.yaml",
        "git::https://github.com/org/repo",
        "github.com/org/repo//path?ref=v1",
        "ssh://git@github.com/org/repo",
        "git@github.com:org/repo.git",
        "gitlab.example.org/team/repo/deploy",
        "example.com:8443/org/repo",
        "oci://ghcr.io/org/manifests",
    ],
)
def test_every_remote_syntax_is_remote(reference, tmp_path):
    assert boundary.is_remote(reference, tmp_path)


@pytest.mark.parametrize("reference", ["base", "../base", "configs.d/x.yaml", "deploy.yaml"])
def test_local_paths_are_not_remote(reference, tmp_path):
    assert not boundary.is_remote(reference, tmp_path)


def test_a_local_folder_named_like_a_host_is_local(tmp_path):
    (tmp_path / "example.com" / "x").mkdir(parents=True)
    assert not boundary.is_remote("example.com/x", tmp_path)


def test_escapes(tmp_path):
    root = tmp_path / "repo"
    (root / "a").mkdir(parents=True)
    os.symlink("/etc", root / "a" / "out")
    os.symlink("loop", root / "a" / "loop")
    assert boundary.escape(root / "a", root) is None
    assert boundary.escape(root / "missing.yaml", root) is None  # kustomize says it is missing
    assert boundary.escape(Path("/etc/passwd"), root) == "is outside the repository"
    assert boundary.escape(root.parent, root) == "is outside the repository"
    assert (
        boundary.escape(root / "a" / "out", root) == "leads through a symlink out of the repository"
    )
    assert boundary.escape(root / "a" / "loop", root) == "cannot be resolved (a symlink loop?)"


def test_the_runner_uses_no_shell_and_a_timeout(tmp_path):
    from infometis.load.runner import run

    done = run(["echo", "$(touch pwned); `touch pwned`"], cwd=tmp_path)
    assert (
        done.stdout.strip() == "$(touch pwned); `touch pwned`" and not (tmp_path / "pwned").exists()
    )
    started = time.monotonic()
    late = run(["sleep", "30"], timeout=0.5)
    assert late.timed_out and late.returncode != 0 and time.monotonic() - started < 10


@given(
    st.sampled_from(
        [
            "",
            "resources:\n  - ",
            "components: [",
            "patches:\n  - path: ",
            "configMapGenerator:\n  - name: x\n    files:\n      - ",
        ]
    ),
    yaml_texts,
)
def test_any_kustomization_text_gives_a_closure(tmp_path_factory, prefix, text):
    root = tmp_path_factory.mktemp("walk")
    (root / "app").mkdir()
    (root / "app" / "kustomization.yaml").write_text(prefix + text + "\n", errors="surrogateescape")
    found = closure.walk(root / "app", FileCache(root))
    for _why, where, hint in found.refused:
        assert where.file and hint


@pytest.mark.parametrize("first", ["a", "b", "c"])
def test_closures_in_a_cycle_are_whole_whichever_folder_is_walked_first(tmp_path, first):
    """a → b → a, and c → a: each closure holds every folder it reaches, reused or not."""
    for name, target in (("a", "../b"), ("b", "../a"), ("c", "../a")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "kustomization.yaml").write_text(f"resources:\n  - {target}\n")
    cache = FileCache(tmp_path)
    order = [first] + [name for name in ("a", "b", "c") if name != first]
    found = {name: closure.walk(tmp_path / name, cache).folders for name in order}
    assert found["a"] == found["b"] == {tmp_path / "a", tmp_path / "b"}
    assert found["c"] == {tmp_path / "a", tmp_path / "b", tmp_path / "c"}


def test_schemas_check_reads_standard_input_only_up_to_the_limit():
    """An endless standard input is refused at the size limit, not read to the end."""
    with open("/dev/zero", "rb") as endless:
        done = subprocess.run(
            [sys.executable, "-m", "infometis.commands.main", "schemas", "check", "-"],
            stdin=endless,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert (
        done.returncode == 1
        and "(stdin):1: error [yaml]" in done.stdout
        and "larger than the 10 MiB" in done.stdout
    )


def test_an_unreadable_file_outside_every_kustomization_is_no_internal_error(
    fixture_repo, monkeypatch
):
    repo = fixture_repo("yaml-good")
    (repo / "notes").mkdir()
    (repo / "notes" / "locked.yaml").write_text("kind: CustomResourceDefinition\n")
    real = Path.read_bytes

    def read_bytes(path):  # root reads any file: the OS's refusal is played back
        if path.name == "locked.yaml":
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    result = invoke("validate", "--repo", str(repo), "-o", "json")
    assert result.exit_code in (0, 1) and "internal error" not in result.stderr, result.stderr

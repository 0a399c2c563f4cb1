"""The render cache: cached and uncached runs give the same bytes; an entry that cannot be
read is rendered again; what a render can read is in its key; runs can share the cache."""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import init_repo, invoke, shared_or_skip
from infometis.render import progress
from test_corpus import CORPUS

ROOT = Path(__file__).resolve().parents[1]


def _entries(cache: Path) -> list[Path]:
    return sorted((cache / "renders").glob("*/*.json")) if (cache / "renders").is_dir() else []


def _validate(repo: Path, *args: str) -> str:
    result = invoke("validate", "--repo", str(repo), "-o", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def _builds(repo: Path, clusters: list[str], *args: str) -> str:
    outputs = []
    for cluster in clusters:
        result = invoke("build", cluster, "--repo", str(repo), *args)
        outputs.append(result.stdout)
    return "\n".join(outputs)


def _sample(tmp_path: Path) -> Path:
    repo = tmp_path / "sample"
    shutil.copytree(
        ROOT,
        repo,
        ignore=shutil.ignore_patterns(
            ".git",
            ".venv",
            "tests",
            "benchmarks",
            "*.egg-info",
            "__pycache__",
            ".ruff_cache",
            ".pytest_cache",
        ),
    )
    return init_repo(repo)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_the_corpus_renders_the_same_bytes_cached_and_uncached(name):
    repo = shared_or_skip("corpus", name)
    arguments = CORPUS[name][0]
    clusters = [
        Path(value.rpartition("=")[2]).name
        for option, value in zip(arguments, arguments[1:], strict=False)
        if option == "--path"
    ]
    uncached = (
        _validate(repo, *arguments, "--no-cache"),
        _builds(repo, clusters, *arguments, "--no-cache"),
    )
    _validate(repo, *arguments)  # the session's cache: filled now if it was not
    assert _entries(Path(os.environ["INFOMETIS_CACHE_DIR"]))
    assert uncached == (_validate(repo, *arguments), _builds(repo, clusters, *arguments))


def test_the_sample_renders_the_same_bytes_cached_and_uncached(tmp_path):
    repo = _sample(tmp_path)
    cache = tmp_path / "cache"
    uncached = _validate(repo, "--no-cache"), _builds(repo, ["dev", "uat", "prod"], "--no-cache")
    _validate(repo, "--cache-dir", str(cache))
    cached = (
        _validate(repo, "--cache-dir", str(cache)),
        _builds(repo, ["dev", "uat", "prod"], "--cache-dir", str(cache)),
    )
    assert uncached == cached


def test_the_cache_folder_is_private_and_no_cache_writes_nothing(tmp_path):
    repo = _sample(tmp_path)
    _validate(repo, "--no-cache", "--cache-dir", str(tmp_path / "unused"))
    assert not (tmp_path / "unused").exists()
    _validate(repo, "--cache-dir", str(tmp_path / "cache"))
    assert stat.S_IMODE((tmp_path / "cache").stat().st_mode) == 0o700
    assert len(_entries(tmp_path / "cache")) >= 10


def test_the_default_location_follows_the_environment(tmp_path, monkeypatch):
    from infometis.render.cache import default_folder

    monkeypatch.delenv("INFOMETIS_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_folder() == tmp_path / "xdg" / "infometis"
    monkeypatch.setenv("INFOMETIS_CACHE_DIR", str(tmp_path / "mine"))
    assert default_folder() == tmp_path / "mine"


def test_a_corrupt_entry_is_ignored_and_rebuilt(tmp_path):
    repo = _sample(tmp_path)
    cache = tmp_path / "cache"
    expected = _validate(repo, "--cache-dir", str(cache))
    entries = _entries(cache)
    for index, entry in enumerate(entries):
        entry.write_bytes([b"", b"{not json", b'{"resources": 3}', b"\xff\xfe"][index % 4])
    shutil.rmtree(cache / "verdicts")  # the renders are under test: no kept verdict may answer
    assert _validate(repo, "--cache-dir", str(cache)) == expected
    for entry in entries:
        assert isinstance(json.loads(entry.read_text())["resources"], list)


def test_parsed_files_are_kept_and_a_corrupt_store_is_parsed_again(tmp_path):
    repo = _sample(tmp_path)
    cache = tmp_path / "cache"
    expected = _validate(repo, "--cache-dir", str(cache))
    assert (cache / "parsed.pickle").is_file()
    assert _validate(repo, "--cache-dir", str(cache)) == expected
    (cache / "parsed.pickle").write_bytes(b"\x80\x05garbage")
    assert _validate(repo, "--cache-dir", str(cache)) == expected
    broken = repo / "apps/kafka/base/kustomization.yaml"
    broken.write_text(
        broken.read_text() + "resources: []\n"
    )  # a duplicate key: the yaml check must see it
    assert '"check": "yaml"' in _validate(repo, "--cache-dir", str(cache))


def test_every_file_of_a_visited_folder_is_in_the_key(tmp_path):
    repo = _sample(tmp_path)
    cache = tmp_path / "cache"
    _validate(repo, "--cache-dir", str(cache), "--cluster", "dev")
    before = set(_entries(cache))
    (repo / "apps/kafka/base/NOTES.txt").write_text("not listed in the kustomization\n")
    _validate(repo, "--cache-dir", str(cache), "--cluster", "dev")
    added = set(_entries(cache)) - before
    assert len(added) == 1  # kafka's dev render, and nothing else
    (repo / "apps/kafka/base/NOTES.txt").unlink()
    _validate(repo, "--cache-dir", str(cache), "--cluster", "dev")
    assert set(_entries(cache)) == before | added  # back to the first key: nothing new


def test_a_change_renders_again_and_is_seen(tmp_path):
    repo = _sample(tmp_path)
    cache = tmp_path / "cache"
    assert json.loads(_validate(repo, "--cache-dir", str(cache)))["summary"]["errors"] == 0
    kustomization = repo / "apps/kafka/dev/kustomization.yaml"
    text = kustomization.read_text()
    kustomization.write_text(text + "\nnamePrefix: x-\n" if "namePrefix" not in text else text)
    cached = _validate(repo, "--cache-dir", str(cache))
    assert cached == _validate(repo, "--no-cache")


def test_runs_sharing_the_cache_at_once_agree(tmp_path):
    repo = _sample(tmp_path)
    cache = tmp_path / "cache"
    command = [
        sys.executable,
        "-m",
        "infometis.commands.main",
        "validate",
        "--repo",
        str(repo),
        "-o",
        "json",
        "--cache-dir",
        str(cache),
    ]
    environment = dict(os.environ)
    with ThreadPoolExecutor(max_workers=3) as pool:
        outputs = list(
            pool.map(
                lambda _: subprocess.run(command, capture_output=True, text=True, env=environment),
                range(3),
            )
        )
    assert {done.returncode for done in outputs} == {0}
    assert len({done.stdout for done in outputs}) == 1
    assert not list(cache.rglob(".tmp-*"))  # no half-written entry left behind
    assert _validate(repo, "--cache-dir", str(cache)) == outputs[0].stdout


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_only_on_a_terminal_outside_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    assert progress.wanted(_Terminal()) and not progress.wanted(io.StringIO())
    monkeypatch.setenv("CI", "true")
    assert not progress.wanted(_Terminal())
    monkeypatch.delenv("CI")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert not progress.wanted(_Terminal())


def test_progress_counts_per_cluster_and_erases_itself():
    stream = _Terminal()
    shown = progress.Progress(stream)
    shown.add("dev", 3)
    shown.add("uat", 2)
    shown.done("dev")
    assert shown.line() == "rendering: dev 1/3, uat 0/2"
    shown.close()
    assert stream.getvalue().endswith("\r")

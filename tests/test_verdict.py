"""The verdict cache: a run whose inputs are all as they were gives the kept report without
rendering or checking; any change to what a run reads (content, a new file, a file that git
ignores but a render reads, the options) runs it again."""

from __future__ import annotations

import json
import os
import pickle
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import invoke
from infometis.render.runs import Options
from infometis.run import verdict
from infometis.schemas.catalog import SchemaSettings


def _validate(repo: Path, cache: Path, *args: str) -> dict:
    result = invoke("validate", "--repo", str(repo), "--cache-dir", str(cache), "-o", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def _forget_renders(cache: Path) -> None:
    """Without its renders, a run that is not answered from the verdict must render again."""
    shutil.rmtree(cache / "renders")


def _rendered_again(cache: Path) -> bool:
    return (cache / "renders").is_dir()


def _age(repo: Path) -> None:
    """Every file older than the snapshot's racy window, as files are between real runs."""
    old = 1_600_000_000
    for folder, _, names in os.walk(repo):
        for name in names:
            os.utime(Path(folder, name), (old, old), follow_symlinks=False)


def test_a_file_changed_just_before_the_snapshot_is_compared_by_content(fixture_repo, tmp_path):
    """Content changed, size and every time kept (as a change in the same clock tick would):
    only the content digest of a file modified just before the snapshot tells."""
    repo = fixture_repo("references-good")
    cache = tmp_path / "cache"
    first = _validate(repo, cache)
    [record] = (cache / "verdicts").iterdir()
    kept = pickle.loads(record.read_bytes())
    path = str(repo / "apps/shop/base/configmap.yaml")
    assert path in kept["racy"]
    kept["racy"][path] = "the digest of other content"
    record.write_bytes(pickle.dumps(kept))
    _forget_renders(cache)
    assert _validate(repo, cache) == first
    assert _rendered_again(cache)


@pytest.fixture
def warm(fixture_repo, tmp_path):
    repo = fixture_repo("references-good")
    _age(repo)
    cache = tmp_path / "cache"
    first = _validate(repo, cache)
    _forget_renders(cache)
    return repo, cache, first


def test_nothing_changed_gives_the_kept_report_without_rendering(warm):
    repo, cache, first = warm
    assert _validate(repo, cache) == first
    assert not _rendered_again(cache)
    assert len(list((cache / "verdicts").iterdir())) == 1


def _same_size_other_content(repo: Path) -> None:
    """Content changed, size and modification time kept: the change time still tells."""
    path = repo / "apps/shop/base/configmap.yaml"
    status = path.stat()
    text = path.read_text()
    path.write_text(text.replace("shop", "shoq", 1))
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))


def _new_file(repo: Path) -> None:
    (repo / "apps/shop/base/notes.txt").write_text(
        "read by kustomize? it lists the folder: it counts\n"
    )


@pytest.mark.parametrize("change", [_same_size_other_content, _new_file])
def test_a_changed_input_runs_again(warm, change):
    repo, cache, first = warm
    change(repo)
    _validate(repo, cache)
    assert _rendered_again(cache)


def test_other_options_are_another_question(warm):
    repo, cache, first = warm
    selected = _validate(repo, cache, "--select", "references")
    assert _rendered_again(cache)
    assert selected != first or selected["summary"]["suppressed"] != first["summary"]["suppressed"]


def test_a_git_ignored_file_that_a_render_reads_is_an_input(fixture_repo, tmp_path):
    repo = fixture_repo("references-good")
    (repo / ".gitignore").write_text("vendor/\n")
    (repo / "vendor").mkdir()
    (repo / "vendor/extra.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n"
        "  namespace: shop\ndata:\n  size: small\n"
    )
    base = repo / "apps/shop/base/kustomization.yaml"
    base.write_text(
        base.read_text().replace("resources:\n", "resources:\n  - ../../../vendor/extra.yaml\n", 1)
    )
    _age(repo)
    cache = tmp_path / "cache"
    first = _validate(repo, cache)
    assert first["summary"]["resources"] > 0
    _forget_renders(cache)
    assert _validate(repo, cache) == first and not _rendered_again(cache)
    (repo / "vendor/extra.yaml").write_text(
        (repo / "vendor/extra.yaml").read_text().replace("small", "large")
    )
    _validate(repo, cache)
    assert _rendered_again(cache)


def test_an_unreadable_or_foreign_record_is_a_miss(warm):
    repo, cache, first = warm
    [record] = (cache / "verdicts").iterdir()
    record.write_bytes(b"not a pickle")
    assert _validate(repo, cache) == first
    assert _rendered_again(cache)
    _forget_renders(cache)
    record.chmod(0o666)  # writable by others: never unpickled
    assert _validate(repo, cache) == first
    assert _rendered_again(cache)


def test_no_cache_online_and_kubeconform_runs_keep_no_verdict(warm, tmp_path, monkeypatch):
    repo, cache, _ = warm
    monkeypatch.setenv("INFOMETIS_CACHE_DIR", str(tmp_path / "default-cache"))
    invoke("validate", "--repo", str(repo), "--no-cache", "-o", "json")
    assert not (tmp_path / "default-cache").exists()
    options = Options(repo, [], cache_dir=cache)
    assert verdict.Record.wanted(options, set(), None) is not None
    for other in (
        replace(options, cache_dir=None),
        replace(options, online=True),
        replace(options, schema=SchemaSettings(engine="kubeconform")),
    ):
        assert verdict.Record.wanted(other, set(), None) is None


def test_canonical_options_do_not_depend_on_hash_order():
    first = verdict._canonical({"b": frozenset({"x", "y", "z"}), "a": {("k", 1): {3, 1, 2}}})
    second = verdict._canonical({"a": {("k", 1): {2, 3, 1}}, "b": frozenset({"z", "x", "y"})})
    assert first == second


def test_only_the_most_recently_used_records_are_kept(warm, monkeypatch):
    repo, cache, first = warm
    monkeypatch.setattr(verdict, "KEPT", 2)

    def records() -> set[str]:
        return {path.name for path in (cache / "verdicts").iterdir()}

    [whole] = records()
    _validate(repo, cache, "--select", "references")
    [references] = records() - {whole}
    _validate(repo, cache, "--select", "yaml")
    [yaml] = records() - {whole, references}
    assert records() == {references, yaml}  # the oldest went
    os.utime(cache / "verdicts" / references, ns=(1, 1))  # both long unused, references the longest
    os.utime(cache / "verdicts" / yaml, ns=(2, 2))
    _validate(repo, cache, "--select", "references")  # answered from its record: used now
    _validate(repo, cache)  # asked anew: the least recently used record goes
    assert records() == {whole, references}

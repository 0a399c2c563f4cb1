"""benchmarks/generate.py writes synthetic monorepos that validate clean with the real kustomize."""

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import GENERATOR, init_repo, load_generator, problems, validate_json

generator = load_generator()


def flux_kustomizations(services: int, environments: int, layout: str) -> int:
    """flux-system, the infrastructure layers (3 in the first, independent cluster, 2 in the
    shared ones) and the apps: one per service, or one for all of them."""
    apps = services if layout == "per-service" else 1
    return environments * (1 + apps) + 3 + 2 * (environments - 1)


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def run_generator(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(GENERATOR), *args], capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(
    "services, environments, layout",
    [
        (4, 3, "per-service"),
        (4, 3, "aggregate"),
        (1, 1, "per-service"),
        (2, 4, "aggregate"),
    ],
)
def test_generated_repository_validates_clean(tmp_path, services, environments, layout):
    counts = generator.generate(tmp_path, services, environments, seed=7, layout=layout)
    code, report = validate_json(init_repo(tmp_path))
    assert code == 0, report["problems"]
    assert problems(report, level="error") == [] and problems(report, level="warning") == []
    summary = report["summary"]
    assert summary["clusters"] == environments == counts["clusters"]
    assert (
        summary["kustomizations"]
        == summary["rendered"]
        == counts["kustomizations"]
        == flux_kustomizations(services, environments, layout)
    )
    assert summary["resources"] > 0 and summary["skipped"] == 0


def test_both_layouts_render_the_same_services(tmp_path):
    """Same seed: the layouts differ only by the apps' Flux Kustomization objects."""
    resources = {}
    for layout in generator.LAYOUTS:
        generator.generate(tmp_path / layout, 3, 2, seed=1, layout=layout)
        resources[layout] = validate_json(init_repo(tmp_path / layout))[1]["summary"]["resources"]
    assert resources["per-service"] - resources["aggregate"] == 2 * (3 - 1)


def test_the_seed_decides_the_output(tmp_path):
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        generator.generate(tmp_path / name, 6, 3, seed=seed, layout="per-service")
    first, again, other = (files_of(tmp_path / name) for name in "abc")
    assert first == again
    assert first != other


def test_environment_names():
    assert generator.environment_names(5) == ["dev", "uat", "prod", "env4", "env5"]


def test_a_non_empty_folder_is_refused_without_force(tmp_path):
    (tmp_path / "keep.txt").write_text("mine\n")
    done = run_generator(str(tmp_path), "--services", "2", "--environments", "2")
    assert done.returncode == 2
    assert "is not empty; pass --force" in done.stderr and "Traceback" not in done.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]
    done = run_generator(str(tmp_path), "--services", "2", "--environments", "2", "--force")
    assert done.returncode == 0 and done.stdout.startswith("wrote ")
    assert "2 services, 2 clusters (dev, uat)" in done.stdout and (tmp_path / "keep.txt").exists()


def test_bad_counts_are_usage_errors(tmp_path):
    done = run_generator(str(tmp_path / "out"), "--services", "0")
    assert done.returncode == 2 and "--services" in done.stderr and "Traceback" not in done.stderr

"""The package is laid out by pipeline stage, and imports go one way only: a module imports
from its own stage or from a stage below it, never from one above (README, "The repository")."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "tools" / "infometis"
# Top to bottom: each stage may import the ones after it.
STAGES = (
    "commands",
    "generate",
    "write",
    "run",
    "report",
    "checks",
    "analysis",
    "render",
    "discover",
    "schemas",
    "load",
    "model",
)


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def stage_of(dotted: str) -> str | None:
    """The stage of `infometis.<stage>...`; None for the package root (its version)."""
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 else None


def imported(path: Path, root: Path = PACKAGE) -> list[tuple[int, str]]:
    """(line, absolute module) of every infometis import in a module, those inside functions too."""
    relative = path.relative_to(root.parent).with_suffix("").parts
    package = relative if path.name == "__init__.py" else relative[:-1]
    package = package[:-1] if package[-1] == "__init__" else package
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            base = list(package[: len(package) - node.level + 1]) if node.level else []
            name = ".".join(base + ([node.module] if node.module else []))
            found.append((node.lineno, name))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return [
        (line, name) for line, name in found if name == "infometis" or name.startswith("infometis.")
    ]


def test_every_module_sits_in_a_stage():
    loose = [p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py"]
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert not loose, f"modules outside every stage: {loose}"
    assert folders == set(STAGES), f"stages not in STAGES (or gone): {folders ^ set(STAGES)}"


def against_the_order(path: Path, root: Path = PACKAGE) -> list[str]:
    """Each import of the module at `path` that goes up the stages."""
    own = stage_of(".".join(("infometis",) + path.relative_to(root).parts))
    return [
        f"{path.relative_to(root)}:{line} imports {name}"
        for line, name in imported(path, root)
        if stage_of(name) and own and STAGES.index(stage_of(name)) < STAGES.index(own)
    ]


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_go_down_the_stages(path):
    against = against_the_order(path)
    assert not against, (
        "imports against the stage order " + " > ".join(STAGES) + ":\n" + "\n".join(against)
    )


def test_an_import_against_the_order_is_seen(tmp_path):
    """The rule can fail: a render module importing a check, relatively or inside a function."""
    folder = tmp_path / "infometis" / "render"
    folder.mkdir(parents=True)
    module = folder / "probe.py"
    module.write_text(
        "from ..model import Problem\n\ndef late():\n    from ..checks import REGISTRY\n"
    )
    assert against_the_order(module, tmp_path / "infometis") == [
        "render/probe.py:4 imports infometis.checks"
    ]

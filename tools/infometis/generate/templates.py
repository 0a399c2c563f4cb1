"""Templates are package data (infometis/data/templates/…) with `{{name}}` placeholders.

`${var}` is left alone (Flux's postBuild substitution, GitHub expressions). A placeholder
alone on its line stands for a block: the whole line becomes the value (which ends with a
newline, or is empty). A file or folder named `dot-x` is written as `.x`."""

from __future__ import annotations

import re
from importlib import resources
from importlib.resources.abc import Traversable

_PLACEHOLDER = re.compile(r"^\{\{([a-z_]+)\}\}\n|\{\{([a-z_]+)\}\}", re.MULTILINE)


def _root() -> Traversable:
    return resources.files("infometis").joinpath("data/templates")


def read(name: str) -> str:
    """A template's raw text, by its path under data/templates/."""
    return _root().joinpath(name).read_text(encoding="utf-8")


def fill(text: str, values: dict[str, object]) -> str:
    """`text` with every `{{name}}` replaced; a missing value is a bug, so it raises."""
    def value(match: re.Match) -> str:
        key = match.group(1) or match.group(2)
        if key not in values:
            raise KeyError(f"template value {key!r} is missing")
        return str(values[key])
    return _PLACEHOLDER.sub(value, text)


def render(template: str, /, **values: object) -> str:
    return fill(read(template), values)


def tree(folder: str, /, **values: object) -> dict[str, str]:
    """Every template under `folder`, rendered: {relative output path: text}, sorted."""
    files: dict[str, str] = {}

    def walk(node: Traversable, prefix: str) -> None:
        for child in sorted(node.iterdir(), key=lambda item: item.name):
            name = "." + child.name[4:] if child.name.startswith("dot-") else child.name
            if child.is_dir():
                walk(child, f"{prefix}{name}/")
            else:
                files[f"{prefix}{name}"] = fill(child.read_text(encoding="utf-8"), values)
    walk(_root().joinpath(folder), "")
    return files

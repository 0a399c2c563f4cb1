"""Templates are package data (infometis/data/templates/…) with `{{name}}` placeholders.

`${var}` is left alone (Flux's postBuild substitution, GitHub expressions). A placeholder
alone on its line stands for a block: the whole line becomes the value (which ends with a
newline, or is empty). A file or folder named `dot-x` is written as `.x`.

Values are never pasted raw where they could change the file's structure: in a YAML
template, a placeholder that is a key's whole value is written as a YAML scalar, quoted when
YAML would read the text as anything but that string (`16.4`, `yes`, `a: b`); any other
value must be one line without control characters (a newline in `--url` would add keys).
Blocks that the code itself generates are `Block`s and go in as they are."""

from __future__ import annotations

import json
import re
from importlib import resources
from importlib.resources.abc import Traversable

import yaml

from infometis.generate.plan import GenerateError
from infometis.load.goyaml import STR, plain_tag
from infometis.model import CONTROL_CHARACTERS as _CONTROL

_PLACEHOLDER = re.compile(r"^\{\{([a-z_]+)\}\}\n|\{\{([a-z_]+)\}\}", re.MULTILINE)
# the line up to the placeholder: `key: `
_WHOLE_VALUE = re.compile(r"^[ \t]*(?:- )?[\w.\-/\"']+: $")
_PLAIN = re.compile(r"[A-Za-z0-9_./~+@-][A-Za-z0-9_./~+@:=-]*")


class Block(str):
    """Text the code generated (several lines of YAML): inserted as it is."""


def _root() -> Traversable:
    return resources.files("infometis").joinpath("data/templates")


def read(name: str) -> str:
    """A template's raw text, by its path under data/templates/."""
    return _root().joinpath(name).read_text(encoding="utf-8")


def scalar(value: str) -> str:
    """`value` as a YAML scalar that reads back as this string for YAML 1.2 (kustomize) and
    1.1 (PyYAML, yamllint: `yes`) readers alike; JSON's quoting is YAML's."""
    if _PLAIN.fullmatch(value) and plain_tag(value) == STR and _yaml_11(value) == value:
        return value
    return json.dumps(value, ensure_ascii=False)


def _yaml_11(value: str) -> object:
    try:
        return yaml.safe_load(value)
    except yaml.YAMLError:
        return None


def fill(text: str, values: dict[str, object], yaml_file: bool = False) -> str:
    """`text` with every `{{name}}` replaced; a missing value is a bug, so it raises."""

    def value(match: re.Match[str]) -> str:
        key = match.group(1) or match.group(2)
        if key not in values:
            raise KeyError(f"template value {key!r} is missing")
        found = values[key]
        if match.group(1) or isinstance(found, Block) or not isinstance(found, str):
            return str(found)
        if _CONTROL.search(found):
            raise GenerateError(
                f"{key.replace('_', '-')} {found!r}: "
                "a newline or control character cannot be written "
                "into the repository's files"
            )
        line_start = text.rfind("\n", 0, match.start()) + 1
        line_end = text.find("\n", match.end())
        whole = (
            _WHOLE_VALUE.match(text[line_start : match.start()])
            and not text[match.end() : line_end].strip()
        )
        return scalar(found) if yaml_file and whole else found

    return _PLACEHOLDER.sub(value, text)


def _is_yaml(name: str) -> bool:
    return name.endswith((".yaml", ".yml"))


def render(template: str, /, **values: object) -> str:
    return fill(read(template), values, _is_yaml(template))


def tree(folder: str, /, **values: object) -> dict[str, str]:
    """Every template under `folder`, rendered: {relative output path: text}, sorted."""
    files: dict[str, str] = {}

    def walk(node: Traversable, prefix: str) -> None:
        for child in sorted(node.iterdir(), key=lambda item: item.name):
            name = "." + child.name[4:] if child.name.startswith("dot-") else child.name
            if child.is_dir():
                walk(child, f"{prefix}{name}/")
            else:
                files[f"{prefix}{name}"] = fill(
                    child.read_text(encoding="utf-8"), values, _is_yaml(name)
                )

    walk(_root().joinpath(folder), "")
    return files

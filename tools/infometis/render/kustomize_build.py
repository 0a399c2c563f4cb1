"""kustomize-build — every folder a Flux Kustomization points at builds with kustomize.

The message is kustomize's own (without the deprecation warnings it prints first),
reported at the kustomization that failed; for a folder without one, at the Flux
Kustomization, or at the file that does not parse. A build that fails because a file it
reads does not parse is said once, by the yaml check, at that file. Remote resources
(https://, git::, github.com/…) are refused unless --online is given.

PASS::

    # apps/grafana/dev/kustomization.yaml
    resources:
      - ../base

FAIL::

    resources:
      - ../bsae            # no such folder: kustomize cannot build this
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from infometis.discover.closure import Closure, generator_values, kustomization_file
from infometis.load.config import Config
from infometis.load.filecache import FileCache
from infometis.load.yamlio import YAML_CHECK
from infometis.model import ERROR, Document, Location, redact
from infometis.model.flux import FluxKustomization
from infometis.render.kustomize import Output

ID = "kustomize-build"
LEVEL = ERROR
MAX_MESSAGE = 600  # kustomize may print a whole object in its message (10,000 nested lists)


def shorten(message: str) -> str:
    """kustomize's error without the deprecation warnings it prints first, at most MAX_MESSAGE
    long."""
    message = (
        re.sub(r"# Warning:.*?(?=\berror:|# Warning:|$)", "", message, flags=re.DOTALL).strip()
        or message
    )
    return (
        message
        if len(message) <= MAX_MESSAGE
        else message[:MAX_MESSAGE] + f"… ({len(message):,} characters)"
    )


# kustomize reads kustomization.yaml into Go structs: a field YAML typed as a number or a boolean
# where Go wants a string fails the whole build with no line (`newTag: 16.4`, `newTag: 7`).
_MISTYPED = re.compile(r"cannot unmarshal (\w+) into Go struct field \w+\.([\w.]+) of type string")


@dataclass(frozen=True)
class Mistyped:
    where: Location
    message: str
    hint: str


def mistyped(error: str, kustomizations: list[tuple[Document, Path]]) -> Mistyped | None:
    """The field kustomize could not read as a string, at its line in the kustomization
    (each given with its file)."""
    match = _MISTYPED.search(error)
    if not match:
        return None
    names = tuple(match.group(2).split("."))
    for document, file in kustomizations:
        for path, value in _values(document.data, names, ()):
            if not isinstance(value, str):
                where, written = (
                    document.location(path),
                    # (Document.location always gives a line)
                    _written(file, cast(int, document.location(path).line)),
                )
                shown = ".".join(
                    str(part) if isinstance(part, str) else f"[{part}]" for part in path
                ).replace(".[", "[")
                return Mistyped(
                    where,
                    f"{shown}: YAML reads {written} as a {match.group(1)} ({value!r}), "
                    "and kustomize needs a string here",
                    f'quote it as written: {names[-1]}: "{written}"',
                )
    return None


def _values(
    node: Any, names: tuple[str, ...], path: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """(path, value) of each value at `names` below `node`, through lists."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _values(item, names, path + (index,))
    elif not names:
        yield path, node
    elif isinstance(node, dict) and names[0] in node:
        yield from _values(node[names[0]], names[1:], path + (names[0],))


def _written(file: Path, line_number: int) -> str:
    """The value as the file writes it (3.10, which YAML reads as 3.1)."""
    try:
        line = file.read_text(errors="replace").splitlines()[line_number - 1]
    except (OSError, IndexError):
        return "it"
    return line.split(":", 1)[-1].split(" #", 1)[0].strip() or "it"


def scrubbed(output: Output, closure: Closure, cache: FileCache) -> Output:
    """kustomize's message without a value of the Secrets its inputs hold."""
    if output.error:
        values = set().union(
            *(
                redact.secret_values(document.data)
                for path in closure.manifests
                if path.is_file()
                for document in cache.load(path).documents
            )
        )
        values |= redact.hideable(generator_values(closure, cache))
        output.error = redact.scrub(output.error, values)
    return output


def documents(closure: Closure, cache: FileCache) -> list[tuple[Document, Path]]:
    """The kustomization.yaml documents a build read, each with its file."""
    files = (kustomization_file(folder) for folder in sorted(closure.folders))
    return [
        (loaded.documents[0], path)
        for path in files
        if path
        for loaded in [cache.load(path)]
        if loaded.documents
    ]


def explained(closure: Closure, cache: FileCache, config: Config) -> bool:
    """Whether a file the build reads has a yaml error, which is then the failure's cause."""
    if not config.check(YAML_CHECK).enabled:
        return False
    for path in closure.files | closure.manifests:
        loaded = cache.parsed_file(path)
        if (
            loaded
            and any(p.level == ERROR for p in loaded.problems)
            and not config.is_excluded(loaded.path)
        ):
            return True
    return False


def failure_location(
    k: FluxKustomization, folder: Path, closure: Closure, error: str, cache: FileCache
) -> Location:
    """The kustomization that failed; for a generated one that failed to parse a file, the
    first file that does not parse (kustomize does not name it), else the Flux
    Kustomization."""
    if closure.missing:  # a file the build needs is not there: the line that names it
        return closure.missing[0][1]
    spec_file = kustomization_file(folder)
    if spec_file:
        return Location(cache.relative(spec_file), 1, 1)
    for manifest in sorted(closure.manifests) if _parse_failure(error) else ():
        loaded = cache.load(manifest) if manifest.is_file() else None
        if loaded and loaded.problems:
            return Location(loaded.path, loaded.problems[0].line, loaded.problems[0].column)
    return k.where("spec", "path") if not k.entry else Location(cache.relative(folder) + "/")


def _parse_failure(error: str) -> bool:
    """Whether kustomize failed on YAML it could not read (go-yaml's and kyaml's messages)."""
    return "yaml: " in error or "MalformedYAML" in error

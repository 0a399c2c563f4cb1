"""secrets — no secret is written in clear in the repository.

Every YAML file of the repository is read (not only those a cluster renders: a secret in
Git is leaked whether or not it is deployed), except excluded and git-ignored ones:

- a `v1` Secret whose `data` or `stringData` holds a value in clear. A SOPS-encrypted
  document (top-level `sops:`, values `ENC[…]`) is fine, and so are the values its
  `unencrypted_*` / `encrypted_*` rules deliberately leave in clear; so are an empty
  Secret, SealedSecrets and external secrets (other kinds), and values that only refer
  to a secret kept elsewhere (`${VAR}`, `{{ … }}`, `op://…`, `ref+…`, `<path:…>`).
- a kustomize `secretGenerator` with `literals`, or with `files`/`envs` that are not
  SOPS-encrypted (Flux decrypts those itself), or that Git ignores (they render on a
  laptop, but Flux's checkout does not have them).
- anywhere in a YAML file, comments included: a PEM private key, an age secret key, a
  GitHub token, an AWS access key id, a Slack token or webhook URL, a Google API key.
  SOPS values and stanzas are skipped; so are placeholders (`xxxx…`, `…EXAMPLE`).

Messages name the kind of secret and where it sits (key path), never the value.

PASS::

    stringData:
      token: ENC[AES256_GCM,data:…,type:str]
    sops:
      age: […]

FAIL::

    kind: Secret
    stringData:
      token: s3cr3t          # a plaintext value in a Secret
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infometis.checks import secret_tokens
from infometis.discover.boundary import escape
from infometis.discover.closure import KUSTOMIZATION_FILES, YAML_SUFFIXES
from infometis.load.filecache import FileCache
from infometis.load.yamlio import is_regular
from infometis.model import ERROR, Document, Problem, ResourceId, as_list, plural

if TYPE_CHECKING:
    from infometis.render.runs import RepoRun

ID = "secrets"
LEVEL = ERROR
HINT = "encrypt it with sops (the rules of .sops.yaml), or use a SealedSecret or an external secret"
TOKEN_HINT = (
    f"revoke it (Git keeps it in the history) and keep its successor out of the file: {HINT}"
)
_REFERENCES = ("op://", "ref+", "<path:", "vault:")


def check(run: RepoRun) -> Iterator[Problem]:
    parsed = {loaded.path: loaded for loaded in run.cache.loaded()}  # what renders already read
    own = FileCache(run.repo)  # other files: parsed here, not added to what the yaml check reports
    for path in _yaml_files(run):
        relative = run.cache.relative(path)
        loaded = parsed.get(relative) or own.load(path)
        documents = [d for d in loaded.documents if isinstance(d.data, dict)]
        for document in documents:
            yield from _plaintext_secret(document)
        if path.name in KUSTOMIZATION_FILES:
            for document in documents[:1]:
                yield from _secret_generators(run, path, document)
        for message, where in secret_tokens.found(path, relative, documents):
            yield Problem.at(ID, LEVEL, message, where, hint=TOKEN_HINT)


def _yaml_files(run: RepoRun) -> Iterator[Path]:
    """Every YAML file under the repository that is neither excluded nor git-ignored."""
    for folder, subdirs, files in os.walk(run.repo):
        here = Path(folder)
        subdirs[:] = sorted(
            d
            for d in subdirs
            if d != ".git" and not run.config.is_excluded(run.cache.relative(here / d))
        )
        for name in sorted(files):
            if (
                (name.endswith(YAML_SUFFIXES) or name == "Kustomization")
                and _inside(here / name, run.repo)
                and not run.config.is_excluded(run.cache.relative(here / name))
            ):
                yield here / name


def _inside(path: Path, repo: Path) -> bool:
    """A regular file of the repository: never a FIFO, nor a symlink out of the repository."""
    return is_regular(path) and (not path.is_symlink() or escape(path, repo) is None)


def _in_clear(value: Any) -> bool:
    """A value that holds something, in clear: not encrypted, not a reference."""
    if value is None or isinstance(value, (dict, list)):
        return False
    text = str(value).strip()
    return (
        bool(text)
        and not text.startswith("ENC[")
        and "${" not in text
        and "{{" not in text
        and not text.startswith(_REFERENCES)
    )


def _left_clear(sops: dict[str, Any], keys: tuple[str, ...]) -> bool:
    """True when the sops rules recorded in the file leave this key in clear on purpose."""

    def matches(rule: str, text: str) -> bool:
        try:
            return re.search(rule, text) is not None
        except re.error:
            return False

    suffix, regex = sops.get("unencrypted_suffix"), sops.get("unencrypted_regex")
    if (isinstance(suffix, str) and suffix and any(k.endswith(suffix) for k in keys)) or (
        isinstance(regex, str) and any(matches(regex, k) for k in keys)
    ):
        return True
    suffix, regex = sops.get("encrypted_suffix"), sops.get("encrypted_regex")
    if isinstance(suffix, str) and suffix:
        return not any(k.endswith(suffix) for k in keys)
    if isinstance(regex, str):
        return not any(matches(regex, k) for k in keys)
    return False


def _plaintext_secret(document: Document) -> Iterator[Problem]:
    data = document.data
    if data.get("kind") != "Secret" or data.get("apiVersion") != "v1":
        return
    sops = data.get("sops") if isinstance(data.get("sops"), dict) else None
    clear: list[tuple[str, Any]] = []
    for field in ("data", "stringData"):
        values = data.get(field)
        for key, value in values.items() if isinstance(values, dict) else ():
            if _in_clear(value) and not (sops is not None and _left_clear(sops, (field, str(key)))):
                clear.append((field, key))
    if clear:
        keys = ", ".join(
            f"{field}['{key}']" if "." in str(key) else f"{field}.{key}" for field, key in clear
        )
        state = "in a SOPS file but not encrypted" if sops is not None else "in clear"
        name = (
            (data.get("metadata") or {}).get("name")
            if isinstance(data.get("metadata"), dict)
            else None
        )
        yield Problem.at(
            ID,
            LEVEL,
            f"Secret {name or '(unnamed)'} holds {plural(len(clear), 'value')} {state}: {keys}",
            document.location(clear[0]),
            resource=str(ResourceId.of(data)),
            hint=f"{HINT}; a value that was ever committed must also be changed",
        )


def _secret_generators(run: RepoRun, path: Path, document: Document) -> Iterator[Problem]:
    for index, entry in enumerate(as_list(document.data.get("secretGenerator"))):
        if not isinstance(entry, dict):
            continue
        found: list[tuple[tuple[str | int, ...], str]] = []  # (field path, what is in clear)
        for number, literal in enumerate(as_list(entry.get("literals"))):
            if isinstance(literal, str) and _in_clear(literal.partition("=")[2]):
                found.append((("literals", number), f"literal {literal.partition('=')[0]}"))
        references: list[tuple[tuple[str | int, ...], Any]] = [
            (("files", n), r) for n, r in enumerate(as_list(entry.get("files")))
        ]
        references += [(("envs", n), r) for n, r in enumerate(as_list(entry.get("envs")))]
        references += [(("env",), entry.get("env"))]
        for where, reference in references:
            source = (
                path.parent / reference.split("=", 1)[-1] if isinstance(reference, str) else None
            )
            if source is not None and _git_ignored(run, source):
                yield _ignored_input(
                    document,
                    index,
                    entry,
                    where,
                    run.cache.relative(Path(os.path.normpath(source))),
                )
            elif source is not None and _file_in_clear(run, source):
                found.append((where, f"file {reference.split('=', 1)[-1]}"))
        if found:
            name = entry.get("name") if isinstance(entry.get("name"), str) else "(unnamed)"
            yield Problem.at(
                ID,
                LEVEL,
                f"secretGenerator[{index}] ({name}) makes a Secret from data in clear: "
                + ", ".join(what for _, what in found),
                document.location(("secretGenerator", index) + found[0][0]),
                hint="generate it from SOPS-encrypted files (Flux decrypts them), or use a "
                "SealedSecret or an external secret",
            )


def _git_ignored(run: RepoRun, path: Path) -> bool:
    path = Path(os.path.normpath(path))
    return path.is_file() and run.config.is_git_ignored(run.cache.relative(path))


def _ignored_input(
    document: Document,
    index: int,
    entry: dict[str, Any],
    where: tuple[str | int, ...],
    relative: str,
) -> Problem:
    """A generator input Git ignores: it renders here, but Flux's checkout does not have it."""
    name = entry.get("name") if isinstance(entry.get("name"), str) else "(unnamed)"
    return Problem.at(
        ID,
        LEVEL,
        f"secretGenerator[{index}] ({name}) reads {relative}, which Git ignores: it "
        "renders here, but Flux's checkout does not have it and the build fails on the cluster",
        document.location(("secretGenerator", index) + where),
        hint="commit it SOPS-encrypted (Flux decrypts it), "
        "or use a SealedSecret or an external secret",
    )


def _file_in_clear(run: RepoRun, path: Path) -> bool:
    """A generator input in the repository that is not SOPS-encrypted (missing: not ours to say)."""
    path = Path(os.path.normpath(path))
    if not path.is_file() or run.config.is_excluded(run.cache.relative(path)):
        return False
    try:
        raw = path.read_bytes()
    except OSError:
        return False
    return raw.strip() != b"" and not (b"ENC[" in raw and b"sops" in raw)

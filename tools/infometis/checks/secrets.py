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

from infometis.discover.boundary import escape
from infometis.discover.closure import KUSTOMIZATION_FILES, YAML_SUFFIXES
from infometis.load.filecache import FileCache
from infometis.load.yamlio import is_regular
from infometis.model import ERROR, Document, Location, Problem, ResourceId, as_list, plural
from infometis.model.fieldpath import field_path

if TYPE_CHECKING:
    from infometis.render.runs import RepoRun

ID = "secrets"
LEVEL = ERROR
HINT = "encrypt it with sops (the rules of .sops.yaml), or use a SealedSecret or an external secret"
TOKEN_HINT = (
    f"revoke it (Git keeps it in the history) and keep its successor out of the file: {HINT}"
)
TOKENS = (
    ("a private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")),
    ("an age secret key", re.compile(r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}")),
    (
        "a GitHub token",
        re.compile(
            r"\b(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})\b"
        ),
    ),
    ("an AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")),
    ("a Slack token", re.compile(r"\bxox[baprs]-[0-9A-Za-z]{8,}-[0-9A-Za-z-]{8,}")),
    (
        "a Slack webhook URL",
        re.compile(r"hooks\.slack\.com/services/T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/[A-Za-z0-9]{20,}"),
    ),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])")),
)
_SOPS_VALUE = re.compile(r"ENC\[[^\]]*\]")
# one pass over a file
_ANY_TOKEN = re.compile("|".join(f"(?:{pattern.pattern})" for _, pattern in TOKENS))
# text that each token holds: a file with none of them cannot hold a token (and a substring
# search costs a fraction of the pattern's)
_TOKEN_TEXTS = (
    "PRIVATE KEY",
    "AGE-SECRET-KEY-1",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "AKIA",
    "ASIA",
    "xox",
    "hooks.slack.com/services/",
    "AIza",
)
_SOPS_LINE_VALUE = re.compile(r"ENC\[[^\]\n]*\]")  # _SOPS_VALUE within one line
_KEY_BODY = re.compile(r"[A-Za-z0-9+/]{40,}")  # the first line of a real PEM body
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
        yield from _tokens(path, relative, documents)


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


def _tokens(path: Path, relative: str, documents: list[Document]) -> Iterator[Problem]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return
    # most files hold no token: one search of the whole text (SOPS values blanked line by line,
    # as below) finds every file where a line could match
    if not any(piece in text for piece in _TOKEN_TEXTS):
        return
    blanked = _SOPS_LINE_VALUE.sub(lambda m: " " * len(m.group()), text)
    if not _ANY_TOKEN.search(blanked):
        return
    lines = text.splitlines()
    skipped = _sops_stanzas(documents, len(lines))
    seen: set[tuple[int, str]] = set()
    for number, line in enumerate(lines, 1):
        if number in skipped:
            continue
        text = _SOPS_VALUE.sub(lambda m: " " * len(m.group()), line)  # keep the columns
        for kind, pattern in TOKENS:
            for match in pattern.finditer(text):
                if not _looks_real(kind, match, lines, number) or (number, kind) in seen:
                    continue
                seen.add((number, kind))
                where = (
                    "a comment"
                    if text.lstrip().startswith("#")
                    else _key_path(documents, number, match.start() + 1)
                )
                yield Problem.at(
                    ID,
                    LEVEL,
                    f"{kind} in {where}",
                    Location(relative, number, match.start() + 1),
                    hint=TOKEN_HINT,
                )


def _looks_real(kind: str, match: re.Match[str], lines: list[str], number: int) -> bool:
    """Placeholders are not secrets: a PEM header needs a key body; tokens need variety."""
    if kind == "a private key":
        following = " ".join([lines[number - 1][match.end() :]] + lines[number : number + 2])
        return _KEY_BODY.search(following) is not None
    body = match.group()[4:]  # past the fixed prefix
    return (
        "EXAMPLE" not in body.upper()
        and len(set(body)) >= 4
        and re.search(r"(.)\1{5}", body) is None
    )


def _sops_stanzas(documents: list[Document], last: int) -> set[int]:
    """The lines of each document's top-level `sops:` map (recipients, encrypted data keys)."""
    skipped: set[int] = set()
    starts = sorted(d.line for d in documents)
    for document in documents:
        if not isinstance(document.data.get("sops"), dict) or ("sops",) not in document.lines:
            continue
        begin = document.lines[("sops",)][0]
        after = [document.lines[(key,)][0] for key in document.data if (key,) in document.lines]
        after += [line for line in starts if line > document.line]
        end = min([line for line in after if line > begin], default=last + 1)
        skipped.update(range(begin, end))
    return skipped


def _key_path(documents: list[Document], line: int, column: int) -> str:
    """The key under which a position sits: the last key of its document that starts before it."""
    document = max((d for d in documents if d.line <= line), key=lambda d: d.line, default=None)
    best: tuple[Any, ...]
    best_at: tuple[int, int]
    best, best_at = (), (0, 0)
    for path, at in document.lines.items() if document else ():
        if (
            path
            and at <= (line, column)
            and (at > best_at or (at == best_at and len(path) > len(best)))
        ):
            best, best_at = path, at
    return field_path(best) if best else f"line {line}"

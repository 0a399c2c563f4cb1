"""Credentials written into any YAML file, found by their shapes (private keys, age keys,
GitHub, AWS, Slack and Google tokens) for the secrets check: placeholders and SOPS-encrypted
values are not credentials."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from infometis.model import Document, Location
from infometis.model.fieldpath import field_path

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
TOKEN_TEXTS = (
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


def found(path: Path, relative: str, documents: list[Document]) -> Iterator[tuple[str, Location]]:
    """(what it is and where in the file, its location) of each credential in the file."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return
    # most files hold no token: one search of the whole text (SOPS values blanked line by line,
    # as below) finds every file where a line could match
    if not any(piece in text for piece in TOKEN_TEXTS):
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
                yield f"{kind} in {where}", Location(relative, number, match.start() + 1)


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

#!/usr/bin/env python3
"""Publish distributions to PyPI by trusted publishing, without a stored token.

The job's OpenID Connect token (GitHub issues it to a job with `id-token: write`) is exchanged
at PyPI for a short-lived upload token, and twine uploads with it. PyPI must trust this
repository's release workflow first: project → Publishing → add a GitHub publisher.

Usage: pypi_publish.py DIST... ; PYPI_INDEX (default https://pypi.org) and PYPI_UPLOAD (default
https://upload.pypi.org/legacy/) name another index, e.g. TestPyPI for a rehearsal.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path


def fetch(url: str, *, data: dict | None = None, token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json"} | (
        {"Authorization": f"bearer {token}"} if token else {}
    )
    body = json.dumps(data).encode() if data is not None else None
    with urllib.request.urlopen(
        urllib.request.Request(url, data=body, headers=headers), timeout=60
    ) as response:
        return json.load(response)


def upload_token(index: str) -> str:
    request_url, request_token = (
        os.environ.get("ACTIONS_ID_TOKEN_REQUEST_URL"),
        os.environ.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
    )
    if not request_url or not request_token:
        sys.exit(
            "pypi_publish.py: no OIDC token to exchange: the job needs `permissions: id-token: "
            "write`"
        )
    audience = fetch(f"{index}/_/oidc/audience")["audience"]
    separator = "&" if "?" in request_url else "?"
    oidc = fetch(f"{request_url}{separator}audience={audience}", token=request_token)["value"]
    minted = fetch(f"{index}/_/oidc/mint-token", data={"token": oidc})
    if "token" not in minted:
        sys.exit(f"pypi_publish.py: PyPI refused the exchange: {minted.get('message', minted)}")
    print(f"::add-mask::{minted['token']}")
    return minted["token"]


def main(dists: list[str]) -> int:
    if not dists or not all(Path(dist).is_file() for dist in dists):
        sys.exit("usage: pypi_publish.py DIST... (the files python -m build wrote)")
    index = os.environ.get("PYPI_INDEX") or "https://pypi.org"
    upload = os.environ.get("PYPI_UPLOAD") or "https://upload.pypi.org/legacy/"
    env = dict(
        os.environ, TWINE_USERNAME="__token__", TWINE_PASSWORD=upload_token(index.rstrip("/"))
    )
    twine = Path(sys.executable).with_name("twine")
    return subprocess.run(
        [str(twine), "upload", "--non-interactive", "--repository-url", upload, *dists], env=env
    ).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

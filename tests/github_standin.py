"""A stand-in for the part of GitHub's REST API the workflows call, on 127.0.0.1.

The workflows reach it through GITHUB_API_URL (actions/github-script's Octokit, and the
test's stand-in for codeql-action's upload-sarif). It keeps what they did, for the tests to
read: pull requests (list, create, update), issue comments (list, create, update) and SARIF
uploads; every request is recorded with its token. Like GitHub, it refuses a second open pull
request for the same head and base (422). Nothing else of GitHub is imitated.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

BOT = {"login": "github-actions[bot]", "id": 41898282, "type": "Bot"}


@dataclass
class Request:
    method: str
    path: str
    token: str
    body: dict


@dataclass
class GitHubState:
    pulls: list[dict] = field(default_factory=list)
    comments: list[dict] = field(default_factory=list)
    sarifs: list[dict] = field(default_factory=list)
    uploads: list[dict] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    next_id: int = 1

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id


def _list_pulls(state: GitHubState, owner: str, query: dict, _body: dict):
    wanted = query.get("state", "open")
    found = [p for p in state.pulls if wanted in ("all", p["state"])]
    if "head" in query:  # owner:branch
        found = [p for p in found if p["head"]["label"] == query["head"]]
    if "base" in query:
        found = [p for p in found if p["base"]["ref"] == query["base"]]
    return 200, found


def _create_pull(state: GitHubState, owner: str, _query: dict, body: dict):
    label = f"{owner}:{body['head']}"
    if any(
        p["state"] == "open" and p["head"]["label"] == label and p["base"]["ref"] == body["base"]
        for p in state.pulls
    ):
        return 422, {
            "message": "Validation Failed",
            "errors": [{"message": f"A pull request already exists for {label}."}],
        }
    number = len(state.pulls) + 1
    pull = {
        "id": state.new_id(),
        "number": number,
        "state": "open",
        "title": body.get("title", ""),
        "body": body.get("body", ""),
        "user": BOT,
        "html_url": f"http://127.0.0.1/pull/{number}",
        "head": {"ref": body["head"], "label": label},
        "base": {"ref": body["base"]},
    }
    state.pulls.append(pull)
    return 201, pull


def _update_pull(state: GitHubState, number: int, body: dict):
    pull = next((p for p in state.pulls if p["number"] == number), None)
    if pull is None:
        return 404, {"message": "Not Found"}
    pull.update({key: body[key] for key in ("title", "body", "state") if key in body})
    return 200, pull


def _comments_of(state: GitHubState, number: int):
    return 200, [c for c in state.comments if c["issue_number"] == number]


def _create_comment(state: GitHubState, number: int, body: dict):
    comment = {"id": state.new_id(), "issue_number": number, "body": body["body"], "user": BOT}
    state.comments.append(comment)
    return 201, comment


def _update_comment(state: GitHubState, comment_id: int, body: dict):
    comment = next((c for c in state.comments if c["id"] == comment_id), None)
    if comment is None:
        return 404, {"message": "Not Found"}
    comment["body"] = body["body"]
    return 200, comment


def _upload_sarif(state: GitHubState, body: dict):
    sarif = json.loads(gzip.decompress(base64.b64decode(body["sarif"])))
    state.sarifs.append({**{k: v for k, v in body.items() if k != "sarif"}, "sarif": sarif})
    return 202, {"id": str(state.new_id()), "url": "http://127.0.0.1/sarifs/1"}


OIDC_TOKEN, PYPI_TOKEN = "oidc-token-of-the-job", "pypi-upload-token-minted"


def _mint(body: dict):
    if body.get("token") != OIDC_TOKEN:
        return 422, {"message": "invalid-publisher: the token is not one this publisher trusts"}
    return 200, {"success": True, "token": PYPI_TOKEN}


def _upload(state: GitHubState, body: dict, token: str):
    """A twine upload (multipart form): which file, with which credentials."""
    name = re.search(rb'name="content"; filename="([^"]+)"', body["raw"])
    state.uploads.append(
        {
            "filename": name.group(1).decode() if name else None,
            "credentials": base64.b64decode(token).decode() if token else "",
        }
    )
    return 200, {}


REPO = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"
ROUTES = [
    ("GET", rf"{REPO}/pulls", lambda s, m, q, b: _list_pulls(s, m["owner"], q, b)),
    ("POST", rf"{REPO}/pulls", lambda s, m, q, b: _create_pull(s, m["owner"], q, b)),
    ("PATCH", rf"{REPO}/pulls/(?P<n>\d+)", lambda s, m, q, b: _update_pull(s, int(m["n"]), b)),
    ("GET", rf"{REPO}/issues/(?P<n>\d+)/comments", lambda s, m, q, b: _comments_of(s, int(m["n"]))),
    (
        "POST",
        rf"{REPO}/issues/(?P<n>\d+)/comments",
        lambda s, m, q, b: _create_comment(s, int(m["n"]), b),
    ),
    (
        "PATCH",
        rf"{REPO}/issues/comments/(?P<n>\d+)",
        lambda s, m, q, b: _update_comment(s, int(m["n"]), b),
    ),
    ("POST", rf"{REPO}/code-scanning/sarifs", lambda s, m, q, b: _upload_sarif(s, b)),
    ("GET", r"/oidc/token", lambda s, m, q, b: (200, {"value": OIDC_TOKEN})),
    ("GET", r"/_/oidc/audience", lambda s, m, q, b: (200, {"audience": "pypi"})),
    ("POST", r"/_/oidc/mint-token", lambda s, m, q, b: _mint(b)),
    ("POST", r"/legacy/", lambda s, m, q, b: _upload(s, b, s.requests[-1].token)),
]


class _Handler(BaseHTTPRequestHandler):
    state: GitHubState
    lock: threading.Lock

    def _serve(self) -> None:
        url = urlsplit(self.path)
        query = {key: values[-1] for key, values in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length) if length else b""
        is_json = (self.headers.get("Content-Type") or "application/json").startswith(
            "application/json"
        )
        body = (json.loads(data) if data else {}) if is_json else {"raw": data}
        token = (self.headers.get("Authorization") or "").split(" ", 1)[-1]
        with self.lock:
            self.state.requests.append(Request(self.command, url.path, token, body))
            status, payload = 404, {"message": "Not Found (not part of the stand-in)"}
            for method, pattern, handle in ROUTES:
                match = re.fullmatch(pattern, url.path)
                if match and method == self.command:
                    status, payload = handle(self.state, match.groupdict(), query, body)
                    break
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    def log_message(self, *args) -> None:  # the tests read the state, not a log
        pass


class GitHubStandIn:
    """Serves until stop(); `url` is what GITHUB_API_URL is set to."""

    def __init__(self) -> None:
        self.state = GitHubState()
        handler = type("Handler", (_Handler,), {"state": self.state, "lock": threading.Lock()})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

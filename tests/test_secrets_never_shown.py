"""No output of any command, in any format, holds a value that came from a Secret: planted in a
plaintext Secret (as written and as base64), behind a key kustomize cannot print without the
whole object, in a secretGenerator reading a git-ignored .env, and substituted from a Secret
into a ConfigMap. Every command and format is run and its standard output and error grepped."""

from __future__ import annotations

import base64
import tempfile
from pathlib import Path

from conftest import git, invoke
from hypothesis import given, settings
from hypothesis import strategies as st

SYNC = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: {name}
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps/{name}
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
"""
SUBSTITUTED = (
    SYNC.format(name="settings")
    + """\
  postBuild:
    substituteFrom:
      - kind: Secret
        name: vars
"""
)
FILES = {
    "clusters/dev/vars.yaml": (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: vars\n"
        "  namespace: flux-system\nstringData:\n  token: {substituted}\n"
    ),
    "clusters/dev/syncs.yaml": SYNC.format(name="plain") + "---\n" + SUBSTITUTED,
    "clusters/dev/odd.yaml": SYNC.format(name="odd"),
    "clusters/dev/generated.yaml": SYNC.format(name="generated"),
    "apps/plain/kustomization.yaml": "resources: [secret.yaml]\n",
    "apps/plain/secret.yaml": (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n"
        "  namespace: default\nstringData:\n  password: {written}\ndata:\n  token: {encoded}\n"
    ),
    # a key that is not a string: kustomize prints the whole object in its error
    "apps/odd/kustomization.yaml": "resources: [secret.yaml]\n",
    "apps/odd/secret.yaml": (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: odd\n"
        "  namespace: default\nstringData:\n  8080: {odd}\n  true: {odd}\n"
    ),
    # a generator reading a file git ignores, and a patch with an integer key
    "apps/generated/kustomization.yaml": (
        "secretGenerator:\n  - name: gen\n"
        "    namespace: default\n    envs: [.env]\n"
        "patches:\n  - patch: |\n      apiVersion: v1\n      kind: Secret\n"
        "      metadata: {{name: gen, namespace: default}}\n      data:\n        1: eA==\n"
    ),
    "apps/generated/.env": "API_KEY={ignored}\n",
    ".gitignore": ".env\n",
    "apps/settings/kustomization.yaml": "resources: [configmap.yaml]\n",
    "apps/settings/configmap.yaml": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
        "  name: settings\n  namespace: default\n"
        "data:\n  header: Bearer ${{token}}\n"
    ),
}
COMMANDS = (
    [["validate", "-o", name] for name in ("text", "json", "github", "sarif", "junit")]
    + [["build", "dev"], ["graph", "dev"], ["graph", "dev", "-o", "mermaid"]]
    + [
        ["get", view, "-o", name]
        for view in ("ks", "hr", "sources", "images")
        for name in ("wide", "json")
    ]
    + [["diff", "--base", "main", "-o", name] for name in ("text", "markdown", "json")]
)
secret = st.text(
    alphabet="ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789", min_size=10, max_size=24
)


BROKEN = (
    "odd",
    "generated",
)  # what a diff cannot render (its base has no .env): left out of the second repository


def _repository(folder: Path, values: dict[str, str], renderable: bool = False) -> Path:
    for path, text in FILES.items():
        if renderable and any(f"/{name}" in path for name in BROKEN):
            continue
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text.format(**values))
    git(folder, "init", "-q", "-b", "main")
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "planted")
    return folder


def _forms(value: str) -> set[str]:
    return {value, base64.b64encode(value.encode()).decode()}


@settings(max_examples=2, deadline=None)
@given(
    st.fixed_dictionaries(
        {name: secret for name in ("written", "plain", "odd", "ignored", "substituted")}
    )
)
def test_no_command_shows_a_secret_value(values):
    values = dict(
        values,
        encoded=base64.b64encode(values["plain"].encode()).decode(),
        next=values["substituted"][::-1] + "Q",
    )  # never the same value: the diff has a change
    planted = set().union(*(_forms(values[name]) for name in values if name != "encoded"))
    for renderable in (False, True):
        with tempfile.TemporaryDirectory() as temp:
            repo = _repository(Path(temp), values, renderable)
            vars_file = (
                repo / "clusters/dev/vars.yaml"
            )  # the diff shows the substituted value change
            vars_file.write_text(
                vars_file.read_text().replace(values["substituted"], values["next"])
            )
            for command in COMMANDS:
                result = invoke(*command, "--repo", str(repo), "--no-cache")
                shown = result.stdout + result.stderr
                assert "Traceback" not in shown and result.exit_code in (0, 1, 2), (command, shown)
                leaked = sorted(value for value in planted if value in shown)
                assert not leaked, (command, leaked, shown)
                if renderable and command[0] == "diff":  # the change is there, its values are not
                    assert result.exit_code == 1 and "ConfigMap/default/settings" in shown, shown

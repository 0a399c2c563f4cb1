"""Hostile inputs for `infometis validate`: each case writes its file(s) into a copy of
tests/bad_inputs/base (a clean cluster `dev` with Flux Kustomizations demo and other) and says
what the run must give: the exit code and, unless the input is valid, one problem (check, file,
line). Large files are generated here, never committed."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

DEMO = "apps/demo"
KUSTOMIZATION = f"{DEMO}/kustomization.yaml"
APPS = "clusters/dev/apps.yaml"
CONFIGMAP = f"{DEMO}/configmap.yaml"


@dataclass(frozen=True)
class Case:
    name: str
    write: Callable[[Path], None]
    exit_code: int
    check: str | None = None  # None: no error expected
    file: str | None = None
    line: int | None = None


def put(root: Path, relative: str, content: str | bytes) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode()
    path.write_bytes(content)


def listed(name: str, content: str | bytes | None = None) -> Callable[[Path], None]:
    """Add `name` to apps/demo's resources (writing `content` to it, when given)."""

    def write(root: Path) -> None:
        if content is not None:
            put(root, f"{DEMO}/{name}", content)
        with open(root / KUSTOMIZATION, "a") as spec:
            spec.write(f"  - {name}\n")

    return write


def kustomization(text: str) -> Callable[[Path], None]:
    return lambda root: put(root, KUSTOMIZATION, text)


def configmap(body: str, name: str = "extra") -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: demo\n{body}"


def edit_apps(old: str, new: str, count: int = 1) -> Callable[[Path], None]:
    def write(root: Path) -> None:
        text = (root / APPS).read_text()
        assert old in text, old
        (root / APPS).write_text(text.replace(old, new, count))

    return write


def both(*writers: Callable[[Path], None]) -> Callable[[Path], None]:
    def write(root: Path) -> None:
        for writer in writers:
            writer(root)

    return write


def symlink(name: str, target: str, list_it: bool = True) -> Callable[[Path], None]:
    def write(root: Path) -> None:
        os.symlink(target, root / DEMO / name)
        if list_it:
            listed(name)(root)

    return write


def fifo(relative: str, list_it: bool) -> Callable[[Path], None]:
    def write(root: Path) -> None:
        os.mkfifo(root / relative)
        if list_it:
            listed(Path(relative).name)(root)

    return write


def remote(reference: str) -> Case:
    scheme = reference.split(":", 1)[0].split("/", 1)[0].replace(".", "-").replace("@", "-at-")
    return Case(
        f"remote-{scheme}",
        kustomization(f"resources:\n  - namespace.yaml\n  - {reference}\n"),
        1,
        "kustomize-build",
        KUSTOMIZATION,
        3,
    )


def _laughs() -> str:
    lines = ['  a0: &a0 "lol"']
    lines += [f"  a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    return configmap("data:\n" + "\n".join(lines) + "\n")


def _many_documents(count: int) -> str:
    return "".join(
        "---\n" + configmap(f"data:\n  index: '{i}'\n", f"many-{i}") for i in range(count)
    )


def _big(megabytes: int) -> str:
    return configmap("data:\n  blob: " + "x" * (megabytes << 20) + "\n", "big")


CASES: list[Case] = [
    # syntax
    Case(
        "malformed-yaml",
        listed("bad.yaml", configmap("data: {owner: demo\n")),
        1,
        "yaml",
        f"{DEMO}/bad.yaml",
        6,
    ),
    Case(
        "duplicate-key",
        listed("dup.yaml", configmap("data:\n  owner: a\n  owner: b\n")),
        1,
        "yaml",
        f"{DEMO}/dup.yaml",
        8,
    ),
    Case(
        "tab-indentation",
        listed("tabs.yaml", configmap("data:\n\towner: demo\n")),
        1,
        "yaml",
        f"{DEMO}/tabs.yaml",
        7,
    ),
    Case(
        "utf8-bom",
        listed("bom.yaml", b"\xef\xbb\xbf" + configmap("data:\n  owner: demo\n").encode()),
        0,
    ),
    Case(
        "crlf-line-ends",
        listed("crlf.yaml", configmap("data:\n  owner: demo\n").replace("\n", "\r\n")),
        0,
    ),
    Case(
        "invalid-utf8",
        listed("latin1.yaml", configmap("data:\n  owner: d\xe9mo\n").encode("latin-1")),
        1,
        "yaml",
        f"{DEMO}/latin1.yaml",
        7,
    ),
    Case(
        "binary-named-yaml",
        listed("logo.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))),
        1,
        "yaml",
        f"{DEMO}/logo.yaml",
        3,
    ),
    Case(
        "nul-byte",
        listed("nul.yaml", configmap("data:\n  owner: de\x00mo\n")),
        1,
        "yaml",
        f"{DEMO}/nul.yaml",
        7,
    ),
    Case("empty-file", listed("empty.yaml", ""), 0),
    Case("comments-only", listed("comments.yaml", "# nothing yet\n---\n# still nothing\n---\n"), 0),
    # kustomize (and so Flux) cannot read a stream of empty documents ending with '...'
    Case(
        "only-document-markers",
        listed("markers.yaml", "---\n---\n...\n"),
        1,
        "kustomize-build",
        KUSTOMIZATION,
        1,
    ),
    Case(
        "merge-keys",
        listed("merge.yaml", configmap("data:\n  <<: &base {owner: demo}\n  tier: web\n")),
        0,
    ),
    Case(
        "json-in-yml",
        listed(
            "json.yml",
            '{"apiVersion": "v1", "kind": "ConfigMap", '
            '"metadata": {"name": "json", "namespace": "demo"}, "data": {"a": "b"}}',
        ),
        0,
    ),
    Case(
        "one-megabyte-line",
        listed("wide.yaml", configmap("data:\n  wide: " + "w" * 1_000_000 + "\n", "wide")),
        0,
    ),
    Case(
        "non-string-keys",
        listed("keys.yaml", configmap("data:\n  1: one\n  true: yes\n  ? [a, b]\n  : c\n")),
        1,
        "yaml",
        f"{DEMO}/keys.yaml",
        9,
    ),
    Case(
        "top-level-list", listed("list.yaml", "- a\n- b\n"), 1, "kustomize-build", KUSTOMIZATION, 1
    ),
    Case(
        "top-level-scalar",
        listed("scalar.yaml", "just words\n"),
        1,
        "kustomize-build",
        KUSTOMIZATION,
        1,
    ),
    Case(
        "missing-kind",
        listed("nokind.yaml", "apiVersion: v1\nmetadata:\n  name: x\n"),
        1,
        "kustomize-build",
        KUSTOMIZATION,
        1,
    ),
    Case(
        "missing-apiversion",
        listed("noversion.yaml", "kind: ConfigMap\nmetadata:\n  name: x\n"),
        1,
        "schema",
        f"{DEMO}/noversion.yaml",
        1,
    ),
    Case(
        "missing-name",
        listed("noname.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: demo\n"),
        1,
        "kustomize-build",
        KUSTOMIZATION,
        1,
    ),
    # size and shape limits
    Case("file-of-20-megabytes", listed("big.yaml", _big(20)), 1, "yaml", f"{DEMO}/big.yaml", 1),
    Case(
        "ten-thousand-documents",
        listed("many.yaml", _many_documents(10_000)),
        1,
        "yaml",
        f"{DEMO}/many.yaml",
        8002,
    ),
    Case(
        "nested-10000-flow",
        listed("deep.yaml", configmap("data:\n  deep: " + "[" * 10_000 + "]" * 10_000 + "\n")),
        1,
        "yaml",
        f"{DEMO}/deep.yaml",
        7,
    ),
    Case(
        "nested-10000-block",
        listed("deeper.yaml", "- " * 10_000 + "x\n"),
        1,
        "yaml",
        f"{DEMO}/deeper.yaml",
        1,
    ),
    Case("billion-laughs", listed("laughs.yaml", _laughs()), 1, "yaml", f"{DEMO}/laughs.yaml", 1),
    # kustomizations
    Case(
        "kustomization-is-a-list",
        kustomization("- namespace.yaml\n- configmap.yaml\n"),
        1,
        "kustomize-build",
        KUSTOMIZATION,
        1,
    ),
    Case(
        "resource-climbs-out",
        listed("../../../../../../etc"),
        1,
        "kustomize-build",
        KUSTOMIZATION,
        6,
    ),
    Case("resource-absolute-path", listed("/etc/hostname"), 1, "kustomize-build", KUSTOMIZATION, 6),
    Case(
        "symlink-out-of-repository",
        symlink("passwd.yaml", "/etc/passwd"),
        1,
        "kustomize-build",
        KUSTOMIZATION,
        6,
    ),
    Case(
        "symlink-out-generated",
        both(
            lambda root: (root / KUSTOMIZATION).unlink(),
            symlink("passwd.yaml", "/etc/passwd", list_it=False),
        ),
        1,
        "kustomize-build",
        f"{DEMO}/passwd.yaml",
        1,
    ),
    Case(
        "kustomization-symlink-out",
        both(
            lambda root: (root / KUSTOMIZATION).unlink(),
            lambda root: os.symlink("/etc/passwd", root / KUSTOMIZATION),
        ),
        1,
        "kustomize-build",
        KUSTOMIZATION,
        1,
    ),
    Case("symlink-loop", symlink("loop.yaml", "loop.yaml"), 1, "kustomize-build", KUSTOMIZATION, 6),
    Case(
        "generator-file-outside",
        kustomization(
            "resources:\n  - namespace.yaml\nconfigMapGenerator:\n  - name: stolen\n"
            "    files:\n      - /etc/passwd\n"
        ),
        1,
        "kustomize-build",
        KUSTOMIZATION,
        6,
    ),
    Case(
        "patch-path-outside",
        kustomization(
            "resources:\n  - namespace.yaml\npatches:\n  - path: ../../../../etc/passwd\n"
        ),
        1,
        "kustomize-build",
        KUSTOMIZATION,
        4,
    ),
    Case(
        "symlinked-folder-outside", symlink("etc", "/etc"), 1, "kustomize-build", KUSTOMIZATION, 6
    ),
    Case("missing-resource", listed("missing.yaml"), 1, "kustomize-build", KUSTOMIZATION, 6),
    Case("includes-itself", listed("."), 1, "kustomize-build", KUSTOMIZATION, 1),
    Case("fifo-unlisted", fifo(f"{DEMO}/pipe.yaml", list_it=False), 0),
    Case("fifo-listed", fifo(f"{DEMO}/pipe.yaml", list_it=True), 1, "yaml", f"{DEMO}/pipe.yaml", 1),
    Case(
        "fifo-in-generated-folder",
        both(
            lambda root: (root / KUSTOMIZATION).unlink(), fifo(f"{DEMO}/pipe.yaml", list_it=False)
        ),
        0,
    ),
    Case(
        "directory-named-yaml",
        both(lambda root: (root / DEMO / "folder.yaml").mkdir(), listed("folder.yaml")),
        1,
        "kustomize-build",
        KUSTOMIZATION,
        1,
    ),
    remote("https://github.com/example/repo//deploy?ref=v1"),
    remote("http://example.com/manifests.yaml"),
    remote("git::https://github.com/example/repo.git//deploy?ref=v1"),
    remote("github.com/example/repo//deploy?ref=v1"),
    remote("ssh://git@github.com/example/repo.git//deploy"),
    remote("git@github.com:example/repo.git//deploy"),
    remote("gitlab.example.org/team/repo/deploy"),
    # Flux
    Case(
        "depends-on-cycle",
        both(
            edit_apps("  prune: true\n", "  prune: true\n  dependsOn:\n    - name: other\n"),
            lambda root: edit_apps(
                "  path: ./apps/other\n", "  path: ./apps/other\n  dependsOn:\n    - name: demo\n"
            )(root),
        ),
        1,
        "flux-depends-on",
        APPS,
        10,
    ),
    Case(
        "flux-kustomization-renders-itself",
        listed(
            "self.yaml",
            (
                "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n"
                "  name: demo-again\n  namespace: flux-system\nspec:\n  interval: 10m\n"
                "  path: ./apps/demo\n  prune: true\n  wait: true\n"
                "  timeout: 5m\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n"
            ),
        ),
        1,
        "duplicate-resource",
        f"{DEMO}/self.yaml",
        1,
    ),
    Case(
        "flux-path-outside",
        edit_apps("path: ./apps/demo", "path: ../../../etc"),
        1,
        "flux-path",
        APPS,
        8,
    ),
    Case(
        "flux-components-outside",
        edit_apps("  prune: true\n", "  prune: true\n  components:\n    - ../../../../etc\n"),
        1,
        "kustomize-build",
        APPS,
        11,
    ),
    Case(
        "flux-without-source-ref",
        edit_apps("  sourceRef:\n    kind: GitRepository\n    name: flux-system\n", ""),
        1,
        "flux-source",
        APPS,
        6,
    ),
    Case(
        "unterminated-variable",
        listed("open.yaml", configmap("data:\n  host: ${domain\n")),
        1,
        "substitution",
        f"{DEMO}/open.yaml",
        7,
    ),
    Case(
        "substitute-from-missing",
        edit_apps("name: cluster-settings", "name: no-such-settings"),
        1,
        "substitution",
        APPS,
        17,
    ),
    Case(
        "helmrelease-values-not-a-map",
        listed(
            "release.yaml",
            (
                "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n"
                "  name: demo\n  namespace: demo\nspec:\n  interval: 10m\n  chart:\n"
                "    spec:\n      chart: demo\n      sourceRef:\n"
                "        kind: HelmRepository\n        name: demo\n  values: just a string\n"
            ),
        ),
        1,
        "schema",
        f"{DEMO}/release.yaml",
        14,
    ),
    # round two: values Python and Go read differently, and depths that overflow a stack
    Case(
        "integer-of-5000-digits",
        listed("big.yaml", configmap("data:\n  n: " + "9" * 5000 + "\n")),
        0,
    ),
    Case(
        "unquoted-impossible-date", listed("date.yaml", configmap("data:\n  day: 2023-02-29\n")), 0
    ),
    Case(
        "defaults-nested-500-deep",
        listed(
            "deep.yaml",
            configmap(
                "data:\n  v: "
                + "".join(f"${{v{i}:=" for i in range(500))
                + "end"
                + "}" * 500
                + "\n"
            ),
        ),
        1,
        "substitution",
        f"{DEMO}/deep.yaml",
        7,
    ),
    Case(
        "nul-byte-on-line-1007",
        listed(
            "nul.yaml",
            configmap("data:\n" + "".join(f"  k{i}: v\n" for i in range(1000)) + "  last: \x00\n"),
        ),
        1,
        "yaml",
        f"{DEMO}/nul.yaml",
        1007,
    ),
    # a kubeConfig whose secretRef is a string, not {name: ...}: the schema's to say
    Case(
        "kubeconfig-secretref-a-string",
        edit_apps("spec:\n", "spec:\n  kubeConfig:\n    secretRef: remote-cluster\n"),
        1,
        "schema",
        APPS,
        8,
    ),
    # configuration
    Case(
        "malformed-infometis-yaml",
        lambda root: put(root, ".infometis.yaml", "checks: [unclosed\n"),
        2,
        None,
        ".infometis.yaml",
        1,
    ),
]

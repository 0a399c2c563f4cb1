"""Promotion edits lose nothing: every pin of the sample and of the real-world corpus set to
a new value and back gives the same bytes; set once, only its own line differs."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SHARED
from infometis.load.config import Config
from infometis.load.files import read_text
from infometis.model.errors import EditError
from infometis.write import edit, pins
from infometis.write import promote as promotion

ROOT = Path(__file__).resolve().parents[1]


def fidelity(text: str) -> tuple[int, list[str]]:
    """(pins edited, what went wrong) for every editable pin of `text`."""
    edited, wrong = 0, []
    try:
        found = pins.pins(text)
    except EditError:
        return 0, []  # not YAML: nothing to edit
    for pin in found:
        if pin.refused:
            continue
        new = pin.value + "-next"
        once = edit.replace_token(text, pin.span, edit.quote(new, pin.style, pin.in_flow))
        moved = [
            i
            for i, (a, b) in enumerate(zip(text.split("\n"), once.split("\n"), strict=True))
            if a != b
        ]
        again = {p.key: p for p in pins.pins(once)}.get(pin.key)
        if moved != [pin.span.line - 1] or again is None or again.value != new:
            wrong.append(f"{pin.field} at line {pin.span.line}: set once changed lines {moved}")
            continue
        back = edit.replace_token(once, again.span, promotion.new_token(text, pin, again))
        if back != text:
            wrong.append(f"{pin.field} at line {pin.span.line}: set and back is not byte-identical")
        edited += 1
    return edited, wrong


def _yaml_files(*roots: Path) -> list[Path]:
    return sorted(
        p
        for root in roots
        for p in root.rglob("*")
        if p.suffix in (".yaml", ".yml") and p.is_file()
    )


def test_every_pin_of_the_sample_round_trips():
    files = _yaml_files(ROOT / "apps", ROOT / "infrastructure", ROOT / "clusters")
    results = [fidelity(read_text(path)) for path in files]
    assert [w for _, wrong in results for w in wrong] == []
    assert (
        sum(edited for edited, _ in results) >= 17
    )  # 5 services x 3 environments, 2 chart versions, …


def test_every_pin_of_the_corpus_round_trips():
    corpus = SHARED / "corpus"
    if not corpus.is_dir():
        pytest.skip(f"{corpus} is absent: the shared corpus sits next to the project in CI only")
    tried = edited = 0
    wrong = []
    for path in _yaml_files(corpus):
        try:
            text = read_text(path)
        except EditError:
            continue
        tried += 1
        count, problems = fidelity(text)
        edited += count
        wrong += [f"{path.relative_to(corpus)}: {w}" for w in problems]
    assert wrong == []
    assert (
        tried > 500 and edited >= 90
    )  # OCIRepository tags and semver ranges, HelmRelease chart versions


# Each case: (uat text, dev text, the uat lines the promotion must change to).
CASES = {
    "crlf": (
        "images:\r\n  - name: app\r\n    newTag: 1.0.0\r\n",
        "images:\r\n  - name: app\r\n    newTag: 1.1.0\r\n",
    ),
    "no-final-newline": (
        "images:\n  - name: app\n    newTag: 1.0.0",
        "images:\n  - name: app\n    newTag: 1.1.0\n",
    ),
    "trailing-comment": (
        'images:\n  - name: app\n    newTag: 1.0.0 # {"$imagepolicy": "flux-system:app:tag"}\n',
        "images:\n  - name: app\n    newTag: 1.1.0\n",
    ),
    "single-quotes": (
        "images:\n  - name: app\n    newTag: '1.0.0'\n",
        'images:\n  - name: app\n    newTag: "1.1.0"\n',
    ),
    "double-quotes": (
        'images:\n  - name: app\n    digest: "sha256:aa"\n',
        "images:\n  - name: app\n    digest: sha256:bb\n",
    ),
    "flow-list": (
        "images: [{name: app, newTag: 1.0.0}, {name: side, newTag: '2'}]\n",
        "images:\n  - name: side\n    newTag: '3'\n  - name: app\n    newTag: 1.1.0@sha256:cc\n",
    ),
    "tabs-in-comments": (
        "# pinned\there\nimages:\n  - name: app # the\tapp\n    newTag: 1.0.0  # was\t0.9\n",
        "images:\n  - name: app\n    newTag: 1.1.0\n",
    ),
}
HEAD = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
MULTI_UAT = (
    "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: app\n---\n"
    "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: app\n"
    'spec:\n  ref:\n    tag: "1.0.0"\n---\napiVersion: helm.toolkit.fluxcd.io/v2\n'
    "kind: HelmRelease\nmetadata:\n  name: app\nspec:\n  chart:\n    spec:\n"
    "      version: 4.0.0\n  values:\n    replicas: 3 # infometis:promote-not\n"
    "    tag: v1 # infometis:promote\n"
)
MULTI_DEV = (
    MULTI_UAT.replace('"1.0.0"', "1.1.0")
    .replace("4.0.0", "4.1.0")
    .replace("v1 #", "v2 #")
    .replace(": 3 #", ": 1 #")
)


def _repo(tmp_path: Path, uat: str, dev: str, name: str = "kustomization.yaml") -> Path:
    for environment, text in (("uat", uat), ("dev", dev), ("orig", uat)):
        folder = tmp_path / "apps/app" / environment
        folder.mkdir(parents=True)
        (folder / name).write_bytes(text.encode())
    return tmp_path


def _promote_and_back(repo: Path, name: str) -> tuple[bytes, bytes]:
    target = repo / "apps/app/uat" / name
    original = target.read_bytes()
    plan = promotion.plan(repo, Config(), "dev", "uat")
    assert plan.changes and not plan.refused
    promotion.apply(repo, plan)
    promoted = target.read_bytes()
    promotion.apply(repo, promotion.plan(repo, Config(), "orig", "uat"))
    assert target.read_bytes() == original
    return original, promoted


@pytest.mark.parametrize("case", sorted(CASES))
def test_promotion_changes_only_the_pinned_tokens(tmp_path, case):
    uat, dev = CASES[case]
    original, promoted = _promote_and_back(
        _repo(tmp_path, HEAD + uat, HEAD + dev), "kustomization.yaml"
    )
    old_lines, new_lines = original.split(b"\n"), promoted.split(b"\n")
    changed = [(a, b) for a, b in zip(old_lines, new_lines, strict=True) if a != b]
    plan_lines = len({c.line for c in promotion.plan(tmp_path, Config(), "dev", "orig").changes})
    assert 1 <= len(changed) == plan_lines
    for before, after in changed:  # everything around the value is kept, comment included
        assert before.split(b"#")[1:] == after.split(b"#")[1:]


def test_multi_document_sources_and_marked_values(tmp_path):
    original, promoted = _promote_and_back(
        _repo(tmp_path, MULTI_UAT, MULTI_DEV, "app.yaml"), "app.yaml"
    )
    assert (
        promoted
        == MULTI_UAT.replace('"1.0.0"', '"1.1.0"')
        .replace("4.0.0", "4.1.0")
        .replace("v1 #", "v2 #")
        .encode()
    )


def test_an_anchored_value_is_refused_with_the_reason(tmp_path):
    uat = (
        HEAD + "images:\n  - name: app\n    newTag: &tag 1.0.0\n  - name: side\n    newTag: *tag\n"
    )
    dev = HEAD + "images:\n  - name: app\n    newTag: 1.1.0\n"
    plan = promotion.plan(_repo(tmp_path, uat, dev), Config(), "dev", "uat")
    assert [c.refused for c in plan.changes] == [
        "the value is anchored or an alias (&tag): a change would reach every use of it"
    ]


def test_a_pin_written_twice_or_an_unreadable_file_is_said_and_not_promoted(tmp_path):
    dev = HEAD + "images:\n  - name: app\n    newTag: 1.1.0\n    newTag: 1.2.0\n"
    repo = _repo(tmp_path, HEAD + "images:\n  - name: app\n    newTag: 1.0.0\n", dev)
    plan = promotion.plan(repo, Config(), "dev", "uat")
    assert plan.changes == []
    assert plan.missing == [
        'apps/app/dev/kustomization.yaml:6: mapping key "newTag" already defined at line 5: fix '
        "it, then promote"
    ]
    (repo / "apps/app/dev/kustomization.yaml").write_bytes(HEAD.encode() + b"images: []\n# \xff\n")
    plan = promotion.plan(repo, Config(), "dev", "uat")
    offset = len(HEAD) + len("images: []\n# ")
    assert plan.missing == [
        f"apps/app/dev/kustomization.yaml cannot be read: not UTF-8 (byte {offset})"
    ]

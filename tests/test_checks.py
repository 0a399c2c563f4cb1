"""Each check against a GOOD and a BAD fixture repository (tests/fixtures/<check>-good|bad/).

Every fixture is copied, `git init`ed and validated with `--format json`; the tests assert
the exact problems as (check, level, file, line) and the exit code. A GOOD fixture has no
error or warning: only the infos listed.
"""

from __future__ import annotations

import pytest
from conftest import problems, validate_json

SYNCS_ENTRY = (
    "GitRepository/flux-system/flux-system syncs the entry folder clusters/dev: "
    "taken to be this repository"
)
# Where that info lands: at the sourceRef of the first Kustomization planned with the source.

SYNC_INFO_GOTK = ("flux-source", "info", "clusters/dev/flux-system/gotk-sync.yaml", 21)


# The checks of the rendering pipeline; the guardrail checks have their own test modules.
PIPELINE_CHECKS = (
    "yaml",
    "kustomize-build",
    "flux-path",
    "flux-source",
    "flux-depends-on",
    "unreached",
    "duplicate-resource",
    "substitution",
    "schema",
)


@pytest.fixture
def validate(fixture_repo):
    """validate("case", *args) -> (exit code, report) for a fresh git copy of tests/fixtures/case,
    with the pipeline's checks selected (unless the test selects its own)."""

    def run(case: str, *args: str) -> tuple[int, dict]:
        selected = (
            () if "--select" in args else tuple(a for c in PIPELINE_CHECKS for a in ("--select", c))
        )
        return validate_json(fixture_repo(case), *selected, *args)

    return run


def messages(report: dict, check: str) -> list[str]:
    return [p["message"] for p in report["problems"] if p["check"] == check]


def in_files(report: dict, prefix: str, check: str | None = None) -> list[tuple]:
    return [p for p in problems(report, check=check) if (p[2] or "").startswith(prefix)]


# ---------------------------------------------------------------- yaml


def test_yaml_good(validate):
    # two documents with the same keys, a key repeated at another depth, an anchor with a
    # merge key, and a configMapGenerator input named *.yaml that is not YAML
    code, report = validate("yaml-good")
    assert problems(report) == [SYNC_INFO_GOTK]
    assert messages(report, "flux-source") == [SYNCS_ENTRY]
    assert code == 0


def test_yaml_bad_reports_both_files(validate):
    code, report = validate("yaml-bad")
    assert [p[:3] for p in problems(report, check="yaml")] == [
        ("yaml", "error", "apps/broken/configmap.yaml"),
        ("yaml", "error", "apps/dup/configmap.yaml"),
    ]
    assert in_files(report, "apps/dup/", check="yaml") == [
        ("yaml", "error", "apps/dup/configmap.yaml", 8)
    ]
    assert 'mapping key "color" already defined at line' in messages(report, "yaml")[1]
    assert "flow sequence" in messages(report, "yaml")[0]
    # kustomize (and so Flux) cannot build either folder: said once, at the file, not again per
    # build
    assert messages(report, "yaml")[1].endswith("; kustomize cannot build apps/dup, which read it")
    assert problems(report, check="kustomize-build") == []
    assert problems(report, check="unreached") == []
    assert code == 1


def test_yaml_bad_syntax_error_is_at_the_unclosed_flow_sequence(validate):
    _, report = validate("yaml-bad")
    assert in_files(report, "apps/broken/", check="yaml") == [
        ("yaml", "error", "apps/broken/configmap.yaml", 7)
    ]


def test_yaml_bad_report(validate):
    code, report = validate("yaml-bad")
    assert problems(report) == [
        ("yaml", "error", "apps/broken/configmap.yaml", 7),
        ("yaml", "error", "apps/dup/configmap.yaml", 8),
        SYNC_INFO_GOTK,
    ]
    assert code == 1


# ---------------------------------------------------------------- kustomize-build


def test_kustomize_build_good(validate):
    # an overlay of ../base with a patch file and a configMapGenerator reading a .env file
    code, report = validate("kustomize-build-good")
    assert problems(report) == [SYNC_INFO_GOTK]
    assert (
        report["summary"]["resources"] == 7
    )  # 4 in clusters/dev + Namespace, ConfigMap, generated ConfigMap
    assert code == 0


def test_kustomize_build_bad(validate):
    code, report = validate("kustomize-build-bad")
    assert problems(report, check="kustomize-build") == [
        (
            "kustomize-build",
            "error",
            "apps/missing/kustomization.yaml",
            5,
        ),  # kustomize's message, at the entry
        ("kustomize-build", "error", "apps/remote/kustomization.yaml", 5),  # the resources entry
    ]
    missing, remote = messages(report, "kustomize-build")
    assert "not-there.yaml" in missing and "no such file or directory" in missing
    assert "/tmp/" not in missing  # paths are relative to the repository
    assert (
        remote == "remote resource 'https://github.com/x/y//z?ref=v1' refused: the network is off"
    )
    # both folders are reached (by renders that failed): not dead configuration
    assert problems(report, check="unreached") == []
    assert code == 1


def test_kustomize_build_bad_missing_resource_is_not_a_yaml_problem(validate):
    code, report = validate("kustomize-build-bad")
    assert problems(report, check="yaml") == []
    assert problems(report) == [
        ("kustomize-build", "error", "apps/missing/kustomization.yaml", 5),
        ("kustomize-build", "error", "apps/remote/kustomization.yaml", 5),
        SYNC_INFO_GOTK,
    ]
    assert code == 1


def test_kustomize_build_failure_of_the_entry_folder_has_a_location(validate):
    code, report = validate("kustomize-build-entry-bad")
    assert problems(report, check="yaml") == [("yaml", "error", "clusters/dev/apps.yaml", 13)]
    assert messages(report, "yaml")[0].endswith(
        "; kustomize cannot build clusters/dev, which read it"
    )
    assert problems(report, check="kustomize-build") == []
    assert code == 1


# ---------------------------------------------------------------- flux-path


def test_flux_path_good(validate):
    # './apps/demo/dev', 'infrastructure/configs' and '/apps/tools/' all name folders of the
    # repository
    code, report = validate("flux-path-good")
    assert problems(report) == [SYNC_INFO_GOTK]
    assert code == 0


def test_flux_path_bad(validate):
    code, report = validate("flux-path-bad")
    assert problems(report) == [
        ("flux-path", "error", "clusters/dev/escape.yaml", 8),
        SYNC_INFO_GOTK,
        ("flux-path", "error", "clusters/dev/nowhere.yaml", 8),
    ]
    assert messages(report, "flux-path") == [
        "spec.path '../../outside' climbs out of the source root",
        "spec.path './apps/nowhere' does not exist in the source",
    ]
    assert code == 1


# ---------------------------------------------------------------- flux-source

UNDEFINED_FLUX_SYSTEM = (
    "GitRepository/flux-system/flux-system is not defined in the repository "
    "(flux bootstrap or a FluxInstance creates it): taken to be this repository"
)
SKIPPED_OTHER = "skipped: source GitRepository/flux-system/other is not this repository"


def test_flux_source_good(validate):
    # no GitRepository flux-system in the repository: it is this repository, said once for the
    # two Kustomizations that use it; GitRepository other has another URL: one info per
    # Kustomization
    code, report = validate("flux-source-good")
    assert problems(report) == [
        ("flux-source", "info", "clusters/dev/apps.yaml", 10),
        ("flux-source", "info", "clusters/dev/vendor.yaml", 22),
        ("flux-source", "info", "clusters/dev/vendor.yaml", 35),
    ]
    assert messages(report, "flux-source") == [UNDEFINED_FLUX_SYSTEM, SKIPPED_OTHER, SKIPPED_OTHER]
    assert [p["resource"] for p in report["problems"]][1:] == [
        "Kustomization.kustomize.toolkit.fluxcd.io/flux-system/vendor-one",
        "Kustomization.kustomize.toolkit.fluxcd.io/flux-system/vendor-two",
    ]
    assert code == 0


def test_flux_source_good_mapped_source_is_rendered(fixture_repo):
    repo = fixture_repo("flux-source-good")
    _, skipped = validate_json(repo, "--select", "flux-source")
    code, report = validate_json(
        repo, "--select", "flux-source", "--source", "GitRepository/flux-system/other=vendor/other"
    )
    assert problems(report) == [("flux-source", "info", "clusters/dev/apps.yaml", 10)]
    assert messages(report, "flux-source") == [UNDEFINED_FLUX_SYSTEM]
    # vendor/other/one and vendor/other/two hold one ConfigMap each
    assert report["summary"]["resources"] == skipped["summary"]["resources"] + 2
    assert code == 0


def test_flux_source_bad(validate):
    code, report = validate("flux-source-bad")
    assert problems(report) == [
        SYNC_INFO_GOTK,
        ("flux-source", "error", "clusters/dev/nokind.yaml", 10),
        (
            "schema",
            "error",
            "clusters/dev/nokind.yaml",
            10,
        ),  # spec.sourceRef.kind: required field is missing
        ("flux-source", "error", "clusters/dev/oci.yaml", 10),
    ]
    assert messages(report, "flux-source")[1:] == [
        "spec.sourceRef needs a kind and a name",
        "sourceRef OCIRepository/flux-system/nowhere is not defined in the repository",
    ]
    assert code == 1


def test_flux_source_bad_mapped_oci_repository_resolves(validate):
    code, report = validate("flux-source-bad", "--source", "OCIRepository/nowhere=oci-artifact")
    assert problems(report, level="error") == [
        ("flux-source", "error", "clusters/dev/nokind.yaml", 10),
        ("schema", "error", "clusters/dev/nokind.yaml", 10),
    ]
    assert code == 1


# ---------------------------------------------------------------- flux-depends-on


def test_flux_depends_on_good(validate):
    # apps → infrastructure → flux-system, with and without an explicit namespace
    code, report = validate("flux-depends-on-good")
    assert problems(report) == [SYNC_INFO_GOTK]
    assert code == 0


def test_flux_depends_on_bad(validate):
    code, report = validate("flux-depends-on-bad")
    assert problems(report) == [
        ("flux-depends-on", "error", "clusters/dev/a.yaml", 13),  # the cycle, at a's dependsOn
        ("flux-depends-on", "error", "clusters/dev/a.yaml", 15),  # - name: missing
        ("flux-depends-on", "error", "clusters/dev/c.yaml", 14),  # - name: a, namespace: elsewhere
        SYNC_INFO_GOTK,
    ]
    assert messages(report, "flux-depends-on") == [
        "dependsOn cycle: a → b → a",
        "dependsOn names flux-system/missing, which no Kustomization of cluster dev defines",
        "dependsOn names elsewhere/a, which no Kustomization of cluster dev defines",
    ]
    assert code == 1


# ---------------------------------------------------------------- unreached


def test_unreached_good(validate):
    # apps/demo/base is reached through ../base; apps/vendor/prod may be what the skipped
    # vendor source deploys; apps/attic is excluded in .infometis.yaml
    code, report = validate("unreached-good")
    assert problems(report) == [
        SYNC_INFO_GOTK,
        ("flux-source", "info", "clusters/dev/vendor.yaml", 22),
    ]
    assert code == 0


def test_unreached_bad(validate):
    # apps/loose has no kustomization.yaml: not a candidate
    code, report = validate("unreached-bad")
    assert problems(report) == [
        ("unreached", "warning", "apps/demo/prod/kustomization.yaml", 1),
        SYNC_INFO_GOTK,
        ("unreached", "warning", "infrastructure/old/configs/kustomization.yaml", 1),
    ]
    assert messages(report, "unreached") == [
        "apps/demo/prod is not reached by any cluster",
        "infrastructure/old/configs is not reached by any cluster",
    ]
    assert code == 0  # warnings only


# ---------------------------------------------------------------- duplicate-resource


def test_duplicate_resource_good(validate):
    # edge renders the same Namespace and ConfigMap as apps, but through spec.kubeConfig into
    # another cluster; team-a and team-b render one ConfigMap into two targetNamespaces
    code, report = validate("duplicate-resource-good")
    assert problems(report) == [SYNC_INFO_GOTK]
    assert code == 0


def test_duplicate_resource_bad(validate):
    code, report = validate("duplicate-resource-bad")
    assert problems(report) == [
        ("duplicate-resource", "error", "apps/two/resources.yaml", 9),  # the second document
        SYNC_INFO_GOTK,
    ]
    assert messages(report, "duplicate-resource") == [
        "Namespace//shared is also rendered by one (here by two)"
    ]
    assert report["problems"][0]["resource"] == "Namespace//shared"
    assert code == 1


# ---------------------------------------------------------------- substitution


def test_substitution_good(validate):
    # ${domain} from cluster-settings, ${team} inline, ${log_level:=info}, $${literal}, an optional
    # substituteFrom that is absent, and ${undefined_var} in a resource with substitution disabled
    code, report = validate("substitution-good")
    assert problems(report) == [SYNC_INFO_GOTK]
    assert code == 0


def test_substitution_bad(validate):
    code, report = validate("substitution-bad")
    # the missing ConfigMap's variables are unknown, not empty: ${undefined_var} may be one of them
    assert problems(report) == [
        (
            "substitution",
            "error",
            "clusters/dev/apps.yaml",
            17,
        ),  # - kind: ConfigMap / name: missing-settings
        SYNC_INFO_GOTK,
    ]
    assert messages(report, "substitution") == [
        "substituteFrom ConfigMap flux-system/missing-settings is not in the repository: its "
        "variables are unknown here",
    ]
    assert code == 1


def _substitution_problem_of(report: dict, resource: str) -> list[tuple]:
    return [
        (p["file"], p["line"])
        for p in report["problems"]
        if p["check"] == "substitution" and f"(in {resource})" in p["message"]
    ]


def test_substitution_lines_one_problem_per_resource(validate):
    code, report = validate("substitution-lines")
    assert sorted(messages(report, "substitution")) == [
        "variable 'other_var' has no value and no default (in ConfigMap/default/commented)",
        "variable 'patched_var' has no value and no default (in ConfigMap/default/patched)",
        "variable 'undefined_var' has no value and no default (in ConfigMap/default/second)",
    ]
    assert code == 1


def test_substitution_line_is_in_the_resource_not_an_earlier_document(validate):
    _, report = validate("substitution-lines")
    assert _substitution_problem_of(report, "ConfigMap/default/second") == [
        ("apps/demo/dev/two-documents.yaml", 18)
    ]


def test_substitution_line_skips_comments_and_escaped_literals(validate):
    _, report = validate("substitution-lines")
    assert _substitution_problem_of(report, "ConfigMap/default/commented") == [
        ("apps/demo/dev/commented.yaml", 9)
    ]


def test_substitution_line_of_a_variable_from_a_patch(validate):
    _, report = validate("substitution-lines")
    assert _substitution_problem_of(report, "ConfigMap/default/patched") == [
        ("apps/demo/dev/kustomization.yaml", 14)
    ]


def test_unreached_skips_what_git_ignores_and_partial_runs(fixture_repo):
    from conftest import git

    repo = fixture_repo("unreached-bad")
    (repo / ".gitignore").write_text("infrastructure/old/\n")
    git(repo, "rm", "-r", "-q", "--cached", "infrastructure/old")  # an untracked, ignored folder
    _, report = validate_json(repo)
    assert problems(report, check="unreached") == [
        ("unreached", "warning", "apps/demo/prod/kustomization.yaml", 1)
    ]
    _, report = validate_json(repo, "--cluster", "dev")  # other clusters' folders are not rendered
    assert problems(report, check="unreached") == []


def test_a_failed_render_keeps_its_folder_in_the_summary(validate):
    _, report = validate("kustomize-build-bad")
    detail = {row["name"]: row for row in report["summary"]["kustomizations_detail"]}
    assert (
        detail["flux-system/missing"]["folder"] == "apps/missing"
    )  # it failed: the folder is still said
    assert (detail["flux-system/missing"]["file"], detail["flux-system/missing"]["line"]) == (
        "clusters/dev/missing.yaml",
        4,
    )

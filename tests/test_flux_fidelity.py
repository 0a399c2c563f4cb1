"""Small GitOps repositories that reproduce what real repositories do, each read, substituted
and checked exactly as Flux and kustomize would: no false error, no missed one."""

from conftest import invoke, validate_json
from infometis.load.yamlio import load_stream


def _found(report: dict, check: str | None = None) -> list[tuple]:
    return [
        (p["check"], p["level"], p["file"], p["line"], p["message"])
        for p in report["problems"]
        if p["level"] != "info" and (check is None or p["check"] == check)
    ]


def _built(repo, *args) -> dict:
    result = invoke("build", "dev", "--repo", str(repo), *args)
    return {(d["kind"], d["metadata"]["name"]): d for d in load_stream(result.stdout)}


def test_substitution_is_fluxs_envsubst(fixture_repo):
    repo = fixture_repo("fidelity-substitution")
    code, report = validate_json(repo, "--select", "substitution")
    assert _found(report) == [
        (
            "substitution",
            "error",
            "clusters/dev/apps.yaml",
            47,
            "substituteFrom Secret flux-system/undeclared-vars is not in the repository: its "
            "variables are unknown here",
        ),
        (
            "substitution",
            "error",
            "clusters/dev/apps.yaml",
            62,
            "substituteFrom ConfigMap flux-system/own-settings is rendered by this Kustomization "
            "itself: on a fresh cluster it does not exist yet when the Kustomization is first "
            "applied",
        ),
    ]
    assert code == 1
    built = _built(repo)
    assert built[("ConfigMap", "script")]["data"] == {
        "host": "web.example.internal",
        "run.sh": "echo $HOME ${domain} $PATH",
    }
    assert built[("ConfigMap", "plain")]["data"] == {"price": "$5"}  # $$ is $ in every resource
    assert built[("ConfigMap", "none")]["data"] == {
        "template": "hello ${name}"
    }  # no variables: left alone
    assert built[("ConfigMap", "own")]["data"] == {"color": "blue"}


def test_one_cause_one_problem_at_the_right_document(fixture_repo):
    repo = fixture_repo("fidelity-truth")
    code, report = validate_json(
        repo, "--select", "yaml", "--select", "kustomize-build", "--select", "images"
    )
    assert _found(report) == [
        (
            "yaml",
            "error",
            "apps/shop/base/deployment.yaml",
            7,
            "invalid YAML: while parsing a flow mapping did not find expected ',' or '}'; "
            "kustomize cannot build apps/shop/dev, apps/shop/prod, apps/shop/uat, which read it",
        ),
        (
            "images",
            "error",
            "apps/web/deployments.yaml",
            24,  # the green Deployment, not the blue one
            "spec.template.spec.containers[0].image: 'nginx' has no tag, which means 'latest': it "
            "moves",
        ),
    ]
    assert code == 1


def test_real_mistakes_are_seen_in_any_layout(fixture_repo):
    repo = fixture_repo("fidelity-unseen")
    code, report = validate_json(
        repo, "--select", "unreached", "--select", "references", "--select", "yaml"
    )
    web = "kubernetes/apps/web/"
    assert [found[:4] for found in _found(report)] == [
        (
            "unreached",
            "warning",
            "kubernetes/apps/old/kustomization.yaml",
            1,
        ),  # commented out; old/app not said again
        ("unreached", "error", web + "broken.yaml", 4),  # listed nowhere, and does not parse
        (
            "unreached",
            "warning",
            web + "forgotten.yaml",
            1,
        ),  # listed nowhere (settings.yaml, patch.yaml are read)
        (
            "references",
            "error",
            web + "helmreleases.yaml",
            17,
        ),  # chartRef to an OCIRepository nowhere
        ("references", "error", web + "legacy.yaml", 13),  # a ReplicationController's configMapRef
        ("references", "error", web + "route.yaml", 11),  # sectionName: no such listener
        ("references", "error", web + "route.yaml", 12),  # parentRef to no Gateway
        ("references", "error", web + "route.yaml", 19),  # backendRef to a port the Service lacks
        ("references", "error", web + "route.yaml", 20),  # backendRef to no Service
    ]
    messages = [found[4] for found in _found(report)]
    assert (
        "Gateway network/internal has no listener htps (its listeners: http, https)" in messages[5]
    )
    assert "Service web/web has no port 8080 (its ports: 80/http)" in messages[7]
    assert code == 1


def test_kustomizes_deprecation_warnings_are_not_its_error():
    from infometis.render.kustomize_build import shorten

    error = (
        "# Warning: 'patchesStrategicMerge' is deprecated. Please use 'patches' instead. "
        "error: accumulating resources: may not add resource with an already registered id"
    )
    assert (
        shorten(error)
        == "error: accumulating resources: may not add resource with an already registered id"
    )


def test_external_declares_objects_of_any_kind(fixture_repo):
    repo = fixture_repo("fidelity-unseen")
    (repo / ".infometis.yaml").write_text(
        "external:\n  - OCIRepository/flux-system/app-template\n  - Gateway/network/external\n"
    )
    code, report = validate_json(repo, "--select", "references")
    assert [found[3] for found in _found(report)] == [
        13,
        11,
        19,
        20,
    ]  # the chartRef and the parentRef are silenced


def test_yaml_is_read_and_written_as_kustomize_does(fixture_repo):
    repo = fixture_repo("fidelity-yaml")
    code, report = validate_json(
        repo, "--select", "yaml", "--select", "kustomize-build", "--select", "schema"
    )
    assert _found(report) == [
        (
            "yaml",
            "error",
            "apps/dup/configmap.yaml",
            8,
            'mapping key "1" already defined at line 7; kustomize cannot build apps/dup, which '
            "read it",
        )
    ]
    result = invoke("build", "dev", "--repo", str(repo), "-k", "web")
    assert "  scientific: '1e3'\n" in result.stdout and "  answer: 'yes'\n" in result.stdout
    web = load_stream(result.stdout)[0]
    assert web["data"] == {
        "leap": "2023-02-29",
        "scientific": "1e3",
        "answer": "yes",
        "octal": "0o17",
    }
    assert web["metadata"]["labels"] == {
        "tier": "frontend",
        "previous": "frontend",
        "team": "platform",
        "owner": "platform",
    }

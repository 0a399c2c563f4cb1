"""CustomResourceDefinitions as JSON Schemas: each conversion rule on small CRDs, every verdict
taken from both validators the project uses; then real-world schemas and documents from
../shared."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import jsonschema_rs
import pytest
from infometis.load.yamlio import load_text
from infometis.schemas.crd import CrdSchema, convert_crd, convert_openapi, file_name, is_crd

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "corpus"
CATALOG = SHARED / "schemas" / "crds-catalog"
UNKNOWN = "notAFieldOfThisKind"


def crd(
    openapi, *, group="example.com", kind="Widget", version="v1alpha1", **version_fields
) -> dict:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{kind.lower()}s.{group}"},
        "spec": {
            "group": group,
            "names": {"kind": kind, "plural": f"{kind.lower()}s"},
            "scope": "Namespaced",
            "versions": [
                {
                    "name": version,
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": openapi},
                    **version_fields,
                }
            ],
        },
    }


def resource(spec_properties: dict, **spec_extra) -> dict:
    """The openAPIV3Schema controller-gen writes for a kind, with the given spec."""
    return {
        "type": "object",
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"type": "object"},
            "spec": {"type": "object", "properties": spec_properties, **spec_extra},
        },
    }


def widget(spec=None, **top) -> dict:
    return {
        "apiVersion": "example.com/v1alpha1",
        "kind": "Widget",
        "metadata": {"name": "w", "namespace": "n"},
        "spec": {} if spec is None else spec,
        **top,
    }


def schema_of(openapi, strict=True, **kwargs) -> dict:
    (converted,) = convert_crd(crd(openapi, **kwargs), strict=strict)
    return converted.schema


def verdicts(schema: dict, documents: list) -> list[bool]:
    """Both validators take the schema and agree on every document."""
    jsonschema.Draft202012Validator.check_schema(schema)
    expected = [jsonschema.Draft202012Validator(schema).is_valid(doc) for doc in documents]
    fast = jsonschema_rs.validator_for(schema)
    assert [fast.is_valid(doc) for doc in documents] == expected
    return expected


def specs(properties: dict, values: list, strict=True, **spec_extra) -> list[bool]:
    return verdicts(
        schema_of(resource(properties, **spec_extra), strict), [widget(value) for value in values]
    )


def keywords(schema) -> set[str]:
    """Every keyword used by a schema and its subschemas (property names are not keywords)."""
    found: set[str] = set()
    if isinstance(schema, dict):
        found.update(schema)
        for key, value in schema.items():
            if key in ("properties", "patternProperties"):
                for sub in value.values():
                    found |= keywords(sub)
            elif key in ("items", "additionalProperties", "not"):
                found |= keywords(value)
            elif key in ("allOf", "anyOf", "oneOf"):
                for sub in value:
                    found |= keywords(sub)
    return found


def test_is_crd():
    assert is_crd(crd({}))
    assert is_crd({**crd({}), "apiVersion": "apiextensions.k8s.io/v1beta1"})
    assert not is_crd({**crd({}), "apiVersion": "example.com/v1"})
    assert not is_crd(widget())
    assert not is_crd(["CustomResourceDefinition"])
    assert not is_crd(None)


def test_file_name_is_the_catalog_layout():
    assert (
        file_name("traefik.io", "IngressRoute", "v1alpha1")
        == "traefik.io/ingressroute_v1alpha1.json"
    )


def test_one_schema_per_version_with_what_it_says():
    (converted,) = convert_crd(crd(resource({}), version="v1beta2", served=False))
    assert converted == CrdSchema("example.com", "Widget", "v1beta2", False, converted.schema)
    assert converted.schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_int_or_string():
    port = {"x-kubernetes-int-or-string": True}
    controller_gen = {
        "anyOf": [{"type": "integer"}, {"type": "string"}],
        "x-kubernetes-int-or-string": True,
    }
    typed = {
        "type": "string",
        "pattern": "^[a-z0-9]+$",
        "x-kubernetes-int-or-string": True,
    }  # `type` conflicts: dropped
    legacy = {"type": "string", "format": "int-or-string"}
    values = [
        {"a": 80, "b": 80, "c": 80, "d": 80},
        {"a": "http", "b": "http", "c": "http", "d": "http"},
        {"a": 1.5},
        {"b": True},
        {"c": None},
        {"d": [80]},
        {"c": "HTTP"},
    ]
    assert (
        specs({"a": port, "b": controller_gen, "c": typed, "d": legacy}, values)
        == [True, True] + [False] * 5
    )


def test_nullable():
    properties = {
        "name": {"type": "string", "nullable": True},
        "mode": {"type": "string", "enum": ["a", "b"], "nullable": True},
        "port": {"x-kubernetes-int-or-string": True, "nullable": True},
        "strict": {"type": "string"},
        "ref": {"type": "object", "nullable": True, "properties": {"name": {"type": "string"}}},
    }
    values = [
        {"name": None, "mode": None, "port": None, "ref": None},
        {"name": "x", "mode": "a", "port": 8, "ref": {"name": "r"}},
        {"mode": "c"},
        {"name": 1},
        {"port": []},
        {"strict": None},
        {"ref": {"other": 1}},
    ]
    assert specs(properties, values) == [True, True] + [False] * 5


def test_preserve_unknown_fields_keeps_that_object_open_and_its_properties_checked():
    properties = {
        "values": {"x-kubernetes-preserve-unknown-fields": True},
        "config": {
            "type": "object",
            "x-kubernetes-preserve-unknown-fields": True,
            "properties": {
                "name": {"type": "string"},
                "ref": {"type": "object", "properties": {"id": {"type": "integer"}}},
            },
        },
    }
    values = [
        {"values": {"any": [{"thing": 1}]}},
        {"values": "even a string"},
        {"config": {"name": "x", "extra": {"a": 1}}},
        {"config": {"name": 1}},
        {"config": {"ref": {"id": 1, "extra": 1}}},
        {UNKNOWN: 1},
    ]
    assert specs(properties, values) == [True, True, True, False, False, False]


def test_strict_closes_every_listed_object_and_non_strict_adds_nothing():
    properties = {
        "ref": {"type": "object", "properties": {"name": {"type": "string"}}},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "anything": {"type": "object"},
        "items": {
            "type": "array",
            "items": {"type": "object", "properties": {"id": {"type": "integer"}}},
        },
    }
    values = [
        {
            "ref": {"name": "a"},
            "labels": {"x": "y"},
            "anything": {"a": {"b": 1}},
            "items": [{"id": 1}],
        },
        {UNKNOWN: 1},
        {"ref": {"name": "a", UNKNOWN: 1}},
        {"items": [{"id": 1, UNKNOWN: 1}]},
        {"labels": {"x": 1}},
    ]
    assert specs(properties, values, strict=True) == [True, False, False, False, False]
    assert specs(properties, values, strict=False) == [True, True, True, True, False]
    assert closed_paths(schema_of(resource(properties), strict=False)) == set()
    assert verdicts(
        schema_of(resource(properties), strict=False), [widget(), {**widget(), UNKNOWN: 1}]
    ) == [True, True]


def test_embedded_resource_holds_apiversion_kind_metadata():
    template = {
        "type": "object",
        "x-kubernetes-embedded-resource": True,
        "properties": {
            "spec": {"type": "object", "properties": {"replicas": {"type": "integer"}}},
            "metadata": {"type": "object", "properties": {"name": {"type": "string"}}},
        },
    }
    free = {
        "type": "object",
        "x-kubernetes-embedded-resource": True,
        "x-kubernetes-preserve-unknown-fields": True,
    }
    embedded = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "labels": {"a": "b"}},
        "spec": {"replicas": 1},
    }
    values = [
        {"template": embedded, "free": {**embedded, "status": {}}},
        {"template": {**embedded, UNKNOWN: 1}},
        {"template": {"kind": 1}},
        {"template": {"spec": {"replicas": 1, UNKNOWN: 1}}},
    ]
    assert specs({"template": template, "free": free}, values) == [True, False, False, False]


def test_the_resource_level():
    openapi = resource({"size": {"type": "integer"}}, required=["size"])
    openapi["properties"]["metadata"] = {
        "type": "object",
        "properties": {"name": {"type": "string", "maxLength": 5}},
    }
    openapi["required"] = ["spec"]
    documents = [
        widget({"size": 1}),
        {**widget({"size": 1}), "metadata": {"name": "w", "labels": {"a": "b"}, "annotations": {}}},
        {**widget({"size": 1}), "apiVersion": "example.com/v1"},
        {**widget({"size": 1}), "kind": "Gadget"},
        {**widget({"size": 1}), "metadata": {"name": "too-long"}},
        {**widget({"size": 1}), "spce": {}},
        {"apiVersion": "example.com/v1alpha1", "kind": "Widget", "metadata": {}},
    ]
    strict = schema_of(openapi)
    assert strict["required"] == ["apiVersion", "kind", "spec"]
    assert verdicts(strict, documents) == [True, True, False, False, False, False, False]
    assert (
        verdicts(schema_of(openapi, strict=False), documents)[5] is True
    )  # an unknown top-level field: open like kubeconform


def test_a_schema_that_lists_only_spec_still_takes_apiversion_kind_metadata():
    openapi = {
        "type": "object",
        "properties": {"spec": {"type": "object", "properties": {"size": {"type": "integer"}}}},
    }
    assert verdicts(schema_of(openapi), [widget({"size": 1}), {**widget(), UNKNOWN: 1}]) == [
        True,
        False,
    ]
    assert verdicts(
        schema_of({"type": "object", "x-kubernetes-preserve-unknown-fields": True}),
        [{**widget(), UNKNOWN: 1}, {**widget(), "kind": "Gadget"}],
    ) == [True, False]


def test_openapi_only_keywords_are_translated_or_dropped():
    properties = {
        "count": {
            "type": "integer",
            "minimum": 0,
            "exclusiveMinimum": True,
            "maximum": 10,
            "exclusiveMaximum": False,
        },
        "since": {"type": "string", "format": "date-time", "example": "2024-01-01T00:00:00Z"},
        "every": {
            "type": "string",
            "format": "duration",
            "x-kubernetes-validations": [{"rule": "self != ''"}],
        },
        "tags": {"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "set"},
        "x-kubernetes-name": {"type": "string", "nullable": False},
        "properties": {"type": "boolean"},
        "policy": {
            "type": "object",
            "default": {"properties": {"nullable": True}},
            "properties": {"a": {"type": "string"}},
        },
    }
    schema = schema_of(resource(properties))
    assert not {key for key in keywords(schema) if key.startswith("x-kubernetes-")} | {
        "nullable",
        "example",
    } & keywords(schema)
    spec = schema["properties"]["spec"]["properties"]
    assert spec["since"]["format"] == "date-time" and "format" not in spec["every"]
    assert spec["policy"]["default"] == {
        "properties": {"nullable": True}
    }  # data is never converted
    values = [
        {
            "count": 10,
            "every": "10m",
            "tags": ["a", "b"],
            "x-kubernetes-name": "n",
            "properties": True,
        },
        {"count": 0},
        {"count": 11},
        {"tags": ["a", "a"]},
        {"properties": "yes"},
    ]
    assert specs(properties, values) == [True, False, False, False, False]
    with_formats = jsonschema_rs.validator_for(schema, validate_formats=True)
    assert with_formats.is_valid(
        widget({"every": "10m", "since": "2024-01-01T00:00:00Z"})
    )  # a Go duration is no ISO 8601 one
    assert not with_formats.is_valid(widget({"since": "yesterday"}))


def test_branches_of_anyof_are_not_closed():
    """Kubernetes lets a branch repeat some of the properties beside it: closing it would reject
    the others."""
    properties = {"a": {"type": "integer"}, "b": {"type": "string"}}
    branches = [{"properties": {"a": {"minimum": 1}}}, {"properties": {"b": {"minLength": 2}}}]
    values = [{"a": 2, "b": "x"}, {"a": 0, "b": "xy"}, {"a": 0, "b": "x"}, {"a": 2, UNKNOWN: 1}]
    assert specs(properties, values, anyOf=branches) == [True, True, False, False]


def test_the_input_is_never_changed():
    openapi = resource(
        {
            "port": {"x-kubernetes-int-or-string": True, "nullable": True},
            "tmpl": {"type": "object", "x-kubernetes-embedded-resource": True, "properties": {}},
        }
    )
    before = copy.deepcopy(openapi)
    converted = convert_openapi(openapi, strict=True)
    convert_crd(crd(openapi))
    assert openapi == before
    converted["properties"]["spec"]["properties"]["port"]["anyOf"][1]["anyOf"].append(
        {"type": "boolean"}
    )
    assert (
        convert_openapi(openapi, strict=True) != converted
    )  # nothing shared between two conversions


def test_v1beta1_with_one_schema_for_every_version():
    openapi = resource({"size": {"type": "integer"}})
    single = {
        **crd({}),
        "apiVersion": "apiextensions.k8s.io/v1beta1",
        "spec": {
            "group": "example.com",
            "version": "v1alpha1",
            "names": {"kind": "Widget"},
            "validation": {"openAPIV3Schema": openapi},
        },
    }
    (only,) = convert_crd(single)
    assert (only.version, only.served) == ("v1alpha1", True)
    assert verdicts(only.schema, [widget({"size": 1}), widget({"size": "1"})]) == [True, False]
    several = copy.deepcopy(single)
    several["spec"]["versions"] = [
        {"name": "v1alpha1", "served": True, "storage": True},
        {"name": "v1beta1", "served": False},
    ]
    assert [(c.version, c.served) for c in convert_crd(several)] == [
        ("v1alpha1", True),
        ("v1beta1", False),
    ]
    own = copy.deepcopy(several)
    del own["spec"]["validation"]
    own["spec"]["versions"][1]["schema"] = {"openAPIV3Schema": openapi}
    assert [c.version for c in convert_crd(own)] == [
        "v1beta1"
    ]  # the version without a schema is skipped


def test_versions_without_a_schema_are_skipped():
    doc = crd(resource({}))
    doc["spec"]["versions"].append({"name": "v1alpha0", "served": False, "storage": False})
    assert [c.version for c in convert_crd(doc)] == ["v1alpha1"]


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d["spec"].pop("group"), "spec.group is missing"),
        (lambda d: d["spec"]["names"].pop("kind"), "spec.names.kind is missing"),
        (lambda d: d["spec"].update(names=["Widget"]), "spec.names is not a mapping"),
        (
            lambda d: d["spec"]["versions"][0].update(
                schema={"openAPIV3Schema": ["type", "object"]}
            ),
            "of version v1alpha1 is not a mapping",
        ),
        (
            lambda d: d["spec"]["versions"][0].update(schema="object"),
            r"spec.versions\[v1alpha1\].schema is not a mapping",
        ),
        (lambda d: d["spec"].pop("versions"), "spec.versions is missing"),
        (lambda d: d["spec"]["versions"][0].pop("name"), "a version without a name"),
        (lambda d: d["spec"].update(versions={"name": "v1alpha1"}), "spec.versions is not a list"),
        (lambda d: d.update(spec="widgets"), "widgets.example.com: spec is not a mapping"),
        (lambda d: d.update(kind="Widget"), "not an apiextensions.k8s.io CustomResourceDefinition"),
    ],
)
def test_a_malformed_crd_raises_value_error(change, message):
    doc = crd(resource({}))
    change(doc)
    with pytest.raises(ValueError, match=message):
        convert_crd(doc)


# Real-world data from ../shared, read in place.


def shared(path: Path) -> Path:
    if not path.is_dir():
        pytest.skip(f"{path} is absent (the shared test data lives next to the project)")
    return path


def corpus_documents(predicate) -> list:
    found = []
    for path in sorted(shared(CORPUS).rglob("*.y*ml")):
        found += [
            doc.data
            for doc in load_text(path.read_bytes(), str(path)).documents
            if predicate(doc.data)
        ]
    return found


def test_the_crds_of_the_corpus_convert():
    crds = corpus_documents(is_crd)
    if not crds:
        pytest.skip(f"no CustomResourceDefinition in {CORPUS}")
    for doc in crds:
        for converted in convert_crd(doc):
            assert verdicts(
                converted.schema,
                [
                    {
                        "apiVersion": f"{converted.group}/{converted.version}",
                        "kind": converted.kind,
                        "metadata": {"name": "x"},
                        UNKNOWN: 1,
                    }
                ],
            ) == [False]


def without_closing(schema):
    """openapi2jsonschema's output minus what it adds (additionalProperties: false, which Kubernetes
    forbids in a CRD): the catalog keeps everything else of the CRD's schema, x-kubernetes-*
    included."""
    if isinstance(schema, dict):
        return {
            key: without_closing(value)
            for key, value in schema.items()
            if not (key == "additionalProperties" and value is False)
        }
    if isinstance(schema, list):
        return [without_closing(value) for value in schema]
    return schema


def catalog_pair(path: Path, kind: str) -> tuple[dict, dict]:
    """(our schema of the CRD behind a catalog file, the catalog's schema)."""
    catalog = json.loads(path.read_text())
    group, version = path.parent.name, path.stem.rpartition("_")[2]
    (converted,) = convert_crd(
        crd(without_closing(catalog), group=group, kind=kind, version=version)
    )
    assert file_name(group, kind, version) == path.relative_to(CATALOG).as_posix()
    return converted.schema, catalog


def closed_paths(schema, path=()) -> set[tuple]:
    found = (
        {path}
        if isinstance(schema, dict) and schema.get("additionalProperties") is False
        else set()
    )
    items = (
        schema.items()
        if isinstance(schema, dict)
        else enumerate(schema)
        if isinstance(schema, list)
        else ()
    )
    for key, value in items:
        found |= closed_paths(value, (*path, key))
    return found


def test_we_close_the_objects_the_catalog_closes_and_the_top_level():
    files = sorted(shared(CATALOG).glob("*/*.json"))
    assert len(files) > 20
    for path in files:
        ours, catalog = catalog_pair(path, path.stem.rpartition("_")[0])
        assert closed_paths(ours) == closed_paths(catalog) | {()}, path


def gotk(group_version: str, kind: str, spec: dict) -> dict:
    return {
        "apiVersion": group_version,
        "kind": kind,
        "metadata": {"name": "x", "namespace": "flux-system"},
        "spec": spec,
    }


GIT = {"interval": "5m", "url": "https://example.com/repo.git", "ref": {"branch": "main"}}
KS = {
    "interval": "10m",
    "prune": True,
    "path": "./apps",
    "sourceRef": {"kind": "GitRepository", "name": "repo"},
}
HR = {
    "interval": "30m",
    "chart": {"spec": {"chart": "podinfo", "sourceRef": {"kind": "HelmRepository", "name": "p"}}},
    "values": {"replicaCount": 2, "anything": {"goes": ["here"]}},
}
ROUTE = {
    "entryPoints": ["websecure"],
    "routes": [
        {
            "match": "Host(`a.example.com`)",
            "kind": "Rule",
            "services": [{"name": "svc", "port": 80}],
        }
    ],
}
CASES = {  # catalog file, kind, valid spec, invalid specs
    "source.toolkit.fluxcd.io/gitrepository_v1.json": (
        "GitRepository",
        GIT,
        [
            {**GIT, UNKNOWN: 1},
            {**GIT, "ref": {"branch": "main", UNKNOWN: 1}},
            {**GIT, "interval": 5},
            {"interval": "5m"},
        ],
    ),
    "kustomize.toolkit.fluxcd.io/kustomization_v1.json": (
        "Kustomization",
        KS,
        [
            {**KS, UNKNOWN: 1},
            {**KS, "prune": "yes"},
            {**KS, "sourceRef": {"kind": "Nope", "name": "r"}},
            {**KS, "interval": "soon"},
        ],
    ),
    "helm.toolkit.fluxcd.io/helmrelease_v2.json": (
        "HelmRelease",
        HR,
        [
            {**HR, UNKNOWN: 1},
            {**HR, "chart": {"spec": {"chart": "podinfo"}}},
            {**HR, "install": {"remediation": {UNKNOWN: 1}}},
        ],
    ),
    "traefik.io/ingressroute_v1alpha1.json": (
        "IngressRoute",
        ROUTE,
        [
            {**ROUTE, UNKNOWN: 1},
            {"routes": [{"match": "Host(`a`)", "services": [{"name": "svc", "port": 1.5}]}]},
            {"routes": [{"kind": "Rule"}]},
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_verdicts_as_the_catalog_on_constructed_documents(name):
    kind, valid, invalid = CASES[name]
    path = shared(CATALOG) / name
    ours, catalog = catalog_pair(path, kind)
    group_version = f"{path.parent.name}/{path.stem.rpartition('_')[2]}"
    port_name = {
        "routes": [{"match": "Host(`a`)", "services": [{"name": "svc", "port": "web"}]}]
    }  # int-or-string
    documents = [
        gotk(group_version, kind, spec)
        for spec in [valid, *invalid, *([port_name] if kind == "IngressRoute" else [])]
    ]
    expected = [True] + [False] * len(invalid) + ([True] if kind == "IngressRoute" else [])
    assert verdicts(ours, documents) == expected
    assert verdicts(catalog, documents) == expected
    top_level = {
        **documents[0],
        UNKNOWN: 1,
    }  # the one difference: openapi2jsonschema leaves the top level open
    assert verdicts(ours, [top_level]) == [False] and verdicts(catalog, [top_level]) == [True]


def test_same_verdicts_as_the_catalog_on_every_corpus_document_of_a_catalog_kind():
    shared(CATALOG)

    def catalogued(data) -> bool:
        if (
            not isinstance(data, dict)
            or not isinstance(data.get("apiVersion"), str)
            or not isinstance(data.get("kind"), str)
        ):
            return False
        group, _, version = data["apiVersion"].rpartition("/")
        return group != "" and (CATALOG / file_name(group, data["kind"], version)).is_file()

    documents = corpus_documents(catalogued)
    assert len(documents) > 100
    pairs: dict[tuple, tuple] = {}
    for doc in documents:
        group, _, version = doc["apiVersion"].rpartition("/")
        key = (group, doc["kind"], version)
        if key not in pairs:
            ours, catalog = catalog_pair(CATALOG / file_name(*key), doc["kind"])
            pairs[key] = (jsonschema_rs.validator_for(ours), jsonschema_rs.validator_for(catalog))
        ours, catalog = pairs[key]
        assert ours.is_valid(doc) == catalog.is_valid(doc), doc["metadata"]
        if isinstance(doc.get("spec"), dict):
            typo = {**doc, "spec": {**doc["spec"], UNKNOWN: 1}}
            assert not ours.is_valid(typo) and not catalog.is_valid(typo)


# -------------------------------------------------------- the bundled schemas are the converter's


def bundled_sources(name: str) -> list[dict]:
    """The CRDs a bundle is made from, read straight from ../shared."""
    from infometis.schemas.generate import SOURCES

    source = SOURCES[name]
    found = []
    for folder in source.folders:
        path = SHARED / folder
        if not path.is_dir():
            pytest.skip(f"{path} is absent: the CRDs the bundled schemas are made from are needed")
        for file in sorted(path.glob("*.yaml")):
            found += [
                d
                for d in load_text(file.read_bytes(), str(file)).documents
                if is_crd(d.data) and d.data["spec"]["group"].endswith(source.group_suffix)
            ]
    return [d.data for d in found]


BUNDLES = ("flux-2.7", "flux-2.8", "flux-2.9", "traefik", "gateway-api")


@pytest.mark.parametrize("name", BUNDLES)
@pytest.mark.parametrize("strict", [True, False], ids=["strict", "loose"])
def test_every_bundled_schema_is_what_the_converter_makes_of_the_shipped_crds(name, strict):
    from infometis.schemas import packaged
    from infometis.schemas.generate import adjusted, compact

    expected = {}
    for definition in bundled_sources(name):
        for converted in convert_crd(definition, strict=strict):
            if converted.served:  # the API server refuses the others
                schema = adjusted(compact(converted.schema), converted.group, converted.kind)
                expected[(converted.group, converted.version, converted.kind)] = schema
    bundle = packaged.load(name)
    assert sorted(
        tuple(key.split("/")) for key in bundle.texts["strict" if strict else "loose"]
    ) == sorted(expected)
    for (group, version, kind), schema in expected.items():
        assert bundle.schema(group, version, kind, strict) == schema, (group, version, kind)


def test_the_package_data_is_what_the_generator_writes(tmp_path):
    from infometis.schemas import generate, packaged

    if not (SHARED / "crds").is_dir():
        pytest.skip(
            f"{SHARED / 'crds'} is absent: the CRDs the bundled schemas are made from are needed"
        )
    assert generate.main([str(SHARED), "--out", str(tmp_path)]) == 0
    for name in BUNDLES:
        assert (tmp_path / f"{name}.json.gz").read_bytes() == (
            packaged.FOLDER / f"{name}.json.gz"
        ).read_bytes(), name
    assert sorted(p.name for p in packaged.FOLDER.iterdir()) == sorted(
        f"{name}.json.gz" for name in BUNDLES
    )


def test_compacting_drops_descriptions_but_not_a_field_named_description():
    from infometis.schemas.generate import compact

    (converted,) = convert_crd(
        crd(
            resource(
                {"description": {"type": "string", "description": "a text"}}, description="the spec"
            )
        )
    )
    schema = compact(converted.schema)
    assert schema["properties"]["spec"]["properties"] == {"description": {"type": "string"}}
    assert "description" not in schema["properties"]["spec"]


def test_the_bundles_name_their_release():
    from infometis.schemas import packaged

    releases = {name: packaged.load(name).origin for name in BUNDLES}
    assert releases == {
        "flux-2.7": "Flux v2.7.5 (bundled)",
        "flux-2.8": "Flux v2.8.8 (bundled)",
        "flux-2.9": "Flux v2.9.4 (bundled)",
        "traefik": "Traefik chart 37.1.1 (bundled)",
        "gateway-api": "Gateway API v1.6.1 standard (bundled)",
    }
    assert packaged.flux_lines() == ("2.7", "2.8", "2.9")


def test_a_root_listing_no_properties_keeps_only_apiversion_kind_and_metadata():
    """The API server prunes every other field of such a root (kubectl's strict field validation
    reports it)."""
    stray = widget(spec=None) | {"spec": {"size": 1}}
    (strict,) = convert_crd(crd({"type": "object"}))
    (loose,) = convert_crd(crd({"type": "object"}), strict=False)
    (kept,) = convert_crd(crd({"type": "object", "x-kubernetes-preserve-unknown-fields": True}))
    assert verdicts(strict.schema, [stray]) == [False]
    assert verdicts(loose.schema, [stray]) == [True] and verdicts(kept.schema, [stray]) == [True]
    bare = {key: value for key, value in stray.items() if key != "spec"}
    assert verdicts(strict.schema, [bare]) == [True]


def test_only_what_clusters_judge_otherwise_is_adjusted():
    from infometis.schemas import packaged

    flux = packaged.load("flux-2.9")
    alert = flux.schema("notification.toolkit.fluxcd.io", "v1beta3", "Alert", strict=True)
    source = alert["properties"]["spec"]["properties"]["eventSources"]["items"]
    assert (
        source["properties"]["kind"] == {"type": "string"}
        and source["additionalProperties"] is False
    )
    assert alert["properties"]["spec"]["properties"]["eventSeverity"]["enum"] == ["info", "error"]
    receiver = flux.schema("notification.toolkit.fluxcd.io", "v1", "Receiver", strict=True)
    assert (
        "enum"
        not in receiver["properties"]["spec"]["properties"]["resources"]["items"]["properties"][
            "kind"
        ]
    )
    release = flux.schema("helm.toolkit.fluxcd.io", "v2", "HelmRelease", strict=True)
    assert release["properties"]["spec"]["properties"]["values"] == {"type": "object"}
    assert release["properties"]["spec"]["properties"]["valuesFrom"]["type"] == "array"

"""The bundled Traefik schemas (made from the CRDs of Traefik's Helm chart): well-formed and
strict, accepting every Traefik object of this repository's monorepo and the documented fields,
rejecting what the API server would reject, and agreeing with the real CRDs on real input."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml
from infometis.schemas import packaged
from jsonschema import Draft202012Validator
from jsonschema.validators import validator_for

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CATALOG = SHARED / "schemas" / "crds-catalog" / "traefik.io"
API_VERSION = "traefik.io/v1alpha1"
KINDS = ("IngressRoute", "Middleware", "TLSOption", "ServersTransport")


def schema(kind: str) -> dict:
    return packaged.load("traefik").schema("traefik.io", "v1alpha1", kind, strict=True)


def validator(kind: str) -> Draft202012Validator:
    return Draft202012Validator(schema(kind))


def errors(kind: str, document: dict) -> list:
    return sorted(validator(kind).iter_errors(document), key=lambda e: list(e.absolute_path))


def monorepo_objects() -> list[tuple[str, dict]]:
    """Every traefik.io/v1alpha1 document under infrastructure/ and apps/, named file:Kind/name."""
    found = []
    for top in ("infrastructure", "apps"):
        for path in sorted((REPO / top).rglob("*.y*ml")):
            for document in yaml.safe_load_all(path.read_text()):
                if isinstance(document, dict) and document.get("apiVersion") == API_VERSION:
                    name = (document.get("metadata") or {}).get("name")
                    found.append((f"{path.relative_to(REPO)}:{document['kind']}/{name}", document))
    return found


OBJECTS = monorepo_objects()


def walk(node, path=()):
    """Every sub-schema of a schema, with where it sits."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, (*path, index))


# -------------------------------------------------------------------- the schemas themselves


@pytest.mark.parametrize("kind", KINDS)
def test_schema_is_draft_2020_12_and_self_contained(kind):
    document = schema(kind)
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(document)
    assert document["properties"]["apiVersion"] == {"type": "string", "enum": [API_VERSION]}
    assert document["properties"]["kind"] == {"type": "string", "enum": [kind]}
    for path, node in walk(document):
        if isinstance(node.get("$ref"), str):
            assert node["$ref"].startswith("#/$defs/"), (
                f"{kind} {path}: external reference {node['$ref']}"
            )
            assert node["$ref"].removeprefix("#/$defs/") in document["$defs"], (
                f"{kind} {path}: dangling {node['$ref']}"
            )


@pytest.mark.parametrize("kind", KINDS)
def test_schema_is_strict(kind):
    """Every object that lists its properties closes them (the CRDs preserve no unknown fields)."""
    for path, node in walk(schema(kind)):
        if (
            "properties" in node
            and isinstance(node["properties"], dict)
            and path != ("properties", "metadata")
        ):
            assert node.get("additionalProperties") is False, (
                f"{kind} {'.'.join(map(str, path))} is not strict"
            )


def test_every_routing_kind_of_traefik_is_bundled():
    bundled = {kind for api, kind in packaged.load("traefik").kinds() if api == API_VERSION}
    assert bundled >= {
        *KINDS,
        "IngressRouteTCP",
        "IngressRouteUDP",
        "MiddlewareTCP",
        "TLSStore",
        "TraefikService",
    }


# -------------------------------------------------------------------- the monorepo's own objects


def test_monorepo_has_every_kind():
    assert {document["kind"] for _, document in OBJECTS} == set(KINDS)


@pytest.mark.parametrize("document", [d for _, d in OBJECTS], ids=[name for name, _ in OBJECTS])
def test_monorepo_object_is_valid(document):
    assert [e.message for e in errors(document["kind"], document)] == []


# ---------------------------------------------------------------- documented fields are accepted


def resource(kind: str, spec: dict) -> dict:
    return {
        "apiVersion": API_VERSION,
        "kind": kind,
        "metadata": {"name": "example", "namespace": "apps"},
        "spec": spec,
    }


ROUTE = resource(
    "IngressRoute",
    {
        "entryPoints": ["websecure"],
        "routes": [
            {
                "kind": "Rule",
                "match": "Host(`app.example.org`)",
                "services": [{"name": "app", "port": 80}],
            }
        ],
    },
)

DOCUMENTED = [
    resource(
        "IngressRoute",
        {
            "entryPoints": ["web"],
            "routes": [
                {
                    "kind": "Rule",
                    "match": "Host(`test.example.com`)",
                    "priority": 10,
                    "syntax": "v3",
                    "middlewares": [{"name": "middleware1", "namespace": "apps"}],
                    "observability": {
                        "accessLogs": True,
                        "metrics": True,
                        "tracing": True,
                        "traceVerbosity": "detailed",
                    },
                    "services": [
                        {
                            "kind": "Service",
                            "name": "foo",
                            "namespace": "apps",
                            "passHostHeader": True,
                            "port": 80,
                            "responseForwarding": {"flushInterval": "1ms"},
                            "scheme": "https",
                            "serversTransport": "transport",
                            "sticky": {
                                "cookie": {
                                    "httpOnly": True,
                                    "name": "cookie",
                                    "secure": True,
                                    "sameSite": "lax",
                                    "maxAge": 60,
                                }
                            },
                            "strategy": "RoundRobin",
                            "weight": 10,
                            "nativeLB": False,
                            "nodePortLB": False,
                        },
                        {"kind": "TraefikService", "name": "wrr"},
                        {
                            "name": "external",
                            "port": 443,
                            "healthCheck": {
                                "path": "/health",
                                "interval": "10s",
                                "timeout": 3,
                                "headers": {"X-Probe": "1"},
                                "followRedirects": False,
                            },
                        },
                    ],
                }
            ],
            "tls": {
                "certResolver": "foo",
                "secretName": "supersecret",
                "domains": [{"main": "example.net", "sans": ["a.example.net", "b.example.net"]}],
                "options": {"name": "opt", "namespace": "apps"},
                "store": {"name": "default"},
            },
        },
    ),
    resource(
        "Middleware",
        {
            "headers": {
                "customRequestHeaders": {"X-Script-Name": "test", "X-Custom-Request-Header": ""},
                "customResponseHeaders": {"X-Custom-Response-Header": ""},
                "accessControlAllowMethods": ["GET", "OPTIONS", "PUT"],
                "accessControlAllowHeaders": ["*"],
                "accessControlAllowOriginList": ["https://foo.bar.org"],
                "accessControlMaxAge": 100,
                "addVaryHeader": True,
                "sslProxyHeaders": {"X-Forwarded-Proto": "https"},
                "contentSecurityPolicy": "default-src 'self'",
                "permissionsPolicy": "camera=()",
                "stsPreload": True,
                "forceSTSHeader": True,
            }
        },
    ),
    resource(
        "Middleware",
        {
            "rateLimit": {
                "average": 100,
                "period": "1m",
                "burst": 50,
                "sourceCriterion": {"ipStrategy": {"depth": 2, "excludedIPs": ["10.0.0.1"]}},
            }
        },
    ),
    resource(
        "Middleware",
        {
            "rateLimit": {
                "average": 10,
                "redis": {
                    "endpoints": ["redis:6379"],
                    "secret": "redis-credentials",
                    "tls": {"caSecret": "redis-ca"},
                },
            }
        },
    ),
    resource(
        "Middleware", {"redirectScheme": {"scheme": "https", "permanent": True, "port": "443"}}
    ),
    resource("Middleware", {"stripPrefix": {"prefixes": ["/foobar", "/fiibar"]}}),
    resource(
        "Middleware",
        {"basicAuth": {"secret": "authsecret", "realm": "internal", "removeHeader": True}},
    ),
    resource(
        "Middleware",
        {
            "forwardAuth": {
                "address": "https://example.com/auth",
                "trustForwardHeader": True,
                "authResponseHeaders": ["X-Auth-User"],
                "authResponseHeadersRegex": "^X-",
                "tls": {"caSecret": "ca", "certSecret": "client", "insecureSkipVerify": False},
            }
        },
    ),
    resource(
        "Middleware",
        {
            "ipAllowList": {
                "sourceRange": ["127.0.0.1/32", "192.168.1.7"],
                "ipStrategy": {"excludedIPs": ["127.0.0.1/32"], "ipv6Subnet": 64},
            }
        },
    ),
    resource("Middleware", {"ipWhiteList": {"sourceRange": ["10.0.0.0/8"]}}),
    resource(
        "Middleware",
        {"compress": {"excludedContentTypes": ["text/event-stream"], "minResponseBodyBytes": 1200}},
    ),
    resource("Middleware", {"compress": {}}),
    resource(
        "Middleware", {"chain": {"middlewares": [{"name": "https-only"}, {"name": "known-ips"}]}}
    ),
    resource("Middleware", {"retry": {"attempts": 4, "initialInterval": "100ms"}}),
    resource(
        "Middleware",
        {
            "errors": {
                "status": ["500-599"],
                "query": "/{status}.html",
                "service": {"name": "error-pages", "port": "http"},
            }
        },
    ),
    resource("Middleware", {"plugin": {"my-plugin": {"anything": ["goes", 1, {"here": True}]}}}),
    resource(
        "Middleware",
        {
            "passTLSClientCert": {
                "pem": True,
                "info": {"sans": True, "subject": {"commonName": True}},
            }
        },
    ),
    resource(
        "TLSOption",
        {
            "minVersion": "VersionTLS12",
            "maxVersion": "VersionTLS13",
            "sniStrict": True,
            "cipherSuites": ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"],
            "curvePreferences": ["CurveP521"],
            "clientAuth": {
                "secretNames": ["secret-ca1"],
                "clientAuthType": "VerifyClientCertIfGiven",
            },
            "alpnProtocols": ["h2", "http/1.1"],
        },
    ),
    resource(
        "ServersTransport",
        {
            "serverName": "example.org",
            "insecureSkipVerify": False,
            "rootCAs": [{"secret": "ca"}, {"configMap": "ca-bundle"}],
            "rootCAsSecrets": ["legacy-ca"],
            "certificatesSecrets": ["client"],
            "maxIdleConnsPerHost": 7,
            "disableHTTP2": True,
            "peerCertURI": "spiffe://example.org/backend",
            "forwardingTimeouts": {
                "dialTimeout": "42s",
                "responseHeaderTimeout": 42,
                "idleConnTimeout": "90s",
                "readIdleTimeout": "0s",
                "pingTimeout": "15s",
            },
            "spiffe": {"ids": ["spiffe://example.org/id1"], "trustDomain": "spiffe://example.org"},
        },
    ),
]


@pytest.mark.parametrize(
    "document", DOCUMENTED, ids=lambda d: f"{d['kind']}-{next(iter(d['spec']))}"
)
def test_documented_configuration_is_valid(document):
    assert [e.message for e in errors(document["kind"], document)] == []


@pytest.mark.parametrize("port", ["http", 8080])
def test_service_port_is_int_or_string(port):
    document = copy.deepcopy(ROUTE)
    document["spec"]["routes"][0]["services"][0]["port"] = port
    assert errors("IngressRoute", document) == []


# -------------------------------------------------------------------- what Traefik rejects


def changed(document: dict, change) -> dict:
    document = copy.deepcopy(document)
    change(document["spec"])
    return document


INVALID = {
    "unknown field in a route": (
        changed(ROUTE, lambda s: s["routes"][0].update(matchh="Host(`x`)")),
        "additionalProperties",
        ["spec", "routes", 0],
        "matchh",
    ),
    "port of the wrong type": (
        changed(ROUTE, lambda s: s["routes"][0]["services"][0].update(port=True)),
        "anyOf",
        ["spec", "routes", 0, "services", 0, "port"],
        None,
    ),
    "entryPoints a string, not a list": (
        changed(ROUTE, lambda s: s.update(entryPoints="web")),
        "type",
        ["spec", "entryPoints"],
        "array",
    ),
    "route without a match": (
        changed(ROUTE, lambda s: s["routes"][0].pop("match")),
        "required",
        ["spec", "routes", 0],
        "match",
    ),
    "health check option misspelt (the CRD says followRedirects)": (
        changed(
            ROUTE,
            lambda s: s["routes"][0]["services"][0].update(
                healthCheck={"path": "/", "followRedirect": False}
            ),
        ),
        "additionalProperties",
        ["spec", "routes", 0, "services", 0, "healthCheck"],
        "followRedirect",
    ),
    "unknown client auth type": (
        resource("TLSOption", {"clientAuth": {"clientAuthType": "Always"}}),
        "enum",
        ["spec", "clientAuth", "clientAuthType"],
        "Always",
    ),
    "unknown middleware type": (
        resource("Middleware", {"rateLimitt": {"average": 100}}),
        "additionalProperties",
        ["spec"],
        "rateLimitt",
    ),
    "custom header value not a string": (
        resource("Middleware", {"headers": {"customRequestHeaders": {"X-Count": 1}}}),
        "type",
        ["spec", "headers", "customRequestHeaders", "X-Count"],
        "string",
    ),
    "unknown key in ServersTransport": (
        resource("ServersTransport", {"serverName": "x", "insecureSkipVerfy": True}),
        "additionalProperties",
        ["spec"],
        "insecureSkipVerfy",
    ),
    "wrong apiVersion": (
        {**ROUTE, "apiVersion": "traefik.containo.us/v1alpha1"},
        "enum",
        ["apiVersion"],
        None,
    ),
}


@pytest.mark.parametrize(
    ("document", "keyword", "path", "mentions"), INVALID.values(), ids=INVALID.keys()
)
def test_invalid_is_rejected_for_the_expected_reason(document, keyword, path, mentions):
    found = errors(document["kind"], document)
    assert len(found) == 1, [f"{list(e.absolute_path)}: {e.message}" for e in found]
    assert found[0].validator == keyword
    assert list(found[0].absolute_path) == path
    if mentions is not None:
        assert mentions in found[0].message


# -------------------------------------------------------------------- agreement with the real CRDs


@pytest.mark.parametrize("kind", KINDS)
def test_agrees_with_the_real_world_catalog(kind):
    """The real CRDs (as JSON schemas) and ours both accept this repository's own objects."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent: no real-world CRD catalog to compare with")
    catalog_path = CATALOG / f"{kind.lower()}_v1alpha1.json"
    assert catalog_path.is_file(), f"the catalog has no schema for {kind}: {catalog_path}"
    real = json.loads(catalog_path.read_text())
    theirs = validator_for(real)(real)
    documents = [(name, d) for name, d in OBJECTS if d["kind"] == kind]
    assert documents, f"the monorepo has no {kind}"
    for name, document in documents:
        assert [e.message for e in errors(kind, document)] == [], f"ours rejects {name}"
        assert [e.message for e in theirs.iter_errors(document)] == [], (
            f"the catalog rejects {name}"
        )

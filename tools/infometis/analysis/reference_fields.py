"""The fields of a rendered resource that name another object, for the references check:
pod templates (ConfigMaps, Secrets, ServiceAccounts), Traefik's CRDs (Services, Middlewares,
TLSOptions, ServersTransports), Gateway API routes (Services and ports, Gateways and
listeners) and Flux's objects (Secrets, ServiceAccounts, a HelmRelease's chart source)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from infometis.model import as_list
from infometis.model.kinds import (
    BOOTSTRAP_SOURCE_KINDS,
    CHART_SOURCE_KINDS,
    CONTAINER_LISTS,
    GATEWAY_GROUP,
    POD_SPECS,
    TRAEFIK_GROUPS,
)

FLUX_GROUP_SUFFIX = ".toolkit.fluxcd.io"
GATEWAY_ROUTES = ("HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute")
# Secrets a Flux object names in its own namespace (spec.<path>.name).
FLUX_SECRETS = (
    ("secretRef",),
    ("certSecretRef",),
    ("proxySecretRef",),
    ("verify", "secretRef"),
    ("decryption", "secretRef"),
    ("kubeConfig", "secretRef"),
)


@dataclass(frozen=True)
class Ref:
    kind: str
    namespace: str
    name: str
    path: tuple[str | int, ...]  # of the name, inside the referring resource
    optional: bool = False
    port: object = None  # for a Service: the port asked for (number or name)
    remote: bool = False  # resolved in the cluster that spec.kubeConfig points at


def dig(data: Any, *path: str) -> Any:
    """data[path...] when every step is a dict key, else None."""
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _named(
    kind: str,
    namespace: str,
    holder: Any,
    key: str,
    path: tuple[str | int, ...],
    **extra: Any,
) -> list[Ref]:
    """A reference written as holder[key] (a non-empty string), or nothing."""
    name = holder.get(key) if isinstance(holder, dict) else None
    if not isinstance(name, str) or not name:
        return []
    return [
        Ref(kind, namespace, name, path + (key,), optional=holder.get("optional") is True, **extra)
    ]


def refs_of(group: str, kind: str, data: dict[str, Any], namespace: str) -> list[Ref]:
    """Every reference written in one resource; unreadable parts give nothing."""
    if (group, kind) in POD_SPECS:
        path = POD_SPECS[(group, kind)]
        spec = dig(data, *path)
        return pod_refs(spec, namespace, path) if isinstance(spec, dict) else []
    if group in TRAEFIK_GROUPS:
        return traefik_refs(kind, data.get("spec"), namespace)
    if group == GATEWAY_GROUP and kind in GATEWAY_ROUTES:
        return gateway_route_refs(data.get("spec"), namespace)
    if group.endswith(FLUX_GROUP_SUFFIX):
        return flux_refs(kind, data, namespace)
    return []


def pod_refs(spec: dict[str, Any], ns: str, base: tuple[str | int, ...]) -> list[Ref]:
    found: list[Ref] = []
    for field in CONTAINER_LISTS:
        for i, container in enumerate(as_list(spec.get(field))):
            if isinstance(container, dict):
                found += _container_refs(container, ns, base + (field, i))
    for i, volume in enumerate(as_list(spec.get("volumes"))):
        here = base + ("volumes", i)
        found += _named("ConfigMap", ns, dig(volume, "configMap"), "name", here + ("configMap",))
        found += _named("Secret", ns, dig(volume, "secret"), "secretName", here + ("secret",))
        for j, source in enumerate(as_list(dig(volume, "projected", "sources"))):
            there = here + ("projected", "sources", j)
            found += _named(
                "ConfigMap", ns, dig(source, "configMap"), "name", there + ("configMap",)
            )
            found += _named("Secret", ns, dig(source, "secret"), "name", there + ("secret",))
    for i, item in enumerate(as_list(spec.get("imagePullSecrets"))):
        found += _named("Secret", ns, item, "name", base + ("imagePullSecrets", i))
    account = "serviceAccountName" if spec.get("serviceAccountName") else "serviceAccount"
    return found + _named("ServiceAccount", ns, spec, account, base)


def _container_refs(container: dict[str, Any], ns: str, base: tuple[str | int, ...]) -> list[Ref]:
    found: list[Ref] = []
    for j, env in enumerate(as_list(container.get("env"))):
        here = base + ("env", j, "valueFrom")
        found += _named(
            "ConfigMap",
            ns,
            dig(env, "valueFrom", "configMapKeyRef"),
            "name",
            here + ("configMapKeyRef",),
        )
        found += _named(
            "Secret", ns, dig(env, "valueFrom", "secretKeyRef"), "name", here + ("secretKeyRef",)
        )
    for j, source in enumerate(as_list(container.get("envFrom"))):
        here = base + ("envFrom", j)
        found += _named(
            "ConfigMap", ns, dig(source, "configMapRef"), "name", here + ("configMapRef",)
        )
        found += _named("Secret", ns, dig(source, "secretRef"), "name", here + ("secretRef",))
    return found


def traefik_refs(kind: str, spec: Any, ns: str) -> list[Ref]:
    if not isinstance(spec, dict):
        return []
    if kind in ("IngressRoute", "IngressRouteTCP", "IngressRouteUDP"):
        return _route_refs(kind, spec, ns)
    if kind == "TraefikService":
        found = _service_refs(dig(spec, "mirroring"), ns, ("spec", "mirroring"))
        for key, base in (("services", ("weighted",)), ("mirrors", ("mirroring",))):
            for i, item in enumerate(as_list(dig(spec, *base, key))):
                found += _service_refs(item, ns, ("spec", *base, key, i))
        return found
    if kind == "Middleware":
        found = _service_refs(dig(spec, "errors", "service"), ns, ("spec", "errors", "service"))
        for auth in ("basicAuth", "digestAuth"):
            found += _named("Secret", ns, dig(spec, auth), "secret", ("spec", auth))
        for i, item in enumerate(as_list(dig(spec, "chain", "middlewares"))):
            found += _middleware(item, ns, ("spec", "chain", "middlewares", i), "Middleware")
        return found
    if kind == "ServersTransport":
        found = []
        for i, item in enumerate(as_list(spec.get("rootCAs"))):
            found += _named("ConfigMap", ns, item, "configMap", ("spec", "rootCAs", i))
            found += _named("Secret", ns, item, "secret", ("spec", "rootCAs", i))
        for key in ("rootCAsSecrets", "certificatesSecrets"):
            found += [
                Ref("Secret", ns, name, ("spec", key, i))
                for i, name in enumerate(as_list(spec.get(key)))
                if isinstance(name, str) and name
            ]
        return found
    if kind == "TLSOption":
        return [
            Ref("Secret", ns, name, ("spec", "clientAuth", "secretNames", i))
            for i, name in enumerate(as_list(dig(spec, "clientAuth", "secretNames")))
            if isinstance(name, str) and name
        ]
    return []


def _route_refs(kind: str, spec: dict[str, Any], ns: str) -> list[Ref]:
    suffix = kind.removeprefix("IngressRoute")  # "", "TCP" or "UDP": MiddlewareTCP, ...
    found: list[Ref] = []
    for i, route in enumerate(as_list(spec.get("routes"))):
        for j, middleware in enumerate(as_list(dig(route, "middlewares"))):
            found += _middleware(
                middleware, ns, ("spec", "routes", i, "middlewares", j), "Middleware" + suffix
            )
        for j, service in enumerate(as_list(dig(route, "services"))):
            found += _service_refs(service, ns, ("spec", "routes", i, "services", j), suffix)
    tls = spec.get("tls")
    options = dig(tls, "options")
    if isinstance(options, dict) and "@" not in str(options.get("name")):
        found += _named(
            "TLSOption",
            str(options.get("namespace") or ns),
            options,
            "name",
            ("spec", "tls", "options"),
        )
    return found + _named("Secret", ns, tls, "secretName", ("spec", "tls"))


def _middleware(item: Any, ns: str, path: tuple[str | int, ...], kind: str) -> list[Ref]:
    """name@provider names a middleware of another provider: not ours to judge."""
    if not isinstance(item, dict) or "@" in str(item.get("name")):
        return []
    return _named(kind, str(item.get("namespace") or ns), item, "name", path)


def _service_refs(
    service: Any, ns: str, path: tuple[str | int, ...], suffix: str = ""
) -> list[Ref]:
    if not isinstance(service, dict) or "@" in str(service.get("name")):
        return []
    namespace = str(service.get("namespace") or ns)
    kind = str(service.get("kind") or "Service")
    if kind not in ("Service", "TraefikService"):
        return []
    port = service.get("port") if kind == "Service" else None
    found = _named(kind, namespace, service, "name", path, port=port)
    transport = service.get("serversTransport")
    if isinstance(transport, str) and transport and "@" not in transport:
        # the ServersTransport sits in the namespace of the Kubernetes Service it is used for
        found.append(
            Ref("ServersTransport" + suffix, namespace, transport, path + ("serversTransport",))
        )
    return found


def gateway_route_refs(spec: Any, ns: str) -> list[Ref]:
    """parentRefs to Gateways (and their listener, sectionName) and backendRefs to Services
    (and their port), of any kind of route; refs to other kinds or groups are not judged."""
    if not isinstance(spec, dict):
        return []
    found: list[Ref] = []
    for i, parent in enumerate(as_list(spec.get("parentRefs"))):
        if isinstance(parent, dict) and _core_or(parent, GATEWAY_GROUP, "Gateway"):
            section = parent.get("sectionName")
            found += _named(
                "Gateway",
                str(parent.get("namespace") or ns),
                parent,
                "name",
                ("spec", "parentRefs", i),
                port=section if isinstance(section, str) and section else None,
            )
    for i, rule in enumerate(as_list(spec.get("rules"))):
        backends: list[tuple[tuple[str | int, ...], Any]] = [
            (("spec", "rules", i, "backendRefs", j), b)
            for j, b in enumerate(as_list(dig(rule, "backendRefs")))
        ]
        for j, item in enumerate(as_list(dig(rule, "filters"))):
            mirror = dig(item, "requestMirror", "backendRef")
            backends.append(
                (("spec", "rules", i, "filters", j, "requestMirror", "backendRef"), mirror)
            )
        for path, backend in backends:
            if isinstance(backend, dict) and _core_or(backend, "", "Service"):
                port = backend.get("port")
                found += _named(
                    "Service",
                    str(backend.get("namespace") or ns),
                    backend,
                    "name",
                    path,
                    port=port if isinstance(port, int) and not isinstance(port, bool) else None,
                )
    return found


def _core_or(ref: dict[str, Any], group: str, kind: str) -> bool:
    """Whether a Gateway API object reference (group and kind defaulted) names group/kind."""
    return ref.get("group", group) in (group, None) and ref.get("kind", kind) in (kind, None)


def flux_refs(kind: str, data: dict[str, Any], ns: str) -> list[Ref]:
    spec = data.get("spec")
    if not isinstance(spec, dict):
        return []
    found: list[Ref] = []
    for path in FLUX_SECRETS:
        found += _named("Secret", ns, dig(spec, *path), "name", ("spec", *path))
    found += _named(
        "ConfigMap",
        ns,
        dig(spec, "kubeConfig", "configMapRef"),
        "name",
        ("spec", "kubeConfig", "configMapRef"),
    )
    for i, item in enumerate(as_list(spec.get("valuesFrom")) if kind == "HelmRelease" else []):
        if isinstance(item, dict) and item.get("kind") in ("ConfigMap", "Secret"):
            found += _named(str(item["kind"]), ns, item, "name", ("spec", "valuesFrom", i))
    if kind == "HelmRelease":
        found += _chart_source(spec, ns)
    remote = isinstance(spec.get("kubeConfig"), dict)
    if not (remote and kind != "Kustomization"):  # a HelmRelease's remote cluster is not rendered
        found += _named("ServiceAccount", ns, spec, "serviceAccountName", ("spec",), remote=remote)
    if _bootstrap_secret(kind, data):
        found = [ref for ref in found if ref.path != ("spec", "secretRef", "name")]
    return found


def _chart_source(spec: dict[str, Any], ns: str) -> list[Ref]:
    """spec.chartRef (an OCIRepository, HelmChart or ExternalArtifact) or
    spec.chart.spec.sourceRef."""
    for path in (("chartRef",), ("chart", "spec", "sourceRef")):
        ref = dig(spec, *path)
        if isinstance(ref, dict) and ref.get("kind") in CHART_SOURCE_KINDS:
            return _named(
                str(ref["kind"]), str(ref.get("namespace") or ns), ref, "name", ("spec", *path)
            )
    return []


def _bootstrap_secret(kind: str, data: dict[str, Any]) -> bool:
    """`flux bootstrap` creates the Secret flux-system for the source flux-system it writes."""
    return (
        kind in BOOTSTRAP_SOURCE_KINDS
        and dig(data, "metadata", "name") == "flux-system"
        and dig(data, "spec", "secretRef", "name") == "flux-system"
    )

"""references — every object a rendered resource names exists in the same cluster.

Looked for among all the renders of the cluster, in the namespace the reference means:

- Traefik IngressRoutes (and TCP/UDP routes, TraefikServices, Middlewares): their Services
  (with the port asked for, by number or name), TraefikServices, Middlewares, TLSOptions
  and ServersTransports; ServersTransports' CA ConfigMaps and Secrets. `name@provider`
  names an object of another Traefik provider: not judged.
- pod templates of every workload kind (Pods, Deployments, StatefulSets, DaemonSets,
  ReplicaSets, ReplicationControllers, Jobs, CronJobs: the one table of pods.py):
  ConfigMaps and Secrets of env, envFrom, volumes (projected too) and imagePullSecrets,
  and the serviceAccountName. `optional: true` references are not judged.
- Gateway API routes (HTTPRoute, GRPCRoute, TLSRoute, TCPRoute, UDPRoute): the Services
  of backendRefs (and requestMirror filters) with their port, the Gateways of parentRefs
  with the listener that sectionName names.
- Flux objects: secretRef, certSecretRef, proxySecretRef, verify, decryption and
  kubeConfig Secrets, HelmRelease valuesFrom and chart source (chartRef, or
  chart.spec.sourceRef: an OCIRepository, HelmRepository, HelmChart, GitRepository, Bucket
  or ExternalArtifact), and serviceAccountName (a Kustomization with spec.kubeConfig
  impersonates it in the cluster it deploys to).

A Secret also exists when a SealedSecret, an ExternalSecret or a cert-manager Certificate
of the cluster makes it; a name that a HelmRelease's chart may create in its namespace (its
release name, its name or its fullnameOverride, alone or followed by "-…") is taken to exist;
a Service or Gateway of another name in that namespace is a warning (a chart may make it:
cilium's hubble-ui), not an error. Accepted without a definition: the ServiceAccount `default` and the ConfigMap
`kube-root-ca.crt` (Kubernetes makes them in every namespace), what a Flux install makes
in flux-system (the controllers' ServiceAccounts, the webhook-receiver, notification-controller
and source-controller Services), and the source `flux-system` and its Secret
(`flux bootstrap` or a FluxInstance makes them). Anything else made out of band is declared in .infometis.yaml:
`external: [Secret/flux-system/sops-age]` (any kind), or, for this check alone,
`checks: {references: {external: [Service/ingress/controller]}}`. References
into a namespace that a Kustomization left unrendered (skipped source, failed build) could
fill are not judged.

PASS::

    spec:
      routes:
        - services:
            - name: grafana        # Service infometis/grafana exists, with port 80
              port: 80

FAIL::

    spec:
      template:
        spec:
          containers:
            - envFrom:
                - secretRef:
                    name: db-credentils   # Secret infometis/db-credentils is not defined
"""  # noqa: E501 (the text `infometis explain` prints, kept as it is)

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from infometis.analysis.reference_fields import Ref, dig, refs_of
from infometis.checks.once import said_once
from infometis.checks.reference_inventory import (
    FLUX_SERVICE_PORTS,
    Inventory,
    implicit,
    inventories,
    namespace_of,
)
from infometis.model import ERROR, WARNING, Level, Problem, as_list
from infometis.model.fieldpath import field_path

if TYPE_CHECKING:
    from infometis.render.kustomize import Resource
    from infometis.render.runs import ClusterRun, RepoRun

ID = "references"
LEVEL = ERROR
# The schema of this check's options in .infometis.yaml (checked when the file is read).
OPTIONS = {
    "external": {
        "type": "array",
        "items": {
            "type": "string",
            "pattern": "^[A-Za-z][A-Za-z0-9]*/[^/]+/[^/]+$",
            "x-form": "Kind/namespace/name, such as Secret/flux-system/sops-age",
        },
    }
}


def _external(run: RepoRun, ref: Ref) -> bool:
    if run.config.is_external(ref.kind, ref.namespace, ref.name):
        return True
    listed = as_list(run.config.options(ID).get("external"))
    return f"{ref.kind}/{ref.namespace}/{ref.name}" in listed


def _ports(inventory: Inventory, ref: Ref) -> list[Any] | None:
    """The Service's ports, or None when they cannot be known."""
    key = (ref.kind, ref.namespace, ref.name)
    if key in inventory.objects:
        data = inventory.objects[key]
        # Traefik takes the port as given
        if data is None or dig(data, "spec", "type") == "ExternalName":
            return None
        return as_list(dig(data, "spec", "ports"))
    if implicit(ref):
        return FLUX_SERVICE_PORTS
    return None


def _has_port(ports: list[Any], wanted: Any) -> bool:
    for port in ports:
        if not isinstance(port, dict):
            continue
        if isinstance(wanted, int) and port.get("port") == wanted:
            return True
        if isinstance(wanted, str) and (
            port.get("name") == wanted or str(port.get("port")) == wanted
        ):
            return True
    return False


def _port_names(ports: list[Any]) -> str:
    names = [
        f"{p.get('port')}" + (f"/{p['name']}" if p.get("name") else "")
        for p in ports
        if isinstance(p, dict)
    ]
    return ", ".join(names) or "none"


def resolve(
    run: RepoRun, inventory: Inventory, ref: Ref
) -> tuple[str, tuple[Any, ...], Level, bool] | None:
    """What is wrong with `ref`, the field that says it, how sure that is and whether the object
    it names is undefined; None when nothing is."""
    key = (ref.kind, ref.namespace, ref.name)
    defined = key in inventory.objects or implicit(ref)
    if not defined:
        if (
            ref.optional
            or _external(run, ref)
            or inventory.helm_made(ref)
            or {"*", ref.namespace} & inventory.unknown
        ):
            return None
        missing = f"{ref.kind} {ref.namespace}/{ref.name} is not defined in this cluster"
        if inventory.chart_namespace(ref):  # a chart there may make it: not an error, not silence
            return (
                f"{missing}, unless a chart installed in {ref.namespace} makes it",
                ref.path,
                WARNING,
                True,
            )
        return missing, ref.path, LEVEL, True
    if (
        ref.kind == "Service"
        and isinstance(ref.port, (int, str))
        and not isinstance(ref.port, bool)
    ):
        ports = _ports(inventory, ref)
        if ports is not None and not _has_port(ports, ref.port):
            return (
                f"Service {ref.namespace}/{ref.name} has no port {ref.port} "
                f"(its ports: {_port_names(ports)})",
                ref.path[:-1] + ("port",),
                LEVEL,
                False,
            )
    if (
        ref.kind == "Gateway"
        and isinstance(ref.port, str)
        and inventory.objects.get(key) is not None
    ):
        listeners = [
            item.get("name")
            for item in as_list(dig(inventory.objects[key], "spec", "listeners"))
            if isinstance(item, dict)
        ]
        if ref.port not in listeners:
            return (
                f"Gateway {ref.namespace}/{ref.name} has no listener {ref.port} "
                f"(its listeners: {', '.join(map(str, listeners)) or 'none'})",
                ref.path[:-1] + ("sectionName",),
                LEVEL,
                False,
            )
    return None


def _hint(ref: Ref, path: tuple[Any, ...]) -> str:
    if path[-1:] == ("port",):
        return "use one of the Service's ports, by number or by name"
    if path[-1:] == ("sectionName",):
        return "use the name of one of the Gateway's listeners"
    where = f"external: [{ref.kind}/{ref.namespace}/{ref.name}]"
    return (
        "define it, fix the name, or, if it is made out of band, "
        f"declare it in .infometis.yaml: {where}"
    )


def _remote_target(cluster: ClusterRun, target: str, resource: Resource) -> str | None:
    k = cluster.kustomizations.get((target, resource.id))
    return k.kube_config_target if k is not None else None


def check(run: RepoRun) -> Iterator[Problem]:
    return (problem for problem, _ in findings(run))


def undefined_refs(run: RepoRun) -> list[tuple[Problem, Ref]]:
    """Each reference to an object no render of its cluster defines, with the problem saying so."""
    return [(problem, ref) for problem, ref in findings(run) if ref is not None]


def findings(run: RepoRun) -> Iterator[tuple[Problem, Ref | None]]:
    """(problem, the reference when it names an undefined object, else None), each said once."""
    return said_once(run, _findings(run), problem=lambda finding: finding[0])


def _findings(run: RepoRun) -> Iterator[tuple[Problem, Ref | None]]:
    for cluster in run.clusters:
        found = inventories(cluster)
        for rendered in cluster.renders:
            for resource in rendered.resources:
                if not isinstance(resource.data, dict):
                    continue
                rid = resource.id
                for ref in refs_of(rid.group, rid.kind, resource.data, namespace_of(resource)):
                    target = (
                        _remote_target(cluster, rendered.target, resource)
                        if ref.remote
                        else rendered.target
                    )
                    inventory = found.get(target) if target else None
                    wrong = resolve(run, inventory, ref) if inventory is not None else None
                    if wrong is None:
                        continue
                    message, path, level, undefined = wrong
                    yield (
                        Problem.at(
                            ID,
                            level,
                            f"{field_path(path)}: {message}",
                            run.locate(resource, path),
                            cluster=target,
                            resource=str(rid),
                            hint=_hint(ref, path),
                        ),
                        ref if undefined else None,
                    )

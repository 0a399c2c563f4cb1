"""Helm charts offline and online: the chart cache, and fetching charts as source-controller does.

The cache sits next to the render cache (`<cache>/charts/`): chart archives kept by the SHA-256
of their bytes (`blobs/`), and per source what `charts pull` learned (`sources/`): the versions
a repository or registry lists, and which archive each pulled version is. A version range is
resolved offline against the listed versions, to the highest match, as source-controller does;
the network is touched only by `pull`.
"""

from __future__ import annotations

import hashlib
import json
import re
import urllib.error
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import yaml

from infometis.model import semver
from infometis.render.cache import keep

CHART_LAYER = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
MANIFEST_TYPES = (
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json"
)
TIMEOUT = 60


class ChartError(Exception):
    """A chart that cannot be fetched or resolved; the message says why."""


@dataclass(frozen=True)
class ChartSource:
    """Where a HelmRelease's chart comes from: an HTTP Helm repository (`helm`), an OCI
    repository holding the chart (`oci`: `url` is oci://host/path/chart), or a chart folder of
    this repository (`folder`: `url` is the folder)."""

    kind: str
    url: str
    chart: str
    version: str = ""  # a version, a range, an OCI tag; "" means the newest
    digest: str = ""  # an OCI manifest digest pin
    insecure: bool = False  # plain HTTP to the registry
    described: str = ""  # "chart grafana 10.1.4 from HelmRepository grafana", for messages

    @property
    def key(self) -> str:
        return hashlib.sha256(f"{self.kind}\0{self.url}\0{self.chart}".encode()).hexdigest()


class ChartCache:
    def __init__(self, folder: Path | None):
        self.folder = folder / "charts" if folder else None

    def _source_file(self, source: ChartSource) -> Path | None:
        return self.folder / "sources" / f"{source.key}.json" if self.folder else None

    def _known(self, source: ChartSource) -> dict[str, Any]:
        path = self._source_file(source)
        try:
            known = json.loads(path.read_text()) if path else {}
        except (OSError, ValueError):
            known = {}
        return known if isinstance(known, dict) else {}

    def blob(self, digest: str) -> Path | None:
        path = self.folder / "blobs" / f"{digest}.tgz" if self.folder else None
        return path if path and path.is_file() else None

    def find(self, source: ChartSource) -> tuple[str, str] | None:
        """(version, archive digest) of the chart `source` resolves to, from the cache alone."""
        known = self._known(source)
        pulled = known.get("pulled") or {}
        if source.digest:
            version = pulled.get("@" + source.digest)
        else:
            try:
                version = semver.highest(
                    known.get("versions") or list(pulled), source.version or "*"
                )
            except ValueError:
                return None
            version = version if version is not None and version in pulled else None
            if version is None and source.version in pulled:  # a tag that is not a version
                version = source.version
        if version is None or not isinstance(pulled.get(version), dict):
            return None
        entry = pulled[version]
        return (
            (entry.get("version", version), entry["digest"])
            if self.blob(entry.get("digest", ""))
            else None
        )

    def store(
        self, source: ChartSource, versions: list[str], ref: str, version: str, data: bytes
    ) -> str:
        """Keep a pulled archive and what the source listed; returns the archive's digest."""
        if self.folder is None:
            raise ChartError("no chart cache: run without --no-cache")
        digest = hashlib.sha256(data).hexdigest()
        keep(self.folder / "blobs" / f"{digest}.tgz", data)
        known = self._known(source)
        known["versions"] = versions or known.get("versions") or []
        known.setdefault("pulled", {})[ref] = {"digest": digest, "version": version}
        known["source"] = {"kind": source.kind, "url": source.url, "chart": source.chart}
        # (self.folder is set: so is the source file)
        keep(cast(Path, self._source_file(source)), json.dumps(known, sort_keys=True))
        return digest


# ---------------------------------------------------------------- fetching (network)


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[bytes, dict[str, str]]:
    import urllib.request  # (its HTTP and TLS modules cost a run that fetches nothing)

    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 (http and https only)
        return response.read(), dict(response.headers)


def _fetch(url: str, headers: dict[str, str] | None = None) -> bytes:
    if not url.startswith(("http://", "https://")):
        raise ChartError(f"{url}: only http, https and oci URLs can be fetched")
    try:
        return _get(url, headers)[0]
    except (urllib.error.URLError, OSError) as error:
        raise ChartError(f"{url}: {getattr(error, 'reason', error)}") from None


def pull(cache: ChartCache, source: ChartSource) -> tuple[str, str]:
    """Fetch the chart `source` resolves to into the cache: (version, archive digest)."""
    if source.kind == "helm":
        return _pull_http(cache, source)
    if source.kind == "oci":
        return _pull_oci(cache, source)
    raise ChartError(f"{source.described}: a chart folder of the repository is not pulled")


def _pull_http(cache: ChartCache, source: ChartSource) -> tuple[str, str]:
    base = source.url.rstrip("/") + "/"
    try:
        index = yaml.load(
            _fetch(base + "index.yaml"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        )
    except yaml.YAMLError:
        raise ChartError(f"{base}index.yaml is not YAML") from None
    entries = [
        e
        for e in ((index or {}).get("entries") or {}).get(source.chart) or []
        if isinstance(e, dict)
    ]
    versions = [str(e.get("version")) for e in entries]
    version = _highest(versions, source)
    entry = next(e for e in entries if str(e.get("version")) == version)
    urls = entry.get("urls") or []
    if not urls:
        raise ChartError(f"{source.described}: the index lists no URL for version {version}")
    data = _fetch(urllib.parse.urljoin(base, str(urls[0])))
    return version, cache.store(source, versions, version, version, data)


def _highest(versions: list[str], source: ChartSource) -> str:
    try:
        version = semver.highest(versions, source.version or "*")
    except ValueError as error:
        raise ChartError(f"{source.described}: {error}") from None
    if version is None:
        raise ChartError(
            f"{source.described}: no version matches '{source.version or '*'}' "
            f"(known: {', '.join(versions[:10]) or 'none'})"
        )
    return version


class _Registry:
    """The OCI distribution API, anonymously (with the registry's bearer token when it asks)."""

    def __init__(self, reference: str, insecure: bool):
        host, _, self.repository = reference.removeprefix("oci://").partition("/")
        local = re.match(r"^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$", host)
        self.base = f"{'http' if insecure or local else 'https'}://{host}/v2/{self.repository}"
        self.token: str | None = None

    def get(self, path: str, accept: str = "") -> bytes:
        headers = {"Accept": accept} if accept else {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            return _get(f"{self.base}/{path}", headers)[0]
        except urllib.error.HTTPError as error:
            challenge = error.headers.get("WWW-Authenticate", "")
            if error.code != 401 or self.token or not challenge.startswith("Bearer "):
                raise ChartError(f"{self.base}/{path}: {error.code} {error.reason}") from None
            self.token = self._token(challenge)
            return self.get(path, accept)
        except (urllib.error.URLError, OSError) as error:
            raise ChartError(f"{self.base}/{path}: {getattr(error, 'reason', error)}") from None

    def _token(self, challenge: str) -> str:
        fields = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
        query = urllib.parse.urlencode(
            {k: v for k, v in fields.items() if k in ("service", "scope")}
        )
        answer = json.loads(_fetch(f"{fields.get('realm', '')}?{query}"))
        return str(answer.get("token") or answer.get("access_token") or "")


def _pull_oci(cache: ChartCache, source: ChartSource) -> tuple[str, str]:
    registry = _Registry(source.url, source.insecure)
    versions: list[str] = []
    if source.digest:
        ref = version = source.digest
    else:
        versions = [str(t) for t in json.loads(registry.get("tags/list")).get("tags") or []]
        # Helm stores "+" of a version as "_" in a tag
        by_version = {t.replace("_", "+"): t for t in versions}
        if source.version and not semver.is_exact(source.version) and source.version in versions:
            version = source.version  # a plain tag
        else:
            version = _highest(list(by_version), source)
        ref = by_version.get(version, version)
    manifest = json.loads(registry.get(f"manifests/{ref}", MANIFEST_TYPES))
    layers = [
        layer for layer in manifest.get("layers") or [] if layer.get("mediaType") == CHART_LAYER
    ]
    if not layers:
        raise ChartError(
            f"{source.described}: {source.url}:{ref} is not a Helm chart (no chart layer)"
        )
    data = registry.get(f"blobs/{layers[0]['digest']}")
    key = "@" + source.digest if source.digest else version
    return version, cache.store(source, versions, key, version, data)

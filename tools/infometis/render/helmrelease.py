"""HelmReleases as helm-controller reads them: where the chart comes from, the release's name
and namespace, and its values merged as the controller merges them."""

from __future__ import annotations

import copy
import hashlib
import io
import tarfile
from collections.abc import Callable, Set
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

import yaml

from infometis.model import as_list
from infometis.model.flux import SOURCE_GROUPS
from infometis.model.kinds import CHART_SOURCE_KINDS
from infometis.render.charts import ChartSource
from infometis.render.helm import HELM_GROUP, Release, sdk

if TYPE_CHECKING:
    from helm_python import Chart

MAX_NAME = 53  # Helm's limit on release names


def is_helm_release(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and data.get("kind") == "HelmRelease"
        and str(data.get("apiVersion", "")).rpartition("/")[0] == HELM_GROUP
    )


# No chart is rendered from an ExternalArtifact: what it holds is made outside the repository.
RENDERABLE_CHART_SOURCES = frozenset(CHART_SOURCE_KINDS) - {"ExternalArtifact"}


def is_chart_source(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and data.get("kind") in RENDERABLE_CHART_SOURCES
        and str(data.get("apiVersion", "")).rpartition("/")[0] in SOURCE_GROUPS
    )


def release_name(spec: dict[str, Any], name: str) -> str:
    """spec.releaseName, else [targetNamespace-]name, shortened as helm-controller does: over 53
    characters, the first 40, a dash and 12 hex digits of the SHA-256 of the whole name."""
    if spec.get("releaseName"):
        return str(spec["releaseName"])
    full = f"{spec['targetNamespace']}-{name}" if spec.get("targetNamespace") else name
    if len(full) <= MAX_NAME:
        return full
    return full[:40] + "-" + hashlib.sha256(full.encode()).hexdigest()[:12]


def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Maps merged recursively, anything else replaced (helm-controller's values merge)."""
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


@dataclass(frozen=True)
class Source:
    """A chart source resolved for one HelmRelease (or why it cannot be)."""

    chart: ChartSource | None
    path: tuple[str, ...] = ()  # where the HelmRelease names it
    missing: str | None = None  # "not rendered: …" when the source cannot be used
    values_files: tuple[str, ...] = ()


def chart_source(
    spec: dict[str, Any],
    namespace: str,
    sources: dict[tuple[str, str, str], dict[str, Any]],
    folder_of: Callable[[str, str, str], Path | None],
) -> Source:
    """The chart of a HelmRelease spec. `sources` holds the cluster's source objects by (kind,
    namespace, name); `folder_of(kind, namespace, name)` is the folder a Git or Bucket source
    stands for (None when it is not this repository)."""
    if isinstance(spec.get("chartRef"), dict):
        ref = spec["chartRef"]
        kind, name = str(ref.get("kind")), str(ref.get("name"))
        found = sources.get((kind, str(ref.get("namespace") or namespace), name))
        if found is None:
            return Source(
                None, ("spec", "chartRef"), f"not rendered: {kind} {name} is not in the repository"
            )
        if kind == "HelmChart":
            chart_spec = found.get("spec") or {}
            return chart_source(
                {"chart": {"spec": chart_spec}},
                found["metadata"].get("namespace") or namespace,
                sources,
                folder_of,
            )
        return _oci_repository(found, name)
    template = (
        ((spec.get("chart") or {}).get("spec")) if isinstance(spec.get("chart"), dict) else None
    )
    if not isinstance(template, dict) or not template.get("chart"):
        return Source(None, ("spec",), "not rendered: the HelmRelease names no chart")
    ref = cast(
        "dict[str, Any]",
        template.get("sourceRef") if isinstance(template.get("sourceRef"), dict) else {},
    )
    kind, name = str(ref.get("kind")), str(ref.get("name"))
    chart, version = str(template["chart"]), str(template.get("version") or "*")
    values_files = tuple(str(f) for f in as_list(template.get("valuesFiles")))
    where = ("spec", "chart", "spec", "chart")
    if kind in ("GitRepository", "Bucket"):
        root = folder_of(kind, str(ref.get("namespace") or namespace), name)
        if root is None:
            return Source(
                None,
                where,
                f"not rendered: {kind} {name} is not this repository (map it with --source)",
            )
        folder = (Path(root) / chart).resolve()
        if not (folder / "Chart.yaml").is_file():
            return Source(
                None, where, f"not rendered: {chart} is not a chart folder of {kind} {name}"
            )
        return Source(
            ChartSource(
                "folder",
                str(folder),
                folder.name,
                "",
                described=f"chart {chart} from {kind} {name}",
            ),
            where,
            None,
            values_files,
        )
    found = sources.get((kind, str(ref.get("namespace") or namespace), name))
    if kind != "HelmRepository" or found is None:
        return Source(None, where, f"not rendered: {kind} {name} is not in the repository")
    repo_spec = found.get("spec") or {}
    url = str(repo_spec.get("url") or "")
    described = f"chart {chart} {version} from HelmRepository {name}"
    if repo_spec.get("type") == "oci" or url.startswith("oci://"):
        return Source(
            ChartSource(
                "oci",
                url.rstrip("/") + "/" + chart,
                chart,
                version,
                insecure=bool(repo_spec.get("insecure")),
                described=described,
            ),
            where,
            None,
            values_files,
        )
    return Source(
        ChartSource("helm", url, chart, version, described=described), where, None, values_files
    )


def _oci_repository(found: dict[str, Any], name: str) -> Source:
    spec = found.get("spec") or {}
    ref = cast("dict[str, Any]", spec.get("ref") if isinstance(spec.get("ref"), dict) else {})
    url = str(spec.get("url") or "")
    version = str(ref.get("semver") or ref.get("tag") or "latest")
    digest = str(ref.get("digest") or "")
    chart = url.rstrip("/").rpartition("/")[2]
    described = f"chart {chart} {digest or version} from OCIRepository {name}"
    return Source(
        ChartSource("oci", url, chart, version, digest, bool(spec.get("insecure")), described),
        ("spec", "chartRef"),
        None,
    )


def values_from(
    spec: dict[str, Any],
    namespace: str,
    objects: dict[tuple[str, str, str], dict[str, str]],
    sealed: Set[tuple[str, str, str]] = frozenset(),
) -> tuple[dict[str, Any], list[tuple[int, str]]]:
    """The values of spec.valuesFrom merged in order (ConfigMap and Secret keys, with
    targetPath), and the references that could not be read: (index, why). Secrets in `sealed`
    (SOPS-encrypted) are there, but their values are unknown here: left out, silently."""
    merged: dict[str, Any] = {}
    unread = []
    for index, item in enumerate(as_list(spec.get("valuesFrom"))):
        if not isinstance(item, dict):
            continue
        kind, name = str(item.get("kind")), str(item.get("name"))
        key = str(item.get("valuesKey") or "values.yaml")
        if (kind, namespace, name) in sealed:
            continue
        found = objects.get((kind, namespace, name))
        if found is None or key not in found:
            if not item.get("optional"):
                unread.append(
                    (
                        index,
                        f"{kind} {namespace}/{name} "
                        + ("is not in the repository" if found is None else f"has no key '{key}'"),
                    )
                )
            continue
        text = found[key]
        if item.get("targetPath"):
            try:
                merged = merge(merged, sdk().parse_set_string(f"{item['targetPath']}={text}"))
            except sdk().HelmError as error:
                unread.append((index, f"targetPath '{item['targetPath']}': {error}"))
            continue
        try:
            loaded = yaml.safe_load(text)
        except yaml.YAMLError:
            unread.append((index, f"{kind} {namespace}/{name} key '{key}' is not YAML"))
            continue
        merged = merge(merged, loaded if isinstance(loaded, dict) else {})
    return merged, unread


def files_values(archive: Path, chart: Chart, names: tuple[str, ...]) -> dict[str, Any]:
    """spec.chart.spec.valuesFiles, merged in order (paths inside the chart)."""
    merged: dict[str, Any] = {}
    contents = {}
    if archive.is_dir():
        contents = {n: (archive / n).read_text() for n in names if (archive / n).is_file()}
    else:
        with tarfile.open(fileobj=io.BytesIO(archive.read_bytes())) as tar:
            for member in tar.getmembers():
                inside = member.name.partition("/")[2]
                if inside in names and member.isfile():
                    # (a regular file: extractfile gives its content)
                    contents[inside] = cast(IO[bytes], tar.extractfile(member)).read().decode()
    for name in names:
        loaded = (
            yaml.safe_load(contents[name])
            if name in contents
            else (chart.values if name == "values.yaml" else None)
        )
        merged = merge(merged, loaded if isinstance(loaded, dict) else {})
    return merged


def release(data: dict[str, Any], values: dict[str, Any]) -> Release:
    spec = data.get("spec") or {}
    metadata = data.get("metadata") or {}
    name, namespace = str(metadata.get("name") or ""), str(metadata.get("namespace") or "default")
    install = cast(
        "dict[str, Any]", spec.get("install") if isinstance(spec.get("install"), dict) else {}
    )
    common = cast(
        "dict[str, Any]",
        spec.get("commonMetadata") if isinstance(spec.get("commonMetadata"), dict) else {},
    )
    test = cast("dict[str, Any]", spec.get("test") if isinstance(spec.get("test"), dict) else {})
    return Release(
        release_name(spec, name),
        str(spec.get("targetNamespace") or namespace),
        values,
        crds=install.get("crds") != "Skip",
        tests=bool(test.get("enable")),
        post_renderers=as_list(spec.get("postRenderers")),
        common_metadata=common,
        owner=(name, namespace),
    )

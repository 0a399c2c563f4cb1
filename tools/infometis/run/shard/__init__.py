"""`validate --shard I/N`: one deterministic part of the work, for a CI matrix whose shards
together report exactly what one unsharded run reports, each problem said by one shard.

Units. The unit of work is a service (units.py: the folders `services:` names, default
apps/*, else those holding a Flux Kustomization whose spec.path lies below them): every Flux
Kustomization whose spec.path points into it, in every cluster (cross-cluster checks such as
core-invariance see a service whole). Services whose kustomizations read one another's folders
(an overlay on another service's base, a folder aggregating every service's overlays), or the
same files outside every service that no repository-wide build reads (a shared component,
through kustomize's components or Flux's spec.components), make one unit, which owns those files.
Units go to shards greedily by cost, the number of files in their folders: largest first, each to
the lightest shard (ties by name, then shard number), so a repository always splits the same.

Rendering. Every shard renders each cluster's entry folder, every repository-wide Flux
Kustomization (any that is not a service's: infrastructure, notifications...) and the service
Kustomizations whose render changes others: those whose files define Flux Kustomizations, the
sources those follow (or another unit's HelmReleases take charts from), CustomResourceDefinitions
or cluster-settings, or that read files another unit or a repository-wide build reads. Other
service Kustomizations are rendered by their unit's shard; the other shards still follow what
their build reads (the folders it reaches) and read their files for what they could render
(names written with the variables spec.postBuild.substitute gives read as Flux writes them).

Reporting. A problem of rendering belongs to the shard of its Flux Kustomization's unit (shard
1: the entry and the repository-wide ones); a check's problem to the shard of the service
whose folder holds its file, or of the unit that owns it; with its file outside the services
and owned by none (or no file), to the unit that alone rendered its resource, else to shard 1.
A missing-schema summary counts resources of every unit: shard 1's.

Context. Some verdicts on a shard's own objects depend on what other units render:
duplicate-resource and routes (a clash with another unit's object or route in the cluster);
references (an object another unit defines, a namespace that another unit's failed render
leaves unknown); border (another unit's namespace or Service makes a host name in-cluster);
substitution (a substituteFrom object that another unit defines); an infometis.io/ignore
annotation on another unit's object of the same name; the missing-schema summary (it counts
every resource of its kind). So after a first walk, a shard also renders, as context whose
problems are left to their own shards:

- units whose files could render, in a cluster, an object with the kind and name of one the
  shard renders there, or a route on a host one of its routes claims there, or a substituteFrom
  object it misses (names and hosts read from the files; with namePrefix/nameSuffix, any name
  containing the written one; ${variables} match anything); always, units whose names or kinds
  cannot be read from their files (replacements, JSON patches or allowNameChange/allowKindChange
  patches, Helm charts, generator or transformer plugins, remote resources, ${variables} in
  names or kinds that spec.postBuild.substitute does not give);
- shard 1: units whose files hold a kind with no schema (as the catalog finds schemas);
- for the shard's own references to objects not defined in a cluster, the units that render in
  that cluster into their namespace (or into none in particular, or with a HelmRelease whose chart
  can render: one is cached, or comes from the repository): they may define the object, or fail
  to render and leave it unknown; for its own border host names, the units that could render a
  namespace or Service named like the name's last label;
- every unit, when a sourceRef names a kind that is not a Kustomization source.

A second walk renders it, in the order an unsharded run would, reusing the first walk's builds.
A clean repository of independent services needs no context: each shard renders its services
and the repository-wide part. Checks never needing context: yaml, kustomize-build, flux-path,
flux-source, flux-depends-on, unreached, secrets, layers, core-invariance, images, workloads,
desired-state, flux-hygiene and schema's verdicts on resources.
"""

# kustomization fields after which the names and kinds of its objects cannot be read from the files
from __future__ import annotations

import re

from infometis.model import Problem
from infometis.render.runs import Options, RepoRun
from infometis.run.shard.needs import needed
from infometis.run.shard.walk import Shard


def parse(text: str) -> tuple[int, int]:
    """'I/N' → (I, N), 1 ≤ I ≤ N; ValueError says what is wrong."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not match:
        raise ValueError(f"'{text}' is not I/N (shard I of N, e.g. 2/3)")
    index, count = int(match.group(1)), int(match.group(2))
    if count < 1:
        raise ValueError(f"'{text}': in I/N, N must be at least 1")
    if not 1 <= index <= count:
        raise ValueError(f"'{text}': in I/N, I must be from 1 to N ({count})")
    return index, count


def validate(options: Options, selected: set[str]) -> tuple[RepoRun, list[Problem]]:
    """Render what shard I of N needs and return its run and its problems."""
    shard = Shard(options)
    run = shard.walk()
    shard.context = needed(shard, run, selected)
    if shard.context:
        run = shard.walk()
    return run, list(shard.problems(run, selected))

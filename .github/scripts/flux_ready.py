#!/usr/bin/env python3
"""Readiness gate of the e2e workflow: is every Flux Kustomization and HelmRelease Ready?

Reads the output of
  kubectl get kustomizations.kustomize.toolkit.fluxcd.io,helmreleases.helm.toolkit.fluxcd.io
    -A -o json
(a file, or `-` for stdin) and exits 0 only when the cluster has at least one Kustomization
that is not suspended and every object that is not suspended is Ready for its current
generation. Otherwise it exits 1 and names each object that is not Ready and why. Suspended
objects are listed, never counted as Ready. Standard library only: it runs on a bare runner.
"""

from __future__ import annotations

import json
import sys

KINDS = ("Kustomization", "HelmRelease")


def not_ready_reason(item: dict) -> str | None:
    """Why this object is not Ready (None: it is Ready for the generation it has)."""
    status = item.get("status") or {}
    ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), None)
    if ready is None:
        return "no Ready condition yet (not reconciled)"
    if ready.get("status") != "True":
        return (
            f"Ready={ready.get('status')} {ready.get('reason', '')}: {ready.get('message', '')}"
        ).strip()
    generation = (item.get("metadata") or {}).get("generation")
    observed = status.get("observedGeneration")
    if generation is not None and observed != generation:
        return f"Ready for generation {observed}, but the object is at generation {generation}"
    return None


def gate(listing: dict) -> tuple[bool, list[str]]:
    """(passed, report lines) for a `kubectl get … -o json` List."""
    lines, failed, active = [], False, {kind: 0 for kind in KINDS}
    for item in listing.get("items") or []:
        kind = item.get("kind")
        if kind not in KINDS:
            continue
        meta = item.get("metadata") or {}
        name = f"{kind} {meta.get('namespace', '')}/{meta.get('name', '')}"
        if (item.get("spec") or {}).get("suspend") is True:
            lines.append(f"suspended  {name} (not checked)")
            continue
        active[kind] += 1
        reason = not_ready_reason(item)
        failed = failed or reason is not None
        lines.append(f"NOT READY  {name}: {reason}" if reason else f"ready      {name}")
    if not active["Kustomization"]:
        failed = True
        lines.append(
            "NOT READY  the cluster has no Flux Kustomization that is not suspended: nothing was "
            "synced"
        )
    lines.append(
        f"{active['Kustomization']} Kustomization(s), {active['HelmRelease']} HelmRelease(s) "
        "checked: " + ("some are not Ready" if failed else "all Ready")
    )
    return not failed, lines


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(
            "usage: flux_ready.py FILE|-   (the output of kubectl get kustomizations,helmreleases "
            "-A -o json)",
            file=sys.stderr,
        )
        return 2
    try:
        text = sys.stdin.read() if argv[1] == "-" else open(argv[1], encoding="utf-8").read()
        listing = json.loads(text)
    except (OSError, ValueError) as err:
        print(f"flux_ready.py: cannot read {argv[1]}: {err}", file=sys.stderr)
        return 2
    if not isinstance(listing, dict):
        print(f"flux_ready.py: {argv[1]} is not the JSON of a kubectl List", file=sys.stderr)
        return 2
    passed, lines = gate(listing)
    print("\n".join(lines))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))

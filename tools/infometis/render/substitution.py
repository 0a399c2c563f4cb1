"""substitution — Flux postBuild variables all have a value.

Applies only when spec.postBuild gives some variable (Flux substitutes nothing otherwise);
resources annotated `kustomize.toolkit.fluxcd.io/substitute: disabled` are left alone.
Values come from postBuild.substitute and from the ConfigMaps and Secrets of
postBuild.substituteFrom found in the repository (`optional: true` honoured). `${var}`
with no value and no default is an error, as Flux's strict substitution makes it; `$$` is
a literal `$`. A substituteFrom object that is not in the repository is one error at its
entry (declare it `external:` if it is made outside Git) and makes the variables unknown:
no "has no value" errors follow. One that the same Kustomization renders does not exist
yet on a fresh cluster when the Kustomization is first applied: an error too.

PASS::

    host: grafana.${domain}            # domain set in cluster-settings
    level: ${log_level:=info}

FAIL::

    host: grafana.${domian}            # no such variable
"""

import base64
import binascii
from typing import Any, cast

from infometis.model import ERROR, SUBSTITUTE_ANNOTATION
from infometis.model.substitute import VARIABLE_NAME

ID = "substitution"
LEVEL = ERROR


def disabled(data: dict[str, Any]) -> bool:
    meta = cast(
        "dict[str, Any]", data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    )
    return any(
        isinstance(meta.get(key), dict) and meta[key].get(SUBSTITUTE_ANNOTATION) == "disabled"
        for key in ("annotations", "labels")
    )


def object_values(obj: dict[str, Any]) -> dict[str, str]:
    """The variables a ConfigMap or Secret provides (Secret data decoded)."""
    # a malformed data is the schema check's
    data = cast("dict[str, Any]", obj.get("data") if isinstance(obj.get("data"), dict) else {})
    values = {str(k): str(v) for k, v in data.items()} if obj.get("kind") == "ConfigMap" else {}
    if obj.get("kind") == "Secret":
        for key, value in data.items():
            try:
                values[str(key)] = base64.b64decode(str(value), validate=True).decode(
                    "utf-8", "replace"
                )
            except (binascii.Error, ValueError):
                values[str(key)] = str(value)
        string_data = obj.get("stringData")
        values.update(
            {str(k): str(v) for k, v in string_data.items()}
            if isinstance(string_data, dict)
            else {}
        )
    return values


def invalid_names(variables: dict[str, str]) -> list[str]:
    return sorted(name for name in variables if not VARIABLE_NAME.fullmatch(name))

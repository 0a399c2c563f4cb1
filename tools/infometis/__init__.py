"""InfoMetis: validate, render, diff and promote Flux + Kustomize GitOps monorepos."""


def __getattr__(name: str) -> str:
    # The version is read from the installed metadata on first use only: importing
    # importlib.metadata costs more than the rest of `infometis --help` together.
    if name != "__version__":
        raise AttributeError(f"module 'infometis' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("infometis")
    except PackageNotFoundError:  # running from a source tree that is not installed
        found = "0.0.0+unknown"
    globals()["__version__"] = found
    return found

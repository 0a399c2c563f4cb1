"""InfoMetis: validate, render, diff and promote Flux + Kustomize GitOps monorepos."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("infometis")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

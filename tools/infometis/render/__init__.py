"""Rendering as Flux would: kustomize, postBuild, Helm, the render cache, and the problems
rendering finds."""

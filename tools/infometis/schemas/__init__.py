"""JSON Schema validation of Kubernetes resources: where schemas come from, and the engine."""

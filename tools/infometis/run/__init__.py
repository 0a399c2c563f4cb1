"""A whole validation: rendering and checking together, the verdict cache, sharding."""

"""Plain data functions over a finished run, shared by the checks, sharding and the commands."""

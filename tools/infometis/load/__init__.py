"""Reading what a run starts from: files, YAML as Go reads it, git, external tools,
`.infometis.yaml`."""

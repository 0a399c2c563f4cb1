"""What a run covers: the clusters, the folders a build reads, the sources, the changed files."""

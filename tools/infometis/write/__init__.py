"""Writing the repository: the splice editor, pinned versions, the promotion plan."""

"""The generators: `init` writes a new repository, `new …` grows one. Each builds a Plan
(the files to create, the edits to existing files) that is either shown (--dry-run) or
applied; existing files change only through the splice editor."""

"""Commands: each a function that takes parsed options and returns an exit code."""

"""The one exception root. Only setup, usage and configuration errors raise;
everything wrong with the repository's content is a Problem instead."""


class InfometisError(Exception):
    """A setup, usage or configuration error: the run cannot go on (exit code 2)."""

    exit_code = 2


class ConfigError(InfometisError):
    """`.infometis.yaml` or a command-line option is invalid."""


class SetupError(InfometisError):
    """A required tool or folder is missing or unusable."""


class EditError(ValueError):
    """The value cannot be edited without changing more than it (or at all)."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled as Ctrl-C is: files restored, locks, temporary folders and worktrees
    removed."""

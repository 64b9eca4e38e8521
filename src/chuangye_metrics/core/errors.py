"""Exit codes and the exceptions that stop a command."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, the same for every command."""

    OK = 0
    DATA_ERROR = 1
    USAGE = 2
    CHECK_FAILED = 3
    CHANGED = 4
    """diff: the two versions differ."""
    INTERNAL = 70


class ChuangyeError(Exception):
    """An error that stops the command with a one-line message."""

    exit_code: ExitCode = ExitCode.INTERNAL

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(ChuangyeError):
    """A bad option, argument or missing input file."""

    exit_code = ExitCode.USAGE


class ConfigError(ChuangyeError):
    """An unreadable or invalid formulas, standard or mapping file."""

    exit_code = ExitCode.USAGE


class InputError(ChuangyeError):
    """An input file that cannot be read as a return (empty, corrupt, not a spreadsheet)."""

    exit_code = ExitCode.DATA_ERROR

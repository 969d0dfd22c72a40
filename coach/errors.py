"""Errors the coach reports to a person.

Every error says what failed and how to fix it. The command line prints ``str(error)`` and
chooses the exit status; nothing below the CLI prints a traceback for these.
"""

from __future__ import annotations


class CoachError(Exception):
    """A failure a person can act on.

    ``message`` says what went wrong (naming the file, line or device); ``fix`` says what to do.
    """

    exit_status = 2

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.message}\n  fix: {self.fix}" if self.fix else self.message


class RoutineError(CoachError):
    """A routine file could not be found, read or validated."""


class ConfigError(CoachError):
    """A configuration file or voice profile is wrong."""


class AudioDeviceError(CoachError):
    """No usable audio device, or a device vanished."""

    exit_status = 3


class ModelError(CoachError):
    """A speech recognition model is missing or broken."""

    exit_status = 4


class StoreError(CoachError):
    """The session log or resume point could not be read or written."""

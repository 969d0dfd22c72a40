"""Handlers for the command-line subcommands, one module per domain.

Each handler takes the parsed arguments and returns an exit status; it raises
:class:`coach.errors.CoachError` for failures a person can fix. Only :mod:`coach.cli` turns
those into messages and exit codes.
"""

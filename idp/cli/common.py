"""What every ``idp`` command shares: domain errors shown as one French line."""

from __future__ import annotations

import functools

import click

from ..errors import IdpError


def domain_errors(command):
    """Show a domain error as a one-line message and exit 1, never as a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except IdpError as error:
            raise click.ClickException(error.message) from None

    return wrapper

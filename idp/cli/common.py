"""What every ``idp`` command shares: one unit of work, and domain errors as one French line."""

from __future__ import annotations

import functools

import click

from ..errors import IdpError
from ..extensions import db


def one_unit_of_work(command):
    """Run ``command`` as one unit of work: commit what it changed when it ends, roll it all
    back when it fails; a domain error is shown as a one-line message (exit 1), never as a
    traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            result = command(*args, **kwargs)
            db.session.commit()
            return result
        except IdpError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from None
        except BaseException:
            db.session.rollback()
            raise

    return wrapper

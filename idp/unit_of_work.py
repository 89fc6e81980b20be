"""One unit of work per request: services change and flush, the edge commits once.

``Provider.dispatch_request`` runs the view, then commits what it changed, before the response
leaves: a commit that fails is an error like any other, answered by the error handlers. A view
that raises leaves nothing behind: its changes are rolled back. A view that shows a refusal
without raising (a form with its error) rolls back what it had begun itself, as it does today.
The ``idp`` commands do the same (``cli.common.one_unit_of_work``).

Early commits remain only where they are the point, each with a comment saying why: the
settling of the browser's session before any view, a code or a delivery record saved before
the message leaves, an atomic single-use consumption.
"""

from __future__ import annotations

from flask import Flask

from .extensions import db


class Provider(Flask):
    """The provider's Flask application: each view is one unit of work."""

    def dispatch_request(self):
        try:
            response = super().dispatch_request()
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        return response

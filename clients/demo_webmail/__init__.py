"""The demo webmail: a separate Flask app that relies on the provider over HTTP only (OpenID
Connect), and opens the personal and organisational mailboxes of the person signed in."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError

from .extensions import csrf, db
from .settings import PROJECT_ROOT, load_settings


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the webmail: settings, extensions, the provider client, blueprints, tables."""
    settings = load_settings(config)
    app = Flask(__name__, instance_path=str(PROJECT_ROOT / "instance"))
    app.config.update(settings)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=settings["DATABASE_URL"],
        SESSION_COOKIE_NAME="webmail_session",  # the provider on the same host keeps its own
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings["BASE_URL"].startswith("https://"),
    )
    db.init_app(app)
    csrf.init_app(app)

    from .auth import bp as auth_bp
    from .cli import register_commands
    from .provider import register_provider
    from .views import bp as webmail_bp

    register_provider(app)
    app.register_blueprint(auth_bp)
    app.register_blueprint(webmail_bp)
    register_commands(app)

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return render_template("error.html",
                               message="Le formulaire a expiré. Rechargez la page."), 400

    @app.errorhandler(404)
    def not_found(_error):
        return render_template("error.html", message="Cette page n'existe pas."), 404

    @app.after_request
    def security_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; frame-ancestors 'none'; form-action 'self' "
            f"{settings['ISSUER']}",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    with app.app_context():
        db.create_all()  # a demo: its small schema is created, never migrated
    return app

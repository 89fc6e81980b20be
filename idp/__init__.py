"""MSSanté OpenID Connect provider: ``create_app`` assembles settings, extensions, blueprints."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, abort, render_template, request
from flask_babel import gettext
from flask_babel import refresh as refresh_locale
from flask_wtf.csrf import CSRFError
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from . import csp
from .extensions import babel, csrf, db, limiter, migrate
from .i18n import DEFAULT as DEFAULT_LOCALE
from .i18n import select_locale, template_context
from .settings import PROJECT_ROOT, is_development, load_settings
from .unit_of_work import Provider

PACKAGE_ROOT = Path(__file__).resolve().parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the provider: settings, then extensions, then blueprints, then the CLI."""
    settings = load_settings(config)
    app = Provider(__name__, instance_path=str(PROJECT_ROOT / "instance"))
    app.config.update(settings)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=_database_url(settings["DATABASE_URL"]),
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(settings),
        # Cookies and forms signed under a previous key stay valid after a rotation.
        SECRET_KEY_FALLBACKS=settings["PREVIOUS_SECRET_KEYS"],
        WTF_CSRF_SECRET_KEY=[*reversed(settings["PREVIOUS_SECRET_KEYS"]), settings["SECRET_KEY"]],
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=not is_development(settings),
        PERMANENT_SESSION_LIFETIME=timedelta(seconds=settings["SESSION_ABSOLUTE_SECONDS"]),
        MAX_CONTENT_LENGTH=256 * 1024,
        WTF_CSRF_TIME_LIMIT=settings["INTERACTION_TTL_SECONDS"],
        JSON_SORT_KEYS=False,
    )
    from .observability import logs, per_request
    from .probes.endpoints import Probes

    logs.configure(app)
    app.wsgi_app = Probes(app, app.wsgi_app)  # behind ProxyFix: it sees the client's address
    if settings["TRUSTED_PROXIES"]:
        n = settings["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True,
                     compare_type=True)
    csrf.init_app(app)
    app.config["RATELIMIT_STORAGE_URI"] = settings["REDIS_URL"] or "memory://"
    per_request.install(app)  # before the limiter: its refusals are counted
    app.after_request(_retry_after_at_least_one_second)  # registered first: runs after the limiter
    limiter.init_app(app)
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT_LOCALE
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(PACKAGE_ROOT / "translations")
    babel.init_app(app, locale_selector=select_locale, default_timezone=settings["TIMEZONE"])
    app.context_processor(template_context)
    # Each request chooses its own locale, even under an application context that outlives it.
    app.before_request(refresh_locale)

    from .admin.api import bp as admin_api_bp
    from .admin.web import bp as admin_web_bp
    from .errors import register_error_handlers
    from .federation.logout import then_end_upstream_session
    from .federation.views import bp as federation_bp
    from .interaction import factor_views, recovery_views, views  # noqa: F401 - they add routes
    from .interaction.password_views import bp as password_bp
    from .interaction.screens import bp as interaction_bp
    from .oidc.server import init_server
    from .oidc.views import bp as oidc_bp
    from .portal import notification_views  # noqa: F401 - it adds routes
    from .portal import views as portal_views  # noqa: F401 - it adds routes
    from .portal.pages import bp as account_bp

    init_server(app)
    _wire_sessions(app)
    _wire_metrics()
    _install_jobs(app)
    csrf.exempt(oidc_bp)  # protocol endpoints: clients authenticate, or state/PKCE protect
    csrf.exempt(admin_api_bp)  # Bearer tokens, no cookies
    app.register_blueprint(oidc_bp)
    app.register_blueprint(interaction_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(admin_web_bp)
    app.register_blueprint(password_bp)
    app.register_blueprint(federation_bp)
    app.register_blueprint(admin_api_bp)
    register_error_handlers(app)

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return render_template(
            "error.html",
            title=gettext("Session expirée"),
            message=gettext("Le formulaire a expiré. Rechargez la page et recommencez."),
            support=app.config["SUPPORT_CONTACT"],
        ), 400

    @app.before_request
    def refuse_nul_characters():
        """No valid input holds NUL, and PostgreSQL text cannot: refuse it on every endpoint."""
        if "\x00" in request.path or any(
            "\x00" in value for _name, values in request.values.lists() for value in values
        ):
            abort(400)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", csp.policy())
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if not is_development(app.config):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    # Registered after security_headers, so it runs before it: its page gets those headers too.
    app.after_request(then_end_upstream_session)

    from .cli import register_commands

    register_commands(app)
    return app


def _database_url(url: str) -> str:
    """Relative SQLite paths are taken from the project root, so any directory works."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        path = PROJECT_ROOT / url[len(prefix):]
        path.parent.mkdir(parents=True, exist_ok=True)
        return prefix + str(path)
    return url


def _wire_sessions(app: Flask) -> None:
    """Each request first settles the browser's single sign-on session (an expired one ends
    there). Who hears that a session ended: the clients that got tokens in it (back-channel
    logout), and the upstream provider that brokered it, whose own logout follows ours
    (``then_end_upstream_session``). Wired here so that neither the sessions nor the protocol
    import the packages that listen."""
    from .federation.logout import note_logout
    from .oidc.logout import notify_clients
    from .sessions.sso import session_ended, settle_session

    app.before_request(settle_session)
    session_ended.connect(notify_clients)
    session_ended.connect(note_logout)


def _wire_metrics() -> None:
    """The business counters: audit events once committed, tokens once issued (wired here so
    that the services do not import what counts them)."""
    from .observability import events
    from .oidc.tokens import token_issued

    events.count_committed_events()
    token_issued.connect(events.token_issued)


def _install_jobs(app: Flask) -> None:
    """The job queue, and the tasks it runs (``idp worker``): the services ask for jobs by
    name, so they never import the tasks that call them."""
    from .jobs.queue import install
    from .tasks import running, schedule

    jobs = install(app)
    running.register(app, jobs)
    schedule.register(app, jobs)


def _retry_after_at_least_one_second(response):
    """Flask-Limiter truncates Retry-After to whole seconds, so a window ending within the
    second said "0": a refused request must never invite the client to retry at once."""
    if response.status_code == 429 and response.headers.get("Retry-After") == "0":
        response.headers["Retry-After"] = "1"
    return response


def _engine_options(settings: dict[str, Any]) -> dict[str, Any]:
    """SQLite waits for another process's write; PostgreSQL checks pooled connections before
    use and gives up on a server that does not answer (the request then gets a 503)."""
    if settings["DATABASE_URL"].startswith("sqlite"):
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True,
            "connect_args": {"connect_timeout": settings["DATABASE_CONNECT_TIMEOUT_SECONDS"]}}


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """SQLite: enforce foreign keys and let readers work while one process writes."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()



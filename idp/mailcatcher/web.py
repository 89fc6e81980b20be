"""The catcher's web server: the page listing what was received, a JSON API, and the
Twilio-compatible endpoint. A tiny Flask app of its own, not the provider."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, jsonify, render_template, request

from .store import MessageStore
from .twilio_api import twilio_blueprint

REFRESH_SECONDS = 3
# Inline styles only; the HTML version of an e-mail shows in a sandboxed frame that loads nothing.
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


def create_app(store: MessageStore, slow_seconds: float) -> Flask:
    """The catcher's web app, reading and writing ``store``."""
    app = Flask(__name__)
    app.json.sort_keys = False
    app.register_blueprint(twilio_blueprint(store, slow_seconds))
    app.add_template_filter(_local_time, "local_time")

    @app.get("/")
    def index():
        """Every message, newest first; reloads itself unless paused with ?actualiser=0."""
        messages = store.messages()
        newest_email = next((m["id"] for m in messages if m["kind"] == "email"), None)
        return render_template("mailcatcher/index.html", messages=messages,
                               newest_email=newest_email,
                               refresh=request.args.get("actualiser") != "0",
                               refresh_seconds=REFRESH_SECONDS)

    @app.get("/api/messages")
    def list_messages():
        """The messages as JSON, newest first (``?kind=email`` or ``?kind=sms`` to filter)."""
        return jsonify(store.messages(request.args.get("kind")))

    @app.delete("/api/messages")
    def clear_messages():
        """Forget every message."""
        store.clear()
        return "", 204

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    return app


def _local_time(iso_date: str) -> str:
    """'2026-01-05T09:30:00+00:00' -> '05/01/2026 10:30:00' in the machine's time zone."""
    return datetime.fromisoformat(iso_date).astimezone().strftime("%d/%m/%Y %H:%M:%S")

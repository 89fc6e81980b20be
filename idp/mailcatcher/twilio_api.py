"""The catcher's Twilio-compatible endpoint: the twilio library posts SMS here, as to Twilio.

Two numbers simulate failures: ``INVALID_NUMBER`` gets Twilio's error 21211, ``SLOW_NUMBER`` an
answer that comes after the client has given up.
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime
from email.utils import format_datetime

from flask import Blueprint, jsonify, request

from .store import MessageStore

INVALID_NUMBER = "+33600000001"
SLOW_NUMBER = "+33600000002"
# The slow answer never waits longer than this many seconds.
MAX_SLOW_SECONDS = 10
API_VERSION = "2010-04-01"


def slow_delay(client_timeout: float) -> float:
    """How long ``SLOW_NUMBER`` waits: past the client's timeout, within MAX_SLOW_SECONDS."""
    return min(client_timeout + 1, MAX_SLOW_SECONDS)


def twilio_blueprint(store: MessageStore, slow_seconds: float) -> Blueprint:
    """The Messages resource of Twilio's REST API, keeping each SMS in ``store``."""
    bp = Blueprint("twilio", __name__, url_prefix=f"/{API_VERSION}")

    @bp.post("/Accounts/<account_sid>/Messages.json")
    def create_message(account_sid: str):
        auth = request.authorization
        if auth is None or auth.username != account_sid:
            return _error(401, 20003, "Authenticate")
        to, sender = request.form.get("To", ""), request.form.get("From", "")
        body = request.form.get("Body", "")
        if not to:
            return _error(400, 21604, "A 'To' phone number is required.")
        if not sender:
            return _error(400, 21603, "A 'From' phone number is required.")
        if not body:
            return _error(400, 21602, "Message body is required.")
        if to == INVALID_NUMBER:
            return _error(400, 21211, "The 'To' number is not a valid phone number.")
        if to == SLOW_NUMBER:
            time.sleep(slow_seconds)
            return _error(504, 20500, "The catcher answered too late on purpose.")
        sid = "SM" + secrets.token_hex(16)
        store.add("sms", sid=sid, to=to, body=body, **{"from": sender})
        return jsonify(_message_resource(account_sid, sid, to, sender, body)), 201

    return bp


def _message_resource(account_sid: str, sid: str, to: str, sender: str, body: str) -> dict:
    """A Message as Twilio describes it right after accepting it."""
    now = format_datetime(datetime.now(UTC), usegmt=True)
    uri = f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}"
    return {
        "account_sid": account_sid, "api_version": API_VERSION, "body": body,
        "date_created": now, "date_sent": None, "date_updated": now,
        "direction": "outbound-api", "error_code": None, "error_message": None,
        "from": sender, "messaging_service_sid": None, "num_media": "0", "num_segments": "1",
        "price": None, "price_unit": "EUR", "sid": sid, "status": "queued",
        "subresource_uris": {"media": f"{uri}/Media.json"}, "to": to, "uri": f"{uri}.json",
    }


def _error(status: int, code: int, message: str):
    """An error answer in Twilio's format, which the library turns into TwilioRestException."""
    return jsonify(code=code, message=message, status=status,
                   more_info=f"https://www.twilio.com/docs/errors/{code}"), status

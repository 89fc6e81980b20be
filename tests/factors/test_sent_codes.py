"""A code sent by e-mail or SMS is kept only as a keyed digest: a copy of the database gives it
away neither in clear nor to a brute force of the million possible codes without SECRET_KEY.
Codes are 6 digits drawn from ``secrets``, every digit equally likely in every position."""

from __future__ import annotations

import ast
import hashlib
import hmac
import inspect
from collections import Counter

import pytest

from idp.extensions import db
from idp.factors import otp
from idp.models import AuditEvent, Delivery, OtpChallenge

from ..interaction.second_factor_journey import (
    ALICE_PHONE,
    code_page,
    latest_code,
    password_step,
    start,
)

DRAWS = 5000


def rows_of(model) -> list[dict]:
    """Every row of ``model``'s table, every column as stored."""
    return [dict(row) for row in db.session.execute(db.select(model.__table__)).mappings()]


@pytest.mark.parametrize("channel", ["email", "sms"])
def test_a_sent_code_is_stored_only_as_a_keyed_digest(app, client, actors, mail_catcher,
                                                      channel):
    actors.user(phone=ALICE_PHONE)
    rp = actors.rp(min_acr="mfa")
    page, _ = start(client, actors, rp)
    code_page(client, password_step(client, page, channel))
    code = latest_code(mail_catcher, channel)  # what really reached the person

    with app.app_context():
        [challenge] = rows_of(OtpChallenge)
        stored = [challenge, *rows_of(Delivery), *rows_of(AuditEvent)]
    assert not [row for row in stored if any(code in str(value) for value in row.values())]

    digest = challenge["code_hash"]
    message = f"{challenge['id']}:{code}".encode()
    key = app.config["SECRET_KEY"].encode()
    assert digest == hmac.new(key, message, hashlib.sha256).hexdigest()
    assert digest != hmac.new(b"another key", message, hashlib.sha256).hexdigest()
    unkeyed = {hashlib.sha256(text).hexdigest() for text in (message, code.encode())}
    assert digest not in unkeyed


def test_codes_are_six_digits_every_digit_equally_likely_in_every_position():
    codes = [otp.new_code() for _ in range(DRAWS)]
    assert all(len(code) == 6 and code.isascii() and code.isdigit() for code in codes)
    assert len(set(codes)) > DRAWS - 60  # about 12 repeats expected among a million codes
    for position in range(6):  # leading zeros kept; 500 each expected, 21 standard deviation
        counts = Counter(code[position] for code in codes)
        assert set(counts) == set("0123456789")
        assert all(350 < count < 650 for count in counts.values()), (position, counts)


def test_codes_are_drawn_from_the_secrets_module():
    """Uniform is not enough: ``random`` is predictable from its past output."""
    calls = {f"{node.func.value.id}.{node.func.attr}"
             for node in ast.walk(ast.parse(inspect.getsource(otp.new_code)))
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
             and isinstance(node.func.value, ast.Name)}
    assert calls & {"secrets.randbelow", "secrets.choice"}
    assert "random" not in {name for node in ast.walk(ast.parse(inspect.getsource(otp)))
                            if isinstance(node, ast.Import | ast.ImportFrom)
                            for name in [getattr(node, "module", None) or "",
                                         *(alias.name for alias in node.names)]}

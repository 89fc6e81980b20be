"""Masked destinations: enough for support staff to recognise an address or a number, not to
read it."""

from __future__ import annotations

import re

# E.164 country codes of one and two digits; every other code has three.
_ONE_DIGIT_CODES = {"1", "7"}
_TWO_DIGIT_CODES = {
    "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46",
    "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
    "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
}
_E164 = re.compile(r"\+\d{6,15}")


def mask(destination: str) -> str:
    """'j***@example.org' for an e-mail address; '+33 6** ** ** 78' for a phone number
    (country code, first and last two digits kept)."""
    if "@" in destination:
        local, _, domain = destination.rpartition("@")
        return f"{local[:1]}***@{domain}"
    digits = destination.replace(" ", "")
    if not _E164.fullmatch(digits):
        return "*" * max(len(digits) - 2, 1) + digits[-2:]
    country, national = _split_country_code(digits[1:])
    kept = national[0] + "*" * (len(national) - 3) + national[-2:]
    return f"+{country} {_in_pairs(kept)}"


def _split_country_code(number: str) -> tuple[str, str]:
    if number[:1] in _ONE_DIGIT_CODES:
        return number[:1], number[1:]
    if number[:2] in _TWO_DIGIT_CODES:
        return number[:2], number[2:]
    return number[:3], number[3:]


def _in_pairs(national: str) -> str:
    """'612345678' -> '612 34 56 78': pairs from the end, a lone leading digit joins the first."""
    head = 3 if len(national) % 2 else 2
    rest = national[head:]
    return " ".join([national[:head], *(rest[i:i + 2] for i in range(0, len(rest), 2))])

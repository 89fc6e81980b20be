"""The "S'identifier avec PRO SANTÉ CONNECT" button shows only where Pro Santé Connect is
configured (the session app has no PSC_CLIENT_ID; the browser tests' server has one)."""

from __future__ import annotations

from ..interaction.second_factor_journey import start


def test_without_pro_sante_connect_configured_the_screen_offers_only_the_password(
        client, actors):
    """No "OU" and no Pro Santé Connect button when the provider has no PSC client."""
    page, _verifier = start(client, actors, actors.rp(min_acr="mfa"))
    assert page.status_code == 200 and "Connexion" in page.text
    assert "PRO SANTÉ CONNECT" not in page.text and "/federation/psc/login" not in page.text
    assert ">OU<" not in page.text

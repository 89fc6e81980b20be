"""The sign-in journey: the screens that authenticate a person and record consent.

Hands back to ``idp.oidc`` through the pending ``AuthorizationRequest`` and the ``SsoSession``;
never issues a code or a token.
"""

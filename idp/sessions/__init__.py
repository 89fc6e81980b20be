"""What the protocol and the sign-in screens share, below both of them.

``pending``: the authorization request the protocol parks while a person signs in, and that
the screens hand back once done. ``sso``: the browser's single sign-on session, which the
screens start and the protocol reads (who, when, how). ``oidc/`` and ``interaction/`` meet only
through these two records (node-oidc-provider's Interaction and Session models).
"""

"""OpenID Connect protocol: Authlib server wiring, grants, claims, keys, discovery, logout.

Renders no sign-in screen: when a person must interact, the authorization endpoint parks the
request and hands over to ``idp.interaction``.
"""

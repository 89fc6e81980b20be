"""The person's own space at /account (named apart from ``accounts``, the account services):
what the provider knows about them, Google Authenticator enrolment, recovery codes, the
notification address and the Pro Santé Connect link. Reached with an SSO session of level
``mfa`` (``gate``)."""

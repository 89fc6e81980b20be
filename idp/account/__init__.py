"""The person's own account page (/account): what the provider knows about them, Google
Authenticator enrolment and recovery codes. Reached with an SSO session of level ``mfa``."""

"""Second factors: e-mail and SMS one-time codes (one challenge mechanism, two channels) and
Google Authenticator (TOTP). A factor begins and verifies a challenge; how a message travels is
``idp.delivery``'s business."""

"""How messages travel: e-mail over SMTP, SMS through Twilio (or the development outbox).

Factors never know how a message travels: they hand a ``Message`` to ``deliver``, which picks the
channel, sends, and keeps a delivery record for support staff.
"""

"""Development mail catcher (``idp mailcatcher``): an SMTP server and a Twilio-compatible endpoint
that keep what they receive in memory, and a web page that lists it, so the whole sign-in
journey runs on one machine with no outside service."""

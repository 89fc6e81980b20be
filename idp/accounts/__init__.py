"""Account services (users, organisations, mailboxes, passwords) shared by views, CLI and API."""

"""Account events the app reacts to (filled in by the session and 2FA work)."""

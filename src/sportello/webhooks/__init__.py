"""Meta's webhooks: stored raw first, answered at once, processed after (and replayable)."""

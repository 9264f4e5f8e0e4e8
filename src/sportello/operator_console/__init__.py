"""The operator's console: decide API key requests, read the outbox. Signed in with the operator
credentials from configuration; off when they are not set."""

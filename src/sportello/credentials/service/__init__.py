"""The rules of credentials: API keys, private keys and service users, the handshake."""

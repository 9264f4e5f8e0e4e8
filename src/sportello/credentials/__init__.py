"""API keys (requested, approved by the operator), private keys, the token handshake, frame sessions."""

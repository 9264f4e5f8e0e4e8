"""A faithful emulator of Meta's WhatsApp Cloud API, for the demo and the tests. Its own ASGI
app: the product never imports it (only the CLI and the demo do)."""

"""Sportello: a self-hosted WhatsApp Business inbox that other software embeds in an iframe."""

__version__ = "0.1.0"

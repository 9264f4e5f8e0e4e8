"""The demo: a seeded account, the Cloud API emulator as its WhatsApp, and a demo CRM host page."""

"""The demo: a seeded account, and (later) the emulator and a demo CRM host page."""

"""The account's links to the outside: its WhatsApp numbers (and, later, PayPal)."""

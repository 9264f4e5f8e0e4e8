"""Messages: inbound from WhatsApp, outbound through the sender, internal notes; and their media."""

"""Read receipts and the typing indicator: the customer sees blue ticks when an agent reads
their chat, and "typing…" while an agent writes a reply."""

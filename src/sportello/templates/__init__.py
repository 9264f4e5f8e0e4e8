"""WhatsApp message templates: drafts, Meta's review, and what an approved one sends."""

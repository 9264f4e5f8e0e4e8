"""Meta's WhatsApp Cloud API: signatures, webhook payloads, statuses, errors, the Graph API client."""

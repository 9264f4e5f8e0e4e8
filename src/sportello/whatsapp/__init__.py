"""Meta's WhatsApp Cloud API, one job a module: `signature` (is a webhook Meta's),
`webhook_payload` (its body → `webhook_changes`), `statuses` (how a status moves a message),
`errors` (Meta's codes: retry or not, what the agent reads), `outbound_payloads` (the bodies we
send) and `client` (the Graph API over a passed-in `httpx.AsyncClient`)."""

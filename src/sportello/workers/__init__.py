"""The background work of a process: the outbound sender, the webhook processor, the mail sender."""

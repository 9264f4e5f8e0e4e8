"""Email: an outbox in the database, delivered by SMTP when configured."""

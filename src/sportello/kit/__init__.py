"""Shared building blocks: base schemas, pagination, secrets, rate limits."""

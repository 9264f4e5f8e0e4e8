"""Fixtures' building blocks: real databases, real servers, a real browser."""

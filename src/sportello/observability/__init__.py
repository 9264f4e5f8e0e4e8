"""Logs, metrics and health checks an operator reads."""

"""Accounts (tenants), users, roles and sign-in."""

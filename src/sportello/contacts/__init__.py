"""Contacts: the people an account talks to on WhatsApp."""

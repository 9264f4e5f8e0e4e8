"""Chats: one conversation per contact, with its unread state and its 24-hour window."""

"""Saved answers an account's agents insert in the composer, with the contact's fields filled."""

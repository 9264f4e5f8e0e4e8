"""Who may do what to whom, by role. Pure functions: the service raises, these only answer."""

from __future__ import annotations

from sportello.accounts.models import Role

USER_MANAGERS = frozenset({Role.OWNER, Role.ADMINISTRATOR})
# The Owner is made with the account and stays; ownership is not handed out by a role change.
ASSIGNABLE_ROLES = (Role.ADMINISTRATOR, Role.CHAT_MANAGER, Role.CHAT_OPERATOR)


def can_manage_users(role: Role) -> bool:
    return role in USER_MANAGERS


def can_change_account_settings(role: Role) -> bool:
    """How the business speaks to its customers (read receipts …) is the Owner's and Administrators' call."""
    return role in USER_MANAGERS


def can_change(actor_role: Role, target_role: Role) -> bool:
    """Whether an actor may change or remove a user who has `target_role` now."""
    return can_manage_users(actor_role) and target_role is not Role.OWNER


def sees_only_assigned_chats(role: Role) -> bool:
    return role is Role.CHAT_OPERATOR


def can_manage_templates(role: Role) -> bool:
    """Requesting templates speaks for the business to Meta: not a Chat Operator's call."""
    return role is not Role.CHAT_OPERATOR


def can_edit_contacts(role: Role) -> bool:
    """Every agent keeps the customer's details up to date: a Chat Operator on the chats they see
    (the caller checks which chats), as the account's API key may on any contact."""
    return role in (Role.OWNER, Role.ADMINISTRATOR, Role.CHAT_MANAGER, Role.CHAT_OPERATOR)


def can_manage_quick_replies(role: Role) -> bool:
    """The account's saved answers are set by those who run the inbox; a Chat Operator uses them."""
    return role is not Role.CHAT_OPERATOR


def can_connect_numbers(role: Role) -> bool:
    """A WhatsApp number's credentials speak for the whole business: the Owner's and Administrators'."""
    return role in USER_MANAGERS

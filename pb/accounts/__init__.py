"""Accounts: users, roles, sign-in, and the access rule every view declares."""

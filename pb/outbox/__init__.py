"""The mail outbox: every email is written here in the same transaction as the change that
causes it, and a worker (`flask --app app pb mail send`) delivers it with retries and backoff.

A rolled-back change therefore sends nothing, and a mail-server outage loses nothing.
"""

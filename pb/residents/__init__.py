"""A resident's own pages: sign up, emailed links, account settings, "my activity", follows,
one-click unsubscribe, download and deletion of their data."""

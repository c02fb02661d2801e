"""Security infrastructure shared by every domain: rate limits kept in the database (so every
app server sees the same counters) and backups of the whole database."""

"""Security infrastructure shared by every domain: rate limits kept in the database (so every
app server sees the same counters), backups of the whole database, and the check that refuses
control characters in any text a request sends."""

"""File formats: pabulib `.pb` (read and write) and the RCTab conformance JSON-lines."""

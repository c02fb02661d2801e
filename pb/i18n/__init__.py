"""Languages: locale choice, shipped locales and per-language content translations."""

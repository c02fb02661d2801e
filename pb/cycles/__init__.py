"""Cycles: a PB round with its budget, areas, languages, rules, phases and dates."""

"""Admin: staff pages for running a cycle and the `flask pb` command group."""

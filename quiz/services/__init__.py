"""Service functions: load rows, call the core, write in one transaction."""

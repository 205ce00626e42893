"""Demo data for a newcomer's first look at the portal."""

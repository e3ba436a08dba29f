"""Forms of the case pages, one module per screen group, as in cases/views/."""

"""Pages for running the site as an organization: the global audit log."""

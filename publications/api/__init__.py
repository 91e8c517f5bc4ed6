"""REST API of commune publications."""

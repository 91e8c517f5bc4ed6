"""The hub's database backends (``DATABASES[...]["ENGINE"]``)."""

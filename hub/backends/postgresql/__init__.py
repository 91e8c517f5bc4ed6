"""Django's PostgreSQL backend with a circuit breaker and checked pooled connections (``base``)."""

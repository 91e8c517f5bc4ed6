"""Thin API views of publications: parse input, call a selector or a service, serialize the result."""

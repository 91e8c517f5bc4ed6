"""Forum API views (thin): validate input, call one selector or service, serialise the output.
One module per resource: ``threads`` (and categories), ``posts``, ``moderation``; ``common`` holds
what they share."""

"""Publication pages: what citizens read (``pages``) and what staff publish (``staff``), with their
forms and shared helpers. They call the same selectors and services as the API."""

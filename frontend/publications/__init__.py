"""Publication pages: what citizens read (``pages``) and what staff do: documents (``staff``),
contracts (``contracts_staff``) and agenda events (``agenda_staff``), with the publish and withdraw
steps they share (``lifecycle``), their forms and helpers. They call the same selectors and services
as the API."""

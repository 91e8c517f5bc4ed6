"""The commitments tracker: what a commune promised (in answer to a session question, to an accepted
forum proposal, or directly), who is responsible, by when, and a public timeline of its progress
(``docs/commitments.md``).

This app sits above the feature apps it links (sessions, forums, publications, notifications): it
may import them, none of them imports it."""

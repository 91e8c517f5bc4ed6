"""Pages of the commitments tracker: the commune's tracker, a commitment's page, and the staff forms
(new commitment, edit, timeline update)."""

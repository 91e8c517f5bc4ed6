"""Commune publications: legally required documents, awarded contracts, the mayor's agenda,
the publication register (transparency scorecard), search and open-data exports."""

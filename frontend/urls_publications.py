"""Routes of the publication pages (documents, contracts, agenda, scorecard, search, staff form)."""

urlpatterns: list = []

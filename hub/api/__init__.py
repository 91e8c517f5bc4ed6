"""REST API of the core (``/api/v1/``): communes, accounts, follows, memberships, audit log."""

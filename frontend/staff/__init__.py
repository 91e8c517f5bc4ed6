"""Staff pages of a commune that are not publications: its team (appointing and revoking roles) and
its public profile. They call the core's services (``hub/services/communes.py``) with the forms
checked as the API checks them."""

"""Every write of the core domain. Services check permission, run atomically, raise ``DomainError``."""

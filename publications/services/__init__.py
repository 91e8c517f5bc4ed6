"""Every write of publications. Services check permission first, run atomically, raise ``DomainError``,
audit staff actions and record an outbox event in the transaction that publishes."""

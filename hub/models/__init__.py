"""Core domain models shared by every app: geography, accounts, roles, follows, audit log."""

from hub.models.accounts import ApiToken, User
from hub.models.audit import AuditLogEntry
from hub.models.geo import Arrondissement, Commune, Department
from hub.models.outbox import OutboxEvent
from hub.models.roles import Follow, Membership, Role
from hub.models.versions import ContentVersion

__all__ = [
    "ApiToken",
    "Arrondissement",
    "AuditLogEntry",
    "Commune",
    "ContentVersion",
    "Department",
    "Follow",
    "Membership",
    "OutboxEvent",
    "Role",
    "User",
]

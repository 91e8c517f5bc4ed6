"""Models of commune publications: documents (with versioned files), awarded contracts, agenda events."""

from hub.publications.models.agenda import AgendaEvent
from hub.publications.models.common import PublicationState
from hub.publications.models.contracts import Contract, ContractProcedure, ContractStatus
from hub.publications.models.documents import Document, DocumentFile, DocumentType, FileKind

__all__ = [
    "AgendaEvent",
    "Contract",
    "ContractProcedure",
    "ContractStatus",
    "Document",
    "DocumentFile",
    "DocumentType",
    "FileKind",
    "PublicationState",
]

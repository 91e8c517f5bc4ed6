"""Models of commune publications: documents (with versioned files), awarded contracts, agenda events."""

from publications.models.agenda import AgendaEvent
from publications.models.common import PublicationState
from publications.models.contracts import Contract, ContractProcedure, ContractStatus
from publications.models.documents import Document, DocumentFile, DocumentType

__all__ = [
    "AgendaEvent",
    "Contract",
    "ContractProcedure",
    "ContractStatus",
    "Document",
    "DocumentFile",
    "DocumentType",
    "PublicationState",
]

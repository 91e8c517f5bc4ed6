"""Celery tasks of publications (thin: ids in, one service, safe to run twice)."""

from __future__ import annotations

from celery import shared_task

from publications.services import search


@shared_task(soft_time_limit=120, time_limit=150)
def document_file_extract_text(file_id: int) -> bool:
    """Index the text of an uploaded file; a file already indexed is skipped."""
    return search.document_file_extract_text(file_id=file_id)

"""The record of each attempt of a background job (``idp worker``): what ran, when, how it ended."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class JobAttempt(db.Model):
    """One attempt of one job: its task, the queue's job id, the attempt number (1 for the
    first), start and end, and the outcome: "done", "retry" (failed, tried again later) or
    "given_up" (failed, no retry left). ``error`` says why, never with a secret in it."""

    __tablename__ = "job_attempts"
    __table_args__ = (Index("ix_job_attempts_job_id_attempt", "job_id", "attempt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task: Mapped[str] = mapped_column(String(64))
    job_id: Mapped[str] = mapped_column(String(64))
    attempt: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)

"""Rate limits: one counter row per bucket (a scope and a key) and its current window."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from quiz.db import UTCDateTime, db


class RateCounter(db.Model):
    """Attempts counted in one bucket ("login-ip", "203.0.113.7") until `expires_at`."""

    scope: Mapped[str] = mapped_column(String(20), primary_key=True)
    # The longest key: an e-mail (254) and an IP (64) joined by "|".
    key: Mapped[str] = mapped_column(String(320), primary_key=True)
    count: Mapped[int]
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

"""Whole databases in and out: copying every table, backups and restores (quiz db copy,
quiz backup, quiz restore)."""

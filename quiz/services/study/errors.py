"""The one error of the study services."""


class StudyError(Exception):
    """A review or action that cannot be applied; `status` is the HTTP status to answer."""

    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.status = status


class DayChanged(StudyError):
    """A rating pressed on another study day than its card was shown: the intervals on the
    buttons are no longer the ones it would apply, so it is refused (409) and shown again."""

    def __init__(self):
        super().__init__(
            "A new study day began (at 4 am) since this card was shown, so the intervals on"
            " its buttons changed. Here it is again with the new ones: rate it again.",
            409,
        )

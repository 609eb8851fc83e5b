"""The one error of the study services."""


class StudyError(Exception):
    """A review or action that cannot be applied; `status` is the HTTP status to answer."""

    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.status = status

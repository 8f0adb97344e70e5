"""What the executor knows of a failed step: where in its file it failed, and whether part of
it had committed before it did."""

from __future__ import annotations

import traceback
from typing import TYPE_CHECKING

from ..errors import FailureLocation

if TYPE_CHECKING:
    from .plan import PlannedStep


def failure_location(error: BaseException, step: PlannedStep) -> FailureLocation | None:
    """The innermost line of the migration's own file in the traceback: where it failed."""
    path = str(step.file.path)
    found = None
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename == path and frame.lineno is not None:
            found = FailureLocation(path, frame.lineno, frame.name)
    return found


class HalfDone(Exception):
    """A step failed after part of it committed; its record was left as failed."""

    def __init__(
        self, error: BaseException, because: str | None, unrecorded: Exception | None = None
    ) -> None:
        self.error = error
        self.because = because  # None: nothing had committed
        self.unrecorded = unrecorded  # the error that kept the record from being updated

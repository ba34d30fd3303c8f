"""Meta's retry schedule for failed webhook deliveries, and a Page's webhook health (§1.6).

Meta "immediately tries a few more times", then backs off; after 15 minutes of failures it
alerts ("Webhooks Failing"), after an hour it disables the webhook and unsubscribes the app
from the Page. The emulator counts time on the uncompressed schedule, so ``retry_factor``
shortens the waits without changing when a webhook is flagged or disabled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Verdict = Literal["retry", "give_up", "disable"]

#: Seconds to wait before each retry: Meta "immediately tries a few more times", then backs
#: off. The cumulative delay reaches 15 minutes at the 6th retry (the webhook is flagged
#: failing) and one hour at the 8th (the delivery gives up and the app is unsubscribed).
#: Retries past the end of this table wait as long as its last entry.
RETRY_DELAYS_SECONDS: tuple[float, ...] = (0, 0, 30, 120, 300, 450, 900, 1800)
FAILING_AFTER_SECONDS = 15 * 60
DISABLE_AFTER_SECONDS = 60 * 60


def retry_delay(retry_number: int) -> float:
    """Uncompressed seconds before retry number ``retry_number`` (1-based)."""
    index = min(retry_number, len(RETRY_DELAYS_SECONDS)) - 1
    return RETRY_DELAYS_SECONDS[max(index, 0)]


@dataclass(slots=True)
class PageHealth:
    """How a Page's callback has been answering lately."""

    #: Uncompressed seconds of continuous failure (from the retry schedule), 0 after a success.
    failing_for_seconds: float = 0.0
    failing: bool = False
    #: The app was unsubscribed from the Page after an hour of failures.
    disabled: bool = False
    disabled_ms: int | None = None

    def note_failure(self, attempts: int, max_retries: int) -> Verdict:
        """A delivery failed after ``attempts`` tries: retry it, give up, or disable the app."""
        retries_done = attempts - 1
        waited = sum(retry_delay(n) for n in range(1, retries_done + 1))
        self.failing_for_seconds = max(self.failing_for_seconds, waited)
        if self.failing_for_seconds >= FAILING_AFTER_SECONDS:
            self.failing = True
        if retries_done < max_retries:
            return "retry"
        if self.failing_for_seconds >= DISABLE_AFTER_SECONDS:
            self.disabled = True
            return "disable"
        return "give_up"

    def to_json(self) -> dict[str, Any]:
        return {
            "failing": self.failing,
            "disabled": self.disabled,
            "failing_for_seconds": self.failing_for_seconds,
        }

"""Per-client limit on public submissions (`PORTAL_RATE_LIMIT` per minute, 0 = off).

A moving one-minute window per client address, kept in memory by `limits`. The default
(600 a minute) lets a whole venue behind one Wi-Fi address check in at once, while a script
hammering the forms is answered with 429 and `Retry-After`.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from forms_api.errors import ApiError


class RateLimit:
    def __init__(self, per_minute: int) -> None:
        self.item = RateLimitItemPerMinute(per_minute) if per_minute > 0 else None
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, client: str) -> None:
        """Count one submission from `client`; raise 429 when its window is full."""
        if self.item is None:
            return
        if not self.limiter.hit(self.item, "submit", client):
            stats = self.limiter.get_window_stats(self.item, "submit", client)
            wait = max(1, math.ceil(stats.reset_time - time.time()))
            raise ApiError(429, message=f"提交过于频繁，请 {wait} 秒后再试。",
                           headers={"Retry-After": str(wait)})

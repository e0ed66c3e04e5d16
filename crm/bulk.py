"""The answer of a bulk upsert (the API's `.../bulk/` endpoints and the file imports).

`errors` holds one entry per refused row: `{"index": i, "<key>": value, "errors":
{field: [messages]}}`, sorted by index; good rows of the same call are stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class BulkResult:
    received: int = 0
    stored: int = 0  # rows written or already as sent: created + updated + unchanged
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "received": self.received,
            "stored": self.stored,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": self.errors,
        }

"""The tracking API's paths, which other parts of the API treat apart: their bodies have
limits of their own, and their errors speak to Segment-style SDKs as well."""

from __future__ import annotations

from baton.ingest import MESSAGE_TYPES

# analytics.js posts to one-letter paths.
SHORT_PATHS = {
    "identify": "i",
    "track": "t",
    "page": "p",
    "screen": "s",
    "group": "g",
    "alias": "a",
}
TRACKING_PATHS = frozenset(
    {"/v1/batch", "/v1/b"}
    | {f"/v1/{kind}" for kind in MESSAGE_TYPES}
    | {f"/v1/{short}" for short in SHORT_PATHS.values()}
)
# A tracking path's route, as metrics name it (`track` for /v1/track and /v1/t).
ROUTES = {f"/v1/{short}": kind for kind, short in SHORT_PATHS.items()} | {
    "/v1/b": "batch",
    "/v1/batch": "batch",
    **{f"/v1/{kind}": kind for kind in MESSAGE_TYPES},
}

"""gzip for the answers the server builds (filled pages, API lists), only when it is taken.

The site's own files never get here (`forms_api.web.static` sends their build-time copies),
so this compresses only what is built per request. Starlette's GZipMiddleware inspects every
response even for a client that takes no gzip; the gate (`forms_api.web.gate`) enters it only
when the request accepts gzip.
"""

from __future__ import annotations

# zlib level 6: nearly level 9's size on a filled page (~20 KB of HTML) for half the time.
LEVEL = 6

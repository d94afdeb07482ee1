"""Documents as PostgreSQL's jsonb holds them: U+0000, which jsonb refuses, escaped."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from forms_api.storage.indexes import Doc

#: jsonb cannot hold U+0000, which the journal stores (records from before the forms refused
#: control characters). Texts holding it, or the escape itself, are stored escaped: U+E000
#: (private use) + "0" for U+0000 and U+E000 + U+E000 for U+E000, reversed on reading. Documents
#: without either (every one the forms accept) pass through untouched.
_ESC = "\ue000"
_NUL_JSON = b"\\u0000"
_ESC_UTF8 = _ESC.encode()


def escape(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace(_ESC, _ESC + _ESC).replace("\x00", _ESC + "0")
    if isinstance(value, list):
        return [escape(item) for item in value]
    if isinstance(value, dict):
        return {escape(key): escape(item) for key, item in value.items()}
    return value


def _unescape_text(text: str) -> str:
    out, chars = [], iter(text)
    for char in chars:
        if char == _ESC:
            following = next(chars, "")
            out.append("\x00" if following == "0" else following)
        else:
            out.append(char)
    return "".join(out)


def _unescape(value: Any) -> Any:
    if isinstance(value, str):
        return _unescape_text(value) if _ESC in value else value
    if isinstance(value, list):
        return [_unescape(item) for item in value]
    if isinstance(value, dict):
        return {_unescape(key): _unescape(item) for key, item in value.items()}
    return value


def json_text(raw: bytes) -> str:
    """JSON text for jsonb: ``raw`` itself unless it holds U+0000 or the escape."""
    if _NUL_JSON in raw or _ESC_UTF8 in raw:
        return orjson.dumps(escape(orjson.loads(raw))).decode()
    return raw.decode()


def dumps(value: Any) -> str:
    return json_text(orjson.dumps(value))


def jsonb_text(doc: Mapping[str, Any]) -> str:
    """A document as the JSON text this backend stores (``portal migrate`` copies with it)."""
    return dumps(doc)


def stored_id(id: str) -> str:
    """A document id as the ``id`` column holds it."""
    return str(escape(id))


def loads(text: str) -> Doc:
    doc: Doc = orjson.loads(text)
    return _unescape(doc) if _ESC in text else doc

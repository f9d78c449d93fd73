"""One client TLS context per process and CA file.

Loading the system's CA store costs ~50 ms, so the quiet poll, the whole run
that follows it when there is mail, and `watch`'s sessions over days share one
context per `ca_file`. Only `ssl` is imported here: the quiet poll stays light.
"""

from __future__ import annotations

import ssl

_contexts: dict[str, ssl.SSLContext] = {}


def client_context(ca_file: str = "") -> ssl.SSLContext:
    """The system's CAs, and `ca_file` (a private CA's PEM) when set; verifies
    host names. Raises OSError or ssl.SSLError when `ca_file` cannot be read
    (nothing is kept then)."""
    if (known := _contexts.get(ca_file)) is not None:
        return known
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    _contexts[ca_file] = context
    return context

"""Database hosts: which are Railway's, which are local or made up.

One place for host knowledge, read by secret detection (a Railway host's password
is never a local one), the test guard and the pytest plugin. Standard library
only: the pytest plugin imports it in every test session.

Railway hosts follow railway-facts §6.3 (`*.railway.internal`, `*.proxy.rlwy.net`,
`*.rlwy.net`, legacy `containers-<region>-<N>.railway.app`).
"""

from __future__ import annotations

import re

_CONTAINERS_HOST = re.compile(r"^containers-[a-z]+-[a-z]+-\d+\.railway\.app$")

# The domains Railway database hosts live under (railway-facts §6.3).
RAILWAY_DOMAINS = ("rlwy.net", "railway.internal", "railway.app")

_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0", ""})
# RFC 2606 / RFC 6761 names that never resolve to a real server, and Docker's host alias
_DOC_HOST = re.compile(
    r"(?i)(?:^|\.)(?:example(?:\.com|\.org|\.net)?|test|local|localhost|invalid|"
    r"host\.docker\.internal)$"
)
# a docker-compose service name (`db`, `redis`, `postgres`): one label, not a number
_SERVICE_HOST = re.compile(r"(?i)^(?=.*[a-z])[a-z0-9_](?:[a-z0-9_\-]*[a-z0-9_])?$")


def is_railway_host(host: str) -> bool:
    """railway-facts §6.3: the host suffixes of Railway-hosted databases."""
    host = host.lower().rstrip(".")
    return (
        host.endswith(".railway.internal")
        or host == "railway.internal"
        or host.endswith(".rlwy.net")
        or bool(_CONTAINERS_HOST.match(host))
    )


def covers_railway_hosts(pattern: str) -> bool:
    """Does this host pattern (`*` the wildcard) stand for more than one Railway host?
    `*.rlwy.net`, `*.proxy.rlwy.net`, `db-*.railway.internal`, `containers-*.railway.app`:
    a wildcard followed by a Railway domain, so it allows every Railway database it
    happens to match. A concrete Railway host (`roundhouse.proxy.rlwy.net`) does not."""
    host = pattern.lower().rstrip(".")
    if "*" not in host:
        return False
    tail = host.rsplit("*", 1)[1]  # the literal text after the last wildcard
    return any(tail == domain or tail.endswith("." + domain) for domain in RAILWAY_DOMAINS)


def is_made_up_host(host: str) -> bool:
    """A loopback address, a Compose service name (`db`) or a documentation host
    (`example.com`, `*.test`, `*.local`): no production database lives there.
    Never a Railway host."""
    if is_railway_host(host):
        return False
    host = host.lower()
    return bool(host in _LOOPBACK or _DOC_HOST.search(host) or _SERVICE_HOST.match(host))


def is_local_host(host: str) -> bool:
    """A made-up host (`is_made_up_host`) or a Unix socket directory: never a Railway host."""
    if is_railway_host(host):
        return False
    return host.startswith("/") or is_made_up_host(host)

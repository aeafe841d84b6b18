"""Where a webhook may go (SSRF protection): https in production; never to loopback,
private, link-local, multicast or reserved addresses, checked after resolving the name,
and again at every delivery, which then connects to the address it checked (a name that
resolves elsewhere the second time cannot lead inside). ``WEBHOOK_ALLOW_LOOPBACK`` lets
127.0.0.1 through, for tests and development only."""
from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


class UnsafeTarget(ValueError):
    """The address may not receive webhooks; the message says why (English)."""


def _allowed(address: ipaddress.IPv4Address | ipaddress.IPv6Address,
             allow_loopback: bool) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if allow_loopback and address == ipaddress.IPv4Address("127.0.0.1"):
        return True
    return address.is_global and not (address.is_multicast or address.is_reserved)


def check(url: str, *, require_https: bool, allow_loopback: bool) -> tuple[str, str, int]:
    """(host, address, port) to connect to for ``url``; raises UnsafeTarget."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeTarget("The address is not a valid URL.") from None
    allowed_schemes = ("https",) if require_https else ("https", "http")
    if parts.scheme not in allowed_schemes or not parts.hostname:
        raise UnsafeTarget("The address must start with " +
                           " or ".join(f"{s}://" for s in allowed_schemes) + ".")
    if parts.username or parts.password:
        raise UnsafeTarget("The address must not contain a user name or password.")
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise UnsafeTarget("The host name cannot be resolved.") from None
    addresses = {ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in found}
    if not addresses or not all(_allowed(a, allow_loopback) for a in addresses):
        raise UnsafeTarget("The address leads to a private, loopback or link-local "
                           "network, which webhooks may not reach.")
    return parts.hostname, str(sorted(addresses, key=str)[0]), port

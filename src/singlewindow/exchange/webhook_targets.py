"""Where webhook pushes may go: the URLs accepted, and the addresses a push may connect to.

A push is a request the Single Window makes at a participant's word, so a webhook must not turn
it against the Single Window's own network (server-side request forgery). Unless
``SW_WEBHOOK_ALLOW_LOOPBACK`` allows it (development and tests), a URL may not name an address
that is not globally routable, in whatever spelling (``127.1``, ``2130706433``, ``0x7f000001``
and ``[::ffff:127.0.0.1]`` are all loopback to the resolver), and a push connects only to
addresses it resolved and checked itself, so a name that points inward by the time of the push
(changed, or rebound between a check and the connection) is refused too.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

import httpx

MAX_URL_LENGTH = 500

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052: the IPv4 address in the last 32 bits
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")  # RFC 8215: local use only
_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain"})


class UnusableTarget(Exception):
    """A webhook URL or address that may not be used, with its item code and both languages."""

    def __init__(self, code: str, en: str, zh: str) -> None:
        super().__init__(en)
        self.code, self.en, self.zh = code, en, zh


_BAD_URL = ("webhook.url", "The webhook URL must be an http(s) URL of at most 500 characters, with a host and "
            "no spaces or control characters.",
            "Webhook 網址須為含主機名稱、不含空白或控制字元且不超過 500 字元的 http(s) 網址。")
_ODD_ADDRESS = ("webhook.url", "Write an IPv4 address as four decimal numbers (such as 192.0.2.10).",
                "IPv4 位址請以四組十進位數字表示（例如 192.0.2.10）。")
_INTERNAL = ("webhook.internal_address", "The webhook may not point at this machine or a private network address.",
             "Webhook 不得指向本機或私有網路位址。")


def check_url(url: str, *, allow_internal: bool) -> httpx.URL:
    """``url`` parsed as a push would send it; ``UnusableTarget`` when it may not be used."""
    if (len(url) > MAX_URL_LENGTH or not url.startswith(("https://", "http://"))
            or any(character.isspace() or not character.isprintable() for character in url)):
        raise UnusableTarget(*_BAD_URL)
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError):  # UnicodeError is a ValueError
        raise UnusableTarget(*_BAD_URL) from None
    if not parsed.host:
        raise UnusableTarget(*_BAD_URL)
    address = _literal(parsed.host)
    if not allow_internal and (_is_local_name(parsed.host) or (address is not None and is_internal(address))):
        raise UnusableTarget(*_INTERNAL)
    return parsed


def is_internal(address: Address) -> bool:
    """Whether ``address`` is not a globally routable unicast address, seen through any IPv4 address an
    IPv6 one carries (mapped, 6to4, Teredo, NAT64): loopback, private, shared, link-local, multicast,
    reserved or unspecified."""
    if isinstance(address, ipaddress.IPv6Address):
        if address in _NAT64_LOCAL:
            return True
        carried = address.ipv4_mapped or address.sixtofour or (address.teredo[1] if address.teredo else None)
        if carried is None and address in _NAT64:
            carried = ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
        if carried is not None:
            return is_internal(carried)
    return address.is_multicast or not address.is_global


@dataclass(frozen=True)
class Target:
    """One address a push may connect to: the URL with the address in place of the name, and what tells
    the server (Host header) and TLS (server name) which name was meant."""

    url: httpx.URL
    host_header: str
    server_name: str


def targets(url: str, *, allow_internal: bool) -> list[Target]:
    """The addresses a push to ``url`` may connect to, in the resolver's order, each as a ``Target``.

    ``UnusableTarget`` when the URL fails ``check_url``, or when internal addresses are refused and any
    address the host's name resolves to is one: a name pointing partly inward is refused whole.
    Resolution errors are ``OSError`` (a failed attempt, retried).
    """
    parsed = check_url(url, allow_internal=allow_internal)
    name = parsed.raw_host.decode("ascii")  # IDNA-encoded
    address = _literal(name)
    if address is not None:  # written as an address: ``check_url`` judged it
        found = [address]
    else:
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        found = []
        for *_, sockaddr in socket.getaddrinfo(name, port, type=socket.SOCK_STREAM):
            resolved = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
            if resolved not in found:
                found.append(resolved)
        if not allow_internal and any(is_internal(a) for a in found):
            raise UnusableTarget(*_INTERNAL)
    host_header = parsed.netloc.decode("ascii")
    return [Target(parsed.copy_with(host=str(a)), host_header, name) for a in found]


def _is_local_name(host: str) -> bool:
    name = host.lower().rstrip(".")
    return name in _LOCAL_NAMES or name.endswith(".localhost")


def _literal(host: str) -> Address | None:
    """The address ``host`` is written as, or None for a name; ``UnusableTarget`` for an IPv4 address in
    a spelling other than four decimal numbers, which resolvers still read as an address."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    try:
        socket.inet_aton(host)
    except (OSError, ValueError):
        return None
    raise UnusableTarget(*_ODD_ADDRESS)

"""Who may deliver webhooks to the runner's server: Pachca's own address, and nobody else.

The lists of addresses two settings hold, read without the server (the settings check
them as they load), and the defaults they fall back to.

Pachca's guide to outgoing webhooks (guides/webhook/handler, «Валидируйте IP-адрес
отправителя») recommends, besides the signature, accepting them only from Pachca's
address, ``37.200.70.177``; the newer version of Pachca's reference on webhook events (its
bots skill, «Verify sender IP») lists two more, ``185.209.115.174`` and
``135.106.159.61``. All three are accepted: refusing a sender Pachca documents would
silently stop buttons and exports, while the signature still guards every request. ``PACHCA_RUNNER_WEBHOOK_SENDERS`` names the addresses or
networks accepted; unset, it follows the API the runner talks to: Pachca's documented
address for Pachca's API, loopback for an API on loopback (the embedded workspace), and
the addresses the API's host resolves to for any other (a workspace in another
container). ``any`` turns the check off.

Behind a reverse proxy every request comes from the proxy: ``PACHCA_RUNNER_TRUSTED_PROXIES``
names the proxies whose ``X-Forwarded-For`` is believed (uvicorn's proxy-headers
middleware rewrites the client address from it, taking the nearest address no trusted
proxy added); from any other peer the header is ignored.

``runner.server.senders.SenderGuard`` refuses a webhook from any other address.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from runner import words
from runner.errors import SettingsError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

PACHCA_SENDERS = ("37.200.70.177", "185.209.115.174", "135.106.159.61")
"""The addresses Pachca sends webhooks from, as its documentation lists them."""
PACHCA_API_HOST = "api.pachca.com"
ANY = "any"
"""``PACHCA_RUNNER_WEBHOOK_SENDERS=any``: no check of the sender's address."""
_LOOPBACK = ("127.0.0.0/8", "::1/128")
_SHOWN = re.compile(r"[0-9A-Fa-f.:/]{1,43}")  # only what could be an address is echoed


def parse_networks(value: str, *, any_allowed: bool) -> tuple[Network, ...] | None:
    """``value``'s comma-separated addresses and networks (CIDR); None for ``any`` (when
    ``any_allowed``). ValueError, in the operator's words, for anything else."""
    items = [item.strip() for item in value.split(",")]
    if any_allowed and [i.lower() for i in items] == [ANY]:
        return None
    networks = []
    for position, item in enumerate(items, 1):
        if not item:
            raise ValueError(words.text("senders.empty_item", position=position))
        try:
            # strict=False: 10.0.0.1/8 means the network 10.0.0.0/8, as nginx reads it
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            if item.lower() in (ANY, "*"):
                raise ValueError(words.text(
                    "senders.any_alone" if any_allowed else "senders.proxies_any")) from None
            shown = f"'{item}'" if _SHOWN.fullmatch(item) else words.text(
                "senders.item_at", position=position)
            raise ValueError(words.text("senders.not_address", got=shown)) from None
    return tuple(networks)


@dataclass(frozen=True)
class Senders:
    """The networks webhooks are accepted from; ``networks`` None: from anywhere."""

    networks: tuple[Network, ...] | None
    origin: str
    """Why these: the setting, or which default (``pachca``, ``loopback``, ``resolved``)."""

    def allows(self, host: str | None) -> bool:
        """Whether a request from ``host`` (an address; None: unknown) is accepted."""
        if self.networks is None:
            return True
        try:
            address = ipaddress.ip_address((host or "").split("%")[0])
        except ValueError:
            return False  # a unix socket or no address at all: not Pachca
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped  # a dual-stack socket shows 37.200.70.177 so
        return any(address in network for network in self.networks)

    def __str__(self) -> str:
        if self.networks is None:
            return ANY
        return ", ".join(str(n.network_address) if n.num_addresses == 1 else str(n)
                         for n in self.networks)


async def webhook_senders(value: str | None, base_url: str) -> Senders:
    """The senders the settings accept: ``value`` (already checked by the settings), or
    the default for the API at ``base_url``."""
    if value is not None and value.strip():
        return Senders(parse_networks(value, any_allowed=True), "setting")
    host = (urlsplit(base_url).hostname or "").lower()
    if host == PACHCA_API_HOST:
        return Senders(_networks(PACHCA_SENDERS), "pachca")
    if host == "localhost" or _is_loopback(host):
        return Senders(_networks(_LOOPBACK), "loopback")
    if _is_address(host):
        return Senders(_networks([host]), "resolved")
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None,
                                                             type=socket.SOCK_STREAM)
    except OSError as exc:
        raise SettingsError(words.text("settings.invalid", field="PACHCA_RUNNER_WEBHOOK_SENDERS",
                                       detail=words.text("senders.unresolved", host=host,
                                                         reason=exc.strerror or exc))) from None
    found = sorted({str(info[4][0]).split("%")[0] for info in infos})
    return Senders(_networks(found), "resolved")


def trusted_proxies(value: str | None) -> list[str]:
    """The proxies ``X-Forwarded-For`` is believed from, as uvicorn's ``forwarded_allow_ips``
    takes them; empty: from none."""
    if value is None or not value.strip():
        return []
    networks = parse_networks(value, any_allowed=False) or ()
    return [str(n) for n in networks]


def _networks(addresses: tuple[str, ...] | list[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(a) for a in addresses)


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _is_loopback(host: str) -> bool:
    return _is_address(host) and ipaddress.ip_address(host).is_loopback

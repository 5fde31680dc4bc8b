"""The address guard: refusals are checked on resolved addresses, before any connection.

No test here opens a connection to anything but 127.0.0.1: private and public addresses are only
given to the pure check or to a recording backend that refuses instead of connecting.
"""

import anyio
import httpcore
import pytest

from tasks.web.exchange import FetchConfig, FetchError
from tasks.web.fetch import Fetcher
from tasks.web.netguard import BlockedAddress, GuardedBackend, non_public_reason, system_resolver
from tests.loopback_server import LoopbackServer


class RecordingBackend(httpcore.AsyncNetworkBackend):
    """Records the address it is asked to connect to, and refuses: never connects."""

    def __init__(self):
        self.asked: list[tuple[str, int]] = []

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        self.asked.append((host, port))
        raise httpcore.ConnectError(f"recording backend: refused {host}:{port}")

    async def sleep(self, seconds):
        await anyio.sleep(seconds)


def resolver_for(table: dict[str, list[str]]):
    async def resolve(host: str, port: int) -> list[str]:
        return table[host]
    return resolve


@pytest.mark.parametrize("address", [
    "10.0.0.1", "172.16.5.4", "172.31.255.255", "192.168.1.1", "127.0.0.2", "169.254.169.254", "0.0.0.0",
    "224.0.0.1", "239.255.255.250", "100.64.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fc00::1",
    "::ffff:10.0.0.1", "::ffff:127.0.0.1", "2002:0a00:0001::1", "ff02::1",
])
def test_non_public_addresses_are_refused(address):
    assert non_public_reason(address) is not None


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700:4700::1111", "::ffff:93.184.215.14"])
def test_public_addresses_pass(address):
    assert non_public_reason(address) is None


@pytest.mark.parametrize("spelling", ["2130706434", "0x7f000002", "127.2", "0177.0.0.2"])
def test_other_ipv4_spellings_resolve_to_the_address_they_mean(spelling):
    assert anyio.run(system_resolver, spelling, 80) == ["127.0.0.2"]


@pytest.mark.parametrize("host,addresses", [
    ("rebind.test", ["10.1.2.3"]),                  # a name that resolves to a private address
    ("mixed.test", ["192.168.0.7", "10.9.9.9"]),
    ("mapped.test", ["::ffff:172.16.0.1"]),
])
def test_guard_refuses_before_connecting(host, addresses):
    inner = RecordingBackend()
    guard = GuardedBackend(allow_hosts={"127.0.0.1"}, resolver=resolver_for({host: addresses}), inner=inner)
    with pytest.raises(BlockedAddress):
        anyio.run(guard.connect_tcp, host, 80)
    assert inner.asked == []


def test_guard_connects_to_the_checked_address_not_the_name():
    """DNS rebinding: the connection goes to the address that was checked, not to a second lookup."""
    inner = RecordingBackend()
    guard = GuardedBackend(resolver=resolver_for({"news.test": ["93.184.215.14"]}), inner=inner)
    with pytest.raises(httpcore.ConnectError):
        anyio.run(guard.connect_tcp, "news.test", 443)
    assert inner.asked == [("93.184.215.14", 443)]


def test_fetcher_refuses_a_name_resolving_to_a_private_address_through_httpx():
    inner = RecordingBackend()
    config = FetchConfig(allow_hosts=frozenset({"127.0.0.1"}), obey_robots=False, retries=0)

    async def run():
        async with Fetcher(config, resolver=resolver_for({"intranet.test": ["10.0.0.8"]}), network_backend=inner) as f:
            return await f.fetch("http://intranet.test/admin")

    result = anyio.run(run)
    assert isinstance(result, FetchError) and result.reason == "blocked address"
    assert "10.0.0.8" in result.detail and inner.asked == []


def test_default_denies_loopback_and_allow_list_is_exact():
    with LoopbackServer() as server:
        async def run(allow):
            config = FetchConfig(allow_hosts=frozenset(allow), per_host_delay=0, retries=0)
            async with Fetcher(config) as f:
                return await f.fetch(server.url("/fault/cp1252")), await f.fetch(
                    f"http://0x7f000002:{server.port}/fault/cp1252")

        denied, other = anyio.run(run, set())
        assert denied.reason == "blocked address" and other.reason == "blocked address"
        allowed, other = anyio.run(run, {"127.0.0.1"})
        assert allowed.status == 200 and other.reason == "blocked address"
    assert len([p for p, _ in server.log if p == "/fault/cp1252"]) == 1   # only the allowed fetch arrived


def test_an_ipv6_allow_list_entry_may_be_written_with_brackets():
    from tasks.web.netguard import GuardedBackend
    assert GuardedBackend(["[::1]"])._allowed("::1", "::1")
    assert not GuardedBackend(["127.0.0.1"])._allowed("::1", "::1")

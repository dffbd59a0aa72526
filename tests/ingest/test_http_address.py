"""Public-address classification, including the ranges ``ipaddress`` gets wrong on some releases."""

from __future__ import annotations

import ipaddress

import pytest

from ingest.http_address import in_networks, is_public, parse_networks


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.255.0.9",
        "0.0.0.0",
        "10.1.2.3",
        "172.16.0.1",
        "172.31.255.254",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "100.127.255.254",
        "224.0.0.1",  # is_global is True on 3.11.7
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "192.0.2.10",
        "198.18.0.1",
        "::1",
        "::",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "::ffff:10.0.0.1",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "ff02::1",
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254; is_global is True on 3.11.7
        "64:ff9b::7f00:1",
        "64:ff9b:1::1",
        "2002:7f00:1::",  # 6to4 of 127.0.0.1; is_global is True on 3.11.7
        "2002:a9fe:a9fe::1",
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo with a non-public server/client
        "2001:db8::1",
        "::7f00:1",  # IPv4-compatible 127.0.0.1
    ],
)
def test_non_public_addresses(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address",
    [
        "93.184.216.34",
        "8.8.8.8",
        "1.1.1.1",
        "2606:4700:4700::1111",
        "2a00:1450:4001:81b::200e",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",  # NAT64 of 8.8.8.8
        "2002:808:808::1",  # 6to4 of 8.8.8.8
    ],
)
def test_public_addresses(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))


def test_allowed_networks_match_ipv4_mapped_form() -> None:
    nets = parse_networks(["127.0.0.0/8"])
    assert in_networks(ipaddress.ip_address("::ffff:127.0.0.1"), nets)
    assert not in_networks(ipaddress.ip_address("10.0.0.1"), nets)
    with pytest.raises(ValueError):
        parse_networks(["not-a-network"])

"""SSRF protection: where webhooks may go."""
from __future__ import annotations

import pytest

from eventhub.webhooks.targets import UnsafeTarget, check


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/x", "http://localhost:8080/", "http://10.1.2.3/", "http://192.168.0.5/",
    "http://172.16.0.1/", "http://169.254.169.254/latest/meta-data/", "http://[::1]/",
    "http://[fe80::1]/", "http://0.0.0.0/", "http://[::ffff:10.0.0.1]/", "http://100.64.0.1/",
    "http://224.0.0.1/"])
def test_private_loopback_and_link_local_addresses_are_refused(url):
    with pytest.raises(UnsafeTarget):
        check(url, require_https=False, allow_loopback=False)


def test_127_0_0_1_only_with_the_setting():
    assert check("http://127.0.0.1:8080/h", require_https=False, allow_loopback=True) == \
        ("127.0.0.1", "127.0.0.1", 8080)
    with pytest.raises(UnsafeTarget):
        check("http://127.0.0.2/", require_https=False, allow_loopback=True)
    with pytest.raises(UnsafeTarget):
        check("http://10.0.0.1/", require_https=False, allow_loopback=True)


@pytest.mark.parametrize("url", ["http://93.184.215.14/", "ftp://93.184.215.14/",
                                 "https://user:pw@93.184.215.14/", "https://", "nonsense",
                                 "https://[::1", "https://no-such-host.invalid/"])
def test_production_needs_https_a_host_and_no_credentials(url):
    with pytest.raises(UnsafeTarget):
        check(url, require_https=True, allow_loopback=False)


def test_a_public_address_passes_without_network():
    assert check("https://93.184.215.14/hook", require_https=True, allow_loopback=False) == \
        ("93.184.215.14", "93.184.215.14", 443)

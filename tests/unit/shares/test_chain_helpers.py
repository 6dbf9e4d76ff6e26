"""Pure parts of chain.py: custom-error decoding, retry classification and backoff."""

from __future__ import annotations

import requests
from eth_abi.abi import encode
from eth_utils.abi import function_signature_to_4byte_selector

from flowai.shares import artifacts
from flowai.shares.chain import ErrorDecoder, RetryPolicy, is_transient


def test_custom_errors_decode_with_checksummed_addresses() -> None:
    decoder = ErrorDecoder([artifacts.load("VideoVault").abi])
    data = function_signature_to_4byte_selector("ExceedsListed(uint256,uint256)") + encode(
        ["uint256", "uint256"], [11, 10]
    )
    assert decoder.decode(data) == ("ExceedsListed", (11, 10))
    account = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"
    data = function_signature_to_4byte_selector("NotCreator(address)") + encode(["address"], [account])
    assert decoder.decode(data) == ("NotCreator", ("0x70997970C51812dc3A010C7d01b50e0d17dc79C8",))
    assert decoder.decode(b"\x12\x34\x56\x78") is None
    assert decoder.decode(b"") is None


def test_only_network_failures_are_transient() -> None:
    def http_error(status: int) -> requests.HTTPError:
        response = requests.Response()
        response.status_code = status
        return requests.HTTPError(response=response)

    assert is_transient(requests.ConnectionError())
    assert is_transient(requests.Timeout())
    assert is_transient(http_error(503))
    assert is_transient(http_error(429))
    assert not is_transient(http_error(400))
    assert not is_transient(ValueError("bad input"))


def test_backoff_grows_and_is_capped() -> None:
    policy = RetryPolicy(attempts=6, base_delay=0.1, max_delay=0.5)
    assert [policy.delay(n) for n in range(1, 6)] == [0.1, 0.2, 0.4, 0.5, 0.5]

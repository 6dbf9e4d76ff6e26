from __future__ import annotations

import pytest

from flowai.core import sealing


def test_sealed_values_open_only_with_the_same_key() -> None:
    sealing.configure("key-one")
    token = sealing.seal("whsec_secret")
    assert token.startswith("v1:") and "whsec_secret" not in token
    assert token != sealing.seal("whsec_secret")  # random IV: equal secrets do not look equal
    assert sealing.unseal(token) == "whsec_secret"
    sealing.configure("key-two")
    with pytest.raises(sealing.SealingKeyMissing, match="another FLOWAI_SECRET_KEY"):
        sealing.unseal(token)
    with pytest.raises(ValueError):
        sealing.unseal("whsec_in_clear")
    sealing.configure("test-secret-key")

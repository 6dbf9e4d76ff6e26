"""Webhook building blocks without a database: SSRF rules, signing, Retry-After, Slack messages."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from flowai.enterprise.webhooks import service, signing, slack, ssrf
from flowai.enterprise.webhooks.models import WebhookEndpoint, WebhookEvent


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "169.254.1.1",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd00:ec2::254",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "2001:db8::1",
    ],
)
def test_non_public_addresses(address: str) -> None:
    assert not ssrf.is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses(address: str) -> None:
    assert ssrf.is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address",
    [
        "2002:a9fe:a9fe::",  # 6to4 of 169.254.169.254
        "2002:a9fe:a9fe:1::5",
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2002:0a00:0001::1",  # 6to4 of 10.0.0.1
        "::169.254.169.254",  # IPv4-compatible
        "::10.0.0.1",
        "64:ff9b::a9fe:a9fe",  # NAT64 well-known prefix
        "64:ff9b::7f00:1",
        "64:ff9b:1:a9fe:a9:fe00::",  # NAT64 local-use prefix (/48 layout)
        "64:ff9b:1::808:808",
        "2001:0:4136:e378:8000:63bf:5601:5601",  # Teredo, client 169.254.169.254
        "2001:0:808:808:0:f7f7:f7f7:f7f7",  # Teredo, client 8.8.8.8: still not public IPv6
    ],
)
def test_addresses_that_embed_a_non_public_ipv4_are_refused(address: str) -> None:
    assert not ssrf.is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address",
    ["2002:a9fe:a9fe::", "::169.254.169.254", "64:ff9b::a9fe:a9fe", "64:ff9b:1:a9fe:a9:fe00::",
     "2001:0:4136:e378:8000:63bf:5601:5601"],
)  # fmt: skip
def test_embedded_metadata_address_is_refused_even_when_private_is_allowed(address: str) -> None:
    assert ssrf.is_metadata(ipaddress.ip_address(address))
    with pytest.raises(ssrf.UnsafeUrl, match="metadata"):
        ssrf.check_url(f"http://[{address}]/", allow_private=True)
    with pytest.raises(ssrf.UnsafeUrl):
        ssrf.check_url(f"http://[{address}]/", allow_private=False)


@pytest.mark.parametrize("address", ["2002:808:808::1", "64:ff9b::808:808", "::8.8.8.8"])
def test_addresses_that_embed_a_public_ipv4_stay_public(address: str) -> None:
    assert ssrf.embedded_ipv4(ipaddress.ip_address(address)) == [ipaddress.IPv4Address("8.8.8.8")]
    assert ssrf.is_public(ipaddress.ip_address(address))


def test_check_url_resolves_names_and_literals() -> None:
    with pytest.raises(ssrf.UnsafeUrl, match="resolves to 127.0.0.1"):
        ssrf.check_url("http://localhost:8080/x", allow_private=False)
    target = ssrf.check_url("https://localhost:8443/x", allow_private=True)
    assert (target.host, target.port, str(target.address)) == ("localhost", 8443, "127.0.0.1")
    assert ssrf.check_url("http://8.8.8.8/hook", allow_private=False).port == 80
    with pytest.raises(ssrf.UnsafeUrl, match="metadata"):
        ssrf.check_url("http://169.254.169.254/", allow_private=True)
    with pytest.raises(ssrf.UnsafeUrl, match="metadata"):
        ssrf.check_url("http://[::ffff:169.254.169.254]/", allow_private=True)
    for bad, why in [
        ("gopher://8.8.8.8/", "https://"),
        ("http:///x", "no host"),
        ("http://a:b@8.8.8.8/", "credentials"),
        ("http://8.8.8.8:99999/", "valid URL"),
        ("http://no-such-host.invalid/", "could not be resolved"),
    ]:
        with pytest.raises(ssrf.UnsafeUrl, match=why):
            ssrf.check_url(bad, allow_private=False)


def test_secrets_and_two_signatures_verify_with_the_library() -> None:
    old, new = signing.new_secret(), signing.new_secret()
    assert old.startswith("whsec_") and signing.is_valid_secret(old) and old != new
    assert not signing.is_valid_secret("whsec_c2hvcnQ=") and not signing.is_valid_secret("sk_abc")
    now = datetime.now(UTC)
    body = '{"type":"export.succeeded","data":{}}'
    headers = signing.sign(msg_id="msg_1", timestamp=now, body=body, secrets_=[new, old])
    assert headers["webhook-id"] == "msg_1" and headers["webhook-timestamp"] == str(int(now.timestamp()))
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (new, old):
        Webhook(secret).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new).verify(body.replace("{}", '{"x":1}'), headers)


def test_signing_secrets_respect_the_overlap_window() -> None:
    now = datetime.now(UTC)
    ep = WebhookEndpoint(secret="whsec_new", previous_secret="whsec_old", previous_secret_expires_at=now)
    assert service.signing_secrets(ep, now - timedelta(seconds=1)) == ["whsec_new", "whsec_old"]
    assert service.signing_secrets(ep, now) == ["whsec_new"]


def test_retry_after_forms() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert service.parse_retry_after("7", now) == 7.0
    assert service.parse_retry_after(format_datetime(now + timedelta(seconds=90), usegmt=True), now) == 90.0
    assert service.parse_retry_after(format_datetime(now - timedelta(hours=1), usegmt=True), now) == 0.0
    assert service.parse_retry_after("99999999", now) == service.MAX_RETRY_AFTER_S
    assert service.parse_retry_after("soon", now) is None and service.parse_retry_after(None, now) is None


def test_bodies() -> None:
    created = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    ev = WebhookEvent(id="evt1", type="shares.purchased", data={"shares": 5, "wei": "10"}, created_at=created)
    body = service.render_body(WebhookEndpoint(format="standard"), ev)
    assert (
        body
        == '{"type":"shares.purchased","timestamp":"2026-11-26T12:00:00Z","data":{"shares":5,"wei":"10"}}'
    )
    msg = slack.message("shares.purchased", {"k" + str(i): "v" * 300 for i in range(12)}, event_id="evt1")
    assert msg["text"].startswith(":moneybag: Shares purchased")
    assert len(msg["blocks"][1]["fields"]) == slack.MAX_FIELDS
    assert msg["blocks"][1]["fields"][0]["text"].endswith("…")
    assert slack.is_slack_url("https://hooks.slack.com/services/T/B/x")
    assert not slack.is_slack_url("https://hooks.slack.com.evil.example/x")


def test_emit_rejects_unknown_types_and_non_json() -> None:
    with pytest.raises(ValueError, match="unknown webhook event type"):
        service.emit(None, "t", "export.maybe", {})  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        service.emit(None, "t", "export.failed", {"when": datetime.now(UTC)})  # type: ignore[arg-type]

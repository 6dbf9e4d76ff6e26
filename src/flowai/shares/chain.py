"""Chain client: web3.py over JSON-RPC with the care a service needs to move money.

- refuses to talk to the wrong chain (chain-id check on connect);
- hands out nonces locally per sender under a lock, so threads can send concurrently without
  reusing a nonce, and resynchronises from the node when the node disagrees;
- estimates gas with a margin and prices transactions by EIP-1559 when the chain has a base fee;
- retries transient RPC failures (connection errors, timeouts, HTTP 429/5xx) with backoff, and a
  resend of the same signed transaction is recognised as already sent, never sent twice;
- waits for receipts by polling with a deadline and turns reverts into `ContractRevert` with the
  contract's custom error decoded from the ABIs in `contracts/build/`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, cast

import requests
from eth_abi.abi import decode as abi_decode
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils.abi import function_signature_to_4byte_selector
from eth_utils.address import to_checksum_address
from hexbytes import HexBytes
from web3 import HTTPProvider, Web3
from web3.contract import Contract
from web3.exceptions import ContractLogicError, TransactionNotFound, Web3RPCError
from web3.types import FilterParams, LogReceipt, TxParams, TxReceipt

from flowai.shares import artifacts

T = TypeVar("T")

_TRANSIENT_HTTP_STATUS = {408, 425, 429, 500, 502, 503, 504}
_ALREADY_SENT_MARKERS = ("already known", "known transaction", "nonce too low", "already imported")


class ChainError(RuntimeError):
    """Base class of chain-client errors."""


class ChainIdMismatch(ChainError):
    """The RPC endpoint serves another chain than the one configured."""


class ReceiptTimeout(ChainError):
    """No receipt arrived before the deadline (the transaction may still be mined later)."""

    def __init__(self, tx_hash: HexBytes, timeout: float) -> None:
        super().__init__(f"no receipt for {tx_hash.to_0x_hex()} after {timeout:.0f}s")
        self.tx_hash = tx_hash


class ContractRevert(ChainError):
    """A call or transaction reverted; `error` is the custom error's name when it is known."""

    def __init__(
        self,
        error: str | None,
        args: tuple[Any, ...] = (),
        *,
        data: bytes = b"",
        tx_hash: HexBytes | None = None,
        message: str | None = None,
    ) -> None:
        label = f"{error}{args}" if error else (message or f"revert data 0x{data.hex()}")
        super().__init__(f"reverted: {label}")
        self.error = error
        self.args_ = args
        self.data = data
        self.tx_hash = tx_hash


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently transient RPC failures are retried."""

    attempts: int = 5
    base_delay: float = 0.1
    max_delay: float = 2.0

    def delay(self, attempt: int) -> float:
        """Backoff before retry number `attempt` (1-based)."""
        return float(min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))


class Transactable(Protocol):
    """A web3 contract function call or constructor call."""

    def estimate_gas(self, transaction: TxParams | None = None) -> int: ...

    def build_transaction(self, transaction: TxParams | None = None) -> TxParams: ...


def is_transient(exc: BaseException) -> bool:
    """Whether `exc` is a network-level failure worth retrying (not a revert or a bad request)."""
    if isinstance(exc, requests.HTTPError):
        response = exc.response
        return response is not None and response.status_code in _TRANSIENT_HTTP_STATUS
    return isinstance(exc, (requests.ConnectionError, requests.Timeout, ConnectionError))


class ErrorDecoder:
    """Maps 4-byte selectors of the contracts' custom errors to names and argument types."""

    def __init__(self, abis: Iterable[list[dict[str, Any]]]) -> None:
        self._errors: dict[bytes, tuple[str, list[str]]] = {}
        for abi in abis:
            for entry in abi:
                if entry.get("type") != "error":
                    continue
                types = [_abi_type(item) for item in entry.get("inputs", [])]
                signature = f"{entry['name']}({','.join(types)})"
                self._errors[function_signature_to_4byte_selector(signature)] = (
                    entry["name"],
                    types,
                )

    def decode(self, data: bytes) -> tuple[str, tuple[Any, ...]] | None:
        """(name, args) of the custom error in revert `data`, None if unknown."""
        if len(data) < 4 or data[:4] not in self._errors:
            return None
        name, types = self._errors[data[:4]]
        values = abi_decode(types, data[4:])
        return name, tuple(
            to_checksum_address(value) if kind == "address" else value
            for kind, value in zip(types, values, strict=True)
        )


def _abi_type(item: dict[str, Any]) -> str:
    kind: str = item["type"]
    if kind.startswith("tuple"):
        inner = ",".join(_abi_type(component) for component in item["components"])
        return f"({inner}){kind[5:]}"
    return kind


def _revert_data(exc: ContractLogicError) -> bytes:
    data = exc.data
    if isinstance(data, dict):
        data = data.get("data")
    if isinstance(data, str) and data.startswith("0x"):
        return bytes.fromhex(data[2:])
    return b""


class ChainClient:
    """One JSON-RPC endpoint of one chain, shared by every thread of the service."""

    def __init__(
        self,
        rpc_url: str,
        *,
        expected_chain_id: int,
        request_timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        gas_margin_percent: int = 20,
        contract_names: Iterable[str] = ("VideoNFT", "VideoVault", "VideoVaultFactory"),
    ) -> None:
        provider = HTTPProvider(
            rpc_url,
            request_kwargs={"timeout": request_timeout},
            exception_retry_configuration=None,  # retries are ours, for every method alike
        )
        self.w3 = Web3(provider)
        self.retry = retry or RetryPolicy()
        self.gas_margin_percent = gas_margin_percent
        self._names = tuple(contract_names)
        self.errors = ErrorDecoder(artifacts.load(name).abi for name in self._names)
        self.chain_id = self.with_retries(lambda: self.w3.eth.chain_id)
        if self.chain_id != expected_chain_id:
            raise ChainIdMismatch(f"{rpc_url} serves chain id {self.chain_id}, expected {expected_chain_id}")
        self._nonce_guard = threading.Lock()
        self._sender_locks: dict[str, threading.Lock] = {}
        self._next_nonce: dict[str, int] = {}

    # ------------------------------------------------------------------ plumbing

    def with_retries(self, operation: Callable[[], T]) -> T:
        """Run `operation`, retrying transient RPC failures with exponential backoff."""
        for attempt in range(1, self.retry.attempts + 1):
            try:
                return operation()
            except Exception as exc:
                if not is_transient(exc) or attempt == self.retry.attempts:
                    raise
                time.sleep(self.retry.delay(attempt))  # backoff between retries
        raise AssertionError("unreachable")

    def contract(self, name: str, address: str) -> Contract:
        """A web3 contract object for a deployed contract of artifact `name`."""
        return self.w3.eth.contract(address=to_checksum_address(address), abi=artifacts.load(name).abi)

    def call(self, function: Any, *, block: str | int = "latest") -> Any:
        """Read-only call with retries; reverts become `ContractRevert`."""
        try:
            return self.with_retries(lambda: function.call(block_identifier=block))
        except ContractLogicError as exc:
            raise self._revert(exc) from exc

    def balance(self, address: str) -> int:
        """Native balance of `address` in wei."""
        return int(self.with_retries(lambda: self.w3.eth.get_balance(to_checksum_address(address))))

    # ------------------------------------------------------------------ sending

    def transact(
        self,
        account: LocalAccount,
        function: Transactable,
        *,
        value: int = 0,
        gas: int | None = None,
        timeout: float = 60.0,
    ) -> TxReceipt:
        """Send a contract call (or constructor) and wait for its successful receipt."""
        tx_hash = self.send(account, function, value=value, gas=gas)
        return self.wait_for_receipt(tx_hash, timeout=timeout)

    def send(
        self,
        account: LocalAccount,
        function: Transactable,
        *,
        value: int = 0,
        gas: int | None = None,
    ) -> HexBytes:
        """Estimate, price, sign and send; returns the transaction hash without waiting."""
        sender = account.address
        if gas is None:
            gas = self.estimate_gas(function, sender=sender, value=value)
        fees = self.fee_fields()
        return self._send_signed(
            account,
            lambda nonce: function.build_transaction(
                cast(
                    TxParams,
                    {
                        "from": sender,
                        "value": value,
                        "gas": gas,
                        "nonce": nonce,
                        "chainId": self.chain_id,
                        **fees,
                    },
                )
            ),
        )

    def send_value(self, account: LocalAccount, to: str, value: int) -> TxReceipt:
        """Send native coin to `to` and wait for the receipt."""
        target = to_checksum_address(to)
        request = cast(TxParams, {"from": account.address, "to": target, "value": value})
        gas = self.with_retries(lambda: self.w3.eth.estimate_gas(request))
        fees = self.fee_fields()
        tx_hash = self._send_signed(
            account,
            lambda nonce: cast(
                TxParams,
                {
                    "to": target,
                    "value": value,
                    "gas": gas,
                    "nonce": nonce,
                    "chainId": self.chain_id,
                    "data": b"",
                    **fees,
                },
            ),
        )
        return self.wait_for_receipt(tx_hash)

    def node_accounts(self) -> set[str]:
        """Accounts the node signs for itself (anvil's dev accounts; none on a public RPC)."""
        try:
            return {to_checksum_address(a) for a in self.with_retries(lambda: self.w3.eth.accounts)}
        except Web3RPCError:
            return set()

    def transact_unlocked(self, sender: str, function: Transactable, *, value: int = 0) -> TxReceipt:
        """Send a call from an account the node holds unlocked (`eth_sendTransaction`) and wait.

        For the dev chain only: it lets `flowai serve` act for a dev creator, where a real
        creator signs the same call in their own wallet.
        """
        address = to_checksum_address(sender)
        gas = self.estimate_gas(function, sender=address, value=value)
        params = function.build_transaction(
            cast(TxParams, {"from": address, "value": value, "gas": gas, "chainId": self.chain_id})
        )
        params.pop("nonce", None)  # the node allocates it
        tx_hash = self.with_retries(lambda: self.w3.eth.send_transaction(params))
        return self.wait_for_receipt(HexBytes(tx_hash))

    def block_number(self) -> int:
        """The latest block number."""
        return int(self.with_retries(lambda: self.w3.eth.block_number))

    def has_code(self, address: str) -> bool:
        """Whether a contract is deployed at `address`."""
        code = self.with_retries(lambda: self.w3.eth.get_code(to_checksum_address(address)))
        return len(code) > 0

    def get_logs(self, params: FilterParams) -> list[LogReceipt]:
        """`eth_getLogs` with retries."""
        return list(self.with_retries(lambda: self.w3.eth.get_logs(params)))

    def deploy(self, account: LocalAccount, name: str, *args: Any) -> tuple[str, TxReceipt]:
        """Deploy artifact `name` with constructor `args`; returns (address, receipt)."""
        artifact = artifacts.load(name)
        factory = self.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        receipt = self.transact(account, factory.constructor(*args))
        address = receipt["contractAddress"]
        if address is None:
            raise ChainError(f"deploying {name} returned no contract address")
        return str(address), receipt

    def estimate_gas(self, function: Transactable, *, sender: str, value: int = 0) -> int:
        """Gas estimate plus the safety margin; reverts become `ContractRevert`."""
        try:
            estimate = self.with_retries(
                lambda: function.estimate_gas(cast(TxParams, {"from": sender, "value": value}))
            )
        except ContractLogicError as exc:
            raise self._revert(exc) from exc
        return int(estimate * (100 + self.gas_margin_percent) // 100)

    def fee_fields(self) -> dict[str, int]:
        """EIP-1559 fee caps when the chain has a base fee, else a legacy gas price. Never
        below the node's `eth_gasPrice`: gateways such as Flow EVM's enforce a minimum price
        while reporting a zero base fee."""
        block = self.with_retries(lambda: self.w3.eth.get_block("latest"))
        price = int(self.with_retries(lambda: self.w3.eth.gas_price))
        base_fee = block.get("baseFeePerGas")
        if base_fee is None:
            return {"gasPrice": price}
        base = int(base_fee)
        try:
            suggested = int(self.with_retries(lambda: self.w3.eth.max_priority_fee))
        except Web3RPCError:
            suggested = 0
        tip = max(suggested, price - base, 0)
        return {"maxFeePerGas": max(2 * base + tip, price), "maxPriorityFeePerGas": tip}

    def _sender_lock(self, sender: str) -> threading.Lock:
        with self._nonce_guard:
            return self._sender_locks.setdefault(sender, threading.Lock())

    def _chain_nonce(self, sender: str) -> int:
        address = to_checksum_address(sender)
        return int(self.with_retries(lambda: self.w3.eth.get_transaction_count(address, "pending")))

    def _send_signed(self, account: LocalAccount, build: Callable[[int], TxParams]) -> HexBytes:
        """Allocate the sender's next nonce, sign and send, all under the sender's lock so
        concurrent sends from one account get consecutive nonces and reach the node in order."""
        sender = account.address
        with self._sender_lock(sender):
            for resync in (False, True):
                if resync or sender not in self._next_nonce:
                    self._next_nonce[sender] = self._chain_nonce(sender)
                nonce = self._next_nonce[sender]
                signed = account.sign_transaction(cast(Any, build(nonce)))
                try:
                    self._send_raw(signed.raw_transaction, HexBytes(signed.hash))
                except Web3RPCError as exc:
                    if not resync and "nonce" in str(exc).lower():
                        continue  # our counter was behind the node: resync once and re-sign
                    raise
                self._next_nonce[sender] = nonce + 1
                return HexBytes(signed.hash)
        raise AssertionError("unreachable")

    def _send_raw(self, raw: bytes, tx_hash: HexBytes) -> None:
        """Send with retries. A retry after a lost response may hear "already known" or "nonce
        too low" for our own transaction: that is success when the node knows the hash."""
        for attempt in range(1, self.retry.attempts + 1):
            try:
                self.w3.eth.send_raw_transaction(raw)
                return
            except Web3RPCError as exc:
                message = str(exc).lower()
                resent = attempt > 1 and any(m in message for m in _ALREADY_SENT_MARKERS)
                if resent and self._node_knows(tx_hash):
                    return
                raise
            except Exception as exc:
                if not is_transient(exc) or attempt == self.retry.attempts:
                    if is_transient(exc) and self._node_knows(tx_hash):
                        return
                    raise
                time.sleep(self.retry.delay(attempt))  # backoff between retries

    def _node_knows(self, tx_hash: HexBytes) -> bool:
        try:
            self.with_retries(lambda: self.w3.eth.get_transaction(tx_hash))
        except TransactionNotFound:
            return False
        return True

    # ------------------------------------------------------------------ receipts

    def wait_for_receipt(
        self, tx_hash: HexBytes, *, timeout: float = 60.0, poll_interval: float = 0.05
    ) -> TxReceipt:
        """Poll until the transaction is mined; a failed one raises `ContractRevert`."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                receipt = self.with_retries(lambda: self.w3.eth.get_transaction_receipt(tx_hash))
                break
            except TransactionNotFound:
                if time.monotonic() > deadline:
                    raise ReceiptTimeout(tx_hash, timeout) from None
                time.sleep(poll_interval)  # poll interval between receipt look-ups
        if receipt["status"] != 1:
            raise self._failed_receipt(tx_hash, receipt)
        return receipt

    def _failed_receipt(self, tx_hash: HexBytes, receipt: TxReceipt) -> ContractRevert:
        """Replay the failed transaction as a call on the state before it to learn why."""
        tx = self.with_retries(lambda: self.w3.eth.get_transaction(tx_hash))
        replay: TxParams = {
            "from": tx["from"],
            "to": tx["to"],
            "data": tx["input"],
            "value": tx["value"],
            "gas": tx["gas"],
        }
        try:
            self.with_retries(lambda: self.w3.eth.call(replay, block_identifier=receipt["blockNumber"] - 1))
        except ContractLogicError as exc:
            revert = self._revert(exc)
            revert.tx_hash = tx_hash
            return revert
        return ContractRevert(None, tx_hash=tx_hash, message="failed on chain (out of gas?)")

    def _revert(self, exc: ContractLogicError) -> ContractRevert:
        data = _revert_data(exc)
        decoded = self.errors.decode(data)
        if decoded is None:
            return ContractRevert(None, data=data, message=str(exc.message or exc))
        return ContractRevert(decoded[0], decoded[1], data=data)


def account_from_key(private_key: str) -> LocalAccount:
    """A local signer from a hex private key."""
    account: LocalAccount = Account.from_key(private_key)
    return account

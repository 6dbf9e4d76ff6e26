"""Compiled contract artifacts (ABI + bytecode) from `contracts/build/`.

The build (`contracts/build.mjs`, run by `make deps`) writes them; they are committed so a
checkout without Node can still deploy. `source_hash()` recomputes the build's hash in Python so
a test can prove the committed artifacts match the Solidity sources.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

CONTRACTS_DIR = Path(__file__).resolve().parent / "contracts"
BUILD_DIR = CONTRACTS_DIR / "build"
SOURCE_DIRS = ("src", "test")


class ArtifactError(RuntimeError):
    """An artifact is missing or unreadable: run `make deps` (or `node build.mjs`)."""


@dataclass(frozen=True)
class Artifact:
    """One compiled contract."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: bytes
    deployed_bytecode: bytes
    evm_version: str
    solc_version: str

    def constructor_inputs(self) -> list[dict[str, Any]]:
        """The constructor's ABI inputs (empty when it takes none)."""
        for entry in self.abi:
            if entry.get("type") == "constructor":
                return list(entry.get("inputs", []))
        return []


def _hex(value: str) -> bytes:
    return bytes.fromhex(value.removeprefix("0x"))


@cache
def load(name: str) -> Artifact:
    """The artifact of contract `name` (e.g. "VideoVault")."""
    path = BUILD_DIR / f"{name}.json"
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise ArtifactError(f"no artifact {path}; run `make deps` to compile") from exc
    compiler = raw["compiler"]
    return Artifact(
        name=raw["contractName"],
        abi=raw["abi"],
        bytecode=_hex(raw["bytecode"]),
        deployed_bytecode=_hex(raw["deployedBytecode"]),
        evm_version=compiler["evmVersion"],
        solc_version=compiler["solc"],
    )


def manifest() -> dict[str, Any]:
    """build/manifest.json: the source hash, compiler, EVM version and contract names."""
    path = BUILD_DIR / "manifest.json"
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise ArtifactError(f"no {path}; run `make deps` to compile the contracts") from exc
    return data


def source_files() -> list[Path]:
    """The files the build hash covers: lock file, build script and every .sol source."""
    files = [CONTRACTS_DIR / "package-lock.json", CONTRACTS_DIR / "build.mjs"]
    for folder in SOURCE_DIRS:
        files.extend(sorted((CONTRACTS_DIR / folder).rglob("*.sol")))
    return files


def source_hash() -> str:
    """The same SHA-256 the build script computes (see build.mjs `sourceHash`)."""
    entries = sorted(
        (path.relative_to(CONTRACTS_DIR).as_posix(), path.read_bytes()) for path in source_files()
    )
    digest = hashlib.sha256()
    for name, data in entries:
        digest.update(f"{name}\n{len(data)}\n".encode())
        digest.update(data)
    return digest.hexdigest()


def is_current() -> bool:
    """Whether build/ was compiled from the sources as they are now."""
    try:
        return bool(manifest()["sourceHash"] == source_hash())
    except ArtifactError:
        return False

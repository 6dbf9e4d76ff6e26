"""The committed contract artifacts: current, compiled for Cancun, documented."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from flowai.shares import artifacts

OURS = ("VideoNFT", "VideoVault", "VideoVaultFactory")
CLZ = 0x1E  # Osaka's first new opcode: must not appear in Cancun bytecode
MCOPY, TLOAD, TSTORE = 0x5E, 0x5C, 0x5D


def opcodes(code: bytes) -> set[int]:
    """Opcodes of runtime bytecode, skipping PUSH data and the trailing CBOR metadata."""
    metadata_length = int.from_bytes(code[-2:], "big") + 2
    code = code[:-metadata_length]
    seen: set[int] = set()
    pc = 0
    while pc < len(code):
        op = code[pc]
        seen.add(op)
        pc += 1 + (op - 0x5F if 0x60 <= op <= 0x7F else 0)
    return seen


def test_committed_artifacts_match_the_sources() -> None:
    manifest = artifacts.manifest()
    assert manifest["sourceHash"] == artifacts.source_hash(), "run `make contracts` and commit"
    assert artifacts.is_current()
    assert set(OURS) <= set(manifest["contracts"])


@pytest.mark.skipif(
    shutil.which("node") is None or not (artifacts.CONTRACTS_DIR / "node_modules" / "solc").is_dir(),
    reason="node or the contracts' npm packages are not installed",
)
def test_python_and_build_script_hash_alike() -> None:
    printed = subprocess.run(
        ["node", "build.mjs", "--print-hash"],
        cwd=artifacts.CONTRACTS_DIR,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.strip()
    assert printed == artifacts.source_hash()


def test_compiled_for_cancun_which_flow_evm_runs() -> None:
    used: set[int] = set()
    for name in OURS:
        artifact = artifacts.load(name)
        assert artifact.evm_version == "cancun"
        assert artifact.solc_version.startswith("0.8.")
        assert len(artifact.deployed_bytecode) <= 24_576  # EIP-170 code size limit
        code = opcodes(artifact.deployed_bytecode)
        assert CLZ not in code
        used |= code
    # OpenZeppelin 5 really uses Cancun's opcodes (so an older target would not do).
    assert {MCOPY, TLOAD, TSTORE} <= used


@pytest.mark.parametrize("name", OURS)
def test_every_declared_function_event_and_error_has_natspec(name: str) -> None:
    source = (artifacts.CONTRACTS_DIR / "src" / f"{name}.sol").read_text()
    raw = json.loads((artifacts.BUILD_DIR / f"{name}.json").read_text())
    userdoc = raw["userdoc"]
    documented = {
        kind: {signature.split("(")[0] for signature in userdoc.get(kind, {})}
        for kind in ("methods", "events", "errors")
    }
    external = re.findall(r"function (\w+)\([^)]*\)[^{;]*\b(?:external|public)\b", source)
    public_state = re.findall(r"\bpublic\b(?: constant| immutable)? (\w+)\s*[;=]", source)
    assert external, "no functions found"
    for function in external + public_state:
        if function in ("supportsInterface",):  # @inheritdoc
            continue
        assert function in documented["methods"], f"{name}.{function} lacks @notice"
    for event in re.findall(r"event (\w+)\(", source):
        assert event in documented["events"], f"{name} event {event} lacks @notice"
    for error in re.findall(r"error (\w+)\(", source):
        assert error in documented["errors"], f"{name} error {error} lacks @notice"

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

interface IRevenueVault {
    function buy(uint256 shares, uint256 maxPricePerShare) external payable returns (uint256);
    function claim() external returns (uint256);
    function claimTo(address recipient) external returns (uint256);
}

/// @title NonPayableHolder (test only)
/// @notice A share holder contract that cannot receive the native coin (no `receive`): `claim`
/// always fails for it, `claimTo` lets it have its revenue paid elsewhere.
contract NonPayableHolder {
    IRevenueVault public immutable vault;

    constructor(IRevenueVault vault_) {
        vault = vault_;
    }

    /// @notice Buy shares at any price; the caller must send the exact cost (no refund possible).
    function buy(uint256 shares) external payable {
        vault.buy{value: msg.value}(shares, type(uint256).max);
    }

    /// @notice Claim to itself (reverts: it cannot be paid).
    function claim() external {
        vault.claim();
    }

    /// @notice Claim, paid to `recipient`.
    function claimTo(address recipient) external {
        vault.claimTo(recipient);
    }
}

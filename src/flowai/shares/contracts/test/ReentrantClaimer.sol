// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

interface IVideoVault {
    function buy(uint256 shares, uint256 maxPricePerShare) external payable returns (uint256);
    function claim() external returns (uint256);
    function transfer(address to, uint256 value) external returns (bool);
    function balanceOf(address holder) external view returns (uint256);
}

/// @title ReentrantClaimer (test only)
/// @notice A share holder whose receive hook re-enters the vault while being paid: it calls
/// `claim` again and, if `accomplice` is set, moves all its shares there mid-payment. Tests
/// check that it never receives more than its pro-rata revenue.
contract ReentrantClaimer {
    IVideoVault public immutable vault;
    address public accomplice;
    uint256 public reentryAttempts;
    uint256 public reentrySuccesses;

    constructor(IVideoVault vault_) {
        vault = vault_;
    }

    /// @notice Set where shares are moved during a payment (address(0): nowhere).
    function setAccomplice(address accomplice_) external {
        accomplice = accomplice_;
    }

    /// @notice Buy shares from the vault's listing.
    function buy(uint256 shares) external payable {
        vault.buy{value: msg.value}(shares, type(uint256).max);
    }

    /// @notice Claim revenue (the payment triggers `receive`).
    function claim() external {
        vault.claim();
    }

    receive() external payable {
        if (msg.sender != address(vault) || reentryAttempts >= 3) return;
        reentryAttempts += 1;
        try vault.claim() {
            reentrySuccesses += 1;
        } catch {}
        if (accomplice != address(0)) {
            uint256 balance = vault.balanceOf(address(this));
            if (balance != 0) vault.transfer(accomplice, balance);
        }
    }
}

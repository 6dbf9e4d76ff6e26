// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {VideoNFT} from "./VideoNFT.sol";
import {VideoVault} from "./VideoVault.sol";

/// @title VideoVaultFactory
/// @notice Creates exactly one VideoVault per video NFT, at an address derived from the token id
/// (CREATE2), with the platform's current fee and depositor settings.
contract VideoVaultFactory is AccessControl {
    /// @notice Highest platform fee on primary sales: 10% in basis points.
    uint256 public constant MAX_FEE_BPS = 1_000;

    /// @notice The video NFT contract.
    VideoNFT public immutable nft;
    /// @notice Role admin of every vault this factory creates.
    address public immutable vaultAdmin;
    /// @notice Receiver of the primary-sale fee of vaults created from now on.
    address public feeRecipient;
    /// @notice Primary-sale fee (basis points) of vaults created from now on.
    uint256 public platformFeeBps;
    /// @notice Account granted DEPOSITOR_ROLE in vaults created from now on.
    address public depositor;
    /// @notice The vault of each token id (address(0) if none yet).
    mapping(uint256 tokenId => address vault) public vaultOf;

    /// @notice The token already has a vault.
    error VaultExists(uint256 tokenId, address vault);
    /// @notice The fee is above MAX_FEE_BPS.
    error FeeTooHigh(uint256 feeBps, uint256 maxBps);
    /// @notice A required address was zero.
    error ZeroAddress();

    /// @notice A vault was created for `tokenId`.
    event VaultCreated(uint256 indexed tokenId, address indexed vault, string videoId);
    /// @notice The fee settings for new vaults changed.
    event FeeConfigUpdated(address feeRecipient, uint256 platformFeeBps);
    /// @notice The depositor for new vaults changed.
    event DepositorUpdated(address depositor);

    /// @param nft_ the video NFT contract
    /// @param admin role admin of the factory and of every vault it creates
    /// @param depositor_ the royalty runner's account
    /// @param feeRecipient_ receiver of primary-sale fees
    /// @param platformFeeBps_ primary-sale fee in basis points
    constructor(VideoNFT nft_, address admin, address depositor_, address feeRecipient_, uint256 platformFeeBps_) {
        nft = nft_;
        vaultAdmin = admin;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _setFeeConfig(feeRecipient_, platformFeeBps_);
        depositor = depositor_;
        emit DepositorUpdated(depositor_);
    }

    /// @notice Create the vault of `tokenId`. Anyone may call it: the vault's settings come from
    /// the factory, and only the NFT's owner can lock the NFT into it.
    /// @param tokenId an existing VideoNFT token id
    /// @return vault the new vault's address
    function createVault(uint256 tokenId) external returns (address vault) {
        address existing = vaultOf[tokenId];
        if (existing != address(0)) revert VaultExists(tokenId, existing);
        string memory videoId = nft.videoIdOf(tokenId);
        vault = address(
            new VideoVault{salt: bytes32(tokenId)}(
                string.concat("FlowAI Shares ", videoId),
                "FLOWAI-SH",
                nft,
                tokenId,
                vaultAdmin,
                depositor,
                feeRecipient,
                platformFeeBps
            )
        );
        vaultOf[tokenId] = vault;
        emit VaultCreated(tokenId, vault, videoId);
    }

    /// @notice Change the fee settings used by vaults created from now on.
    /// @param feeRecipient_ receiver of primary-sale fees
    /// @param platformFeeBps_ fee in basis points, at most MAX_FEE_BPS
    function setFeeConfig(address feeRecipient_, uint256 platformFeeBps_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setFeeConfig(feeRecipient_, platformFeeBps_);
    }

    /// @notice Change the depositor granted DEPOSITOR_ROLE in vaults created from now on.
    /// @param depositor_ the royalty runner's account
    function setDepositor(address depositor_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        depositor = depositor_;
        emit DepositorUpdated(depositor_);
    }

    function _setFeeConfig(address feeRecipient_, uint256 platformFeeBps_) private {
        if (feeRecipient_ == address(0)) revert ZeroAddress();
        if (platformFeeBps_ > MAX_FEE_BPS) revert FeeTooHigh(platformFeeBps_, MAX_FEE_BPS);
        feeRecipient = feeRecipient_;
        platformFeeBps = platformFeeBps_;
        emit FeeConfigUpdated(feeRecipient_, platformFeeBps_);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ERC2981} from "@openzeppelin/contracts/token/common/ERC2981.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC721Utils} from "@openzeppelin/contracts/token/ERC721/utils/ERC721Utils.sol";

/// @title VideoNFT
/// @notice One ERC-721 token per FlowAI video, minted to the video's creator. The token id is
/// derived from the platform's opaque video id, so a video can never be minted twice, and the
/// metadata lives behind the platform's API (`baseURI` + video id).
/// @dev EIP-2981 royalty info is set per token at mint time (receiver = creator by default).
/// Every transfer to a contract asks it to accept the token (`onERC721Received`), plain
/// `transferFrom` included: a token can never sit in a contract that does not know it holds it
/// (a vault locks it as if `safeTransferFrom` had been used; a contract that is not a receiver
/// refuses it).
contract VideoNFT is ERC721, ERC2981, AccessControl {
    /// @notice Role allowed to mint (the platform's backend key).
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");

    /// @notice Upper bound for the EIP-2981 royalty: 10% in basis points.
    uint96 public constant MAX_ROYALTY_BPS = 1_000;

    string private _baseTokenURI;
    mapping(uint256 tokenId => string videoId) private _videoIds;

    /// @notice The video id was empty.
    error EmptyVideoId();
    /// @notice The royalty was above MAX_ROYALTY_BPS.
    error RoyaltyTooHigh(uint96 royaltyBps, uint96 maxBps);

    /// @notice A video's NFT was minted.
    event VideoMinted(uint256 indexed tokenId, address indexed creator, string videoId, uint96 royaltyBps);
    /// @notice The metadata base URI changed.
    event BaseURIUpdated(string baseURI);

    /// @param admin account that manages roles and the base URI
    /// @param minter account that may mint (may equal admin)
    /// @param baseTokenURI metadata URL prefix, e.g. "https://api.example/v1/nft/"
    constructor(address admin, address minter, string memory baseTokenURI) ERC721("FlowAI Video", "FLOWAIV") {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(MINTER_ROLE, minter);
        _baseTokenURI = baseTokenURI;
        emit BaseURIUpdated(baseTokenURI);
    }

    /// @notice The token id a video id maps to (keccak256 of the id's UTF-8 bytes).
    /// @param videoId the platform's opaque video id
    /// @return the ERC-721 token id
    function tokenIdOf(string calldata videoId) public pure returns (uint256) {
        return uint256(keccak256(bytes(videoId)));
    }

    /// @notice Mint the NFT of `videoId` to its creator, with an EIP-2981 royalty to the creator.
    /// @param creator the video's creator, who receives the token and the royalty
    /// @param videoId the platform's opaque video id (the token id is derived from it)
    /// @param royaltyBps secondary-sale royalty in basis points (at most MAX_ROYALTY_BPS)
    /// @return tokenId the minted token id
    function mint(address creator, string calldata videoId, uint96 royaltyBps)
        external
        onlyRole(MINTER_ROLE)
        returns (uint256 tokenId)
    {
        if (bytes(videoId).length == 0) revert EmptyVideoId();
        if (royaltyBps > MAX_ROYALTY_BPS) revert RoyaltyTooHigh(royaltyBps, MAX_ROYALTY_BPS);
        tokenId = tokenIdOf(videoId);
        _videoIds[tokenId] = videoId;
        _safeMint(creator, tokenId);
        _setTokenRoyalty(tokenId, creator, royaltyBps);
        emit VideoMinted(tokenId, creator, videoId, royaltyBps);
    }

    /// @notice Transfer `tokenId` from `from` to `to`. Unlike a bare ERC-721, a contract receiver
    /// must accept the token through `onERC721Received` (as with `safeTransferFrom`), so a token
    /// sent to a vault with plain `transferFrom` is locked, never stranded.
    /// @param from the current owner
    /// @param to the receiver
    /// @param tokenId the token
    function transferFrom(address from, address to, uint256 tokenId) public override {
        _checkedTransfer(from, to, tokenId, "");
    }

    /// @notice Transfer `tokenId` and call `onERC721Received` on a contract receiver with `data`.
    /// @param from the current owner
    /// @param to the receiver
    /// @param tokenId the token
    /// @param data passed to the receiver
    function safeTransferFrom(address from, address to, uint256 tokenId, bytes memory data) public override {
        _checkedTransfer(from, to, tokenId, data);
    }

    /// @notice The platform video id of a minted token.
    /// @param tokenId an existing token id
    /// @return the video id
    function videoIdOf(uint256 tokenId) external view returns (string memory) {
        _requireOwned(tokenId);
        return _videoIds[tokenId];
    }

    /// @notice Change the metadata base URI (e.g. when the API moves to another domain).
    /// @param baseTokenURI the new URL prefix
    function setBaseURI(string calldata baseTokenURI) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _baseTokenURI = baseTokenURI;
        emit BaseURIUpdated(baseTokenURI);
    }

    /// @notice Metadata URL of a token: base URI followed by the video id.
    /// @param tokenId an existing token id
    /// @return the metadata URL served by the platform's API
    function tokenURI(uint256 tokenId) public view override returns (string memory) {
        _requireOwned(tokenId);
        return string.concat(_baseTokenURI, _videoIds[tokenId]);
    }

    /// @dev The one transfer path: ERC-721's ownership and approval checks, then the receiver check
    /// (a no-op for accounts without code), exactly once per transfer.
    function _checkedTransfer(address from, address to, uint256 tokenId, bytes memory data) private {
        super.transferFrom(from, to, tokenId);
        ERC721Utils.checkOnERC721Received(_msgSender(), from, to, tokenId, data);
    }

    /// @inheritdoc ERC721
    function supportsInterface(bytes4 interfaceId)
        public
        view
        override(ERC721, ERC2981, AccessControl)
        returns (bool)
    {
        return super.supportsInterface(interfaceId);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title VideoVault
/// @notice Holds one video NFT and splits it into 1,000,000 ERC-20 shares (18 decimals). The
/// creator who locks the NFT receives every share, may sell some in a primary sale, and every
/// share earns the revenue the platform deposits, pro rata to the shares held at deposit time.
/// Shares listed for sale and not yet sold are the creator's: their part of each deposit is the
/// creator's, never a later buyer's.
/// @dev Revenue uses a magnified revenue-per-share accumulator: a deposit of `v` wei raises it by
/// `(v * 2^128 + carry) / totalSupply` and keeps the remainder as `carry` for the next deposit,
/// so rounding dust is never lost (it is below 1 wei per holder per deposit). Each holder's
/// correction is adjusted in `_update`, the one hook every mint, burn and transfer goes through,
/// so moving shares never moves revenue that was already earned. The vault's own balance (the
/// unsold listing) has no correction: at each deposit its part, `increment * unsold`, is added
/// to the creator's correction instead, so transfers and claims cost no extra storage reads.
contract VideoVault is ERC20, AccessControl, ReentrancyGuardTransient, IERC721Receiver {
    using SafeCast for uint256;
    using SafeCast for int256;

    /// @notice Role allowed to deposit revenue (the platform's royalty runner).
    bytes32 public constant DEPOSITOR_ROLE = keccak256("DEPOSITOR_ROLE");
    /// @notice Number of whole shares minted on lock.
    uint256 public constant TOTAL_SHARES = 1_000_000;
    /// @notice Base units in one whole share (18 decimals).
    uint256 public constant SHARE_UNIT = 1e18;
    /// @notice Fixed-point scale of the revenue accumulator.
    uint256 public constant MAGNITUDE = 2 ** 128;
    /// @notice Basis-point denominator for the platform fee.
    uint256 public constant BPS = 10_000;

    /// @notice The NFT contract whose token this vault holds.
    IERC721 public immutable nft;
    /// @notice The token id this vault accepts.
    uint256 public immutable tokenId;
    /// @notice Receiver of the platform fee on primary sales.
    address public immutable feeRecipient;
    /// @notice Platform fee on primary sales, in basis points.
    uint256 public immutable platformFeeBps;

    /// @notice The account that locked the NFT (seller in the primary sale).
    address public creator;
    /// @notice Whether the NFT is locked and the shares exist.
    bool public locked;
    /// @notice Whole shares still listed for sale (held by the vault).
    uint256 public sharesForSale;
    /// @notice Price of one whole share in wei.
    uint256 public pricePerShare;
    /// @notice Magnified revenue per share base unit, accumulated over all deposits.
    uint256 public magnifiedRevenuePerShare;
    /// @notice Magnified revenue not yet distributed (the remainder of the last division, less
    /// than one magnified unit per share base unit); it is added to the next deposit.
    uint256 public magnifiedCarry;
    /// @notice Sum of all revenue deposits in wei.
    uint256 public totalDeposited;

    mapping(address holder => int256) private _magnifiedCorrections;
    mapping(address holder => uint256) private _claimed;
    mapping(bytes32 depositId => bool) private _depositProcessed;

    /// @notice An amount (shares, wei or price) was zero.
    error ZeroAmount();
    /// @notice More shares were asked for than are listed.
    error ExceedsListed(uint256 requested, uint256 available);
    /// @notice `msg.value` did not cover the price.
    error InsufficientPayment(uint256 required, uint256 sent);
    /// @notice The listed price is above the buyer's limit (the listing was repriced).
    error PriceAboveMax(uint256 pricePerShare, uint256 maxPricePerShare);
    /// @notice Revenue cannot be sent to the zero address.
    error InvalidRecipient(address recipient);
    /// @notice The caller has no revenue to claim.
    error NothingToClaim();
    /// @notice Only the creator who locked the NFT may do this.
    error NotCreator(address account);
    /// @notice The NFT is not locked in the vault.
    error NotLocked();
    /// @notice The NFT is already locked.
    error AlreadyLocked();
    /// @notice The vault was sent an NFT it does not accept.
    error UnexpectedNFT(address nftContract, uint256 tokenId);
    /// @notice Redeeming needs every share.
    error NotAllShares(uint256 balance, uint256 required);
    /// @notice A native-coin payment was refused by its receiver.
    error PaymentFailed(address to, uint256 amount);
    /// @notice This deposit id was already deposited (deposits are idempotent).
    error DepositAlreadyProcessed(bytes32 depositId);

    /// @notice The NFT was locked and all shares minted to `creator`.
    event Locked(address indexed creator, uint256 indexed tokenId, uint256 shares);
    /// @notice A holder of every share burnt them and took the NFT back.
    event Redeemed(address indexed holder, uint256 indexed tokenId);
    /// @notice Shares were listed; `sharesForSale` is the new total listed at `pricePerShare`.
    event SharesListed(address indexed seller, uint256 shares, uint256 pricePerShare, uint256 sharesForSale);
    /// @notice The listing was withdrawn and the unsold shares returned to the seller.
    event ListingCancelled(address indexed seller, uint256 sharesReturned);
    /// @notice A primary-sale purchase: `cost` paid, `platformFee` of it to the platform.
    event SharesPurchased(address indexed buyer, uint256 shares, uint256 cost, uint256 platformFee, uint256 refund);
    /// @notice Revenue was deposited for the holders of `eligibleSupply` base units.
    event RevenueDeposited(
        address indexed depositor,
        bytes32 indexed depositId,
        uint256 amount,
        uint256 eligibleSupply,
        uint256 magnifiedRevenuePerShare
    );
    /// @notice The creator was credited the part of a deposit earned by `unsoldShares` base
    /// units still listed for sale (`magnifiedAmount` / 2^128 wei).
    event UnsoldRevenueCredited(address indexed creator, uint256 unsoldShares, uint256 magnifiedAmount);
    /// @notice A holder claimed revenue (paid to itself, or to another address with `claimTo`).
    event RevenueClaimed(address indexed holder, uint256 amount);

    /// @param name_ ERC-20 name
    /// @param symbol_ ERC-20 symbol
    /// @param nft_ the NFT contract
    /// @param tokenId_ the token this vault fractionalises
    /// @param admin role admin (the platform)
    /// @param depositor account granted DEPOSITOR_ROLE (address(0) for none)
    /// @param feeRecipient_ receiver of the primary-sale fee
    /// @param platformFeeBps_ primary-sale fee in basis points (checked by the factory)
    constructor(
        string memory name_,
        string memory symbol_,
        IERC721 nft_,
        uint256 tokenId_,
        address admin,
        address depositor,
        address feeRecipient_,
        uint256 platformFeeBps_
    ) ERC20(name_, symbol_) {
        nft = nft_;
        tokenId = tokenId_;
        feeRecipient = feeRecipient_;
        platformFeeBps = platformFeeBps_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        if (depositor != address(0)) _grantRole(DEPOSITOR_ROLE, depositor);
    }

    // ------------------------------------------------------------------ lock and redeem

    /// @notice Lock the NFT: called by the NFT contract on `safeTransferFrom(creator, vault, id)`.
    /// Mints all shares to the previous owner, who becomes the creator.
    /// @param from the previous owner of the NFT
    /// @param receivedTokenId the token id transferred
    /// @return the ERC-721 receiver selector
    function onERC721Received(address, address from, uint256 receivedTokenId, bytes calldata)
        external
        nonReentrant
        returns (bytes4)
    {
        if (msg.sender != address(nft) || receivedTokenId != tokenId) {
            revert UnexpectedNFT(msg.sender, receivedTokenId);
        }
        if (locked) revert AlreadyLocked();
        locked = true;
        creator = from;
        _mint(from, TOTAL_SHARES * SHARE_UNIT);
        emit Locked(from, receivedTokenId, TOTAL_SHARES);
        return IERC721Receiver.onERC721Received.selector;
    }

    /// @notice Burn every share and take the NFT. The caller must hold all shares (so nothing is
    /// listed); revenue earned before keeps being claimable.
    function redeem() external nonReentrant {
        if (!locked) revert NotLocked();
        uint256 balance = balanceOf(msg.sender);
        uint256 required = TOTAL_SHARES * SHARE_UNIT;
        if (balance != required) revert NotAllShares(balance, required);
        locked = false;
        pricePerShare = 0;
        _burn(msg.sender, balance);
        emit Redeemed(msg.sender, tokenId);
        nft.safeTransferFrom(address(this), msg.sender, tokenId);
    }

    // ------------------------------------------------------------------ primary sale

    /// @notice List `shares` more whole shares for sale at `newPricePerShare` wei each; the price
    /// applies to everything listed. The shares move from the creator into the vault.
    /// @param shares whole shares to add to the listing
    /// @param newPricePerShare price of one whole share in wei
    function list(uint256 shares, uint256 newPricePerShare) external {
        if (!locked) revert NotLocked();
        if (msg.sender != creator) revert NotCreator(msg.sender);
        if (shares == 0 || newPricePerShare == 0) revert ZeroAmount();
        uint256 total = sharesForSale + shares;
        sharesForSale = total;
        pricePerShare = newPricePerShare;
        _transfer(msg.sender, address(this), shares * SHARE_UNIT);
        emit SharesListed(msg.sender, shares, newPricePerShare, total);
    }

    /// @notice Withdraw the listing; unsold shares return to the creator.
    function cancelListing() external {
        if (msg.sender != creator) revert NotCreator(msg.sender);
        uint256 shares = sharesForSale;
        if (shares == 0) revert ZeroAmount();
        sharesForSale = 0;
        _transfer(address(this), msg.sender, shares * SHARE_UNIT);
        emit ListingCancelled(msg.sender, shares);
    }

    /// @notice Buy `shares` whole shares at the listed price, if that price is at most
    /// `maxPricePerShare` (the creator can reprice the listing with `list`; the limit keeps a
    /// repricing sent just before the purchase from charging more than the buyer agreed to).
    /// Any excess `msg.value` is refunded; the creator is paid the price less the platform fee.
    /// @param shares whole shares to buy
    /// @param maxPricePerShare the highest price per whole share, in wei, the buyer accepts
    /// @return cost the price paid in wei
    function buy(uint256 shares, uint256 maxPricePerShare) external payable nonReentrant returns (uint256 cost) {
        if (shares == 0) revert ZeroAmount();
        uint256 available = sharesForSale;
        if (shares > available) revert ExceedsListed(shares, available);
        uint256 price = pricePerShare;
        if (price > maxPricePerShare) revert PriceAboveMax(price, maxPricePerShare);
        cost = shares * price;
        if (msg.value < cost) revert InsufficientPayment(cost, msg.value);
        sharesForSale = available - shares;
        uint256 fee = (cost * platformFeeBps) / BPS;
        uint256 refund = msg.value - cost;
        _transfer(address(this), msg.sender, shares * SHARE_UNIT);
        emit SharesPurchased(msg.sender, shares, cost, fee, refund);
        _pay(creator, cost - fee);
        if (fee != 0) _pay(feeRecipient, fee);
        if (refund != 0) _pay(msg.sender, refund);
    }

    // ------------------------------------------------------------------ revenue

    /// @notice Deposit revenue (the native coin sent) for the holders at this moment, pro rata to
    /// every share; the part of the shares still listed for sale is the creator's.
    /// Idempotent per `depositId`: a replayed id reverts, so a royalty run can retry safely.
    /// @param depositId the platform's id of this deposit (unique per vault)
    function depositRevenue(bytes32 depositId) external payable onlyRole(DEPOSITOR_ROLE) {
        if (msg.value == 0) revert ZeroAmount();
        if (!locked) revert NotLocked();
        if (_depositProcessed[depositId]) revert DepositAlreadyProcessed(depositId);
        _depositProcessed[depositId] = true;
        totalDeposited += msg.value;
        // While locked every one of the 1,000,000 shares exists, so the divisor is never zero.
        uint256 supply = totalSupply();
        uint256 magnified = msg.value * MAGNITUDE + magnifiedCarry;
        uint256 increment = magnified / supply;
        magnifiedCarry = magnified % supply;
        uint256 perShare = magnifiedRevenuePerShare + increment;
        magnifiedRevenuePerShare = perShare;
        uint256 unsold = balanceOf(address(this));
        if (unsold != 0) {
            address seller = creator;
            uint256 credit = increment * unsold;
            _magnifiedCorrections[seller] += credit.toInt256();
            emit UnsoldRevenueCredited(seller, unsold, credit);
        }
        emit RevenueDeposited(msg.sender, depositId, msg.value, supply, perShare);
    }

    /// @notice Pay the caller all revenue it has earned and not yet claimed.
    /// @return amount the wei paid
    function claim() external nonReentrant returns (uint256 amount) {
        return _claim(msg.sender);
    }

    /// @notice Pay all revenue the caller has earned and not yet claimed to `recipient`: for a
    /// holder (a contract) that cannot receive the native coin itself.
    /// @param recipient the address paid
    /// @return amount the wei paid
    function claimTo(address recipient) external nonReentrant returns (uint256 amount) {
        if (recipient == address(0)) revert InvalidRecipient(recipient);
        return _claim(recipient);
    }

    /// @notice Revenue `holder` can claim now, in wei (rounded down).
    /// @param holder any account
    /// @return wei claimable
    function claimableOf(address holder) public view returns (uint256) {
        return accumulatedOf(holder) - _claimed[holder];
    }

    /// @notice Revenue `holder` has earned since the vault existed (claimed or not), in wei. The
    /// creator's includes the part of every deposit earned by the shares it had listed unsold.
    /// @param holder any account
    /// @return wei earned, rounded down
    function accumulatedOf(address holder) public view returns (uint256) {
        if (holder == address(this)) return 0;
        int256 magnified = (magnifiedRevenuePerShare * balanceOf(holder)).toInt256() + _magnifiedCorrections[holder];
        return magnified.toUint256() / MAGNITUDE;
    }

    /// @notice Revenue `holder` has already claimed, in wei.
    /// @param holder any account
    /// @return wei claimed
    function claimedOf(address holder) external view returns (uint256) {
        return _claimed[holder];
    }

    /// @notice Whether `depositId` was already deposited.
    /// @param depositId the platform's deposit id
    /// @return true once deposited
    function depositProcessed(bytes32 depositId) external view returns (bool) {
        return _depositProcessed[depositId];
    }

    /// @notice Share base units that earn revenue: every share, the unsold ones for the creator.
    /// @return eligible base units
    function eligibleSupply() public view returns (uint256) {
        return totalSupply();
    }

    // ------------------------------------------------------------------ ERC-20 hooks

    /// @notice ERC-20 transfer; shares cannot be sent to the vault itself (use `list`).
    /// @param to receiver
    /// @param value base units
    /// @return true on success
    function transfer(address to, uint256 value) public override returns (bool) {
        if (to == address(this)) revert ERC20InvalidReceiver(to);
        return super.transfer(to, value);
    }

    /// @notice ERC-20 transferFrom; shares cannot be sent to the vault itself (use `list`).
    /// @param from owner
    /// @param to receiver
    /// @param value base units
    /// @return true on success
    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        if (to == address(this)) revert ERC20InvalidReceiver(to);
        return super.transferFrom(from, to, value);
    }

    /// @dev The one place balances change: keep each side's earned revenue where it is by
    /// moving `revenuePerShare * value` into the corrections. The vault's own balance (the
    /// listing) has no correction: its revenue is credited to the creator at each deposit.
    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        int256 delta = (magnifiedRevenuePerShare * value).toInt256();
        if (delta == 0) return;
        if (from != address(0) && from != address(this)) _magnifiedCorrections[from] += delta;
        if (to != address(0) && to != address(this)) _magnifiedCorrections[to] -= delta;
    }

    /// @inheritdoc AccessControl
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IERC721Receiver).interfaceId || super.supportsInterface(interfaceId);
    }

    function _claim(address recipient) private returns (uint256 amount) {
        amount = claimableOf(msg.sender);
        if (amount == 0) revert NothingToClaim();
        _claimed[msg.sender] += amount;
        emit RevenueClaimed(msg.sender, amount);
        _pay(recipient, amount);
    }

    function _pay(address to, uint256 amount) private {
        (bool ok,) = payable(to).call{value: amount}("");
        if (!ok) revert PaymentFailed(to, amount);
    }
}

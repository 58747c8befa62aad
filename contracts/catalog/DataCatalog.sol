// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IConsortium} from "../consortium/IConsortium.sol";
import {Roles} from "../libraries/Roles.sol";
import {IDataCatalog} from "./IDataCatalog.sol";

/**
 * @title DataCatalog
 * @notice The government data resource catalog. See {IDataCatalog}.
 */
contract DataCatalog is IDataCatalog {
    uint16 private constant _MAX_ITEM_COUNT = 256;
    uint256 private constant _MAX_CODE_LENGTH = 64;
    /// @dev The four legal bases of PIPL Art. 13 that `ISharingAgreements.LegalBasis` numbers 0..3.
    uint8 private constant _ALL_LEGAL_BASES = 0x0f;

    IConsortium private immutable _consortium;

    /// @dev Four slots per resource: `provider`; the six enum/bool fields, `itemCount` and `version` packed together
    /// (12 bytes); `metadataHash`; `legalBasis`. The last slot stays zero (and costs no fresh write) for resources
    /// registered without a legal-basis reference.
    mapping(bytes32 resourceId => Resource) private _resources;
    /// @dev Apart from `Resource`, so that its layout and `resource()` stay as they are; read only on conditional
    /// requests.
    mapping(bytes32 resourceId => bool returned) private _returned;

    constructor(IConsortium consortium_) {
        _consortium = consortium_;
    }

    /// @inheritdoc IDataCatalog
    function register(
        string calldata code,
        ResourceTerms calldata terms,
        string calldata metadata
    ) external returns (bytes32 resourceId) {
        bytes32 provider = _consortium.activeDepartmentOf(msg.sender);
        if (provider == bytes32(0)) revert CatalogUnauthorizedAccount(msg.sender, Roles.MEMBER);
        uint256 codeLength = bytes(code).length;
        if (codeLength == 0 || codeLength > _MAX_CODE_LENGTH) revert CatalogInvalidCode();

        resourceId = _resourceIdOf(provider, code);
        if (_resources[resourceId].status != ResourceStatus.None) revert CatalogResourceExists(resourceId);
        _validateTerms(resourceId, terms, 0);

        bytes32 metadataHash = keccak256(bytes(metadata));
        _resources[resourceId] = Resource({
            provider: provider,
            shareType: terms.shareType,
            openType: terms.openType,
            securityLevel: terms.securityLevel,
            status: ResourceStatus.Active,
            personal: terms.personal,
            sensitive: terms.sensitive,
            itemCount: terms.itemCount,
            version: 1,
            acceptedBases: _ALL_LEGAL_BASES,
            metadataHash: metadataHash,
            legalBasis: terms.legalBasis
        });
        emit ResourceRegistered(resourceId, provider, code, terms, metadataHash, metadata);
    }

    /// @inheritdoc IDataCatalog
    function update(bytes32 resourceId, ResourceTerms calldata terms, string calldata metadata) external {
        Resource storage stored = _changeableResource(resourceId);
        _validateTerms(resourceId, terms, stored.itemCount);

        bytes32 metadataHash = keccak256(bytes(metadata));
        uint32 version = stored.version + 1;
        stored.shareType = terms.shareType;
        stored.openType = terms.openType;
        stored.securityLevel = terms.securityLevel;
        stored.personal = terms.personal;
        stored.sensitive = terms.sensitive;
        stored.itemCount = terms.itemCount;
        stored.version = version;
        stored.metadataHash = metadataHash;
        stored.legalBasis = terms.legalBasis;
        emit ResourceUpdated(resourceId, stored.provider, version, terms, metadataHash, metadata);
    }

    /// @inheritdoc IDataCatalog
    function setAcceptedLegalBases(bytes32 resourceId, uint8 acceptedBases) external {
        Resource storage stored = _changeableResource(resourceId);
        if (acceptedBases == 0 || acceptedBases & ~_ALL_LEGAL_BASES != 0)
            revert CatalogInvalidLegalBases(acceptedBases);
        stored.acceptedBases = acceptedBases;
        emit ResourceLegalBasesChanged(resourceId, stored.provider, acceptedBases);
    }

    /// @inheritdoc IDataCatalog
    function setReturned(bytes32 resourceId, bool returned) external {
        Resource storage stored = _changeableResource(resourceId);
        _returned[resourceId] = returned;
        emit ResourceReturnChanged(resourceId, stored.provider, returned);
    }

    /// @inheritdoc IDataCatalog
    function isReturned(bytes32 resourceId) external view returns (bool) {
        return _returned[resourceId];
    }

    /// @inheritdoc IDataCatalog
    function retire(bytes32 resourceId) external {
        Resource storage stored = _changeableResource(resourceId);
        stored.status = ResourceStatus.Retired;
        emit ResourceRetired(resourceId, stored.provider, stored.version);
    }

    /// @inheritdoc IDataCatalog
    function resource(bytes32 resourceId) external view returns (Resource memory) {
        return _resources[resourceId];
    }

    /// @inheritdoc IDataCatalog
    function resourceIdOf(bytes32 providerId, string calldata code) external pure returns (bytes32) {
        return _resourceIdOf(providerId, code);
    }

    /// @inheritdoc IDataCatalog
    function fullMask(bytes32 resourceId) external view returns (uint256) {
        uint16 itemCount = _resources[resourceId].itemCount;
        if (itemCount == _MAX_ITEM_COUNT) return type(uint256).max;
        // itemCount is at most 255 here, so the shift stays inside 256 bits; for an unknown resource it is 0 and
        // (1 << 0) - 1 is the empty mask.
        return (uint256(1) << itemCount) - 1;
    }

    /// @dev The stored resource `resourceId` if it exists, is not retired and the caller acts for its provider.
    function _changeableResource(bytes32 resourceId) private view returns (Resource storage stored) {
        stored = _resources[resourceId];
        ResourceStatus status = stored.status;
        if (status == ResourceStatus.None) revert CatalogUnknownResource(resourceId);
        bytes32 provider = stored.provider;
        if (_consortium.activeDepartmentOf(msg.sender) != provider) {
            revert CatalogUnauthorizedAccount(msg.sender, provider);
        }
        if (status == ResourceStatus.Retired) revert CatalogResourceRetired(resourceId);
    }

    /// @dev Reverts unless `terms` are valid for a resource that has `minItemCount` items today (0 when new).
    function _validateTerms(bytes32 resourceId, ResourceTerms calldata terms, uint16 minItemCount) private pure {
        uint16 itemCount = terms.itemCount;
        if (itemCount == 0 || itemCount > _MAX_ITEM_COUNT || itemCount < minItemCount) {
            revert CatalogInvalidItemCount(itemCount);
        }
        if (terms.shareType == ShareType.NotShareable && terms.legalBasis == bytes32(0)) {
            revert CatalogLegalBasisRequired(resourceId);
        }
    }

    function _resourceIdOf(bytes32 providerId, string calldata code) private pure returns (bytes32) {
        return keccak256(abi.encode(providerId, code));
    }
}

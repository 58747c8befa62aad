// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/**
 * @title IDataCatalog
 * @notice The government data resource catalog (GB/T 21063): which department provides which resource, under which
 * sharing class and security level, with how many data items. A set of data items is a `uint256` bitmask: bit `i` is
 * the resource's item `i` (in the order of the metadata's `fields`).
 *
 * The canonical metadata JSON (name, summary, fields, update cycle, ...) is emitted in full and its keccak256 stored,
 * so the chain alone can rebuild the catalog and anyone can check a copy of it.
 */
interface IDataCatalog {
    /// @notice Sharing class (政务信息资源共享管理暂行办法): 无条件共享 / 有条件共享 / 不予共享.
    enum ShareType {
        Unconditional,
        Conditional,
        NotShareable
    }

    /// @notice Open attribute of the resource towards the public.
    enum OpenType {
        Open,
        Restricted
    }

    /// @notice Data security level (GB/T 43697-2024).
    enum SecurityLevel {
        General,
        Important,
        Core
    }

    /// @notice Catalog status. `None` means never registered.
    enum ResourceStatus {
        None,
        Active,
        Retired
    }

    /// @notice What the provider declares for a resource (on register and on update).
    struct ResourceTerms {
        ShareType shareType;
        OpenType openType;
        SecurityLevel securityLevel;
        bool personal;
        bool sensitive;
        uint16 itemCount; // 1..256
        bytes32 legalBasis; // hash of the legal basis reference; required for NotShareable
    }

    /// @notice Stored record of a resource: `provider`, one packed slot, `metadataHash` and `legalBasis` (four slots).
    /// `acceptedBases` is a bitmask of the legal bases (PIPL Art. 13, `ISharingAgreements.LegalBasis`: bit 0 consent,
    /// 1 statutory duty, 2 contract, 3 public interest) on which the provider accepts agreements; all four at
    /// registration, narrowed by {setAcceptedLegalBases}.
    struct Resource {
        bytes32 provider;
        ShareType shareType;
        OpenType openType;
        SecurityLevel securityLevel;
        ResourceStatus status;
        bool personal;
        bool sensitive;
        uint16 itemCount;
        uint32 version;
        uint8 acceptedBases;
        bytes32 metadataHash;
        bytes32 legalBasis;
    }

    /// @notice `account` does not act for the department it needed (`neededDepartment`, zero when any active member).
    error CatalogUnauthorizedAccount(address account, bytes32 neededDepartment);
    /// @notice A resource with this id already exists (the provider used the same code twice).
    error CatalogResourceExists(bytes32 resourceId);
    /// @notice The resource id is unknown.
    error CatalogUnknownResource(bytes32 resourceId);
    /// @notice The resource is retired and cannot change.
    error CatalogResourceRetired(bytes32 resourceId);
    /// @notice Item count outside 1..256, or an update that would drop items that agreements may refer to.
    error CatalogInvalidItemCount(uint16 itemCount);
    /// @notice A not-shareable resource needs a legal-basis reference.
    error CatalogLegalBasisRequired(bytes32 resourceId);
    /// @notice The resource code is empty or longer than 64 bytes.
    error CatalogInvalidCode();
    /// @notice The accepted legal bases are none, or name a basis beyond the four of PIPL Art. 13 (bits 0..3).
    error CatalogInvalidLegalBases(uint8 acceptedBases);

    /// @notice A resource was registered. `metadata` is the canonical metadata JSON; `metadataHash` its keccak256.
    event ResourceRegistered(
        bytes32 indexed resourceId,
        bytes32 indexed provider,
        string code,
        ResourceTerms terms,
        bytes32 metadataHash,
        string metadata
    );
    /// @notice A resource was updated to `version`.
    event ResourceUpdated(
        bytes32 indexed resourceId,
        bytes32 indexed provider,
        uint32 version,
        ResourceTerms terms,
        bytes32 metadataHash,
        string metadata
    );
    /// @notice The provider declared the legal bases (bitmask, see {Resource}) on which it accepts agreements.
    event ResourceLegalBasesChanged(bytes32 indexed resourceId, bytes32 indexed provider, uint8 acceptedBases);
    /// @notice The provider marked the resource as returned (回流) to the departments below it in its own region, or
    /// withdrew the mark (`returned` false).
    event ResourceReturnChanged(bytes32 indexed resourceId, bytes32 indexed provider, bool returned);
    /// @notice A resource was retired; no new agreements can be made on it.
    event ResourceRetired(bytes32 indexed resourceId, bytes32 indexed provider, uint32 version);

    /**
     * @notice Registers a resource of the caller's department at version 1. Only an operator of an active department.
     * @param code the provider's resource code (1..64 bytes), unique per provider
     * @param terms the sharing class, security level, flags and item count
     * @param metadata the canonical metadata JSON (emitted; its keccak256 is stored)
     * @return resourceId `keccak256(abi.encode(providerId, code))`
     */
    function register(
        string calldata code,
        ResourceTerms calldata terms,
        string calldata metadata
    ) external returns (bytes32 resourceId);

    /**
     * @notice Marks a resource as returned (回流) to the departments below its provider, or withdraws the mark: data a
     * higher-level department holds that lower levels collected and need back. For a department below the provider
     * (reached from it by the consortium's parent links, its GB/T 2260 region code inside the provider's region), an
     * agreement on a returned conditional resource is active at once, as on an unconditional one; purpose, grants,
     * consent and receipts bind it as any other. Agreements already made are not changed. Does not change the
     * metadata or its version. Only an operator of the provider, on a resource that is not retired.
     */
    function setReturned(bytes32 resourceId, bool returned) external;

    /// @notice Whether the provider marked the resource as returned to the departments below it.
    function isReturned(bytes32 resourceId) external view returns (bool);

    /// @notice Replaces a resource's terms and metadata and bumps its version. Only an operator of the provider.
    /// The item count cannot shrink.
    function update(bytes32 resourceId, ResourceTerms calldata terms, string calldata metadata) external;

    /**
     * @notice Declares the legal bases on which the provider accepts agreements on a resource; a request on any other
     * basis is refused. Does not change the metadata or its version. Only an operator of the provider.
     * @param acceptedBases bitmask, bit `i` for `ISharingAgreements.LegalBasis(i)`; non-zero, bits 0..3 only
     */
    function setAcceptedLegalBases(bytes32 resourceId, uint8 acceptedBases) external;

    /// @notice Retires a resource. Only an operator of the provider.
    function retire(bytes32 resourceId) external;

    /// @notice The stored record (status `None` if unknown).
    function resource(bytes32 resourceId) external view returns (Resource memory);

    /// @notice The id a provider's resource code maps to.
    function resourceIdOf(bytes32 providerId, string calldata code) external pure returns (bytes32);

    /// @notice The mask of all the resource's items (`itemCount` low bits set); zero if unknown.
    function fullMask(bytes32 resourceId) external view returns (uint256);
}

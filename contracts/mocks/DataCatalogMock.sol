// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IDataCatalog} from "../catalog/IDataCatalog.sol";

/**
 * @title DataCatalogMock
 * @notice Test double for the views of IDataCatalog that the sharing contracts read: `resource`, `fullMask` and `isReturned`,
 * with a setter. Tests only.
 */
contract DataCatalogMock {
    mapping(bytes32 resourceId => IDataCatalog.Resource) private _resources;
    mapping(bytes32 resourceId => bool returned) private _returned;

    function setReturned(bytes32 id, bool returned) external {
        _returned[id] = returned;
    }

    function isReturned(bytes32 resourceId) external view returns (bool) {
        return _returned[resourceId];
    }

    function setResource(bytes32 id, IDataCatalog.Resource calldata r) external {
        _resources[id] = r;
    }

    function resource(bytes32 resourceId) external view returns (IDataCatalog.Resource memory) {
        return _resources[resourceId];
    }

    function fullMask(bytes32 resourceId) external view returns (uint256) {
        IDataCatalog.Resource storage r = _resources[resourceId];
        if (r.status == IDataCatalog.ResourceStatus.None) return 0;
        uint16 n = r.itemCount;
        return n >= 256 ? type(uint256).max : (uint256(1) << n) - 1;
    }
}

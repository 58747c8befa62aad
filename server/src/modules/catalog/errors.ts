import { ConflictError, ForbiddenError, NotFoundError } from "../../common/errors";

/** No resource with this id in the catalog (as indexed). */
export class ResourceNotFoundError extends NotFoundError {
  override readonly code = "resource_not_found";
  constructor(resourceId: string, where = "params.id") {
    super(`no catalog resource with id ${resourceId} (${where})`, { resourceId });
  }
}

/** Only an operator of the resource's provider may change it (the contract refuses others too). */
export class NotProviderError extends ForbiddenError {
  override readonly code = "not_provider";
  constructor(what: string, provider: { id: string; key: string | null }, caller: string) {
    super(`only the provider (${provider.key ?? provider.id}) may ${what}`, {
      provider: provider.id,
      department: caller,
    });
  }
}

/** The provider already registered a resource with this code. */
export class ResourceExistsError extends ConflictError {
  override readonly code = "resource_exists";
  constructor(resourceId: string, code: string) {
    super(`your department already registered resource code '${code}' (${resourceId})`, { resourceId });
  }
}

/** The resource is retired: it cannot change and no new agreements can be made on it. */
export class ResourceRetiredError extends ConflictError {
  override readonly code = "resource_retired";
  constructor(resourceId: string) {
    super(`resource ${resourceId} is retired`, { resourceId, currentStatus: "retired" });
  }
}

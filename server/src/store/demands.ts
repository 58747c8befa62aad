import { applyDemandEvent, type DemandState } from "../../../core/folds/demands";
import type { Db } from "../common/db";
import { FoldedRecords } from "./folded-records";

/**
 * The demand and responsibility lists (DemandRegistry events), folded by the core's `applyDemandEvent`. Listed by the
 * requester and by the responsible department (the one that answered, or the one the council assigned).
 */
export class DemandStore extends FoldedRecords<DemandState> {
  constructor(db: Db) {
    super(db, {
      table: "demands",
      contract: "DemandRegistry",
      idArg: "demandId",
      fold: applyDemandEvent,
      partiesOf: (d) => [d.requester, d.responsible],
      statusOf: (d) => d.status,
      toJson: (d) => JSON.stringify(d),
      fromJson: (json) => JSON.parse(json) as DemandState,
    });
  }
}

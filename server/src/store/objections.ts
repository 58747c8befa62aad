import { applyObjectionEvent, type ObjectionState } from "../../../core/folds/objections";
import type { Db } from "../common/db";
import { FoldedRecords } from "./folded-records";

/**
 * Data-quality objections (Objections events), folded by the core's `applyObjectionEvent`. Listed by the consumer
 * that raised them and by the provider that must answer.
 */
export class ObjectionStore extends FoldedRecords<ObjectionState> {
  constructor(db: Db) {
    super(db, {
      table: "objections",
      contract: "Objections",
      idArg: "objectionId",
      fold: applyObjectionEvent,
      partiesOf: (o) => [o.consumer, o.provider],
      statusOf: (o) => o.status,
      toJson: (o) => JSON.stringify({ ...o, fieldMask: o.fieldMask.toString() }),
      fromJson: (json) => {
        const raw = JSON.parse(json) as ObjectionState & { fieldMask: string };
        return { ...raw, fieldMask: BigInt(raw.fieldMask) };
      },
    });
  }
}

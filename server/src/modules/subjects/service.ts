import type { SubjectRef } from "../../../../core/identity/id-number";
import { subjectRef, type SubjectIdentity } from "../../common/subject-ref";

/** Holds the consortium secret so that routes never see it. */
export class SubjectService {
  constructor(private readonly secret: Uint8Array) {}

  reference(identity: SubjectIdentity): SubjectRef {
    return subjectRef(this.secret, identity.idType, identity.idNumber);
  }
}

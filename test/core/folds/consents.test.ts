import { expect } from "chai";
import { CONSENT_STATE_AFTER, ConsentBook } from "../../../core/folds/consents";

const KEY = {
  subjectRef: `0x${"AA".repeat(32)}`,
  recipient: `0x${"bb".repeat(32)}`,
  resourceId: `0x${"cc".repeat(32)}`,
  purpose: `0x${"dd".repeat(32)}`,
};
const FIRST = `0x${"01".repeat(32)}`;
const SECOND = `0x${"02".repeat(32)}`;

const recorded = (consentId: string, validUntil: string) => ({ ...KEY, consentId, validFrom: "100", validUntil });
const current = (book: ConsentBook) =>
  book.current(
    KEY.subjectRef.toLowerCase(),
    KEY.recipient,
    KEY.resourceId,
    KEY.purpose.toUpperCase().replace("0X", "0x"),
  );

describe("core/folds/consents", function () {
  it("keeps the last recorded consent of a key as its current one, keys compared in lower case", function () {
    const book = new ConsentBook();
    book.apply("ConsentRecorded", recorded(FIRST, "200"));
    expect(current(book)).to.deep.equal({ id: FIRST, validFrom: 100, validUntil: 200, state: "active" });
    book.apply("ConsentRecorded", recorded(SECOND, "300"));
    book.apply("ConsentSuperseded", { ...KEY, consentId: FIRST, supersededBy: SECOND });
    expect(current(book)).to.deep.equal({ id: SECOND, validFrom: 100, validUntil: 300, state: "active" });
  });

  it("ends the current consent on withdrawal or revocation, and ignores the end of a superseded one", function () {
    const book = new ConsentBook();
    book.apply("ConsentRecorded", recorded(FIRST, "200"));
    book.apply("ConsentRecorded", recorded(SECOND, "300"));
    book.apply("ConsentWithdrawn", { ...KEY, consentId: FIRST });
    expect(current(book)?.state).to.equal("active");
    book.apply("ConsentRevoked", { ...KEY, consentId: SECOND, byCouncil: true });
    expect(current(book)?.state).to.equal("revoked");
  });

  it("forgets everything on clear, and knows no consent of an unknown key", function () {
    const book = new ConsentBook();
    book.apply("ConsentRecorded", recorded(FIRST, "200"));
    book.clear();
    expect(current(book)).to.equal(undefined);
  });

  it("names the state each ending event leads to", function () {
    expect(CONSENT_STATE_AFTER).to.deep.equal({
      ConsentSuperseded: "superseded",
      ConsentWithdrawn: "withdrawn",
      ConsentRevoked: "revoked",
    });
  });
});

/**
 * The events the scorecard counts (core/audit/scorecard.ts), read from the chain and folded as they come: a page of
 * one contract's logs at a time (a province's consents are millions), contracts one after another, each in chain
 * order, as the fold asks. Arguments are read by the core's event layouts where an event's are one-word values
 * (every ConsentRegistry event, GrantIssued: nearly all of a province's logs), as the gateway's indexer reads them;
 * ethers' decoder, about twenty times slower a log, reads the rest and any log a layout declines.
 */
import type { EventFragment, Interface } from "ethers";
import { eventLayout, type EventLayout } from "../../../core/abi/event-layout";
import { SCORECARD_CONTRACTS, ScorecardFold, type ScorecardPeriod } from "../../../core/audit/scorecard";
import type { AuditContext } from "../connect";
import { eventTopics, interfaces } from "../contracts";
import type { RawLog } from "../event-source";

interface Decoder {
  event: EventFragment;
  layout: EventLayout | null;
}

/**
 * A scorecard fold of `period` with every event of the source's range folded in (receipts may be added after). The
 * chain's ConsentWithdrawn names only the department that acted, and a withdrawal counts for the consent's recorder:
 * the ids of the withdrawn consents are read first (their logs alone, the node filtering by topic), so that the fold
 * remembers the recorder of those consents only, not of each of a province's millions.
 */
export async function scorecardFold(ctx: AuditContext, period: ScorecardPeriod): Promise<ScorecardFold> {
  const fold = new ScorecardFold(period, { withdrawnConsents: await withdrawnConsentIds(ctx) });
  await foldScorecardEvents(ctx, fold);
  return fold;
}

/** The ids (lower case) of the consents withdrawn in the source's range. */
async function withdrawnConsentIds(ctx: AuditContext): Promise<Set<string>> {
  const ids = new Set<string>();
  const topics = [eventTopics("ConsentRegistry", ["ConsentWithdrawn"])];
  for await (const logs of ctx.events.logPages(ctx.deployment.contracts.ConsentRegistry, topics))
    // ConsentWithdrawn(subjectRef indexed, consentId indexed, department indexed, evidence).
    for (const log of logs) ids.add(log.topics[2].toLowerCase());
  return ids;
}

async function foldScorecardEvents(ctx: AuditContext, fold: ScorecardFold): Promise<void> {
  for (const contract of SCORECARD_CONTRACTS) {
    const iface = interfaces[contract];
    const decoders = decodersOf(iface);
    for await (const logs of ctx.events.logPages(ctx.deployment.contracts[contract], [])) {
      for (const log of logs) {
        const decoder = decoders.get(log.topics[0]?.toLowerCase() ?? "");
        if (decoder === undefined) continue; // an event of another interface at the same address
        const args = decoder.layout?.(log.topics, log.data) ?? decoded(iface, decoder.event, log);
        fold.add({ contract, name: decoder.event.name, args, time: await ctx.events.blockTime(log.blockNumber) });
      }
    }
  }
}

function decodersOf(iface: Interface): Map<string, Decoder> {
  const decoders = new Map<string, Decoder>();
  iface.forEachEvent((event) => decoders.set(event.topicHash.toLowerCase(), { event, layout: eventLayout(event) }));
  return decoders;
}

function decoded(iface: Interface, event: EventFragment, log: RawLog): Record<string, unknown> {
  return iface.decodeEventLog(event, log.data, log.topics).toObject(true);
}

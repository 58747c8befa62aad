/**
 * The contracts of one Kuajie deployment, by the names the gateway, the indexer, the scripts and the auditor use
 * (the keys of a deployment file's `contracts`).
 */
export const CONTRACT_NAMES = [
  "Consortium",
  "DataCatalog",
  "SharingAgreements",
  "Grants",
  "ConsentRegistry",
  "AccessLedger",
  "WorkingCalendar",
  "DemandRegistry",
  "Objections",
] as const;
export type ContractName = (typeof CONTRACT_NAMES)[number];

import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * Deploys the whole Kuajie system and wires it together:
 * Consortium first; every module takes its address; then the deployer founds the consortium with the founding
 * council department(s), registering the modules that accept council decisions (the WorkingCalendar among them: the
 * council publishes each year's calendar by a `Call` proposal). After founding the deployer has no special power.
 *
 * Parameters (`ignition/parameters/*.json`, or `parameters` when deploying from a script):
 * - `founders`: IConsortium.DepartmentProfile[] (`{id, level, regionCode, parent, councilSeat, code, name}`)
 * - `admins`: the admin operator account of each founder, in the same order
 */
export const KuajieCoreModule = buildModule("KuajieCore", (m) => {
  const consortium = m.contract("Consortium");
  const catalog = m.contract("DataCatalog", [consortium]);
  const calendar = m.contract("WorkingCalendar", [consortium]);
  const agreements = m.contract("SharingAgreements", [consortium, catalog, calendar]);
  const grants = m.contract("Grants", [consortium, agreements]);
  const consents = m.contract("ConsentRegistry", [consortium]);
  const ledger = m.contract("AccessLedger", [consortium]);
  const demands = m.contract("DemandRegistry", [consortium, catalog, calendar]);
  const objections = m.contract("Objections", [consortium, catalog, calendar]);
  return { consortium, catalog, agreements, grants, consents, ledger, calendar, demands, objections };
});

export default buildModule("Kuajie", (m) => {
  const core = m.useModule(KuajieCoreModule);
  const founders = m.getParameter("founders");
  const admins = m.getParameter("admins");
  m.call(
    core.consortium,
    "found",
    [founders, admins, [core.agreements, core.grants, core.consents, core.calendar, core.demands, core.objections]],
    {
      id: "found",
    },
  );
  return core;
});

import type { AuditContext } from "../connect";
import type { Violation } from "../rules";
import { chainOf, type AuditReport } from "../render/model";

/**
 * The report when the chain is not the deployment's: nothing can be verified against it. Each problem is a
 * `wrong_deployment` violation, and so is each receipt handed in (it cannot be verified on this chain).
 */
export function wrongDeploymentReport(
  ctx: AuditContext,
  command: string,
  title: string,
  receiptIds: string[] = [],
): AuditReport {
  const violations: Violation[] = [
    ...ctx.deploymentProblems.map((detail): Violation => ({
      rule: "wrong_deployment",
      subject: ctx.deploymentFile,
      detail,
    })),
    ...receiptIds.map((receiptId): Violation => ({
      rule: "wrong_deployment",
      receiptId,
      detail: `cannot be verified: the chain at ${ctx.rpc} is not the deployment of ${ctx.deploymentFile}`,
    })),
  ];
  return {
    command,
    title,
    chain: chainOf(ctx),
    summary: [["deployment", "the chain does not match the deployment file; nothing else was checked"]],
    violations,
    sections: [],
    data: { deploymentProblems: ctx.deploymentProblems },
  };
}

/** The auditor's rule codes and violations live in core/ (the gateway's exchange check names the same rules). */
export { RULES, type Violation } from "../../core/audit/rules";

import type { Logger } from "pino";

export const ROLES = ["operator", "council", "auditor"] as const;
export type Role = (typeof ROLES)[number];

/** Who may call a route: nobody needs a token (`none`), any valid token, or one of the roles. */
export type AuthLevel = "none" | "operator" | "council" | "auditor" | "any";

/** Who is calling, as established by the auth middleware from the bearer token. */
export interface AuthContext {
  tokenId: number;
  role: Role;
  /** The department the token acts for; null only for an auditor token that is not tied to a department. */
  departmentKey: string | null;
}

declare module "express-serve-static-core" {
  interface Request {
    /** From the x-request-id header when it is well-formed, else generated. */
    id: string;
    /** Child logger carrying the request id. */
    log: Logger;
    auth?: AuthContext;
  }
  interface Locals {
    /** The route template (`/v1/agreements/:id`) of the matched route, for metrics labels. */
    routeTemplate?: string;
  }
}

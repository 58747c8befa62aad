import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { AuthContext } from "../../common/request-context";
import type { SessionStore } from "../../store/sessions";
import type { TokenService } from "./service";

/** `ks_` + base64url of 32 random bytes: the session cookie's value. */
const SESSION_FORMAT = /^ks_[A-Za-z0-9_-]{43}$/;

/** A working day: a clerk signs in once in the morning. */
const SESSION_LIFETIME_MS = 8 * 60 * 60 * 1000;

export interface OpenedSession {
  /** The cookie's value: the only time it exists outside the browser, stored as a SHA-256 hash. */
  sessionId: string;
  csrfToken: string;
  expiresAt: number;
}

export interface ActiveSession {
  auth: AuthContext;
  csrfToken: string;
  expiresAt: number;
}

function hashSession(sessionId: string): Buffer {
  return createHash("sha256").update(sessionId, "utf8").digest();
}

/**
 * The console's sessions: a bearer token exchanged for an expiring session cookie. A session acts with its token's
 * role and department and dies with it (a revoked token ends its sessions at their next request). Each session has
 * its own CSRF token, which the page sends back in a header on every state change: a cross-site form or script can
 * make the browser send the cookie, but cannot read or send that token.
 */
export class SessionService {
  constructor(
    private readonly store: SessionStore,
    private readonly tokens: TokenService,
    private readonly now: () => number = Date.now,
    private readonly lifetimeMs = SESSION_LIFETIME_MS,
  ) {}

  open(auth: AuthContext): OpenedSession {
    const now = this.now();
    this.store.deleteExpired(now);
    const sessionId = `ks_${randomBytes(32).toString("base64url")}`;
    const csrfToken = randomBytes(32).toString("base64url");
    const expiresAt = now + this.lifetimeMs;
    this.store.insert({
      sessionHash: hashSession(sessionId),
      tokenId: auth.tokenId,
      csrfToken,
      createdAt: now,
      expiresAt,
    });
    return { sessionId, csrfToken, expiresAt };
  }

  /** The session behind a cookie value, or null when it is malformed, unknown, expired or its token revoked. */
  verify(sessionId: string): ActiveSession | null {
    if (!SESSION_FORMAT.test(sessionId)) return null;
    const hash = hashSession(sessionId);
    const row = this.store.find(hash);
    if (!row || !timingSafeEqual(row.sessionHash, hash)) return null;
    if (row.expiresAt <= this.now()) {
      this.store.delete(hash);
      return null;
    }
    const auth = this.tokens.activeById(row.tokenId);
    return auth && { auth, csrfToken: row.csrfToken, expiresAt: row.expiresAt };
  }

  /** Whether a presented CSRF token is the session's, compared in constant time. */
  csrfMatches(session: ActiveSession, presented: string | undefined): boolean {
    if (presented === undefined) return false;
    const expected = Buffer.from(session.csrfToken, "utf8");
    const given = Buffer.from(presented, "utf8");
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  close(sessionId: string): void {
    if (SESSION_FORMAT.test(sessionId)) this.store.delete(hashSession(sessionId));
  }
}

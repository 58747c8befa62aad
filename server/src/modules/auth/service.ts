import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { ConflictError, NotFoundError, ValidationError } from "../../common/errors";
import type { AuthContext, Role } from "../../common/request-context";
import { ROLES } from "../../common/request-context";
import type { TokenStore } from "../../store/tokens";

const TOKEN_PREFIX = "kj_";
/** `kj_` + base64url of 32 random bytes. */
const TOKEN_FORMAT = /^kj_[A-Za-z0-9_-]{43}$/;
const DEPARTMENT_KEY_FORMAT = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export interface TokenInfo {
  id: number;
  departmentKey: string | null;
  role: Role;
  label: string;
  createdAt: string;
  revokedAt: string | null;
}

export interface IssuedToken extends TokenInfo {
  /** The only time the plaintext exists outside the caller's hands: it is stored as a SHA-256 hash. */
  token: string;
}

export interface CreateTokenInput {
  departmentKey: string | null;
  role: Role;
  label?: string;
}

function hashToken(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}

/**
 * Issues, checks and revokes bearer tokens. SHA-256 suffices for 256-bit random tokens (no dictionary to try);
 * lookup is by hash, and the stored hash is compared again in constant time so that no code path compares
 * secret material with an early-exit equality.
 */
export class TokenService {
  constructor(
    private readonly store: TokenStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  create(input: CreateTokenInput): IssuedToken {
    if (!ROLES.includes(input.role)) {
      throw new ValidationError(`unknown role`, [{ field: "role", message: `expected one of ${ROLES.join(", ")}` }]);
    }
    if (input.departmentKey !== null && !DEPARTMENT_KEY_FORMAT.test(input.departmentKey)) {
      throw new ValidationError("bad department key", [
        { field: "department", message: "expected a lower-case key such as data-bureau" },
      ]);
    }
    if (input.departmentKey === null && input.role !== "auditor") {
      throw new ValidationError(`${input.role} tokens act for a department`, [
        { field: "department", message: `required for role ${input.role}` },
      ]);
    }
    const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
    const createdAt = this.now().toISOString();
    const label = input.label ?? "";
    const id = this.store.insert({
      tokenHash: hashToken(token),
      departmentKey: input.departmentKey,
      role: input.role,
      createdAt,
      label,
    });
    return { id, token, departmentKey: input.departmentKey, role: input.role, label, createdAt, revokedAt: null };
  }

  revoke(id: number): TokenInfo {
    const row = this.store.get(id);
    if (!row) throw new NotFoundError(`no token with id ${id}`);
    if (!this.store.revoke(id, this.now().toISOString())) {
      throw new ConflictError(`token ${id} is already revoked`);
    }
    return this.info(this.store.get(id) ?? row);
  }

  list(): TokenInfo[] {
    return this.store.list().map((row) => this.info(row));
  }

  /** The caller behind a presented token, or null when it is malformed, unknown or revoked. */
  verify(presented: string): AuthContext | null {
    if (!TOKEN_FORMAT.test(presented)) return null;
    const hash = hashToken(presented);
    const row = this.store.findByHash(hash);
    if (!row || row.tokenHash.length !== hash.length || !timingSafeEqual(row.tokenHash, hash)) return null;
    if (row.revokedAt !== null) return null;
    return { tokenId: row.id, role: row.role, departmentKey: row.departmentKey };
  }

  /** The caller behind a token id (a console session keeps the id), or null once the token is revoked. */
  activeById(id: number): AuthContext | null {
    const row = this.store.get(id);
    if (!row || row.revokedAt !== null) return null;
    return { tokenId: row.id, role: row.role, departmentKey: row.departmentKey };
  }

  private info(row: {
    id: number;
    departmentKey: string | null;
    role: Role;
    label: string;
    createdAt: string;
    revokedAt: string | null;
  }): TokenInfo {
    return {
      id: row.id,
      departmentKey: row.departmentKey,
      role: row.role,
      label: row.label,
      createdAt: row.createdAt,
      revokedAt: row.revokedAt,
    };
  }
}

import { createHmac } from "node:crypto";
import type { RequestHandler, Response } from "express";
import { canonicalJson } from "../../../core/json/canonical-json";
import type { IdempotencyStore } from "../store/idempotency";
import { ConflictError, UnprocessableError, validationErrorFromIssues } from "./errors";
import "./request-context";

export const IDEMPOTENCY_HEADER = "Idempotency-Key";
const REPLAYED_HEADER = "Idempotent-Replayed";
/** 1..255 printable ASCII characters. */
export const IDEMPOTENCY_KEY_FORMAT = /^[\x20-\x7E]{1,255}$/;

class IdempotencyKeyReusedError extends UnprocessableError {
  override readonly code = "idempotency_key_reused";
}

class IdempotencyKeyInFlightError extends ConflictError {
  override readonly code = "idempotency_key_in_flight";
}

export interface IdempotencyOptions {
  /**
   * Key of the HMAC over request bodies. Bodies can hold identity numbers, whose plain SHA-256 could be reversed
   * by trying every number; keyed with the consortium secret (kept out of the database) it cannot.
   */
  hashKey: Uint8Array;
  /** How long a key is remembered; 24 hours by default. */
  ttlMs?: number;
  now?: () => number;
}

/**
 * `Idempotency-Key` on unsafe methods (POST, and PUT/PATCH/DELETE alike): the first response to a key is stored
 * (status, content type, body) before it is sent, and a retry with the same key and the same request gets it
 * back with `Idempotent-Replayed: true`. The same key on a different request is 422; while the first request
 * is still running, 409. Responses of 5xx are not kept, so a retry after a failure runs again. Keys are scoped
 * to the caller's token. Without the header the request runs as usual.
 */
export function idempotency(store: IdempotencyStore, options: IdempotencyOptions): RequestHandler {
  const ttlMs = options.ttlMs ?? 24 * 3600 * 1000;
  const now = options.now ?? Date.now;
  let lastPurge = 0;

  return (req, res, next) => {
    if (req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS") {
      next();
      return;
    }
    const key = req.get(IDEMPOTENCY_HEADER);
    if (key === undefined) {
      next();
      return;
    }
    if (!IDEMPOTENCY_KEY_FORMAT.test(key)) {
      throw validationErrorFromIssues("headers", [
        { path: ["idempotency-key"], message: "expected 1 to 255 printable ASCII characters" },
      ]);
    }
    const at = now();
    if (at - lastPurge > 60_000) {
      lastPurge = at;
      store.purgeOlderThan(at - ttlMs);
    }
    const scope = { tokenId: req.auth?.tokenId ?? 0, key };
    const requestHash = createHmac("sha256", options.hashKey)
      .update(canonicalJson(req.body ?? null), "utf8")
      .digest("hex");
    const begun = store.begin({
      ...scope,
      method: req.method,
      path: req.originalUrl,
      requestHash,
      now: at,
      ttlMs,
    });
    switch (begun.kind) {
      case "mismatch":
        throw new IdempotencyKeyReusedError(
          "this Idempotency-Key was already used for a different request; use a new key for a new request",
        );
      case "in_flight":
        throw new IdempotencyKeyInFlightError(
          "a request with this Idempotency-Key is still being processed; retry later",
          {},
          { retryAfterSeconds: 1 },
        );
      case "completed":
        res.setHeader(REPLAYED_HEADER, "true");
        if (begun.contentType) res.setHeader("Content-Type", begun.contentType);
        res.status(begun.status).send(begun.body);
        return;
      case "started":
        captureFirstResponse(res, store, scope, now);
        next();
        return;
    }
  };
}

function captureFirstResponse(
  res: Response,
  store: IdempotencyStore,
  scope: { tokenId: number; key: string },
  now: () => number,
): void {
  let settled = false;
  const originalSend = res.send.bind(res);
  const send = (chunk?: unknown): Response => {
    // Objects go through res.json, which calls send again with the serialised string: record that call.
    const serialised =
      chunk === undefined || chunk === null
        ? ""
        : typeof chunk === "string"
          ? chunk
          : Buffer.isBuffer(chunk)
            ? chunk.toString("utf8")
            : undefined;
    if (!settled && serialised !== undefined) {
      settled = true;
      if (res.statusCode >= 500) {
        store.release(scope);
      } else {
        const contentType = res.getHeader("Content-Type");
        store.complete(
          scope,
          {
            status: res.statusCode,
            contentType: typeof contentType === "string" ? contentType : null,
            body: serialised,
          },
          now(),
        );
      }
    }
    return originalSend(chunk);
  };
  res.send = send as Response["send"];
  // A response that ended without send (aborted, or written by hand) is not replayable: let a retry run.
  res.on("close", () => {
    if (!settled) {
      settled = true;
      store.release(scope);
    }
  });
}

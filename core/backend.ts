/**
 * The credential of the provider backend protocol (`POST {upstream}/query`): a backend answers only its own
 * department's gateway, which proves itself with a shared secret in this header (docs/FEDERATION.md §3). Shared by the
 * gateway, the demo backends and the benchmark's bare proxy. Pure: constants only.
 */
export const BACKEND_TOKEN_HEADER = "x-kuajie-backend-token";

/**
 * The shared secret of development (`npm start`, tests) on both sides when KUAJIE_BACKEND_TOKEN is unset. Refused in
 * production, where each department sets its own.
 */
export const DEV_BACKEND_TOKEN = "kuajie-dev-backend-token";

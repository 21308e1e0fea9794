/**
 * The gateway's tables of API paths, in one place: which routes are API routes (for CORS), which
 * relayed endpoints make the model work (they wait for a generation slot), and which change the
 * models the server holds (off unless `ALLOW_MODEL_MANAGEMENT`).
 *
 * @module
 */

/** Route patterns a browser on another origin may call when `CORS_ORIGINS` allows it. */
export const API_PATHS = ["/chat_api", "/api/*", "/v1/*"];

/** Relayed endpoints that make the model work (all `POST`: generation and embeddings), per API. */
export const GENERATION_PATHS = {
  ollama: ["/api/generate", "/api/chat", "/api/embed", "/api/embeddings"],
  openai: ["/v1/chat/completions", "/v1/completions", "/v1/embeddings"],
};

/** Endpoints that change which models the server holds (besides `/api/blobs`, for model files). */
export const MODEL_MANAGEMENT_PATHS = [
  "/api/pull",
  "/api/push",
  "/api/create",
  "/api/copy",
  "/api/delete",
];

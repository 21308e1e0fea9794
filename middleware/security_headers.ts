/**
 * Response headers that make the browser an ally: a Content-Security-Policy that runs only the
 * gateway's own scripts and lets only the gateway and Hugging Face frame the page, `nosniff`, and
 * no referrer; plus CORS for the API routes, off unless the operator lists origins.
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { secureHeaders } from "hono/secure-headers";

/**
 * Middleware adding the security headers to every response. `X-Frame-Options` is left out: its
 * only framing choice, `SAMEORIGIN`, blanks the app inside its Hugging Face page; the CSP's
 * `frame-ancestors` says who may frame it instead. (A route must answer with a `Response` of its
 * own: one straight from `fetch` has headers nobody may change, and this would throw.)
 */
export function securityHeaders(): MiddlewareHandler {
  const headers = secureHeaders({
    xFrameOptions: false,
    referrerPolicy: "no-referrer",
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", "data:"],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'self'", "https://huggingface.co", "https://*.hf.space"],
    },
  });
  return function securityHeaders(c, next) {
    return headers(c, next);
  };
}

/**
 * CORS middleware for the API routes, allowing exactly `origins` to call them with a Bearer key
 * (no cookies are involved, so no credentials mode) and to read `Retry-After`.
 */
export function apiCors(origins: string[]): MiddlewareHandler {
  if (origins.length === 0) throw new RangeError("apiCors needs at least one origin");
  const allow = cors({
    origin: origins,
    allowMethods: ["GET", "HEAD", "POST", "OPTIONS"],
    allowHeaders: ["Authorization", "Content-Type"],
    exposeHeaders: ["Retry-After"],
    maxAge: 600,
  });
  return function apiCors(c, next) {
    return allow(c, next);
  };
}

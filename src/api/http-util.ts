/**
 * Small helpers shared by the hub's HTTP routes: JSON answers with a stable error shape
 * ({error: {code, message}}), and a size-limited JSON body reader that never throws on what
 * a client sends (bad bytes become a result with a code, answered 400/413/415).
 */
import type http from 'node:http';
import type { VigilErrorCode } from '../core/errors.ts';

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body, null, 2) + '\n';
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(text);
}

export function sendError(res: http.ServerResponse, status: number, code: VigilErrorCode, message: string, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}): void {
  sendJson(res, status, { error: { code, message, ...extra } }, headers);
}

export type BodyResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly status: 400 | 413 | 415; readonly code: VigilErrorCode; readonly message: string };

/**
 * Reads a JSON request body of at most `maxBytes`. An empty body reads as `{}` (a POST with
 * no parameters). The content type must be JSON when there is a body: a form post from another
 * site (which a browser sends without a CORS preflight) is refused.
 */
export async function readJsonBody(req: http.IncomingMessage, maxBytes: number): Promise<BodyResult> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return { ok: false, status: 413, code: 'VIGIL_HTTP_BODY_TOO_LARGE', message: `body larger than ${maxBytes} bytes` };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) {
        tooLarge = true;
        // Keep draining (without keeping) so the answer can still be written on this connection.
        continue;
      }
      chunks.push(chunk);
    }
  } catch {
    return { ok: false, status: 400, code: 'VIGIL_HTTP_BAD_REQUEST', message: 'request body could not be read' };
  }
  if (tooLarge) return { ok: false, status: 413, code: 'VIGIL_HTTP_BODY_TOO_LARGE', message: `body larger than ${maxBytes} bytes` };
  if (size === 0) return { ok: true, value: {} };
  const type = String(req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    return { ok: false, status: 415, code: 'VIGIL_HTTP_UNSUPPORTED_MEDIA', message: 'send the body as application/json' };
  }
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown };
  } catch {
    return { ok: false, status: 400, code: 'VIGIL_HTTP_BAD_JSON', message: 'body is not valid JSON' };
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

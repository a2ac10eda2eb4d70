// The one way every page talks to the API: the access token goes on each call, a 401
// is answered by one quiet refresh and one retry, and every error becomes an ApiError
// decoded from the JSON google.rpc.Status the gateway returns.
import { ApiError, decodeError, networkError } from "./errors";
import { Session, SESSION_HEADER } from "./session";
import { readJsonStream } from "./stream";

export type Query = Record<string, string | number | boolean | string[] | undefined | null>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** A body sent as it is (a file's bytes), not as JSON. */
  rawBody?: Blob;
  /** Ask for a cookie session (sign-in, sign-up, invitation, refresh, sign-out). */
  cookieSession?: boolean;
  signal?: AbortSignal;
}

export function buildUrl(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === "") continue;
    if (Array.isArray(value)) value.forEach((v) => params.append(key, v));
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export class ApiClient {
  constructor(
    readonly session: Session,
    private readonly fetchFn: typeof fetch = (...args) => globalThis.fetch(...args),
  ) {}

  get<T>(path: string, query?: Query): Promise<T> {
    return this.call<T>("GET", path, { query });
  }

  post<T>(path: string, body: unknown = {}, options: RequestOptions = {}): Promise<T> {
    return this.call<T>("POST", path, { ...options, body });
  }

  patch<T>(path: string, body: unknown, query?: Query): Promise<T> {
    return this.call<T>("PATCH", path, { body, query });
  }

  delete<T>(path: string, query?: Query): Promise<T> {
    return this.call<T>("DELETE", path, { query });
  }

  async call<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.send(method, path, options);
    const text = await response.text();
    return (text ? JSON.parse(text) : {}) as T;
  }

  /** A client-streaming upload: the bytes are the request body, sent as the browser reads
   * them (the gateway streams them on to the service in chunks). */
  upload<T>(path: string, file: Blob, query?: Query): Promise<T> {
    return this.call<T>("POST", path, { query, rawBody: file });
  }

  /** Bytes the API returns as they are (a file's content), not JSON. */
  async blob(path: string): Promise<Blob> {
    return (await this.send("GET", path, {})).blob();
  }

  /** A server-streaming method: each message as it arrives. */
  async *stream<T>(path: string, body: unknown, signal?: AbortSignal): AsyncGenerator<T> {
    const response = await this.send("POST", path, { body, signal });
    if (!response.body) throw new ApiError("The answer had no body.", response.status, 2);
    for await (const item of readJsonStream(response.body)) {
      if (isStatus(item)) throw decodeError(500, item);
      yield item as T;
    }
  }

  private async send(method: string, path: string, options: RequestOptions): Promise<Response> {
    let response = await this.once(method, path, options);
    if (response.status === 401 && this.session.token) {
      // The access token expired or was revoked: one quiet refresh, then one retry.
      if (await this.session.refresh()) response = await this.once(method, path, options);
    }
    if (!response.ok) {
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Not JSON: keep the text.
      }
      if (response.status === 401) this.session.clear();
      throw decodeError(response.status, body);
    }
    return response;
  }

  private async once(method: string, path: string, options: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (options.rawBody !== undefined) headers["content-type"] = "application/octet-stream";
    else if (options.body !== undefined) headers["content-type"] = "application/json";
    const token = this.session.token;
    if (token) headers.authorization = `Bearer ${token}`;
    if (options.cookieSession) headers[SESSION_HEADER] = "cookie";
    try {
      return await this.fetchFn(buildUrl(path, options.query), {
        method,
        headers,
        credentials: "same-origin",
        body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
        signal: options.signal,
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") throw error;
      throw networkError(error);
    }
  }
}

/** A google.rpc.Status sent inside a stream (an error after the first message). */
function isStatus(item: unknown): boolean {
  if (!item || typeof item !== "object") return false;
  const keys = Object.keys(item);
  return (
    keys.includes("code") && keys.includes("message") && !keys.some((k) => ["delta", "tool_call", "done"].includes(k))
  );
}

export const session = new Session();
export const api = new ApiClient(session);

// The browser session: the access token lives in this object's memory only (never in
// localStorage or sessionStorage); the refresh token is an httpOnly cookie the auth
// service sets, which scripts cannot read. A refresh is asked for with the session
// header (the CSRF guard beside SameSite=Strict) and an empty body. Refreshes happen a
// minute before the access token expires, on a 401, and at page load to restore the
// session; however many callers ask at once, one refresh request is in flight.

export const SESSION_HEADER = "X-Tablemesh-Session";
export const REFRESH_PATH = "/api/v1/auth/refresh";

export interface TokenReply {
  access_token: string;
  refresh_token?: string;
  expires_in: number;
}

export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const browserTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Refresh this long before the access token expires; a short-lived token at 3/4 of its
 * life, and never sooner than MIN_DELAY_MS. */
export const REFRESH_MARGIN_MS = 60_000;
const MIN_DELAY_MS = 5_000;

export function refreshDelay(expiresInSeconds: number): number {
  const lifetime = expiresInSeconds * 1000;
  return Math.max(MIN_DELAY_MS, lifetime - REFRESH_MARGIN_MS, lifetime * 0.75);
}

export class Session {
  private accessToken: string | null = null;
  // Only when a server without cookie sessions returns one in the body: kept in memory
  // for this page's life, so quiet refresh still works; a reload then signs out.
  private bodyRefreshToken: string | null = null;
  private timer: unknown = null;
  private inflight: Promise<boolean> | null = null;
  private listeners = new Set<(signedIn: boolean) => void>();

  constructor(
    private readonly fetchFn: typeof fetch = (...args) => globalThis.fetch(...args),
    private readonly timers: Timers = browserTimers,
  ) {}

  get token(): string | null {
    return this.accessToken;
  }

  onChange(listener: (signedIn: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Keeps the tokens of a sign-in, sign-up, invitation or refresh reply. */
  accept(reply: TokenReply): void {
    const wasSignedIn = this.accessToken !== null;
    this.accessToken = reply.access_token;
    if (reply.refresh_token) this.bodyRefreshToken = reply.refresh_token;
    this.schedule(reply.expires_in);
    if (!wasSignedIn) this.emit(true);
  }

  /** Forgets every token (sign-out, or a refresh the server refused). */
  clear(): void {
    const wasSignedIn = this.accessToken !== null;
    this.accessToken = null;
    this.bodyRefreshToken = null;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    if (wasSignedIn) this.emit(false);
  }

  /** A new access token from the refresh cookie; false when there is no session. */
  refresh(): Promise<boolean> {
    if (!this.inflight) {
      this.inflight = this.doRefresh().finally(() => {
        this.inflight = null;
      });
    }
    return this.inflight;
  }

  private async doRefresh(): Promise<boolean> {
    const body = this.bodyRefreshToken ? { refresh_token: this.bodyRefreshToken } : {};
    let response: Response;
    try {
      response = await this.fetchFn(REFRESH_PATH, {
        method: "POST",
        credentials: "same-origin",
        headers: { "content-type": "application/json", [SESSION_HEADER]: "cookie" },
        body: JSON.stringify(body),
      });
    } catch {
      // Offline: keep the session; the next call or the next schedule tries again.
      if (this.accessToken) this.schedule(60);
      return false;
    }
    if (!response.ok) {
      this.clear();
      return false;
    }
    this.accept((await response.json()) as TokenReply);
    return true;
  }

  private schedule(expiresIn: number): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      void this.refresh();
    }, refreshDelay(expiresIn));
  }

  private emit(signedIn: boolean): void {
    for (const listener of this.listeners) listener(signedIn);
  }
}

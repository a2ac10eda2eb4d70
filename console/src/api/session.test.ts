import { describe, expect, it, vi } from "vitest";
import { refreshDelay, REFRESH_PATH, Session, SESSION_HEADER, type Timers } from "./session";

class FakeTimers implements Timers {
  time = 0;
  pending: { at: number; fn: () => void; id: number }[] = [];
  private next = 1;
  now() {
    return this.time;
  }
  setTimeout(fn: () => void, ms: number) {
    const id = this.next++;
    this.pending.push({ at: this.time + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown) {
    this.pending = this.pending.filter((t) => t.id !== handle);
  }
  advance(ms: number) {
    this.time += ms;
    const due = this.pending.filter((t) => t.at <= this.time);
    this.pending = this.pending.filter((t) => t.at > this.time);
    due.forEach((t) => t.fn());
  }
}

function reply(token: string, expiresIn = 900) {
  return new Response(JSON.stringify({ access_token: token, token_type: "Bearer", expires_in: expiresIn }), {
    status: 200,
  });
}

describe("refreshDelay", () => {
  it("refreshes a minute before expiry, a short-lived token at 3/4 of its life", () => {
    expect(refreshDelay(900)).toBe(840_000);
    expect(refreshDelay(60)).toBe(45_000);
    expect(refreshDelay(2)).toBe(5_000);
  });
});

describe("Session", () => {
  it("refreshes with the session header, an empty body and the cookie", async () => {
    const fetchFn = vi.fn(async () => reply("t2"));
    const session = new Session(fetchFn as unknown as typeof fetch, new FakeTimers());
    expect(await session.refresh()).toBe(true);
    expect(session.token).toBe("t2");
    const [path, init] = fetchFn.mock.calls[0] as unknown as [string, RequestInit];
    expect(path).toBe(REFRESH_PATH);
    expect(init.credentials).toBe("same-origin");
    expect((init.headers as Record<string, string>)[SESSION_HEADER]).toBe("cookie");
    expect(init.body).toBe("{}");
  });

  it("sends one refresh however many callers ask at once", async () => {
    let release: (r: Response) => void = () => undefined;
    const fetchFn = vi.fn(() => new Promise<Response>((resolve) => (release = resolve)));
    const session = new Session(fetchFn as unknown as typeof fetch, new FakeTimers());
    const calls = [session.refresh(), session.refresh(), session.refresh()];
    release(reply("t3"));
    expect(await Promise.all(calls)).toEqual([true, true, true]);
    expect(fetchFn).toHaveBeenCalledTimes(1);
    // Once it is over, the next call is a new refresh.
    fetchFn.mockImplementation(async () => reply("t4"));
    await session.refresh();
    expect(fetchFn).toHaveBeenCalledTimes(2);
    expect(session.token).toBe("t4");
  });

  it("schedules the next refresh before the token expires, and keeps doing so", async () => {
    const timers = new FakeTimers();
    const fetchFn = vi.fn(async () => reply("next", 900));
    const session = new Session(fetchFn as unknown as typeof fetch, timers);
    session.accept({ access_token: "first", expires_in: 900 });
    timers.advance(839_000);
    expect(fetchFn).not.toHaveBeenCalled();
    timers.advance(1_000);
    await vi.waitFor(() => expect(session.token).toBe("next"));
    expect(timers.pending).toHaveLength(1);
    expect(timers.pending[0].at).toBe(840_000 + 840_000);
  });

  it("ends the session when the server refuses the refresh", async () => {
    const fetchFn = vi.fn(async () => new Response(JSON.stringify({ code: 16, message: "expired" }), { status: 401 }));
    const timers = new FakeTimers();
    const session = new Session(fetchFn as unknown as typeof fetch, timers);
    const seen: boolean[] = [];
    session.onChange((signedIn) => seen.push(signedIn));
    session.accept({ access_token: "t", expires_in: 900 });
    expect(await session.refresh()).toBe(false);
    expect(session.token).toBeNull();
    expect(seen).toEqual([true, false]);
    expect(timers.pending).toHaveLength(0);
  });

  it("keeps the session through a network failure and tries again later", async () => {
    const fetchFn = vi.fn(async () => {
      throw new TypeError("Failed to fetch");
    });
    const timers = new FakeTimers();
    const session = new Session(fetchFn as unknown as typeof fetch, timers);
    session.accept({ access_token: "t", expires_in: 900 });
    expect(await session.refresh()).toBe(false);
    expect(session.token).toBe("t");
    expect(timers.pending).toHaveLength(1);
  });

  it("never writes a token to web storage", () => {
    const session = new Session(vi.fn() as unknown as typeof fetch, new FakeTimers());
    session.accept({ access_token: "secret", refresh_token: "r", expires_in: 900 });
    expect(typeof localStorage === "undefined" || localStorage.length === 0).toBe(true);
  });
});

import { describe, expect, it, vi } from "vitest";
import { ApiClient, buildUrl } from "./client";
import { ApiError } from "./errors";
import { REFRESH_PATH, Session } from "./session";

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status });

function setup(routes: (path: string, init: RequestInit) => Response | Promise<Response>) {
  const fetchFn = vi.fn(async (path: string, init: RequestInit) => routes(path, init));
  const timers = { now: () => 0, setTimeout: () => 0, clearTimeout: () => undefined };
  const session = new Session(fetchFn as unknown as typeof fetch, timers);
  return { fetchFn, session, client: new ApiClient(session, fetchFn as unknown as typeof fetch) };
}

describe("buildUrl", () => {
  it("repeats list parameters and leaves empty ones out", () => {
    expect(buildUrl("/r", { sort: ["Name", "Hours desc"], page_token: "", filter_by_formula: "{A} = 'x y'" })).toBe(
      "/r?sort=Name&sort=Hours+desc&filter_by_formula=%7BA%7D+%3D+%27x+y%27",
    );
    expect(buildUrl("/r", {})).toBe("/r");
  });
});

describe("ApiClient", () => {
  it("sends the access token", async () => {
    const { client, session, fetchFn } = setup(() => json({ ok: true }));
    session.accept({ access_token: "tok", expires_in: 900 });
    await client.get("/api/v1/bases");
    const init = fetchFn.mock.calls[0][1];
    expect((init.headers as Record<string, string>).authorization).toBe("Bearer tok");
  });

  it("uploads a file as the raw body, its name in the query", async () => {
    const { client, fetchFn } = setup(() => json({ file: { id: "f1" } }));
    const file = new Blob(["a,b\n1,2\n"], { type: "text/csv" });
    await expect(client.upload("/api/v1/files", file, { name: "a b.csv" })).resolves.toEqual({ file: { id: "f1" } });
    const [path, init] = fetchFn.mock.calls[0];
    expect(path).toBe("/api/v1/files?name=a+b.csv");
    expect(init.body).toBe(file);
    expect((init.headers as Record<string, string>)["content-type"]).toBe("application/octet-stream");
  });

  it("answers a 401 with one refresh and one retry", async () => {
    const { client, session, fetchFn } = setup((path, init) => {
      if (path === REFRESH_PATH) return json({ access_token: "new", expires_in: 900 });
      const auth = (init.headers as Record<string, string>).authorization;
      return auth === "Bearer new" ? json({ bases: [] }) : json({ code: 16, message: "token expired" }, 401);
    });
    session.accept({ access_token: "old", expires_in: 900 });
    await expect(client.get("/api/v1/bases")).resolves.toEqual({ bases: [] });
    expect(fetchFn.mock.calls.map((c) => c[0])).toEqual(["/api/v1/bases", REFRESH_PATH, "/api/v1/bases"]);
  });

  it("refreshes once for many calls refused at once", async () => {
    const { client, session, fetchFn } = setup((path, init) => {
      if (path === REFRESH_PATH) return json({ access_token: "new", expires_in: 900 });
      const auth = (init.headers as Record<string, string>).authorization;
      return auth === "Bearer new" ? json({}) : json({ code: 16, message: "expired" }, 401);
    });
    session.accept({ access_token: "old", expires_in: 900 });
    await Promise.all([client.get("/a"), client.get("/b"), client.get("/c")]);
    expect(fetchFn.mock.calls.filter((c) => c[0] === REFRESH_PATH)).toHaveLength(1);
  });

  it("signs out when the refresh is refused too", async () => {
    const { client, session } = setup(() => json({ code: 16, message: "no session" }, 401));
    session.accept({ access_token: "old", expires_in: 900 });
    await expect(client.get("/a")).rejects.toBeInstanceOf(ApiError);
    expect(session.token).toBeNull();
  });

  it("throws the decoded Status of a refused call", async () => {
    const { client } = setup(() => json({ code: 5, message: "base appX not found" }, 404));
    const error = (await client.get("/a").catch((e) => e)) as ApiError;
    expect(error.message).toBe("base appX not found");
    expect(error.codeName).toBe("NOT_FOUND");
  });

  it("asks for a cookie session where told", async () => {
    const { client, fetchFn } = setup(() => json({}));
    await client.post("/api/v1/auth/login", { email: "a" }, { cookieSession: true });
    const headers = fetchFn.mock.calls[0][1].headers as Record<string, string>;
    expect(headers["X-Tablemesh-Session"]).toBe("cookie");
  });

  it("streams events and turns a Status inside the stream into an error", async () => {
    const { client } = setup(
      () => new Response('{"delta":"Hel"}\n{"delta":"lo"}\n{"code":8,"message":"budget exhausted"}\n'),
    );
    const seen: unknown[] = [];
    const run = async () => {
      for await (const event of client.stream("/api/v1/chat:stream", {})) seen.push(event);
    };
    await expect(run()).rejects.toThrow("budget exhausted");
    expect(seen).toEqual([{ delta: "Hel" }, { delta: "lo" }]);
  });
});

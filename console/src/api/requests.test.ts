// The requests the workspace and base calls send: method, path, query and JSON body, read
// from the fetch the shared client makes (no token: nobody is signed in here).
import { afterEach, describe, expect, it, vi } from "vitest";
import { addMember, linkBase, listLinkedBases, listMembers, removeMember, unlinkBase, updateMemberRole } from "./admin";
import { createBase } from "./tables";

interface Sent {
  method: string;
  url: string;
  body: unknown;
}

function answering(reply: unknown): Sent[] {
  const sent: Sent[] = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const body = typeof init?.body === "string" ? JSON.parse(init.body) : init?.body;
    sent.push({ method: init?.method ?? "GET", url: String(input), body });
    return new Response(JSON.stringify(reply), { status: 200 });
  });
  return sent;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("createBase", () => {
  it("names the workspace the base goes into", async () => {
    const sent = answering({ base: { id: "appAAAAAAAAAAAAAA", name: "Plans", backend: "local" } });
    const reply = await createBase("Plans", "ws-1");
    expect(reply.base.id).toBe("appAAAAAAAAAAAAAA");
    expect(sent).toHaveLength(1);
    expect(sent[0].method).toBe("POST");
    expect(sent[0].url).toBe("/api/v1/bases");
    expect(sent[0].body).toMatchObject({
      name: "Plans",
      workspace_id: "ws-1",
      tables: [{ name: "Table 1", fields: [{ name: "Name", type: "singleLineText" }] }],
    });
    expect((sent[0].body as { request_id: string }).request_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("sends an empty workspace_id for a base in no workspace", async () => {
    const sent = answering({ base: { id: "appB", name: "Loose", backend: "local" } });
    await createBase("Loose", "");
    expect(sent[0].body).toMatchObject({ name: "Loose", workspace_id: "" });
  });

  it("gives each attempt its own request id", async () => {
    const sent = answering({ base: { id: "appC", name: "x", backend: "local" } });
    await createBase("x", "ws-1");
    await createBase("x", "ws-1");
    const [a, b] = sent.map((s) => (s.body as { request_id: string }).request_id);
    expect(a).not.toBe(b);
  });
});

describe("workspace members", () => {
  it("lists a workspace's members a page of 100", async () => {
    const sent = answering({ members: [{ user_id: "u1", role: "owner" }] });
    await expect(listMembers("ws 1")).resolves.toEqual([{ user_id: "u1", role: "owner" }]);
    expect(sent[0]).toEqual({ method: "GET", url: "/api/v1/workspaces/ws%201/members?page_size=100", body: undefined });
  });

  it("adds a member with a role and a request id", async () => {
    const sent = answering({ member: { user_id: "u2", role: "member" } });
    await addMember("ws-1", "u2", "member");
    expect(sent[0].method).toBe("POST");
    expect(sent[0].url).toBe("/api/v1/workspaces/ws-1/members");
    expect(sent[0].body).toMatchObject({ user_id: "u2", role: "member" });
  });

  it("changes a member's role with a PATCH of the role alone", async () => {
    const sent = answering({ member: { user_id: "u2", role: "viewer" } });
    const reply = await updateMemberRole("ws-1", "u2", "viewer");
    expect(reply.member.role).toBe("viewer");
    expect(sent[0]).toEqual({ method: "PATCH", url: "/api/v1/workspaces/ws-1/members/u2", body: { role: "viewer" } });
  });

  it("removes a member", async () => {
    const sent = answering({});
    await removeMember("ws-1", "u/2");
    expect(sent[0]).toEqual({ method: "DELETE", url: "/api/v1/workspaces/ws-1/members/u%2F2", body: undefined });
  });
});

describe("linked bases", () => {
  it("lists the bases linked to a workspace", async () => {
    const linked = [{ base_id: "appAAAAAAAAAAAAAA", linked_by: "u1" }];
    const sent = answering({ linked_bases: linked });
    await expect(listLinkedBases("ws-1")).resolves.toEqual(linked);
    expect(sent[0]).toEqual({ method: "GET", url: "/api/v1/workspaces/ws-1/bases?page_size=100", body: undefined });
  });

  it("reads a workspace with no linked bases as an empty list", async () => {
    answering({});
    await expect(listLinkedBases("ws-1")).resolves.toEqual([]);
  });

  it("links a base by its id in the body", async () => {
    const sent = answering({ linked_base: { base_id: "appAAAAAAAAAAAAAA" } });
    await linkBase("ws-1", "appAAAAAAAAAAAAAA");
    expect(sent[0]).toEqual({
      method: "POST",
      url: "/api/v1/workspaces/ws-1/bases",
      body: { base_id: "appAAAAAAAAAAAAAA" },
    });
  });

  it("unlinks a base by its id in the path", async () => {
    const sent = answering({});
    await unlinkBase("ws-1", "appAAAAAAAAAAAAAA");
    expect(sent[0]).toEqual({
      method: "DELETE",
      url: "/api/v1/workspaces/ws-1/bases/appAAAAAAAAAAAAAA",
      body: undefined,
    });
  });

  it("turns a refused link into the API's message", async () => {
    vi.spyOn(globalThis, "fetch").mockResolvedValue(
      new Response(
        JSON.stringify({
          code: 9,
          message: "base appAAAAAAAAAAAAAA belongs to workspace Ops; unlink it there first",
        }),
        { status: 400 },
      ),
    );
    await expect(linkBase("ws-1", "appAAAAAAAAAAAAAA")).rejects.toMatchObject({
      message: "base appAAAAAAAAAAAAAA belongs to workspace Ops; unlink it there first",
      codeName: "FAILED_PRECONDITION",
    });
  });
});

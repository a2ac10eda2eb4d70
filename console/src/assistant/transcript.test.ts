import { describe, expect, it } from "vitest";
import { applyEvent, turnsFromHistory, type Turn } from "./transcript";

describe("applyEvent", () => {
  it("writes deltas and tool calls into the answer being streamed", () => {
    let turns: Turn[] = [
      { role: "user", text: "hi", toolCalls: [] },
      { role: "assistant", text: "", toolCalls: [] },
    ];
    turns = applyEvent(turns, { tool_call: { name: "list_tables", arguments: {}, result: "[]" } }).turns;
    turns = applyEvent(turns, { delta: "Hel" }).turns;
    turns = applyEvent(turns, { delta: "lo" }).turns;
    const final = applyEvent(turns, { done: { session_id: "s1", message: "Hello" } });
    expect(final.done?.session_id).toBe("s1");
    expect(final.turns[1]).toEqual({
      role: "assistant",
      text: "Hello",
      toolCalls: [{ name: "list_tables", arguments: {}, result: "[]" }],
    });
  });
});

describe("turnsFromHistory", () => {
  it("joins a tool-calling step and the answer into one turn and skips tool messages", () => {
    const turns = turnsFromHistory([
      { id: "1", role: "user", content: "q" },
      { id: "2", role: "assistant", content: "", tool_calls: [{ name: "get_records" }] },
      { id: "3", role: "tool", content: "{}" },
      { id: "4", role: "assistant", content: "a" },
    ]);
    expect(turns).toEqual([
      { role: "user", text: "q", toolCalls: [] },
      { role: "assistant", text: "a", toolCalls: [{ name: "get_records" }] },
    ]);
  });
});

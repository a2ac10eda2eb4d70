// The conversation as the page shows it, built from streamed events or from history.
import type { ChatDone, ChatMessage, StreamEvent, ToolCall } from "../api/chat";

export interface Turn {
  role: "user" | "assistant";
  text: string;
  toolCalls: ToolCall[];
}

/** The transcript after one streamed event: the last turn is the answer being written. */
export function applyEvent(turns: Turn[], event: StreamEvent): { turns: Turn[]; done?: ChatDone } {
  const last = turns[turns.length - 1];
  if (!last || last.role !== "assistant") return { turns };
  const head = turns.slice(0, -1);
  if ("delta" in event) return { turns: [...head, { ...last, text: last.text + event.delta }] };
  if ("tool_call" in event) return { turns: [...head, { ...last, toolCalls: [...last.toolCalls, event.tool_call] }] };
  if ("done" in event) {
    const text = event.done.message || last.text;
    const toolCalls = last.toolCalls.length ? last.toolCalls : (event.done.tool_calls ?? []);
    return { turns: [...head, { ...last, text, toolCalls }], done: event.done };
  }
  return { turns };
}

/** A stored session's messages as turns; tool messages are shown in the assistant's cards. */
export function turnsFromHistory(messages: ChatMessage[]): Turn[] {
  const turns: Turn[] = [];
  for (const message of messages) {
    if (message.role === "user") turns.push({ role: "user", text: message.content, toolCalls: [] });
    else if (message.role === "assistant") {
      const last = turns[turns.length - 1];
      const calls = message.tool_calls ?? [];
      // A tool-calling step and the final answer are one turn on screen.
      if (last?.role === "assistant") {
        turns[turns.length - 1] = {
          ...last,
          text: last.text + message.content,
          toolCalls: [...last.toolCalls, ...calls],
        };
      } else turns.push({ role: "assistant", text: message.content, toolCalls: calls });
    }
  }
  return turns;
}

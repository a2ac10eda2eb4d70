import { describe, expect, it } from "vitest";
import { JsonStreamSplitter, readJsonStream } from "./stream";

const events = [
  { tool_call: { name: "list_tables", arguments: { base_id: "app1" }, result: '{"tables": [{"name": "a}b"}]}' } },
  { delta: 'He said "hi" \\ {not an object}' },
  { delta: "ünïcødé ✓" },
  { done: { session_id: "s1", message: "done" } },
];

function chunksOf(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

describe("JsonStreamSplitter", () => {
  const ndjson = events.map((e) => JSON.stringify(e)).join("\n") + "\n";
  const array = `[${events.map((e) => JSON.stringify(e)).join(",\n")}]`;

  for (const [name, text] of [
    ["newline-delimited", ndjson],
    ["a JSON array", array],
  ] as const) {
    it(`finds every object of ${name} whatever the chunk boundaries`, () => {
      for (const size of [1, 2, 3, 7, 64, text.length]) {
        const splitter = new JsonStreamSplitter();
        const found = chunksOf(text, size).flatMap((chunk) => splitter.push(chunk));
        expect(found).toEqual(events);
        expect(splitter.incomplete).toBe(false);
      }
    });
  }

  it("says when the input ended inside an object", () => {
    const splitter = new JsonStreamSplitter();
    expect(splitter.push('{"delta": "a"}{"delta": "b')).toEqual([{ delta: "a" }]);
    expect(splitter.incomplete).toBe(true);
  });
});

describe("readJsonStream", () => {
  function body(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
    return new ReadableStream({
      start(controller) {
        chunks.forEach((c) => controller.enqueue(c));
        controller.close();
      },
    });
  }

  it("decodes UTF-8 split inside a character", async () => {
    const bytes = new TextEncoder().encode(JSON.stringify({ delta: "✓é" }) + "\n");
    const split = [bytes.slice(0, 12), bytes.slice(12, 13), bytes.slice(13)];
    const out: unknown[] = [];
    for await (const item of readJsonStream(body(split))) out.push(item);
    expect(out).toEqual([{ delta: "✓é" }]);
  });

  it("fails when the stream stops in the middle of an object", async () => {
    const bytes = new TextEncoder().encode('{"delta": "a"}\n{"delta"');
    const read = async () => {
      for await (const _ of readJsonStream(body([bytes]))) void _;
    };
    await expect(read()).rejects.toThrow(/stopped in the middle/);
  });
});

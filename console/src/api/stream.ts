// Reading a server-streaming REST response. Envoy's transcoder sends a stream either as
// newline-delimited JSON objects or as one JSON array written piece by piece; chunks may
// cut an object anywhere. JsonStreamSplitter finds each complete top-level object.

export class JsonStreamSplitter {
  private buffer = "";
  private depth = 0;
  private inString = false;
  private escaped = false;
  private start = -1;
  private scanned = 0;

  /** Feeds text; returns the objects completed by it, parsed. */
  push(text: string): unknown[] {
    this.buffer += text;
    const out: unknown[] = [];
    for (let i = this.scanned; i < this.buffer.length; i++) {
      const ch = this.buffer[i];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (ch === "\\") this.escaped = true;
        else if (ch === '"') this.inString = false;
        continue;
      }
      if (ch === '"') this.inString = true;
      else if (ch === "{") {
        if (this.depth === 0) this.start = i;
        this.depth++;
      } else if (ch === "}") {
        this.depth--;
        if (this.depth === 0 && this.start >= 0) {
          out.push(JSON.parse(this.buffer.slice(this.start, i + 1)));
          this.start = -1;
        }
      }
    }
    if (this.depth === 0) {
      // Nothing open: what was read is done with (array brackets, commas, newlines).
      this.buffer = "";
      this.scanned = 0;
    } else {
      this.buffer = this.buffer.slice(this.start);
      this.scanned = this.buffer.length;
      this.start = 0;
    }
    return out;
  }

  /** True when the input ended inside an object. */
  get incomplete(): boolean {
    return this.depth !== 0;
  }
}

/** Every object of a streamed body, as it arrives. */
export async function* readJsonStream(body: ReadableStream<Uint8Array>): AsyncGenerator<unknown> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const splitter = new JsonStreamSplitter();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* splitter.push(decoder.decode(value, { stream: true }));
    }
    yield* splitter.push(decoder.decode());
    if (splitter.incomplete) throw new Error("The answer stopped in the middle; retry.");
  } finally {
    reader.releaseLock();
  }
}

/** One part of a multipart/form-data body. */
export interface FormPart {
  name: string;
  filename: string | null;
  data: Buffer;
}

/** Parses a buffered multipart/form-data body; undefined when the content type has no boundary. */
export function parseMultipart(contentType: string | undefined, body: Buffer): FormPart[] | undefined {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? "");
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) return undefined;
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: FormPart[] = [];
  let pos = body.indexOf(delimiter);
  while (pos !== -1) {
    const start = pos + delimiter.length;
    if (body.subarray(start, start + 2).toString() === "--") break;
    const next = body.indexOf(delimiter, start);
    if (next === -1) break;
    const raw = body.subarray(start + 2, next - 2); // skip CRLF after the delimiter and before the next one
    const headerEnd = raw.indexOf("\r\n\r\n");
    if (headerEnd !== -1) {
      const headers = raw.subarray(0, headerEnd).toString("utf8");
      const name = /name="([^"]*)"/i.exec(headers)?.[1] ?? "";
      const filename = /filename="([^"]*)"/i.exec(headers)?.[1] ?? null;
      parts.push({ name, filename, data: Buffer.from(raw.subarray(headerEnd + 4)) });
    }
    pos = next;
  }
  return parts;
}

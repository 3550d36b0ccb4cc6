/** A CSV document as a header row and data rows of strings. */
export interface CsvTable {
  header: string[];
  rows: string[][];
}

/** A CSV text that cannot be parsed; `line` is 1-based. */
export class CsvError extends Error {
  readonly code = "CSV_INVALID";
  readonly retryable = false;
  constructor(readonly line: number, reason: string) {
    super(`csv line ${line}: ${reason}`);
    this.name = "CsvError";
  }
}

/**
 * Parses RFC 4180 CSV: comma separated, fields optionally in double quotes, `""` inside quotes
 * is a quote, quoted fields may hold commas and newlines; CRLF or LF line ends; blank lines skipped.
 */
export function parseCsv(text: string): CsvTable {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  let fieldStarted = false;
  let line = 1;
  const endField = (): void => { record.push(field); field = ""; fieldStarted = false; };
  const endRecord = (): void => {
    endField();
    if (!(record.length === 1 && record[0] === "")) records.push(record);
    record = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') { field += '"'; i++; } else quoted = false;
      } else {
        if (c === "\n") line++;
        field += c;
      }
      continue;
    }
    if (c === '"') {
      if (fieldStarted || field !== "") throw new CsvError(line, "quote inside an unquoted field");
      quoted = true;
      fieldStarted = true;
    } else if (c === ",") endField();
    else if (c === "\n") { endRecord(); line++; }
    else if (c === "\r") { if (text[i + 1] !== "\n") throw new CsvError(line, "bare carriage return"); }
    else field += c;
  }
  if (quoted) throw new CsvError(line, "unterminated quoted field");
  if (field !== "" || fieldStarted || record.length > 0) endRecord();
  const [header, ...rows] = records;
  if (!header) throw new CsvError(1, "no header row");
  rows.forEach((row, i) => {
    if (row.length !== header.length) throw new CsvError(i + 2, `expected ${header.length} fields, got ${row.length}`);
  });
  return { header: header.map((h) => h.trim()), rows };
}

/** Quotes a field when it holds a comma, quote or line break. */
export function csvField(value: string | number | boolean | null): string {
  const s = value === null ? "" : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Writes a header and rows as CSV text with LF line ends. */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number | boolean | null)[])[]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(",")).join("\n") + "\n";
}

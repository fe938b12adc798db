/** A JSON object from text that may be anything (a peer's answer, a request body), or null when it is not one. */
export type JsonObject = { [name: string]: unknown };

export function parseJsonObject(text: string): JsonObject | null {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : null;
  } catch (e) {
    return null;
  }
}

/** A JSON array from text that may be anything, or null when it is not one. */
export function parseJsonArray(text: string): unknown[] | null {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value : null;
  } catch (e) {
    return null;
  }
}

// njs 0.7.9 provides TextDecoder (WHATWG Encoding) but njs-types 0.7.12 does not declare it.
declare class TextDecoder {
  constructor(encoding?: string, options?: { fatal?: boolean });
  decode(input?: Uint8Array): string;
}

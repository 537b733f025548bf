/** Types of test/fake-flyctl/parse-secrets-import.mjs (exact port of flyctl's secrets import parser). */

/** bufio.MaxScanTokenSize (a line of this many bytes or more ends the input). */
export declare const MAX_SCAN_TOKEN_SIZE: number;

/** "Secrets must be provided as NAME=VALUE pairs (<line> is invalid)" */
export declare class SecretsParseError extends Error {
  constructor(message: string);
}

/** A Go runtime panic in flyctl (e.g. a value that is a lone `"`): flyctl crashes with exit 2. */
export declare class GoPanic extends Error {
  constructor(message: string);
}

/** Go's strings.TrimSpace. */
export declare function goTrimSpace(s: string): string;

/** bufio.Scanner + ScanLines over bytes; tooLong: a >= 64 KiB line stopped the scan. */
export declare function scanLines(buf: Buffer): { lines: string[]; tooLong: boolean };

export declare function parseSecretsImportDetailed(input: string | Uint8Array): {
  secrets: Record<string, string>;
  /** a line of >= 64 KiB silently ended the input */
  tooLong: boolean;
  /** key of an unterminated (silently dropped) multi-line value */
  unterminated: string | null;
};

/** NAME -> value exactly as flyctl would send them. Throws SecretsParseError or GoPanic. */
export declare function parseSecretsImport(input: string | Uint8Array): Record<string, string>;

/**
 * The shapes of docs/lsp.md, as TypeScript types. Split as server/aisci/lsp/wire/ is: the quick
 * commands' answers (protocol/answers.ts), the long commands' results (protocol/results.ts) and
 * the notifications (protocol/notes.ts), re-exported here so callers import from one place.
 * This module keeps what the wire package does not declare: the proposal request the server sends
 * (§5) and the JSON-RPC error codes (§2).
 *
 * tests/lsp/test_wire.py checks each interface of these files that has a wire type's name against
 * the schema derived from it (its fields, which are optional, and their basic types), and every
 * answer, result and notification the LSP tests receive is validated against that schema. A field
 * is optional (`?`) only where the server leaves it out; `| null` where it sends null. Keep each
 * field on one line: the test reads these files.
 */

export * from "./protocol/answers";
export * from "./protocol/results";
export * from "./protocol/notes";

/** The request `aisci/reviewProposal` (§5): the server asks which way an AI edit goes. */
export interface ReviewProposalParams {
  id: string;
  folder: string;
  file: string;
  uri: string;
  description: string;
  stage: string;
  original: string;
  proposed: string;
  diff?: string;
  job?: string;
  /** A folder proposal (a drafted template): `file` names the folder, these are its files. */
  files?: ProposedFileParams[];
}

/** One file of a folder proposal, relative to the proposed folder. */
export interface ProposedFileParams {
  file: string;
  uri: string;
  original: string;
  proposed: string;
}

/** The client's answer to `aisci/reviewProposal` (`files`: a folder proposal's edited files). */
export type ProposalAnswer =
  | { action: "accept" }
  | { action: "edit"; text: string }
  | { action: "edit"; files: { file: string; text: string }[] }
  | { action: "reject"; reason: string };

/** JSON-RPC error codes of docs/lsp.md §2. */
export const ErrorCode = {
  InvalidParams: -32602,
  StageFailed: -32001,
  Busy: -32002,
  Restricted: -32004,
  RequestCancelled: -32800,
} as const;

/** What a CLI command may touch: its streams, the working folder and facts about the build. */
export interface CliIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  cwd: string;
  outIsTty: boolean;
  errIsTty: boolean;
  version: string;
  /** Base URL of the rule docs, for SARIF `helpUri`. */
  docsBase: string;
}

/** A mistake in how the command was called: exit status 2 with the message and a hint. */
export class UsageError extends Error {}

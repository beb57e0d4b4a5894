/** A failure the CLI reports in one line, with its exit code (1: the operation failed, 2: bad arguments). */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: 1 | 2) {
    super(message);
  }
}

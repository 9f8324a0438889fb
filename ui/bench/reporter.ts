import type { FullResult, Reporter, TestCase, TestResult } from "@playwright/test/reporter";

/** Only the bench's JSON line goes to stdout (for bench/compare_baseline.py); the rest of
 * what the test and the server print, and any failure, go to stderr. */
export default class BenchReporter implements Reporter {
  onStdOut(chunk: string | Buffer): void {
    for (const line of chunk.toString().split("\n")) {
      if (line.startsWith('{"bench"')) process.stdout.write(`${line}\n`);
      else if (line.trim()) process.stderr.write(`${line}\n`);
    }
  }

  onStdErr(chunk: string | Buffer): void {
    process.stderr.write(chunk);
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    if (result.status !== "passed") {
      process.stderr.write(`${test.title}: ${result.status}\n`);
      for (const error of result.errors) process.stderr.write(`${error.stack ?? error.message ?? ""}\n`);
    }
  }

  onError(error: { message?: string; stack?: string }): void {
    process.stderr.write(`${error.stack ?? error.message ?? ""}\n`);
  }

  onEnd(result: FullResult): void {
    process.stderr.write(`console bench: ${result.status}\n`);
  }

  printsToStdio(): boolean {
    return true;
  }
}

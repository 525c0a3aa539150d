/**
 * How often a crashed language server is restarted.
 *
 * Contract: `CrashPolicy.onCrash(lastError)` is called each time the server's connection
 * closes without us stopping it; it answers restart (with a message "restarting, n of max")
 * while fewer than `maxRestarts` crashes happened within `windowMs`, and stop otherwise,
 * with a message that says how many crashes, in what time, why (exit status, last error)
 * and what to do. `reset()` is called on a deliberate (re)start. Pure: the clock is injected.
 */

export interface CrashDecision {
  readonly restart: boolean;
  readonly message: string;
}

export class CrashPolicy {
  private crashes: number[] = [];

  constructor(
    readonly maxRestarts = 3,
    readonly windowMs = 3 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  reset(): void {
    this.crashes = [];
  }

  /** `reason`: what is known of why, e.g. `exited with code 3; last error: "..."`. */
  onCrash(reason?: string, what = "The AI Scientist server"): CrashDecision {
    const t = this.now();
    this.crashes = this.crashes.filter((c) => t - c < this.windowMs);
    this.crashes.push(t);
    const why = reason ? ` (${reason})` : "";
    if (this.crashes.length <= this.maxRestarts) {
      return {
        restart: true,
        message: `${what} stopped unexpectedly${why}; restarting it (${this.crashes.length} of ${this.maxRestarts}).`,
      };
    }
    const minutes = Math.round(this.windowMs / 60_000);
    return {
      restart: false,
      message:
        `${what} crashed ${this.crashes.length} times within ${minutes} minutes${why}, so it is not restarted again. ` +
        `Fix the cause shown in the logs, then run "AI Scientist: Restart Server".`,
    };
  }
}

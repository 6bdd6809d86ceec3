/**
 * Exit codes, in one place. Compatibility promise: once released, a code keeps
 * its meaning; new situations get new numbers. Scripts may rely on these.
 */
export const EXIT = {
  ok: 0,
  /** Anything not covered below. */
  error: 1,
  /** Bad flags or arguments, or input a non-interactive run needed but did not get. */
  usage: 2,
  /** No set-up here: run `ma-auth init`. */
  notInitialised: 3,
  /** The data key is missing, unusable, or not the key that sealed the store. */
  keyProblem: 4,
  /** Refused to overwrite an existing set-up. */
  alreadyInitialised: 5,
  /** A pairing or wait expired or timed out. */
  timeout: 6,
  /** A pairing or approval was denied. */
  denied: 7,
  /** The store is damaged, or was written by a newer ma-auth. */
  storeProblem: 8,
  /**
   * `ma-auth doctor` found at least one problem (each printed with its fix).
   * Its own code, so a health check (cron, a container HEALTHCHECK) can tell
   * "the install needs attention" from "doctor could not run" (1) or bad flags (2).
   */
  doctorProblems: 9,
  /** Interrupted (Ctrl-C): 128 + SIGINT, as shells report it. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

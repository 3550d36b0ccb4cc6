/**
 * Whether a held job still has enough of its token and timeout left to be worth handing down.
 *
 * GitLab's job token expires max(60 s, timeout) + 5 min after the pick (lib/ci/job_token/jwt.rb
 * `expire_time`), and gitlab-runner gets the timeout minus the hold. A job handed down with little of
 * either left fails late and obscurely (job_token_expired on its final update, or a timeout after a
 * second of work), so it is failed upstream instead while its token still works. Pure.
 */
export interface RunTimeLeft {
  /** Seconds of run time the job would still have on a runner: its timeout (60 s without one) minus the hold. */
  secondsLeft: number;
  /** The least it must have: `minRunSecondsLeft`, but never more than half its timeout (a short job stays placeable). */
  secondsNeeded: number;
  tooLate: boolean;
}

/** GitLab's token lifetime for a job it sends without a timeout (JSONWebToken::Token::DEFAULT_EXPIRE_TIME). */
const UNTIMED_TOKEN_SECONDS = 60;

export function runTimeLeft(timeoutSeconds: number | null | undefined, heldMs: number, minRunSecondsLeft: number): RunTimeLeft {
  const budget = typeof timeoutSeconds === "number" && timeoutSeconds > 0 ? timeoutSeconds : UNTIMED_TOKEN_SECONDS;
  const secondsLeft = budget - heldMs / 1000;
  const secondsNeeded = Math.min(minRunSecondsLeft, budget / 2);
  return { secondsLeft, secondsNeeded, tooLate: secondsLeft < secondsNeeded };
}

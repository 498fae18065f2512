// The answer to a lost race for a unique value. Checking "is this name free?"
// before inserting cannot rule out a concurrent writer taking it between the
// check and the write; the unique index then refuses the loser, and the loser
// must get the same answer as if it had come second (a TAKEN userError, or a
// retry), never a server error.
import { isUniqueViolation } from "./errors.js";

/** Runs `run` (typically a whole transaction); a unique violation it throws is answered by `answer` instead. */
export async function answerUniqueViolation<T>(run: () => Promise<T>, answer: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isUniqueViolation(error)) return answer();
    throw error;
  }
}

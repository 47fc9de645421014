import {
  FaastlaneError,
  InputValidationError,
  IsolationViolationError,
  StepFailedError,
  WorkflowCancelledError,
  WorkflowValidationError,
} from '../errors.js';
import { asIsolationViolation } from '../domains/manager.js';

// What a step threw, as the typed error its run reports; and which of those are worth a retry.

/**
 * Typed errors pass through; a refused access to another protection domain's memory becomes an
 * `IsolationViolationError`; anything else thrown by user code becomes a `StepFailedError`.
 */
export function asStepError(error: unknown, path: string, attempt: number): FaastlaneError {
  if (error instanceof FaastlaneError) return error;
  return asIsolationViolation(error, path) ?? new StepFailedError(path, attempt, error);
}

/**
 * Invalid input and cancellation fail the same way every time: retrying them only wastes time. An
 * isolation violation is not retried either: it would only repeat the attempt on another domain.
 */
export function isRetriable(error: FaastlaneError): boolean {
  return !(
    error instanceof InputValidationError ||
    error instanceof WorkflowCancelledError ||
    error instanceof WorkflowValidationError ||
    error instanceof IsolationViolationError
  );
}

/** Why the other branches of a group stop when one fails: they report this, not the sibling's own error. */
export function siblingFailed(workflow: string, error: unknown, groupPath: string): WorkflowCancelledError {
  const failed = error instanceof FaastlaneError && error.stepPath ? error.stepPath : 'a branch';
  return new WorkflowCancelledError(workflow, `${failed} failed, so its siblings in ${groupPath} were stopped`, groupPath);
}

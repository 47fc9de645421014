/**
 * Every failure the SDK reports is one of these typed errors. Each names the step path it happened at
 * (`ml-prediction/parallel[1]/Render`) so that a user can find the step without reading a stack trace.
 */

/** One problem found in a workflow graph. */
export interface ValidationProblem {
  /** Step path of the offending node (the workflow name for problems of the whole graph). */
  readonly path: string;
  readonly message: string;
}

/** One property of a step input that failed class-validator. */
export interface InputViolation {
  /** Dotted property path inside the input, e.g. `image.width`; empty for the input itself. */
  readonly property: string;
  /** The constraint names that failed and their messages, as class-validator reports them. */
  readonly constraints: Readonly<Record<string, string>>;
}

/** Base class of all errors raised by Faastlane. */
export abstract class FaastlaneError extends Error {
  /** A stable, machine-readable code. */
  abstract readonly code: string;
  /** The step path the error belongs to, when it belongs to a step. */
  readonly stepPath: string | undefined;

  protected constructor(message: string, stepPath?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.stepPath = stepPath;
  }
}

/** The workflow graph is invalid. Lists every problem found, not only the first. */
export class WorkflowValidationError extends FaastlaneError {
  readonly code = 'WORKFLOW_INVALID';
  readonly problems: readonly ValidationProblem[];

  constructor(problems: readonly ValidationProblem[]) {
    const first = problems[0];
    super(
      problems.length === 1 && first
        ? `Invalid workflow: ${first.path}: ${first.message}`
        : `Invalid workflow: ${problems.length} problems:\n${problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n')}`,
      first?.path,
    );
    this.problems = problems;
  }
}

/** A step's input failed validation against the function's input DTO. The function did not run. */
export class InputValidationError extends FaastlaneError {
  readonly code = 'INPUT_INVALID';
  readonly violations: readonly InputViolation[];
  /** Name of the DTO class the input was validated against. */
  readonly inputType: string;

  constructor(stepPath: string, inputType: string, violations: readonly InputViolation[]) {
    super(
      `Input of step ${stepPath} is not a valid ${inputType}: ${violations
        .map((v) => `${v.property || '(input)'}: ${Object.values(v.constraints).join('; ')}`)
        .join(', ')}`,
      stepPath,
    );
    this.inputType = inputType;
    this.violations = violations;
  }
}

/** A step threw (or its worker, process or container crashed) on its last allowed attempt. */
export class StepFailedError extends FaastlaneError {
  readonly code = 'STEP_FAILED';
  /** The attempt that failed, counted from 1. */
  readonly attempt: number;

  constructor(stepPath: string, attempt: number, cause: unknown) {
    super(`Step ${stepPath} failed on attempt ${attempt}: ${describe(cause)}`, stepPath, { cause });
    this.attempt = attempt;
  }
}

/** A step (or an operator wrapped in `timeout`) ran longer than allowed. Its `AbortSignal` fired. */
export class StepTimeoutError extends FaastlaneError {
  readonly code = 'STEP_TIMEOUT';
  readonly timeoutMs: number;
  readonly attempt: number;

  constructor(stepPath: string, timeoutMs: number, attempt = 1) {
    super(`Step ${stepPath} timed out after ${timeoutMs} ms (attempt ${attempt})`, stepPath);
    this.timeoutMs = timeoutMs;
    this.attempt = attempt;
  }
}

/** The run was cancelled with `run.cancel()` (or the runtime closed before it finished). */
export class WorkflowCancelledError extends FaastlaneError {
  readonly code = 'WORKFLOW_CANCELLED';
  readonly reason: string;

  constructor(workflow: string, reason: string, stepPath?: string) {
    super(`Workflow ${workflow} was cancelled${stepPath ? ` during ${stepPath}` : ''}: ${reason}`, stepPath);
    this.reason = reason;
  }
}

/** A function touched memory of another protection domain. */
export class IsolationViolationError extends FaastlaneError {
  readonly code = 'ISOLATION_VIOLATION';
  readonly domain: string;

  constructor(stepPath: string, domain: string, detail?: string) {
    super(`Step ${stepPath} violated the isolation of domain ${domain}${detail ? `: ${detail}` : ''}`, stepPath);
    this.domain = domain;
  }
}

/** The container a step was placed in is gone and no other could take the step. */
export class ContainerUnavailableError extends FaastlaneError {
  readonly code = 'CONTAINER_UNAVAILABLE';
  readonly container: string;

  constructor(stepPath: string, container: string, cause?: unknown) {
    super(`Container ${container} for step ${stepPath} is unavailable${cause ? `: ${describe(cause)}` : ''}`, stepPath, {
      cause,
    });
    this.container = container;
  }
}

/**
 * A workflow was invoked while a worker thread, child process or container of a runtime was
 * importing a function's module: the module runs a program when it is imported, which would run
 * again in every host that imports it (and start hosts of its own). Declare functions in modules
 * that only declare them, and start the program from another one.
 */
export class InvokedDuringImportError extends FaastlaneError {
  readonly code = 'INVOKED_DURING_IMPORT';
  readonly module: string;

  constructor(workflow: string, module: string) {
    super(
      `Workflow ${workflow} was invoked while ${module} was being imported to run one of its functions here (a worker thread, child process or container): ` +
        'that module runs a program when it is imported, and every host importing it would run it again. Declare functions in a module that only declares them.',
    );
    this.module = module;
  }
}

/** The runtime was closed; it accepts no more invocations. */
export class RuntimeClosedError extends FaastlaneError {
  readonly code = 'RUNTIME_CLOSED';

  constructor() {
    super('The runtime is closed and accepts no more invocations');
  }
}

function describe(cause: unknown): string {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  try {
    return String(cause);
  } catch {
    return 'unprintable error';
  }
}

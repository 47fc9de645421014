/**
 * @faastlane/dsl: declare functions with `@Fn` and compose them into typed workflows.
 *
 * ```ts
 * export const predict = workflow('ml-prediction').pipe(task(Resize), parallel(task(Predict), task(Render)), task(Combine));
 * ```
 */
import 'reflect-metadata';

export { Fn, getFunctionDefinition, type FnDecorator } from './fn.js';
export { partsOf, type Operator, type OperatorInput, type OperatorOutput, type OperatorParts } from './operator.js';
export { task, type FnInput, type FnOutput, type TaskOptions } from './operators/task.js';
export { pipe } from './operators/pipe.js';
export { parallel } from './operators/parallel.js';
export { map, type MapOptions } from './operators/map.js';
export { choice, type ChoiceOptions } from './operators/choice.js';
export { retry, type RetryOptions } from './operators/retry.js';
export { timeout } from './operators/timeout.js';
export { catchError } from './operators/catch-error.js';
export { named } from './operators/named.js';
export { workflow, type WorkflowBuilder } from './workflow.js';

// Re-exported so that a user module needs only this package to declare functions.
export type { FnContext, FnOptions, Workflow } from '@faastlane/core';

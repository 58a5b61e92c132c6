/** functions-framework's rule for registered names (src/function_registry.ts, isValidFunctionName). */
export const FRAMEWORK_NAME = /^[A-Za-z](?:[-_A-Za-z0-9]{0,61}[A-Za-z0-9])?$/;

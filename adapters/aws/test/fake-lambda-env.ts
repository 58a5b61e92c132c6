import { AwsError } from './fake-aws-xml.js';

// Lambda's reserved keys (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
const RESERVED_KEYS = new Set(['_HANDLER', '_X_AMZN_TRACE_ID', 'AWS_DEFAULT_REGION', 'AWS_REGION', 'AWS_EXECUTION_ENV', 'AWS_LAMBDA_FUNCTION_NAME', 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_LAMBDA_INITIALIZATION_TYPE', 'AWS_LAMBDA_LOG_GROUP_NAME', 'AWS_LAMBDA_LOG_STREAM_NAME', 'AWS_ACCESS_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR']);

/** Lambda refuses a configuration that sets a reserved key, naming them. */
export function refuseReservedKeys(input: Record<string, unknown>): void {
  const variables = (input['Environment'] as { Variables?: Record<string, string> } | undefined)?.Variables ?? {};
  const used = Object.keys(variables).filter((k) => RESERVED_KEYS.has(k));
  if (used.length) {
    throw new AwsError(400, 'InvalidParameterValueException', `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${used.join(', ')}`);
  }
}

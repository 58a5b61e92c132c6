// The slices of Lambda's payloads that the hand-written handlers read (what @types/aws-lambda gives).
export interface FunctionUrlEvent {
  rawPath: string;
  rawQueryString: string;
  headers: Record<string, string | undefined>;
  cookies?: string[];
  queryStringParameters?: Record<string, string | undefined>;
  requestContext: { http: { method: string } };
  body?: string;
  isBase64Encoded: boolean;
}
export interface FunctionUrlResult {
  statusCode: number;
  headers?: Record<string, string>;
  cookies?: string[];
  body: string;
  isBase64Encoded?: boolean;
}
export interface SqsEvent {
  Records: Array<{ messageId: string; body: string }>;
}

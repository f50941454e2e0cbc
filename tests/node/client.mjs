// The client every script uses, configured by the pytest side through the environment:
//   MOCKSRV_URL          the server's root, e.g. http://127.0.0.1:PORT
//   MOCKSRV_KEY          the API key (mocksrv's session)
//   MOCKSRV_AZURE        set: an AzureOpenAI client on MOCKSRV_URL/azure for this deployment
//   MOCKSRV_SCENARIO     set: sent as X-Mock-Scenario on every request
//   MOCKSRV_MAX_RETRIES  the SDK's retries (default 0)
import OpenAI, { APIError, AzureOpenAI } from 'openai';

export function makeClient() {
  const env = process.env;
  const options = {
    apiKey: env.MOCKSRV_KEY,
    maxRetries: Number(env.MOCKSRV_MAX_RETRIES ?? 0),
    defaultHeaders: env.MOCKSRV_SCENARIO ? { 'X-Mock-Scenario': env.MOCKSRV_SCENARIO } : {},
  };
  if (env.MOCKSRV_AZURE) {
    return new AzureOpenAI({
      ...options,
      endpoint: `${env.MOCKSRV_URL}/azure`,
      apiVersion: '2024-10-21',
      deployment: env.MOCKSRV_AZURE,
    });
  }
  return new OpenAI({ ...options, baseURL: `${env.MOCKSRV_URL}/openai/v1` });
}

// Print what `main` returns as one JSON line; an API error is printed as {error: ...} (its class,
// status, body and retry headers) so the test can assert on it. Anything else fails the script.
export async function run(main) {
  try {
    console.log(JSON.stringify(await main()));
  } catch (err) {
    if (!(err instanceof APIError)) throw err;
    console.log(
      JSON.stringify({
        error: {
          class: err.constructor.name,
          status: err.status,
          body: err.error,
          retryAfter: err.headers?.get('retry-after') ?? null,
        },
      }),
    );
  }
}

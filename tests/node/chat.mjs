// One chat request (argv[2], JSON) three ways: a plain completion, the raw stream's chunks, and
// the SDK's stream helper's final completion (it assembles streamed text and tool calls).
import { makeClient, run } from './client.mjs';

const client = makeClient();
const request = JSON.parse(process.argv[2]);

run(async () => {
  const completion = await client.chat.completions.create(request);
  const chunks = [];
  for await (const chunk of await client.chat.completions.create({ ...request, stream: true })) {
    chunks.push(chunk);
  }
  const final = await client.chat.completions.stream(request).finalChatCompletion();
  return { completion, chunks, final };
});

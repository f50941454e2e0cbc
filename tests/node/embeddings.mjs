// One embeddings request (argv[2], JSON) as the SDK returns it: without encoding_format the SDK
// asks for base64 and decodes it to float arrays itself.
import { makeClient, run } from './client.mjs';

const client = makeClient();
run(() => client.embeddings.create(JSON.parse(process.argv[2])));

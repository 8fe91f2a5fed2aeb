// The official npm `openai` client against `onnx-kto serve`, unchanged: a plain chat, then a streamed one.
// Run by OpenAiClientTests: node chat.js BASE_URL MODEL; prints one JSON line per call for the test to check.
// The package is installed by `make openai-client` (node_modules/ beside this file).
"use strict";
const OpenAI = require("openai");

async function main() {
  const [baseURL, model] = process.argv.slice(2);
  const client = new OpenAI({ baseURL, apiKey: "test-key", maxRetries: 0 });
  const messages = [{ role: "user", content: "Say something." }];

  const plain = await client.chat.completions.create({ model, messages, max_tokens: 6, temperature: 0 });
  console.log(JSON.stringify({ kind: "plain", id: plain.id, content: plain.choices[0].message.content, finish: plain.choices[0].finish_reason, usage: plain.usage }));

  const stream = await client.chat.completions.create({ model, messages, max_tokens: 6, temperature: 0, stream: true, stream_options: { include_usage: true } });
  let content = "", finish = null, usage = null, id = null;
  for await (const chunk of stream) {
    id = chunk.id;
    for (const choice of chunk.choices) {
      content += choice.delta.content ?? "";
      finish = choice.finish_reason ?? finish;
    }
    usage = chunk.usage ?? usage;
  }
  console.log(JSON.stringify({ kind: "stream", id, content, finish, usage }));

  try {
    await client.chat.completions.create({ model: "no-such-model", messages });
  } catch (e) {
    console.log(JSON.stringify({ kind: "error", status: e.status, code: e.code, message: e.message }));
  }
}

main().catch(e => { console.error(e); process.exit(1); });

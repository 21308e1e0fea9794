/// <reference lib="dom" />
/// <reference lib="deno.ns" />
/**
 * The context window, told honestly: when a conversation no longer fits the largest window the
 * gateway asks for, the gateway sends only the newest turns and the page says how many the model
 * still sees.
 */

import { assert, assertEquals } from "@std/assert";
import { chatRequests, openChatPage, sendMessage, waitForAnswer } from "../../testing/browser.ts";

Deno.test("when earlier messages no longer fit the context window, the page says so", async () => {
  // Answers of about 300 tokens (3 bytes a token), against a window of at most 1024 tokens, of
  // which the gateway keeps 256 for the answer: the fourth question no longer fits with all before.
  const chat = await openChatPage({
    fake: { reply: "A long answer. ".repeat(60), thinking: "" },
    gateway: { maxContextTokens: 1024 },
  });
  const { page, fake } = chat;
  try {
    for (const question of ["first", "second", "third"]) {
      await sendMessage(page, question);
      await waitForAnswer(page);
      assertEquals(
        await page.innerText("#composer-note"),
        "",
        `everything fits at the ${question}`,
      );
    }

    await sendMessage(page, "fourth");
    await waitForAnswer(page);
    const note = await page.innerText("#composer-note");
    const kept = Number(
      note.match(/^Earlier messages no longer fit: the model sees the last (\d+)\.$/)?.[1],
    );
    assert(Number.isInteger(kept), `the page says how many turns the model sees: "${note}"`);
    const sent = chatRequests(fake).at(-1)!.messages as { role: string }[];
    assertEquals(sent.length, kept + 1, "Ollama got the kept turns and the new question");
  } finally {
    await chat.close();
  }
});

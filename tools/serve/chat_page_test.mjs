// The chat page at "/" in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core): type a question, see the streamed answer, the reasoning block and the
// speed, then ask a follow-up in the same conversation.
//   node chat_page_test.mjs URL [API_KEY]
// The server's fake model answers "Two and two.</think>\n\nThe answer is 4." to everything.
// Prints one JSON line; exits 1 with the reason on failure.
import { chromium } from "playwright-core";

const [url, apiKey] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
         "--disable-component-update", "--disable-default-apps", "--disable-extensions", "--disable-sync",
         "--no-first-run", "--no-default-browser-check", "--metrics-recording-only", "--mute-audio"],
});
let failure = null;
try {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(url);
  if (apiKey) {  // saved in localStorage by the page; the reload picks it up
    await page.click("summary");
    await page.fill("#api_key", apiKey);
    await page.dispatchEvent("#api_key", "change");
    await page.reload();
    // Before the key was set, the page's request for the model name got a 401, which Chromium
    // logs as a console error; only errors of the keyed session count.
    errors.length = 0;
  }
  // The model's name, not the "(needs an API key)" hint: the key was saved and sent.
  await page.waitForFunction(() => /^[^(]/.test(document.getElementById("model").textContent), null, { timeout: 10_000 });
  const model = await page.textContent("#model");

  async function ask(question, n) {
    await page.fill("#prompt", question);
    await page.press("#prompt", "Enter");
    const answer = page.locator(".message.assistant").nth(n);
    // data-done is set when the answer ends, however it ends; an error leaves the stats empty.
    await answer.locator(".stats[data-done]").waitFor({ state: "attached", timeout: 30_000 });
    if (await answer.locator(".error").count()) {
      throw new Error(`answer ${n} failed in the page: ${await answer.locator(".error").textContent()}`);
    }
    return {
      content: await answer.locator(".content").textContent(),
      reasoning: await answer.locator(".reasoning .text").textContent(),
      folded: !(await answer.locator(".reasoning").evaluate((d) => d.open)),
      stats: await answer.locator(".stats").textContent(),
    };
  }
  const first = await ask("What is 2+2?", 0);
  const second = await ask("And 3+3?", 1);
  const result = { model, first, second, errors };
  console.log(JSON.stringify(result));
  if (first.content !== "The answer is 4.") failure = "the answer was not streamed into the page";
  else if (first.reasoning !== "Two and two.") failure = "the reasoning block is missing";
  else if (!first.folded) failure = "the reasoning block did not fold when the answer began";
  else if (!/tok\/s/.test(first.stats) || !/cached/.test(second.stats)) failure = "no speed or usage line";
  else if (!/\(([1-9]\d*) cached\)/.test(second.stats)) failure = "the follow-up did not reuse the cache";
  else if (second.content !== "The answer is 4.") failure = "the second turn failed";
  else if (errors.length) failure = "the page logged errors";
} catch (e) {
  failure = String(e.stack || e);
} finally {
  await browser.close();
}
if (failure) {
  console.error("chat_page_test: " + failure);
  process.exit(1);
}

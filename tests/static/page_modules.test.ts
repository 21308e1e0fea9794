/**
 * The chat page's browser modules that need no DOM, tested directly in Deno: the NDJSON stream
 * parser, the inline `<think>` splitter and the markdown block tracker, each fed text cut at every
 * possible place; and what the maths extension takes for maths, and the code highlighter.
 */

import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { highlightCode, isClosedFence } from "../../static/code_highlight.js";
import { createBlockTracker } from "../../static/markdown_blocks.js";
import { mathExtension, MATHML_ATTRIBUTES, MATHML_TAGS } from "../../static/math.js";
import { Marked } from "../../static/vendor/marked.esm.js";
import { ndjsonObjects } from "../../static/ndjson.js";
import { createThinkSplitter } from "../../static/think.js";

/** A byte stream delivering `chunks` one read at a time. */
function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return ReadableStream.from(chunks);
}

async function collect(body: ReadableStream<Uint8Array>) {
  const objects = [];
  for await (const object of ndjsonObjects(body)) objects.push(object);
  return objects;
}

const LINES = [
  { response: "Grüße " },
  { thinking: "日本語 👋" },
  { response: "done" },
  { done: true, model: "qwen3:4b", eval_count: 3, eval_duration: 1_000_000 },
];

Deno.test("ndjsonObjects: the same objects wherever the bytes are cut, even inside a character", async () => {
  const bytes = new TextEncoder().encode(
    LINES.map((line) => JSON.stringify(line)).join("\n") + "\n",
  );
  for (let cut = 1; cut < bytes.length; cut++) {
    const chunks = [bytes.subarray(0, cut), bytes.subarray(cut)];
    assertEquals(await collect(streamOf(chunks)), LINES, `cut at byte ${cut}`);
  }
  const oneByteEach = [...bytes].map((byte) => Uint8Array.of(byte));
  assertEquals(await collect(streamOf(oneByteEach)), LINES);
});

Deno.test("ndjsonObjects: a last line without newline counts, blank lines do not", async () => {
  const text = '\n{"response":"a"}\n\n  \n{"done":true}';
  assertEquals(await collect(streamOf([new TextEncoder().encode(text)])), [
    { response: "a" },
    { done: true },
  ]);
});

Deno.test("ndjsonObjects: a line that is not JSON is an error that says so", async () => {
  const body = streamOf([new TextEncoder().encode('{"response":"a"}\n<html>oops\n')]);
  await assertRejects(
    () => collect(body),
    Error,
    "The server sent a line that is not JSON: <html>oops",
  );
});

Deno.test("ndjsonObjects: stopping early cancels the body", async () => {
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"response":"a"}\n'));
    },
    cancel() {
      cancelled = true;
    },
  });
  for await (const _ of ndjsonObjects(body)) break;
  assertEquals(cancelled, true);
});

/** Feeds `text` to a fresh splitter in pieces cut at `cuts`, and joins what comes out. */
function splitAll(text: string, cuts: number[]) {
  const splitter = createThinkSplitter();
  let thinking = "";
  let answer = "";
  let start = 0;
  for (const end of [...cuts, text.length]) {
    const parts = splitter.split(text.slice(start, end));
    thinking += parts.thinking;
    answer += parts.answer;
    start = end;
  }
  const rest = splitter.flush();
  return { thinking: thinking + rest.thinking, answer: answer + rest.answer };
}

Deno.test("think splitter: <think>…</think> is separated wherever the text is cut", () => {
  const text = "\n<think>Let me see: 2 < 3.\nYes.</think>\n\nThe answer is **yes**.";
  for (let first = 0; first <= text.length; first++) {
    for (let second = first; second <= text.length; second += 3) {
      assertEquals(
        splitAll(text, [first, second]),
        { thinking: "Let me see: 2 < 3.\nYes.", answer: "The answer is **yes**." },
        `cut at ${first} and ${second}`,
      );
    }
  }
});

Deno.test("think splitter: text without a leading <think> is all answer, tags included", () => {
  for (
    const text of ["Plain answer.", "Use <think> tags like <think>this</think>.", "<thin", "  <b>"]
  ) {
    for (let cut = 0; cut <= text.length; cut++) {
      assertEquals(
        splitAll(text, [cut]),
        { thinking: "", answer: text },
        `"${text}" at ${cut}`,
      );
    }
  }
});

Deno.test("think splitter: an unfinished thought stays thinking", () => {
  assertEquals(splitAll("<think>Still going </thi", [9]), {
    thinking: "Still going </thi",
    answer: "",
  });
});

/** The settled length after feeding `text` to a fresh tracker one character at a time. */
function settledGrowing(text: string) {
  const settledEnd = createBlockTracker();
  let settled = 0;
  for (let end = 1; end <= text.length; end++) {
    const next = settledEnd(text.slice(0, end));
    assert(next >= settled, "the settled part only grows");
    settled = next;
  }
  return settled;
}

Deno.test("block tracker: blocks settle at a blank line followed by a new block", () => {
  const text = "# Title\n\nA paragraph\nstill it.\n\n- a list\n";
  assertEquals(settledGrowing(text), text.indexOf("- a list"));
  assertEquals(settledGrowing("One paragraph\nthat goes on\n"), 0);
});

Deno.test("block tracker: nothing settles inside a code fence, even across blank lines", () => {
  const fenced = "Intro\n\n```py\nx = 1\n\n\ny = 2\n";
  assertEquals(settledGrowing(fenced), fenced.indexOf("```"));
  const closed = fenced + "```\nAfter the code\n";
  assertEquals(settledGrowing(closed), closed.indexOf("After the code"));
  const tildes = "~~~~\n```\n\nnot closed by backticks\n";
  assertEquals(settledGrowing(tildes), 0);
});

Deno.test("block tracker: an indented line after a blank may belong to the list above", () => {
  const text = "1. first\n\n   more of the first\n\n2. second\n";
  assertEquals(settledGrowing(text), text.indexOf("2. second"));
});

Deno.test("block tracker: display maths on its own lines holds like a fence, blank lines and all", () => {
  for (const [open, close] of [["$$", "$$"], ["\\[", "\\]"]]) {
    const text = `Intro\n\n${open}\na = b\n\nc = d\n${close}\n`;
    assertEquals(settledGrowing(text), text.indexOf(open), `${open} not closed yet`);
    const after = text + "\nAfter\n";
    assertEquals(settledGrowing(after), after.indexOf("After"), `${open} closed`);
  }
  const oneLine = "$$ a = b $$\n\nNext\n";
  assertEquals(settledGrowing(oneLine), oneLine.indexOf("Next"));
});

const marked = new Marked({ gfm: true }, mathExtension);
const unescapeHtml = (text: string) =>
  text.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&quot;", '"')
    .replaceAll("&#x27;", "'").replaceAll("&amp;", "&");
const html = (markdown: string) => marked.parse(markdown) as string;
/** The TeX sources of the formulas `markdown` renders, with the class of their span. */
const formulas = (markdown: string) =>
  [
    ...html(markdown).matchAll(
      /<span class="(tex-[a-z]+)"><math[^>]*>[\s\S]*?<annotation encoding="application\/x-tex">([\s\S]*?)<\/annotation>/g,
    ),
  ].map(([, kind, tex]) => `${kind} ${unescapeHtml(tex)}`);

Deno.test("maths: the four delimiters, inline and display, become MathML with the TeX kept", () => {
  assertEquals(
    formulas(
      String
        .raw`Inline \(a^2 + b^2\) and $c_1$, display \[\int_0^1 x\,\mathrm{d}x\] and $$\frac{1}{2}$$.`,
    ),
    [
      "tex-paren a^2 + b^2",
      "tex-dollar c_1",
      String.raw`tex-bracket \int_0^1 x\,\mathrm{d}x`,
      String.raw`tex-dollars \frac{1}{2}`,
    ],
  );
  assertMatch(html(String.raw`\[x\]`), /<math [^>]*display="block"/);
  assertMatch(html(String.raw`\(x\)`), /<math xmlns="[^"]*">/);
});

Deno.test("maths: display maths on lines of its own is one block, whatever markdown it resembles", () => {
  const body = [
    "\\begin{aligned}",
    "a &= b \\\\",
    "- c &= d \\\\",
    "    + e &> f",
    "\\end{aligned}",
  ];
  const text = ["Before", "", "$$", ...body, "$$", "After"].join("\n");
  assertEquals(formulas(text), [`tex-dollars \n${body.join("\n")}\n`]);
  assert(!html(text).includes("<li>") && !html(text).includes("<blockquote>"), "no list, no quote");
  assertStringIncludes(html(text), "<p>Before</p>");
  assertStringIncludes(html(text), "<p>After</p>");
  const bracket = "\\[\n\\begin{aligned} x &= 1 \\\\ y &= 2 \\end{aligned}\n\\]\n";
  assertEquals(formulas(bracket).length, 1);
});

Deno.test("maths: no backslash is lost, in maths or in a lone delimiter", () => {
  const tex = String.raw`\left( \frac{a}{b} \right) \, \\ \{x\} \_ \$`;
  assertEquals(formulas(`\\[${tex}\\]`), [`tex-bracket ${tex}`]);
  assertEquals(
    html(String.raw`An unclosed \(x + 1 and a lone \] stay as written.`),
    "<p>An unclosed \\(x + 1 and a lone \\] stay as written.</p>\n",
  );
});

Deno.test("maths: dollar amounts, code and half-written formulas stay text", () => {
  for (
    const text of [
      "It costs $5 and $10.",
      "From $5 to $10, or $20.",
      "Between $1,000 and $2,000 a month.",
      "A range: $5-$10.",
      "Not maths: $ x $ (spaces inside).",
      "Costs $5$10 hmm",
      "Half-written: $\\frac{a}{b}",
      "Half-written: \\(x^2 + ",
      "Half-written: $$x^2",
    ]
  ) assertEquals(formulas(text), [], text);
  assertEquals(formulas("In code `$x$` and\n\n```\n\\(y\\)\n```\n"), []);
  assertStringIncludes(html("It costs $5 and $10."), "It costs $5 and $10.");
  assertStringIncludes(html("`\\(y\\)`"), "<code>\\(y\\)</code>");
});

Deno.test("maths: a formula KaTeX cannot read shows as its source, escaped", () => {
  assertEquals(
    html(String.raw`See \(\frac{1\) and $\notacommand<b>$.`),
    "<p>See \\(\\frac{1\\) and $\\notacommand&lt;b&gt;$.</p>\n",
  );
});

Deno.test("maths: emphasis does not reach into a formula", () => {
  assertEquals(formulas("*a $x*y$ b*"), ["tex-dollar x*y"]);
  assertStringIncludes(html("*a $x*y$ b*"), "<em>a ");
  assertEquals(formulas("__bold $a_1 + a_2$__"), ["tex-dollar a_1 + a_2"]);
});

Deno.test("maths: KaTeX writes only the MathML tags and attributes the sanitizer allows", () => {
  const corpus = String.raw`
$$\begin{pmatrix}1&2\\3&4\end{pmatrix} \begin{aligned} a &= b \\ c &= d \end{aligned}$$
$$\sum_{i=1}^n i = \frac{n(n+1)}{2}, \int_0^\infty e^{-x^2}\,dx, \sqrt[3]{x}, \lim_{x \to 0} \frac{\sin x}{x}$$
$$\color{red}{x} \colorbox{yellow}{y} \boxed{z} \cancel{w} \overbrace{a+b}^{2} \underbrace{c}_{d} \text{text}$$
$$\hat{x} \vec{v} \overline{ab} \underline{c} \left( \frac12 \right) \mathbb{R} \mathcal{F} \mathrm{d}x \phantom{x} \hphantom{y}$$
$$\begin{cases} 1 & x > 0 \\ 0 & \text{else} \end{cases} \begin{array}{c|c} a & b \\ \hline c & d \end{array} \xrightarrow{f} \stackrel{!}{=}$$
$$\binom{n}{k} \tfrac{1}{2} \dfrac{a}{b} {\scriptstyle s} \big( \Big[ \bigg\{ x' \mathrel{R} \mathop{max}_x \not= \rule{1em}{2pt} \kern1em \mathbin{\#}$$`;
  const out = html(corpus);
  const tags = new Set([...out.matchAll(/<(m[a-z]*|semantics|annotation)[\s>]/g)].map((m) => m[1]));
  const unknownTags = [...tags].filter((tag) => !MATHML_TAGS.includes(tag));
  assertEquals(unknownTags, []);
  const mathml = [...out.matchAll(/<math[\s\S]*?<\/math>/g)].join("");
  const attributes = new Set([...mathml.matchAll(/ ([a-z:-]+)="/g)].map((m) => m[1]));
  const unknownAttributes = [...attributes].filter((name) =>
    !MATHML_ATTRIBUTES.includes(name) && name !== "xmlns"
  );
  assertEquals(unknownAttributes, []);
  assert(!/ (?:style|href|src|xlink:href|actiontype)=/.test(mathml), "no style, link or source");
});

Deno.test("code: a closed fence is highlighted with classes, an open one is not", () => {
  assertEquals(isClosedFence("```py\nx = 1\n```"), true);
  assertEquals(isClosedFence("```py\nx = 1\n``"), false);
  assertEquals(isClosedFence("~~~py\nx = 1\n```\n"), false);
  assertEquals(isClosedFence("```py\n"), false);
  const python = highlightCode("def f(x):\n    return '<x>'", "python")!;
  assertStringIncludes(python, '<span class="hljs-keyword">def</span>');
  assertStringIncludes(python, "&lt;x&gt;");
  assert(!python.includes("style="), "classes, not inline styles");
  for (const language of ["ts", "rust", "go", "bash", "json", "sql", "c", "java", "yaml", "html"]) {
    assert(highlightCode("x", language) !== null, `${language} is known`);
  }
  assertEquals(highlightCode("x", ""), null);
});

// conformance.mjs — the official Anthropic and OpenAI SDKs against pinglab-mockllm.
//
//   node tests/sdk/conformance.mjs [--sdk anthropic|openai] [--only TEXT] [--list]
//
// Every case starts its own pinglab-mockllm ($PINGLAB_BUILD/pinglab-mockllm, else
// build/pinglab-mockllm) with a profile written to a temp dir, makes the SDK call it, and
// checks what the SDK made of the answer: the parsed message, the stream's events, the
// usage, the error class with the status, type and message the mock sent, the retries. It
// never parses an answer itself except to learn what the mock sent (its --log, and for an
// error the SDK's own request replayed with plain fetch).
//
// The SDKs are the ones package-lock.json pins, installed by setup.sh into node_modules/
// beside this file; nothing is downloaded here. Prints one line per case, "ok NAME" or
// "FAIL NAME: why", then "sdk: N passed, N failed"; exits 0 when every case passed, 1
// when one failed, 77 (with a "skip: why" line) when the SDKs cannot run here.
// PINGLAB_VALGRIND=1 (make valgrind: the mock runs under valgrind) waits 10 times longer.

import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const BUILD = process.env.PINGLAB_BUILD || join(ROOT, 'build');
const MOCK = join(BUILD, 'pinglab-mockllm');
const SLOW = process.env.PINGLAB_VALGRIND ? 10 : 1;
const T = {
	start: 10000 * SLOW,    // the mock prints its URL
	stop: 10000 * SLOW,     // the mock exits after SIGTERM
	request: 30000 * SLOW,  // the SDK's timeout for one request
	kase: 60000 * SLOW,     // one whole case
};
const KEY = 'sk-pinglab-sdk-test-not-secret';

function skip(why) {
	console.log(`skip: ${why}`);
	process.exit(77);
}

// ---- arguments, environment, the SDKs -------------------------------------------------

const argv = process.argv.slice(2);
const opt = { sdk: null, only: null, list: false };
for (let i = 0; i < argv.length; i++) {
	if (argv[i] === '--sdk') opt.sdk = argv[++i];
	else if (argv[i] === '--only') opt.only = argv[++i];
	else if (argv[i] === '--list') opt.list = true;
	else {
		console.error(`conformance.mjs: unknown argument ${argv[i]}`);
		process.exit(2);
	}
}

// Both SDKs' READMEs: "Node.js 20 LTS or later". On Debian 12's node 18.20.4 the OpenAI
// SDK's request timeout never fired (openai/error/stall-timeout hung): not a runtime to judge
// the mock by.
const NODE_MIN = 20;
if (Number(process.versions.node.split('.')[0]) < NODE_MIN)
	skip(`node ${process.versions.node} is older than ${NODE_MIN}, the oldest the SDKs support (install Node.js ${NODE_MIN}+ and run ./setup.sh)`);

// The caller's keys, base URLs, profiles and config files must not reach the SDKs.
for (const k of Object.keys(process.env))
	if (/^(ANTHROPIC|OPENAI|AZURE_OPENAI|AWS)_/.test(k)) delete process.env[k];

const lock = JSON.parse(readFileSync(join(HERE, 'package-lock.json'), 'utf8'));
async function load(name) {
	let installed;
	try {
		installed = JSON.parse(readFileSync(join(HERE, 'node_modules', name, 'package.json'), 'utf8')).version;
	} catch {
		skip(`${name} is not installed in tests/sdk/node_modules (run ./setup.sh)`);
	}
	const pinned = lock.packages[`node_modules/${name}`]?.version;
	if (installed !== pinned)
		skip(`tests/sdk/node_modules has ${name} ${installed}, package-lock.json pins ${pinned} (run ./setup.sh)`);
	return { mod: (await import(name)).default, version: installed };
}
const { mod: Anthropic, version: A_VERSION } = await load('@anthropic-ai/sdk');
const { mod: OpenAI, version: O_VERSION } = await load('openai');

// ---- small assertions ------------------------------------------------------------------

class Fail extends Error {}
const show = (v) => (v === undefined ? 'undefined' : JSON.stringify(v));
function check(cond, what) {
	if (!cond) throw new Fail(what);
}
function eq(got, want, what) {
	if (!isDeepStrictEqual(got, want)) throw new Fail(`${what}: got ${show(got)}, want ${show(want)}`);
}
function count(n, what) {
	check(Number.isInteger(n) && n >= 0, `${what}: want a token count, got ${show(n)}`);
}
// The call must throw exactly `Class` (not a subclass, not a parent).
async function rejects(promise, Class, what) {
	let e;
	try {
		await (typeof promise === 'function' ? promise() : promise);
	} catch (err) {
		e = err;
	}
	if (!e) throw new Fail(`${what}: want ${Class.name}, the call succeeded`);
	if (e instanceof Fail) throw e;
	if (e.constructor !== Class)
		throw new Fail(`${what}: want ${Class.name}, got ${e.constructor?.name}: ${e.message}`);
	return e;
}

// ---- the packet, the requests ----------------------------------------------------------

function csum(b, off, len) {
	let s = 0;
	for (let i = 0; i < len; i += 2) s += (b[off + i] << 8) | (i + 1 < len ? b[off + i + 1] : 0);
	while (s >> 16) s = (s & 0xffff) + (s >> 16);
	return ~s & 0xffff;
}
// An echo request 10.77.1.2 > 10.77.2.2, id 0x1234, sequence seq: the hex of tests/mockutil.c's tm_echo.
function echo(seq, payload = 'sdk conformance') {
	const p = Buffer.from(payload), n = 28 + p.length, b = Buffer.alloc(n);
	Buffer.from([0x45, 0, n >> 8, n & 255, 2, 2, 0, 0, 64, 1, 0, 0, 10, 77, 1, 2, 10, 77, 2, 2,
		8, 0, 0, 0, 0x12, 0x34, seq >> 8, seq & 255]).copy(b);
	p.copy(b, 28);
	b.writeUInt16BE(csum(b, 20, n - 20), 22);
	b.writeUInt16BE(csum(b, 0, 20), 10);
	return b;
}
const userMsg = (seq) => { const b = echo(seq); return `Packet received (${b.length} bytes):\n${b.toString('hex')}\n`; };
const SYSTEM = 'You are the IPv4 stack of host 10.77.2.2. Each user message is one IPv4 packet in hex. ' +
	'Answer with one line: REPLY: followed by the hex of the packet you send back, or REPLY: DROP.';
const A_MODEL = 'claude-haiku-4-5', O_MODEL = 'gpt-4.1-mini';
const aParams = (seq, more = {}) => ({ model: A_MODEL, max_tokens: 1024, system: SYSTEM,
	messages: [{ role: 'user', content: userMsg(seq) }], ...more });
const oParams = (seq, more = {}) => ({ model: O_MODEL,
	messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: userMsg(seq) }], ...more });

const quiet = { error() {}, warn() {}, info() {}, debug() {} };

// ---- the simulated model ---------------------------------------------------------------

let mockCount = 0;
// A running pinglab-mockllm with `profile` (text), its log readable as objects.
async function startMock(ctx, profile, { args = [], keyFile = false } = {}) {
	const dir = join(SCRATCH, `mock-${++mockCount}`);
	mkdirSync(dir);
	writeFileSync(join(dir, 'profile'), profile);
	const m = { dir, log: join(dir, 'log'), stderr: '', exited: null, url: null };
	const a = ['--listen', '127.0.0.1:0', '--profile', join(dir, 'profile'), '--log', m.log, ...args];
	if (keyFile) {
		writeFileSync(join(dir, 'key'), `${KEY}\n`, { mode: 0o600 });
		chmodSync(join(dir, 'key'), 0o600);
		a.push('--key-file', join(dir, 'key'));
	}
	m.proc = spawn(MOCK, a, { stdio: ['ignore', 'pipe', 'pipe'] });
	ctx.mocks.push(m);
	m.proc.stderr.on('data', (d) => { if (m.stderr.length < 65536) m.stderr += d; });
	m.done = new Promise((res) => {
		m.proc.on('close', (code, sig) => { m.exited ??= { code, sig }; res(); });
		m.proc.on('error', (e) => { m.stderr += `${MOCK}: ${e.message}\n`; m.exited ??= { code: 127, sig: null }; res(); });
	});
	let out = '';
	m.url = await new Promise((res, rej) => {
		const t = setTimeout(() => rej(new Fail(`pinglab-mockllm printed no URL in ${T.start} ms; stderr: ${m.stderr.trim()}`)), T.start);
		m.proc.stdout.on('data', (d) => {
			out += d;
			if (out.includes('\n')) { clearTimeout(t); res(out.split('\n')[0]); }
		});
		m.done.then(() => {
			clearTimeout(t);
			rej(new Fail(`pinglab-mockllm exited (${m.exited.code ?? m.exited.sig}) before listening: ${m.stderr.trim()}`));
		});
	});
	check(/^http:\/\/127\.[0-9.]+:[0-9]+$/.test(m.url), `pinglab-mockllm printed ${show(m.url)}, not its URL`);
	m.lines = () => {
		let text = '';
		try { text = readFileSync(m.log, 'utf8'); } catch { /* nothing logged yet */ }
		return text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
	};
	// the log lines of model requests (not GET /v1/models or a refused path)
	m.requests = () => m.lines().filter((l) => l.format && l.path !== '/v1/models');
	return m;
}

async function stopMock(m) {
	if (!m.exited && m.proc.pid) {
		m.proc.kill('SIGTERM');
		const t = setTimeout(() => m.proc.kill('SIGKILL'), T.stop);
		await m.done;
		clearTimeout(t);
	}
	await m.done;
	if (m.exited.code !== 0)
		throw new Fail(`pinglab-mockllm exited ${m.exited.code ?? 'on ' + m.exited.sig} after SIGTERM; stderr: ${m.stderr.trim().slice(-2000)}`);
}

const anthropic = (m, o = {}) => new Anthropic({ baseURL: m.url, apiKey: KEY, maxRetries: 0,
	timeout: T.request, logger: quiet, ...o });
const openai = (m, o = {}) => new OpenAI({ baseURL: `${m.url}/v1`, apiKey: KEY, maxRetries: 0,
	timeout: T.request, logger: quiet, ...o });

// A fetch for the SDK's client that keeps every request it makes in `sent`.
const recorder = (sent) => (url, init) => { sent.push({ url: String(url), init }); return fetch(url, init); };
// The SDK's own request sent again with plain fetch: what the mock answers it, status,
// headers and the body as JSON (the same answer the SDK had: faults come on every attempt
// unless fault_attempts says otherwise, refusals on every request).
async function replay({ url, init }) {
	const r = await fetch(url, { method: init.method, headers: init.headers, body: init.body });
	const text = await r.text();
	let json = null;
	try { json = JSON.parse(text); } catch { /* not JSON */ }
	return { status: r.status, headers: r.headers, text, json };
}
// An error body without its request id (each response has its own).
function sansId(body) {
	if (!body || typeof body !== 'object' || !('request_id' in body)) return body;
	const { request_id: _, ...rest } = body;
	return rest;
}

// ---- cases -------------------------------------------------------------------------------

const cases = [];
function test(name, fn) {
	cases.push({ name, sdk: name.split('/')[0], fn });
}
const PROFILE = 'name = sdk\nlatency = fixed 0\nchatty = 1\nprompt_cache = yes\n';
const fault = (name, more = '') => `name = sdk-${name}\nlatency = fixed 0\nfault.${name} = 1\n${more}`;

// The one log line of a model request, checked for what the case expects.
function oneRequest(m, want) {
	const r = m.requests();
	eq(r.length, 1, 'requests the mock logged');
	for (const [k, v] of Object.entries(want)) eq(r[0][k], v, `log ${k}`);
	return r[0];
}

// ---- Anthropic: messages

function aUsage(usage, log, what) {
	for (const k of ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens']) {
		count(usage[k], `${what} usage.${k}`);
		eq(usage[k], log[k], `${what} usage.${k} (the mock's log)`);
	}
}

test('anthropic/message', async (ctx) => {
	const m = await ctx.mock(PROFILE);
	const c = anthropic(m);
	for (const seq of [1, 2]) {  // the second may read a cached system prompt
		const msg = await c.messages.create(aParams(seq));
		const log = m.requests().at(-1);
		eq(log.status, 200, 'log status');
		eq(msg.type, 'message', 'type');
		eq(msg.role, 'assistant', 'role');
		eq(msg.id, `msg_mock${log.id}`, 'id');
		eq(msg.model, A_MODEL, 'model');
		eq(msg.content.length, 1, 'content blocks');
		eq(msg.content[0].type, 'text', 'content[0].type');
		eq(msg.content[0].text.length, log.text_len, 'text length (the log\'s text_len)');
		check(msg.content[0].text.includes('REPLY:'), `text has no REPLY line: ${show(msg.content[0].text)}`);
		eq(msg.stop_reason, 'end_turn', 'stop_reason');
		eq(msg.stop_sequence, null, 'stop_sequence');
		aUsage(msg.usage, log, `request ${seq}`);
	}
});

// The streamed answer is the non-streamed one: same seed, same packet, attempt 0 at two mocks.
test('anthropic/stream', async (ctx) => {
	const [m1, m2] = [await ctx.mock(PROFILE), await ctx.mock(PROFILE)];
	const whole = await anthropic(m1).messages.create(aParams(7));
	const s = anthropic(m2).messages.stream(aParams(7));
	let texts = '';
	const types = [];
	s.on('text', (d) => { texts += d; });
	for await (const ev of s) types.push(ev.type);
	const fin = await s.finalMessage();
	const log = oneRequest(m2, { stream: true, status: 200, attempt: 0 });
	check(/^message_start content_block_start( content_block_delta)+ content_block_stop message_delta message_stop$/
		.test(types.join(' ')), `event sequence: ${types.join(' ')}`);
	check(types.filter((t) => t === 'content_block_delta').length >= 2, 'the answer came in one delta: too short a test');
	eq(fin.content.length, 1, 'final content blocks');
	eq(fin.content[0].type, 'text', 'final content[0].type');
	eq(fin.content[0].text, whole.content[0].text, 'streamed text vs the non-streamed answer');
	eq(texts, fin.content[0].text, "the 'text' events vs the final text");
	eq(fin.id, `msg_mock${log.id}`, 'id');
	eq(fin.model, A_MODEL, 'model');
	eq(fin.stop_reason, 'end_turn', 'stop_reason');
	aUsage(fin.usage, log, 'final');
});

test('anthropic/models', async (ctx) => {
	const m = await ctx.mock(`${PROFILE}model = sdk-model\n`);
	const ids = [];
	for await (const model of anthropic(m).models.list()) ids.push(model.id);
	eq(ids, ['sdk-model'], 'model ids');
});

// ---- Anthropic: errors. The SDK's error must be exactly the class for what the mock sent,
// and carry its status and body: the SDK's own request, replayed with plain fetch, says
// what that was.

async function aError(ctx, { profile = fault('server_error'), args, keyFile, client = {}, params = aParams(1),
	Class, status, type, stream = false, under = '' }) {
	const m = await ctx.mock(profile, { args, keyFile });
	const sent = [];
	const c = anthropic(m, { ...client, ...(under && { baseURL: `${m.url}${under}` }), fetch: recorder(sent) });
	const e = await rejects(stream ? async () => { for await (const _ of c.messages.stream(params)); }
		: c.messages.create(params), Class, 'error class');
	eq(sent.length, 1, 'requests the SDK made');
	const want = await replay(sent[0]);
	eq(want.status, status, 'status (the request replayed)');
	eq(e.status, status, 'status');
	eq(e.type, type, 'type');
	eq(sansId(e.error), sansId(want.json), 'error body (but its request_id)');
	if (e.error && 'request_id' in e.error) eq(e.error.request_id, e.requestID, "the body's request_id vs the request-id header");
	eq(e.apiMessage, want.json.error.message, 'apiMessage');
	eq(e.message, `${status} ${JSON.stringify(e.error)}`, 'message');
	eq(e.headers.get('retry-after'), want.headers.get('retry-after'), 'retry-after');
	check(typeof e.error?.error?.message === 'string' && e.error.error.message, `no error message in ${show(e.error)}`);
	return { m, e, want };
}

test('anthropic/error/400-invalid-request', async (ctx) => {
	const { m, e } = await aError(ctx, { profile: PROFILE, params: aParams(1, { messages: [] }),
		Class: Anthropic.BadRequestError, status: 400, type: 'invalid_request_error' });
	eq(e.error.error.message, m.requests().at(-1).error, 'message vs the log');
});
test('anthropic/error/401-wrong-key', async (ctx) => {
	const { m, e } = await aError(ctx, { profile: PROFILE, keyFile: true, client: { apiKey: 'sk-wrong' },
		Class: Anthropic.AuthenticationError, status: 401, type: 'authentication_error' });
	eq(e.error.error.message, m.requests().at(-1).error, 'message vs the log');
});
test('anthropic/error/404-path', async (ctx) => {
	await aError(ctx, { profile: PROFILE, under: '/nowhere',
		Class: Anthropic.NotFoundError, status: 404, type: 'not_found_error' });
});
test('anthropic/error/404-unknown-model', async (ctx) => {
	const { m, e } = await aError(ctx, { profile: `${PROFILE}models = table\n`,
		params: aParams(1, { model: 'claude-nonexistent-9' }),
		Class: Anthropic.NotFoundError, status: 404, type: 'not_found_error' });
	eq(e.error.error.message, m.requests().at(-1).error, 'message vs the log');
});
test('anthropic/error/413-too-large', async (ctx) => {
	const big = aParams(1);
	big.messages[0].content += 'x'.repeat(1100 * 1024);
	await aError(ctx, { profile: PROFILE, params: big,
		Class: Anthropic.ContentTooLargeError, status: 413, type: 'request_too_large' });
});
test('anthropic/error/429-rate-limit', async (ctx) => {
	const { e } = await aError(ctx, { profile: fault('rate_limit', 'retry_after_s = 7\n'),
		Class: Anthropic.RateLimitError, status: 429, type: 'rate_limit_error' });
	eq(e.headers.get('retry-after'), '7', 'retry-after');
});
test('anthropic/error/429-spend-limit', async (ctx) => {
	const { e } = await aError(ctx, { profile: fault('spend_limit'),
		Class: Anthropic.RateLimitError, status: 429, type: 'rate_limit_error' });
	eq(e.headers.get('retry-after'), null, 'retry-after');
	check(/spend limit/.test(e.error.error.message), `message: ${e.error.error.message}`);
});
test('anthropic/error/500-api-error', async (ctx) => {
	await aError(ctx, { profile: fault('server_error'),
		Class: Anthropic.InternalServerError, status: 500, type: 'api_error' });
});
test('anthropic/error/529-overloaded', async (ctx) => {
	await aError(ctx, { profile: fault('overloaded'),
		Class: Anthropic.OverloadedError, status: 529, type: 'overloaded_error' });
});
test('anthropic/error/429-rate-limit-stream', async (ctx) => {
	await aError(ctx, { profile: fault('rate_limit'), stream: true,
		Class: Anthropic.RateLimitError, status: 429, type: 'rate_limit_error' });
});
test('anthropic/error/reset', async (ctx) => {
	const m = await ctx.mock(fault('reset'));
	await rejects(anthropic(m).messages.create(aParams(1)), Anthropic.APIConnectionError, 'error class');
	oneRequest(m, { status: 0, injected: 'reset' });
});
test('anthropic/error/stall-timeout', async (ctx) => {
	const m = await ctx.mock(fault('stall', 'stall_ms = 600000\n'));
	await rejects(anthropic(m, { timeout: 1000 }).messages.create(aParams(1)),
		Anthropic.APIConnectionTimeoutError, 'error class');
	oneRequest(m, { injected: 'stall' });
});
// A body cut in half is not JSON: the SDK's JSON.parse throws, unwrapped.
test('anthropic/error/malformed-json', async (ctx) => {
	const m = await ctx.mock(fault('malformed_json'));
	await rejects(anthropic(m).messages.create(aParams(1)), SyntaxError, 'error class');
	oneRequest(m, { status: 200, injected: 'malformed_json' });
});
// A stream that breaks off inside a delta, with no message_stop: the SDK drops the half
// event and ends the iteration quietly, but finalMessage() refuses to call that a message.
test('anthropic/error/malformed-json-stream', async (ctx) => {
	const m = await ctx.mock(fault('malformed_json'));
	const s = anthropic(m).messages.stream(aParams(1));
	const types = [];
	for await (const ev of s) types.push(ev.type);
	const e = await rejects(s.finalMessage(), Anthropic.AnthropicError, 'finalMessage() error class');
	check(/without producing a Message/.test(e.message), `message: ${e.message}`);
	eq(types[0], 'message_start', 'first event');
	check(!types.includes('message_stop') && !types.includes('message_delta'), `events: ${types.join(' ')}`);
	oneRequest(m, { status: 200, stream: true, injected: 'malformed_json' });
});

// ---- Anthropic: retries, as the SDK does them

function gapMs(a, b) {
	const t = (s) => { const [sec, frac] = s.replace('Z', '').split('.'); return Date.parse(`${sec}Z`) + Number(`0.${frac}`) * 1000; };
	return t(b.time) - t(a.time);
}
// maxRetries 1, a 429 with retry-after 1 on the packet's first attempt only: the SDK waits
// the retry-after (its own backoff would be at most 0.5 s) and the second attempt answers.
async function retryAfter(ctx, api) {
	const m = await ctx.mock(fault('rate_limit', 'retry_after_s = 1\nfault_attempts = 1\n'));
	const text = api === 'anthropic'
		? (await anthropic(m, { maxRetries: 1 }).messages.create(aParams(1))).content[0].text
		: (await openai(m, { maxRetries: 1 }).chat.completions.create(oParams(1))).choices[0].message.content;
	const r = m.requests();
	eq(r.map((l) => [l.attempt, l.status, l.injected]), [[0, 429, 'rate_limit'], [1, 200, 'none']], 'attempts (attempt, status, injected)');
	eq(r[0].packet, r[1].packet, 'both attempts carry the packet');
	eq(text.length, r[1].text_len, 'answer is the second attempt\'s');
	check(gapMs(r[0], r[1]) >= 900, `second attempt ${gapMs(r[0], r[1]).toFixed(0)} ms after the first: before retry-after (1 s)`);
}
// A spend-limit 429 has no retry-after; the SDKs retry any 429 all the same (their backoff).
async function spendRetried(ctx, api) {
	const m = await ctx.mock(fault('spend_limit', 'fault_attempts = 1\n'));
	if (api === 'anthropic') await anthropic(m, { maxRetries: 1 }).messages.create(aParams(1));
	else await openai(m, { maxRetries: 1 }).chat.completions.create(oParams(1));
	eq(m.requests().map((l) => [l.attempt, l.status]), [[0, 429], [1, 200]], 'attempts (attempt, status): the SDK retries a spend-limit 429');
}
// A reset connection is retried by the SDKs too.
async function resetRetried(ctx, api) {
	const m = await ctx.mock(fault('reset', 'fault_attempts = 1\n'));
	if (api === 'anthropic') await anthropic(m, { maxRetries: 1 }).messages.create(aParams(1));
	else await openai(m, { maxRetries: 1 }).chat.completions.create(oParams(1));
	eq(m.requests().map((l) => [l.attempt, l.status]), [[0, 0], [1, 200]], 'attempts (attempt, status)');
}
test('anthropic/retry/429-retry-after', (ctx) => retryAfter(ctx, 'anthropic'));
test('anthropic/retry/429-spend-limit', (ctx) => spendRetried(ctx, 'anthropic'));
test('anthropic/retry/reset', (ctx) => resetRetried(ctx, 'anthropic'));

// ---- Anthropic: authentication. The SDK sends apiKey and authToken alike as
// Authorization: Bearer; a key in an X-Api-Key header is the other way the API takes.

test('anthropic/auth/api-key', async (ctx) => {
	const m = await ctx.mock(PROFILE, { keyFile: true });
	await anthropic(m, { apiKey: KEY }).messages.create(aParams(1));
	oneRequest(m, { status: 200 });
});
test('anthropic/auth/auth-token', async (ctx) => {
	const m = await ctx.mock(PROFILE, { keyFile: true });
	await anthropic(m, { apiKey: null, authToken: KEY }).messages.create(aParams(1));
	oneRequest(m, { status: 200 });
});
test('anthropic/auth/x-api-key-header', async (ctx) => {
	const m = await ctx.mock(PROFILE, { keyFile: true });
	await anthropic(m, { apiKey: null, defaultHeaders: { 'X-Api-Key': KEY } }).messages.create(aParams(1));
	oneRequest(m, { status: 200 });
});

// ---- Anthropic: request ids (request-id header)

test('anthropic/request-id', async (ctx) => {
	const m = await ctx.mock(PROFILE);
	const c = anthropic(m);
	const { data, response, request_id } = await c.messages.create(aParams(1)).withResponse();
	check(typeof request_id === 'string' && request_id.length > 0, `request_id: ${show(request_id)}`);
	eq(data._request_id, response.headers.get('request-id'), 'message._request_id');
	eq(request_id, data._request_id, 'withResponse().request_id');
	const s = c.messages.stream(aParams(2));
	await s.finalMessage();
	check(typeof s.request_id === 'string' && s.request_id.length > 0, `stream.request_id: ${show(s.request_id)}`);
	check(s.request_id !== request_id, 'two requests, one request id');
	const e = await rejects(c.messages.create(aParams(3, { messages: [] })), Anthropic.BadRequestError, 'error class');
	check(typeof e.requestID === 'string' && e.requestID.length > 0, `error.requestID: ${show(e.requestID)}`);
});

// ---- Anthropic: the answers of the newer fault kinds, streamed and not, and the two equal

async function aBoth(ctx, profile, params = aParams(3)) {
	const [m1, m2] = [await ctx.mock(profile), await ctx.mock(profile)];
	const whole = await anthropic(m1).messages.create(params);
	const s = anthropic(m2).messages.stream(params);
	const events = [];
	for await (const ev of s) events.push(ev);
	const fin = await s.finalMessage();
	eq(fin.content, whole.content, 'streamed content vs the non-streamed');
	eq(fin.stop_reason, whole.stop_reason, 'streamed stop_reason vs the non-streamed');
	aUsage(whole.usage, m1.requests().at(-1), 'non-streamed');
	aUsage(fin.usage, m2.requests().at(-1), 'streamed');
	return { whole, fin, events };
}

test('anthropic/fault/thinking', async (ctx) => {
	const { whole, events } = await aBoth(ctx, fault('thinking'),
		aParams(3, { max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 2048 } }));
	const types = whole.content.map((b) => b.type);
	eq(types[0], 'thinking', 'first block');
	check(types.includes('text'), `blocks: ${types.join(' ')}`);
	const t = whole.content[0];
	check(typeof t.thinking === 'string' && t.thinking.length > 0, `thinking: ${show(t.thinking)}`);
	check(typeof t.signature === 'string', `signature: ${show(t.signature)}`);
	const deltas = new Set(events.filter((e) => e.type === 'content_block_delta').map((e) => e.delta.type));
	check(deltas.has('thinking_delta') && deltas.has('text_delta'), `delta types: ${[...deltas].join(' ')}`);
	eq(whole.stop_reason, 'end_turn', 'stop_reason');
});
test('anthropic/fault/multi_text', async (ctx) => {
	const { whole } = await aBoth(ctx, fault('multi_text'));
	check(whole.content.length >= 2 && whole.content.every((b) => b.type === 'text'),
		`want several text blocks, got ${show(whole.content.map((b) => b.type))}`);
});
test('anthropic/fault/stream_error', async (ctx) => {
	const m = await ctx.mock(fault('stream_error'));
	const s = anthropic(m).messages.stream(aParams(3));
	const types = [];
	const e = await rejects(async () => { for await (const ev of s) types.push(ev.type); }, Anthropic.APIError,
		'error class');
	eq(types[0], 'message_start', 'first event');
	eq(e.status, undefined, 'status (the 200 was already sent)');
	check(typeof e.type === 'string' && e.type.length > 0, `type: ${show(e.type)}`);
	eq(e.type, e.error?.error?.type, 'type vs the error event');
	check(typeof e.error.error.message === 'string', `message: ${show(e.error)}`);
	oneRequest(m, { stream: true, status: 200, injected: 'stream_error' });
});
test('anthropic/fault/null_content', async (ctx) => {
	const { whole } = await aBoth(ctx, fault('null_content'));
	eq(whole.stop_reason, 'refusal', 'stop_reason');
});
test('anthropic/fault/max_tokens', async (ctx) => {
	const { whole } = await aBoth(ctx, fault('max_tokens'));
	eq(whole.stop_reason, 'max_tokens', 'stop_reason');
});

// ---- Anthropic: what the model table says a model refuses (models = table)

test('anthropic/table/temperature-refused', async (ctx) => {
	const m = await ctx.mock(`${PROFILE}models = table\n`);
	const c = anthropic(m);
	const params = aParams(1, { model: 'claude-opus-4-7', temperature: 0 });
	const e = await rejects(c.messages.create(params), Anthropic.BadRequestError, 'error class');
	eq(e.type, 'invalid_request_error', 'type');
	eq(e.error.error.message, m.requests().at(-1).error, 'message vs the log');
	check(/temperature/.test(e.error.error.message), `message does not name temperature: ${e.error.error.message}`);
	delete params.temperature;
	await c.messages.create(params);
	eq(m.requests().at(-1).status, 200, 'without temperature: status');
});

// ---- OpenAI: chat completions ------------------------------------------------------------

function oUsage(usage, log, what) {
	const prompt = log.input_tokens + log.cache_read_input_tokens + log.cache_creation_input_tokens;
	for (const k of ['prompt_tokens', 'completion_tokens', 'total_tokens']) count(usage[k], `${what} usage.${k}`);
	eq(usage.prompt_tokens, prompt, `${what} usage.prompt_tokens (the log's input + cache)`);
	eq(usage.completion_tokens, log.output_tokens, `${what} usage.completion_tokens`);
	eq(usage.total_tokens, prompt + log.output_tokens, `${what} usage.total_tokens`);
	// a llama.cpp server sends no prompt_tokens_details
	eq(usage.prompt_tokens_details?.cached_tokens ?? 0, log.cache_read_input_tokens, `${what} usage.prompt_tokens_details.cached_tokens`);
}

test('openai/message', async (ctx) => {
	const m = await ctx.mock(PROFILE);
	const c = openai(m);
	for (const seq of [1, 2]) {
		const r = await c.chat.completions.create(oParams(seq));
		const log = m.requests().at(-1);
		eq(log.status, 200, 'log status');
		eq(r.object, 'chat.completion', 'object');
		eq(r.id, `chatcmpl-mock${log.id}`, 'id');
		eq(r.model, O_MODEL, 'model');
		check(Number.isInteger(r.created) && r.created > 1.7e9, `created: ${show(r.created)}`);
		eq(r.choices.length, 1, 'choices');
		eq(r.choices[0].index, 0, 'choices[0].index');
		eq(r.choices[0].message.role, 'assistant', 'role');
		eq(r.choices[0].message.content.length, log.text_len, 'content length (the log\'s text_len)');
		eq(r.choices[0].finish_reason, 'stop', 'finish_reason');
		oUsage(r.usage, log, `request ${seq}`);
	}
});

test('openai/stream', async (ctx) => {
	const [m1, m2, m3] = [await ctx.mock(PROFILE), await ctx.mock(PROFILE), await ctx.mock(PROFILE)];
	const whole = await openai(m1).chat.completions.create(oParams(7));
	const text = whole.choices[0].message.content;
	const chunks = [];
	for await (const ch of await openai(m2).chat.completions.create(oParams(7, { stream: true, stream_options: { include_usage: true } })))
		chunks.push(ch);
	const log = oneRequest(m2, { stream: true, status: 200, attempt: 0 });
	check(chunks.every((ch) => ch.object === 'chat.completion.chunk' && ch.id === `chatcmpl-mock${log.id}` && ch.model === O_MODEL),
		'every chunk: object chat.completion.chunk, the id, the model');
	const usageChunk = chunks.at(-1);
	eq(usageChunk.choices, [], 'the usage chunk\'s choices');
	oUsage(usageChunk.usage, log, 'usage chunk');
	const body = chunks.slice(0, -1);
	check(body.every((ch) => ch.choices.length === 1 && !ch.usage), 'content chunks: one choice, no usage');
	eq(body.map((ch) => ch.choices[0].finish_reason).filter(Boolean), ['stop'], 'finish reasons');
	eq(body.at(-1).choices[0].finish_reason, 'stop', 'the last content chunk\'s finish_reason');
	eq(body[0].choices[0].delta.role, 'assistant', 'first delta role');
	check(body.length >= 3, `${body.length} content chunks: too short a test`);
	eq(body.map((ch) => ch.choices[0].delta.content ?? '').join(''), text, 'streamed text vs the non-streamed answer');
	// the SDK's own accumulation
	const s = openai(m3).chat.completions.stream(oParams(7, { stream_options: { include_usage: true } }));
	const fin = await s.finalChatCompletion();
	eq(fin.choices[0].message.content, text, 'finalChatCompletion() content');
	eq(fin.choices[0].finish_reason, 'stop', 'finalChatCompletion() finish_reason');
	oUsage(fin.usage, m3.requests().at(-1), 'finalChatCompletion()');
});

test('openai/models', async (ctx) => {
	const m = await ctx.mock(`${PROFILE}model = sdk-model\n`);
	const ids = [];
	for await (const model of openai(m).models.list()) ids.push(model.id);
	eq(ids, ['sdk-model'], 'model ids');
});

async function oError(ctx, { profile = fault('server_error'), args, keyFile, client = {}, params = oParams(1),
	Class, status, type, code, stream = false, under = '' }) {
	const m = await ctx.mock(profile, { args, keyFile });
	const sent = [];
	const c = openai(m, { ...client, ...(under && { baseURL: `${m.url}${under}/v1` }), fetch: recorder(sent) });
	const e = await rejects(stream ? async () => { for await (const _ of await c.chat.completions.create({ ...params, stream: true })); }
		: c.chat.completions.create(params), Class, 'error class');
	eq(sent.length, 1, 'requests the SDK made');
	const want = await replay(sent[0]);
	eq(want.status, status, 'status (the request replayed)');
	eq(e.status, status, 'status');
	eq(e.error, want.json.error, 'error body (its error member)');
	if (type !== undefined) eq(e.type, type, 'type');
	if (code !== undefined) eq(e.code, code, 'code');
	eq(e.param, want.json.error.param, 'param');
	eq(e.message, `${status} ${want.json.error.message}`, 'message');
	eq(e.headers.get('retry-after'), want.headers.get('retry-after'), 'retry-after');
	return { m, e };
}

test('openai/error/400-invalid-request', async (ctx) => {
	const { m, e } = await oError(ctx, { profile: PROFILE, params: oParams(1, { messages: [] }),
		Class: OpenAI.BadRequestError, status: 400, type: 'invalid_request_error' });
	eq(e.error.message, m.requests().at(-1).error, 'message vs the log');
});
test('openai/error/401-wrong-key', async (ctx) => {
	const { e } = await oError(ctx, { profile: PROFILE, keyFile: true, client: { apiKey: 'sk-wrong' },
		Class: OpenAI.AuthenticationError, status: 401, type: 'invalid_request_error', code: 'invalid_api_key' });
	check(e.error.message === 'Incorrect API key provided.' || /API key/.test(e.error.message), `message: ${e.error.message}`);
});
test('openai/error/404-path', async (ctx) => {
	await oError(ctx, { profile: PROFILE, under: '/nowhere',
		Class: OpenAI.NotFoundError, status: 404 });
});
test('openai/error/404-unknown-model', async (ctx) => {
	const { m, e } = await oError(ctx, { profile: `${PROFILE}models = table\n`, params: oParams(1, { model: 'gpt-nonexistent-9' }),
		Class: OpenAI.NotFoundError, status: 404, type: 'invalid_request_error' });
	eq(e.error.message, m.requests().at(-1).error, 'message vs the log');
});
// the OpenAI SDK has no class of its own for 413: a plain APIError
test('openai/error/413-too-large', async (ctx) => {
	const big = oParams(1);
	big.messages[1].content += 'x'.repeat(1100 * 1024);
	await oError(ctx, { profile: PROFILE, params: big, Class: OpenAI.APIError, status: 413, type: 'invalid_request_error' });
});
test('openai/error/429-rate-limit', async (ctx) => {
	const { e } = await oError(ctx, { profile: fault('rate_limit', 'retry_after_s = 7\n'),
		Class: OpenAI.RateLimitError, status: 429, type: 'requests', code: 'rate_limit_exceeded' });
	eq(e.headers.get('retry-after'), '7', 'retry-after');
});
test('openai/error/429-spend-limit', async (ctx) => {
	const { e } = await oError(ctx, { profile: fault('spend_limit'),
		Class: OpenAI.RateLimitError, status: 429, type: 'insufficient_quota', code: 'insufficient_quota' });
	eq(e.headers.get('retry-after'), null, 'retry-after');
});
test('openai/error/500-server-error', async (ctx) => {
	await oError(ctx, { profile: fault('server_error'), Class: OpenAI.InternalServerError, status: 500, type: 'server_error' });
});
test('openai/error/503-overloaded', async (ctx) => {
	await oError(ctx, { profile: fault('overloaded'), Class: OpenAI.InternalServerError, status: 503, type: 'server_error' });
});
test('openai/error/429-rate-limit-stream', async (ctx) => {
	await oError(ctx, { profile: fault('rate_limit'), stream: true,
		Class: OpenAI.RateLimitError, status: 429, type: 'requests', code: 'rate_limit_exceeded' });
});
test('openai/error/reset', async (ctx) => {
	const m = await ctx.mock(fault('reset'));
	await rejects(openai(m).chat.completions.create(oParams(1)), OpenAI.APIConnectionError, 'error class');
	oneRequest(m, { status: 0, injected: 'reset' });
});
test('openai/error/stall-timeout', async (ctx) => {
	const m = await ctx.mock(fault('stall', 'stall_ms = 600000\n'));
	await rejects(openai(m, { timeout: 1000 }).chat.completions.create(oParams(1)),
		OpenAI.APIConnectionTimeoutError, 'error class');
	oneRequest(m, { injected: 'stall' });
});
test('openai/error/malformed-json', async (ctx) => {
	const m = await ctx.mock(fault('malformed_json'));
	await rejects(openai(m).chat.completions.create(oParams(1)), SyntaxError, 'error class');
	oneRequest(m, { status: 200, injected: 'malformed_json' });
});
// A stream cut inside a chunk, with no [DONE]: the SDK drops the half chunk and ends the
// stream without an error; what it yields has no finish_reason and no usage, so a client
// can tell (the helper's finalChatCompletion() has no finish_reason either).
test('openai/error/malformed-json-stream', async (ctx) => {
	const [m1, m2] = [await ctx.mock(fault('malformed_json')), await ctx.mock(fault('malformed_json'))];
	const chunks = [];
	for await (const ch of await openai(m1).chat.completions.create(oParams(1, { stream: true, stream_options: { include_usage: true } })))
		chunks.push(ch);
	check(chunks.length >= 1, 'no chunk at all');
	check(chunks.every((ch) => !ch.usage && ch.choices.every((c) => !c.finish_reason)), `a finish_reason or usage in ${show(chunks)}`);
	oneRequest(m1, { status: 200, stream: true, injected: 'malformed_json' });
	const s = openai(m2).chat.completions.stream(oParams(1, { stream_options: { include_usage: true } }));
	let fin = null;
	try { fin = await s.finalChatCompletion(); } catch (e) {
		if (!(e instanceof OpenAI.OpenAIError)) throw new Fail(`finalChatCompletion() threw ${e.constructor.name}: ${e.message}`);
	}
	if (fin) check(!fin.choices[0]?.finish_reason && !fin.usage, `finalChatCompletion(): ${show(fin)}`);
});

test('openai/retry/429-retry-after', (ctx) => retryAfter(ctx, 'openai'));
test('openai/retry/429-spend-limit', (ctx) => spendRetried(ctx, 'openai'));
test('openai/retry/reset', (ctx) => resetRetried(ctx, 'openai'));

test('openai/auth/api-key', async (ctx) => {
	const m = await ctx.mock(PROFILE, { keyFile: true });
	await openai(m).chat.completions.create(oParams(1));
	oneRequest(m, { status: 200 });
});

test('openai/request-id', async (ctx) => {
	const m = await ctx.mock(PROFILE);
	const c = openai(m);
	const { data, response, request_id } = await c.chat.completions.create(oParams(1)).withResponse();
	check(typeof request_id === 'string' && request_id.length > 0, `request_id: ${show(request_id)}`);
	eq(data._request_id, response.headers.get('x-request-id'), 'completion._request_id');
	const { request_id: sid } = await c.chat.completions.create(oParams(2, { stream: true })).withResponse();
	check(typeof sid === 'string' && sid.length > 0 && sid !== request_id, `stream request_id: ${show(sid)}`);
	const e = await rejects(c.chat.completions.create(oParams(3, { messages: [] })), OpenAI.BadRequestError, 'error class');
	check(typeof e.requestID === 'string' && e.requestID.length > 0, `error.requestID: ${show(e.requestID)}`);
});

// Non-streamed, streamed (raw chunks) and the helper's accumulation of the same answer.
async function oBoth(ctx, profile, params = oParams(3)) {
	const [m1, m2, m3] = [await ctx.mock(profile), await ctx.mock(profile), await ctx.mock(profile)];
	const whole = await openai(m1).chat.completions.create(params);
	const chunks = [];
	for await (const ch of await openai(m2).chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } }))
		chunks.push(ch);
	const fin = await openai(m3).chat.completions.stream({ ...params, stream_options: { include_usage: true } }).finalChatCompletion();
	const deltas = chunks.flatMap((ch) => ch.choices.map((c) => c.delta));
	// a field's pieces joined; null when no delta carried any of it ("" pieces count as none)
	const join = (k) => deltas.map((d) => d[k] ?? '').join('') || null;
	const msg = whole.choices[0].message;
	eq(join('content'), msg.content, 'streamed content vs the non-streamed');
	eq(fin.choices[0].message.content, msg.content, 'finalChatCompletion() content');
	eq(chunks.map((ch) => ch.choices[0]?.finish_reason).filter(Boolean), [whole.choices[0].finish_reason], 'streamed finish_reason');
	eq(fin.choices[0].finish_reason, whole.choices[0].finish_reason, 'finalChatCompletion() finish_reason');
	oUsage(whole.usage, m1.requests().at(-1), 'non-streamed');
	oUsage(chunks.at(-1).usage, m2.requests().at(-1), 'streamed');
	return { whole, msg, chunks, fin, join };
}

// reasoning_content is not in the SDK's types: it must come through untouched
test('openai/fault/thinking', async (ctx) => {
	const { msg, join } = await oBoth(ctx, fault('thinking'));
	check(typeof msg.content === 'string' && msg.content.length > 0, `content: ${show(msg.content)}`);
	check(typeof msg.reasoning_content === 'string' && msg.reasoning_content.length > 0,
		`message.reasoning_content: ${show(msg.reasoning_content)}`);
	eq(join('reasoning_content'), msg.reasoning_content, 'streamed reasoning_content vs the non-streamed');
});
test('openai/fault/multi_text', async (ctx) => {
	const { msg } = await oBoth(ctx, fault('multi_text'));
	check(typeof msg.content === 'string' && msg.content.length > 0, `content: ${show(msg.content)}`);
});
test('openai/fault/stream_error', async (ctx) => {
	const m = await ctx.mock(fault('stream_error'));
	const chunks = [];
	const e = await rejects(async () => {
		for await (const ch of await openai(m).chat.completions.create(oParams(3, { stream: true }))) chunks.push(ch);
	}, OpenAI.APIError, 'error class');
	eq(e.status, undefined, 'status (the 200 was already sent)');
	check(typeof e.error?.message === 'string' && e.error.message.length > 0, `error: ${show(e.error)}`);
	check(typeof e.type === 'string' && e.type.length > 0, `type: ${show(e.type)}`);
	check(chunks.length >= 1, 'no chunk before the error');
	oneRequest(m, { stream: true, status: 200, injected: 'stream_error' });
});
test('openai/fault/null_content', async (ctx) => {
	const { msg, fin, join } = await oBoth(ctx, fault('null_content'));
	eq(msg.content, null, 'message.content');
	check(typeof msg.refusal === 'string' && msg.refusal.length > 0, `message.refusal: ${show(msg.refusal)}`);
	eq(join('refusal'), msg.refusal, 'streamed refusal vs the non-streamed');
	eq(fin.choices[0].message.refusal, msg.refusal, 'finalChatCompletion() refusal');
});
test('openai/fault/max_tokens', async (ctx) => {
	const { whole } = await oBoth(ctx, fault('max_tokens'));
	eq(whole.choices[0].finish_reason, 'length', 'finish_reason');
});

// models = table: what the table says a model refuses is a 400 with the mock's message
test('openai/table/refused-parameters', async (ctx) => {
	const m = await ctx.mock(`${PROFILE}models = table\n`);
	const c = openai(m);
	for (const more of [{ model: 'o3', temperature: 0 }, { model: 'o3', max_tokens: 100 }]) {
		const e = await rejects(c.chat.completions.create(oParams(1, more)), OpenAI.BadRequestError, `${show(more)}: error class`);
		eq(e.error.message, m.requests().at(-1).error, `${show(more)}: message vs the log`);
		eq(e.type, 'invalid_request_error', `${show(more)}: type`);
	}
	await c.chat.completions.create(oParams(1, { model: 'o3', max_completion_tokens: 100 }));
	eq(m.requests().at(-1).status, 200, 'o3 with max_completion_tokens: status');
});

// server = llama.cpp: a local server's answers (timings, no key needed) parse too
test('openai/server/llama.cpp', async (ctx) => {
	const p = `${PROFILE}server = llama.cpp\nmodels = any\n`;
	const { whole } = await oBoth(ctx, p, oParams(3, { model: 'local-gguf' }));
	check(typeof whole.choices[0].message.content === 'string', 'content');
});

// ---- run ---------------------------------------------------------------------------------

const chosen = cases.filter((c) => (!opt.sdk || c.sdk === opt.sdk) && (!opt.only || c.name.includes(opt.only)));
if (opt.list) {
	for (const c of chosen) console.log(c.name);
	process.exit(0);
}
if (!chosen.length) {
	console.error('conformance.mjs: no case matches');
	process.exit(2);
}

async function runCase(c) {
	const ctx = { mocks: [] };
	ctx.mock = (profile, o) => startMock(ctx, profile, o);
	const t0 = Date.now();
	let why = null, timer;
	try {
		await Promise.race([c.fn(ctx), new Promise((_, rej) => { timer = setTimeout(() => rej(new Fail(`timed out after ${T.kase} ms`)), T.kase); })]);
	} catch (e) {
		why = e instanceof Fail ? e.message : `${e.constructor?.name}: ${e.message}${e.cause ? ` (cause: ${e.cause.message ?? e.cause})` : ''}`;
	} finally {
		clearTimeout(timer);
	}
	for (const m of ctx.mocks) {
		try { await stopMock(m); } catch (e) { why ??= e.message; }
	}
	return { name: c.name, why, ms: Date.now() - t0 };
}

// profiles, logs and keys of the mocks; and no Anthropic profile or config file of the caller's
const SCRATCH = mkdtempSync(join(tmpdir(), 'pl-sdk-'));
process.env.ANTHROPIC_CONFIG_DIR = join(SCRATCH, 'anthropic-config');
const jobs = Math.max(1, Number(process.env.PINGLAB_SDK_JOBS) || 4);
const t0 = Date.now();
let next = 0, failed = 0;
console.log(`sdk: @anthropic-ai/sdk ${A_VERSION}, openai ${O_VERSION}, node ${process.versions.node}, ${chosen.length} cases, mock ${MOCK}`);
await Promise.all(Array.from({ length: Math.min(jobs, chosen.length) }, async () => {
	while (next < chosen.length) {
		const r = await runCase(chosen[next++]);
		if (r.why) failed++;
		console.log(r.why ? `FAIL ${r.name}: ${r.why}` : `ok   ${r.name} (${(r.ms / 1000).toFixed(1)} s)`);
	}
}));
rmSync(SCRATCH, { recursive: true, force: true });
console.log(`sdk: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
console.log(`sdk: ${chosen.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
